// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-demo: feeds shadow update requests through ShadowService, the
// AWS IoT Device Shadow service as a function, and prints every message the
// service would publish, then the shadow as a final GET returns it.
//
//   shadowsync-demo [--thing T] [--shadow S] SHADOW_FILE UPDATE_FILE...
//   shadowsync-demo            (built-in light bulb walkthrough)
//
// SHADOW_FILE holds a stored shadow {"state":{...},"metadata":{...},
// "version":N}; a missing file or `null` means no shadow yet. Each
// UPDATE_FILE is the payload of one PUBLISH to .../update.

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/command_line.h"
#include "shadowsync/document.h"
#include "shadowsync/json.h"
#include "shadowsync/service.h"
#include "shadowsync/status.h"
#include "shadowsync/store.h"
#include "shadowsync/topic.h"

namespace {

constexpr int kExitUsage = 2;

constexpr char kDescription[] =
    "Seeds an in-memory shadow service with SHADOW_FILE (a stored shadow\n"
    "{\"state\":{...},\"metadata\":{...},\"version\":N}; a missing file or `null` means no\n"
    "shadow), publishes each UPDATE_FILE to $aws/things/T/shadow[/name/S]/update, prints every\n"
    "response as <topic> and pretty JSON, then the response to a final GET. Without files: the\n"
    "built-in light bulb walkthrough. Exit 2 on bad input.";

// A request to publish: where it came from (for the header line) and what.
struct Input {
  std::string label;
  std::string payload;
};

// The built-in walkthrough: the AWS light bulb of the Device Shadow data
// flow documentation, starting with no shadow.
const std::vector<Input>& Walkthrough() {
  static const std::vector<Input> steps = {
      {"device reports its color, red",
       R"({"state":{"reported":{"color":"red"}},"clientToken":"device-1"})"},
      {"app asks for green, so desired differs from reported: a delta follows",
       R"({"state":{"desired":{"color":"green"}},"clientToken":"app-1"})"},
      {"device turns green, reports it and clears desired",
       R"({"state":{"reported":{"color":"green"},"desired":null},"clientToken":"device-2"})"},
  };
  return steps;
}

std::string PrettyJson(std::string_view text) {
  shadowsync::Result<shadowsync::JsonDocument> parsed = shadowsync::ParseJson(text);
  if (!parsed.ok()) return std::string(text);  // not JSON: show as is
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  parsed.value().Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Reads a whole file. nullopt (and `error` set) when it cannot be read.
std::optional<std::string> ReadFile(const std::string& path, std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = "is a directory";
    return std::nullopt;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = errno != 0 ? std::strerror(errno) : "cannot open";
    return std::nullopt;
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    *error = "read error";
    return std::nullopt;
  }
  return content.str();
}

bool IsBlankOrNull(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return false;  // empty is malformed JSON, not null
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1) == "null";
}

void PrintMessages(const std::vector<shadowsync::ServiceMessage>& messages) {
  for (const shadowsync::ServiceMessage& message : messages) {
    std::cout << message.topic << '\n' << PrettyJson(message.payload) << '\n';
  }
}

std::chrono::system_clock::time_point Now() { return std::chrono::system_clock::now(); }

int Run(const shadowsync::ShadowId& id, std::optional<shadowsync::ShadowDocument> initial,
        const std::vector<Input>& inputs) {
  const shadowsync::Result<std::string> update_topic =
      shadowsync::BuildTopic(id, shadowsync::Operation::kUpdate);
  const shadowsync::Result<std::string> get_topic =
      shadowsync::BuildTopic(id, shadowsync::Operation::kGet);
  if (!update_topic.ok() || !get_topic.ok()) {
    const shadowsync::Status status =
        update_topic.ok() ? get_topic.status() : update_topic.status();
    std::cerr << "shadowsync-demo: " << status.message() << '\n';
    return kExitUsage;
  }

  shadowsync::MemoryStore store;
  if (initial.has_value()) {
    const std::uint64_t version = initial->version();
    const shadowsync::Status saved = store.Save(id, std::move(*initial));
    if (!saved.ok()) {
      std::cerr << "shadowsync-demo: cannot store the initial shadow: " << saved.ToString() << '\n';
      return 1;
    }
    std::cout << "# stored shadow, version " << version << "\n\n";
  } else {
    std::cout << "# no stored shadow\n\n";
  }

  shadowsync::ShadowService service(store);
  for (const Input& input : inputs) {
    std::cout << "# " << input.label << " (publish to " << *update_topic << ")\n";
    PrintMessages(service.Handle({*update_topic, input.payload, Now()}));
    std::cout << '\n';
  }

  std::cout << "# final GET (publish to " << *get_topic << ")\n";
  PrintMessages(service.Handle({*get_topic, "", Now()}));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string thing = "myLightBulb";
  std::optional<std::string> shadow;
  std::vector<std::string> files;
  shadowsync::cli::CommandLine line("shadowsync-demo", kDescription, SHADOWSYNC_VERSION);
  CLI::App& app = line.app();
  app.add_option("--thing", thing, "thing name")->capture_default_str()->type_name("T");
  app.add_option_function<std::string>(
         "--shadow", [&shadow](const std::string& name) { shadow = name; },
         "named shadow (default: the classic shadow)")
      ->type_name("S");
  app.add_option("FILES", files,
                 "SHADOW_FILE (the stored shadow), then one UPDATE_FILE per update payload")
      ->type_name("");
  if (std::optional<int> exit = line.ParseOrExit(argc, argv, std::cout, std::cerr)) return *exit;

  const shadowsync::ShadowId id{thing, shadow};
  if (files.empty()) return Run(id, std::nullopt, Walkthrough());
  if (files.size() < 2) {
    std::cerr << "error: need SHADOW_FILE and at least one UPDATE_FILE\n"
              << "see 'shadowsync-demo --help'\n";
    return kExitUsage;
  }

  // The stored shadow: a missing file or `null` means none.
  std::optional<shadowsync::ShadowDocument> initial;
  const std::string& shadow_file = files.front();
  std::error_code exists_error;
  const bool exists = std::filesystem::exists(shadow_file, exists_error);
  if (exists_error) {
    std::cerr << "shadowsync-demo: " << shadow_file << ": " << exists_error.message() << '\n';
    return kExitUsage;
  }
  if (exists) {
    std::string error;
    const std::optional<std::string> text = ReadFile(shadow_file, &error);
    if (!text) {
      std::cerr << "shadowsync-demo: " << shadow_file << ": " << error << '\n';
      return kExitUsage;
    }
    if (!IsBlankOrNull(*text)) {
      shadowsync::Result<shadowsync::ShadowDocument> document =
          shadowsync::ShadowDocument::FromJsonText(*text);
      if (!document.ok()) {
        std::cerr << "shadowsync-demo: " << shadow_file << ": " << document.status().message()
                  << '\n';
        return kExitUsage;
      }
      initial = std::move(document).value();
    }
  }

  // Every update file is read and checked to be JSON before anything runs,
  // so a typo stops the demo instead of showing up as a 400 rejection.
  std::vector<Input> inputs;
  for (auto it = files.begin() + 1; it != files.end(); ++it) {
    std::string error;
    std::optional<std::string> text = ReadFile(*it, &error);
    if (!text) {
      std::cerr << "shadowsync-demo: " << *it << ": " << error << '\n';
      return kExitUsage;
    }
    const shadowsync::Result<shadowsync::JsonDocument> parsed = shadowsync::ParseJson(*text);
    if (!parsed.ok()) {
      std::cerr << "shadowsync-demo: " << *it << ": " << parsed.status().message() << '\n';
      return kExitUsage;
    }
    inputs.push_back({*it, std::move(*text)});
  }
  return Run(id, std::move(initial), inputs);
}
