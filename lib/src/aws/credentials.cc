// SPDX-License-Identifier: Apache-2.0
//
// The credential chain (shadowsync/aws_credentials.h), in botocore's order
// for the sources we support: environment, shared credentials file,
// credential_process, config file (botocore/credentials.py,
// create_credential_resolver and ProfileProviderBuilder).

#include <time.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "aws/config_file.h"
#include "aws/credential_process.h"
#include "aws/sigv4_canonical.h"
#include "shadowsync/aws_credentials.h"

namespace shadowsync {
namespace {

// An expiration in a message.
std::string FormatUtc(std::chrono::system_clock::time_point time) {
  return aws::FormatUtc(time, "%Y-%m-%dT%H:%M:%SZ");
}

std::optional<std::string> NonEmptyEnv(const AwsEnvironment& env, const std::string& name) {
  std::optional<std::string> value = env.get_env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::string ProfileName(const AwsCredentialOptions& options, const AwsEnvironment& env) {
  if (options.profile) return *options.profile;
  if (auto p = NonEmptyEnv(env, "AWS_PROFILE")) return *p;
  return "default";
}

// "~/..." as the AWS CLI expands it, from HOME.
std::string ExpandHome(const std::string& path, const AwsEnvironment& env) {
  if (path.rfind("~/", 0) != 0 && path != "~") return path;
  std::string home = NonEmptyEnv(env, "HOME").value_or("");
  return home + path.substr(1);
}

std::string CredentialsFilePath(const AwsEnvironment& env) {
  return ExpandHome(NonEmptyEnv(env, "AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"),
                    env);
}

std::string ConfigFilePath(const AwsEnvironment& env) {
  return ExpandHome(NonEmptyEnv(env, "AWS_CONFIG_FILE").value_or("~/.aws/config"), env);
}

// A parsed file, or why there is none (for the "tried" list), or an error.
struct LoadedFile {
  std::string path;
  std::optional<aws::IniSections> sections;  // nullopt: absent or unreadable
  std::string absent_reason;
};

Result<LoadedFile> LoadIni(const std::string& path, const AwsEnvironment& env) {
  LoadedFile file;
  file.path = path;
  Result<std::string> text = env.read_file(path);
  if (!text.ok()) {
    if (text.status().code() != StatusCode::kNotFound) return text.status();
    file.absent_reason = "no such file";
    return file;
  }
  Result<aws::IniSections> sections = aws::ParseAwsConfigFile(*text, path);
  if (!sections.ok()) return sections.status();
  file.sections = std::move(*sections);
  return file;
}

const std::map<std::string, std::string>* CredentialsProfile(const LoadedFile& file,
                                                             const std::string& profile) {
  if (!file.sections) return nullptr;
  auto it = file.sections->find(profile);
  return it == file.sections->end() ? nullptr : &it->second;
}

const std::map<std::string, std::string>* ConfigProfile(const LoadedFile& file,
                                                        const std::string& profile) {
  return file.sections ? aws::FindConfigProfile(*file.sections, profile) : nullptr;
}

std::optional<std::string> Setting(const std::map<std::string, std::string>* section,
                                   const std::string& key) {
  if (section == nullptr) return std::nullopt;
  auto it = section->find(key);
  if (it == section->end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// Static keys from a profile section: nullopt when it has none, an error
// when it has half of them.
Result<std::optional<AwsCredentials>> KeysFromSection(
    const std::map<std::string, std::string>* section, const std::string& source) {
  auto id = Setting(section, "aws_access_key_id");
  auto secret = Setting(section, "aws_secret_access_key");
  if (!id && !secret) return std::optional<AwsCredentials>();
  if (!id || !secret) {
    return InvalidArgumentError(source + " has " +
                                (id ? "aws_access_key_id but no aws_secret_access_key"
                                    : "aws_secret_access_key but no aws_access_key_id"));
  }
  AwsCredentials c;
  c.access_key_id = *id;
  c.secret_access_key = *secret;
  c.session_token = Setting(section, "aws_session_token").value_or("");
  c.source = source;
  return std::optional<AwsCredentials>(std::move(c));
}

std::string Describe(const LoadedFile& file, const std::string& kind, const std::string& section) {
  return kind + " " + file.path + " " + section;
}

}  // namespace

std::string AwsCredentials::ToString() const {
  std::string out = "AwsCredentials{access_key_id=" + access_key_id +
                    ", secret_access_key=" + (secret_access_key.empty() ? "<none>" : "<redacted>") +
                    ", session_token=" + (session_token.empty() ? "<none>" : "<redacted>");
  if (expiration) out += ", expiration=" + FormatUtc(*expiration);
  out += ", source=" + source + "}";
  return out;
}

std::ostream& operator<<(std::ostream& out, const AwsCredentials& credentials) {
  return out << credentials.ToString();
}

AwsEnvironment SystemAwsEnvironment() {
  AwsEnvironment env;
  env.get_env = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  env.read_file = [](const std::string& path) -> Result<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      int error = errno;
      if (error == ENOENT || error == ENOTDIR) return NotFoundError(path + ": no such file");
      return Status(StatusCode::kUnavailable, "cannot read " + path + ": " + std::strerror(error));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  };
  env.run_process = aws::RunProcessForOutput;
  env.now = [] { return std::chrono::system_clock::now(); };
  return env;
}

Result<AwsCredentials> LoadAwsCredentials(const AwsCredentialOptions& options,
                                          const AwsEnvironment& env) {
  std::vector<std::string> tried;
  const std::string profile = ProfileName(options, env);

  // 1. The environment, unless a profile was named explicitly.
  if (options.profile) {
    tried.push_back("environment (skipped: profile '" + profile + "' given explicitly)");
  } else {
    auto id = NonEmptyEnv(env, "AWS_ACCESS_KEY_ID");
    auto secret = NonEmptyEnv(env, "AWS_SECRET_ACCESS_KEY");
    if (id && secret) {
      AwsCredentials c;
      c.access_key_id = *id;
      c.secret_access_key = *secret;
      c.session_token = NonEmptyEnv(env, "AWS_SESSION_TOKEN").value_or("");
      c.source = "environment";
      return c;
    }
    if (id || secret) {
      return InvalidArgumentError(
          std::string("environment: ") +
          (id ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
              : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"));
    }
    tried.push_back("environment (AWS_ACCESS_KEY_ID unset)");
  }

  Result<LoadedFile> credentials_file = LoadIni(CredentialsFilePath(env), env);
  if (!credentials_file.ok()) return credentials_file.status();
  Result<LoadedFile> config_file = LoadIni(ConfigFilePath(env), env);
  if (!config_file.ok()) return config_file.status();
  const auto* credentials_section = CredentialsProfile(*credentials_file, profile);
  const auto* config_section = ConfigProfile(*config_file, profile);

  // 2. The shared credentials file.
  const std::string credentials_source =
      Describe(*credentials_file, "shared credentials file", "[" + profile + "]");
  auto from_credentials = KeysFromSection(credentials_section, credentials_source);
  if (!from_credentials.ok()) return from_credentials.status();
  if (*from_credentials) return std::move(**from_credentials);
  tried.push_back(credentials_source + " (" +
                  (!credentials_file->sections      ? credentials_file->absent_reason
                   : credentials_section == nullptr ? std::string("no such profile")
                                                    : std::string("no keys")) +
                  ")");

  // 3. credential_process, from either file (the credentials file wins, as
  //    botocore merges them).
  std::optional<std::string> process = Setting(credentials_section, "credential_process");
  if (!process) process = Setting(config_section, "credential_process");
  if (process) {
    const std::string source = "credential_process of profile '" + profile + "'";
    Result<std::vector<std::string>> argv = aws::SplitCommandLine(*process);
    if (!argv.ok()) return Status(argv.status().code(), source + ": " + argv.status().message());
    Result<std::string> output = env.run_process(*argv, options.process_timeout);
    if (!output.ok()) {
      return Status(output.status().code(), source + ": " + output.status().message());
    }
    Result<AwsCredentials> parsed = aws::ParseCredentialProcessOutput(*output, source);
    if (!parsed.ok()) return parsed.status();
    if (parsed->expiration && env.now && *parsed->expiration <= env.now()) {
      return InvalidArgumentError(source + ": the credentials it returned expired at " +
                                  FormatUtc(*parsed->expiration));
    }
    return parsed;
  }
  tried.push_back("credential_process (none in profile '" + profile + "')");

  // 4. The config file.
  const std::string config_source =
      Describe(*config_file, "config file",
               profile == "default" ? std::string("[default]") : "[profile " + profile + "]");
  auto from_config = KeysFromSection(config_section, config_source);
  if (!from_config.ok()) return from_config.status();
  if (*from_config) return std::move(**from_config);
  tried.push_back(config_source + " (" +
                  (!config_file->sections      ? config_file->absent_reason
                   : config_section == nullptr ? std::string("no such profile")
                                               : std::string("no keys")) +
                  ")");

  std::string message = "no AWS credentials found for profile '" + profile + "'; tried: ";
  for (std::size_t i = 0; i < tried.size(); ++i) {
    if (i > 0) message += "; ";
    message += tried[i];
  }
  return NotFoundError(message);
}

Result<std::string> LoadAwsRegion(const AwsCredentialOptions& options, const AwsEnvironment& env) {
  if (options.region && !options.region->empty()) return *options.region;
  if (auto r = NonEmptyEnv(env, "AWS_REGION")) return *r;
  if (auto r = NonEmptyEnv(env, "AWS_DEFAULT_REGION")) return *r;
  const std::string profile = ProfileName(options, env);
  Result<LoadedFile> config_file = LoadIni(ConfigFilePath(env), env);
  if (!config_file.ok()) return config_file.status();
  if (auto r = Setting(ConfigProfile(*config_file, profile), "region")) return *r;
  return NotFoundError(
      "no AWS region: give one (--region), or set AWS_REGION or "
      "AWS_DEFAULT_REGION, or 'region' in profile '" +
      profile + "' of " + config_file->path);
}

}  // namespace shadowsync
