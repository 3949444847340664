// SPDX-License-Identifier: Apache-2.0
#include "rest_command.h"

#include <string>
#include <utility>

#include "rest_watch.h"

namespace shadowsync {
namespace shadowctl {
namespace {

// ALPN that AWS IoT wants for a client certificate on port 443.
constexpr char kHttpCertificateAlpn[] = "x-amzn-http-ca";

int PortOf(const std::string& url) {
  const std::size_t slash = url.find("://");
  std::string rest = url.substr(slash == std::string::npos ? 0 : slash + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const std::size_t colon = rest.rfind(':');
  const std::size_t bracket = rest.rfind(']');
  if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket)) return 443;
  return std::atoi(rest.c_str() + colon + 1);
}

// "409: Version conflict (ConflictException)" -> "409 Version conflict
// (ConflictException)", as the MQTT path prints a rejection.
std::string AsRejection(const std::string& message) {
  const std::size_t colon = message.find(": ");
  if (colon == std::string::npos || colon > 3) return message;
  return message.substr(0, colon) + " " + message.substr(colon + 2);
}

int ExitFor(const Status& status, std::ostream& err) {
  switch (status.code()) {
    case StatusCode::kConflict:
    case StatusCode::kNotFound:
    case StatusCode::kRejected:
      err << "error: " << AsRejection(status.message()) << "\n";
      return kExitRejected;
    case StatusCode::kTimeout:
      err << "error: " << status.message() << "\n";
      return kExitTimeout;
    case StatusCode::kUnavailable:
      err << "error: " << status.message() << "\n";
      return kExitConnection;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
      err << "error: " << InFlagTerms(status.message()) << "\n";
      return kExitUsage;
    default:
      err << "error: " << status.message() << "\n";
      return kExitInternal;
  }
}

int Print(const JsonValue& document, const Options& options, std::ostream& out, std::ostream& err) {
  out << FormatDocument(document, options.compact) << "\n";
  out.flush();
  if (!out) {
    err << "error: cannot write to stdout\n";
    return kExitInternal;
  }
  return kExitOk;
}

}  // namespace

Result<RestClientOptions> ToRestClientOptions(const Options& options,
                                              const AwsEnvironment& environment) {
  RestClientOptions rest;
  rest.endpoint = options.mqtt.server_uri;
  rest.ca_file = options.mqtt.ca_file;
  rest.request_timeout = options.timeout;
  rest.connect_timeout = options.timeout;
  if (options.protocol == Protocol::kHttpsCertificate) {
    rest.authentication = RestAuthentication::kClientCertificate;
    rest.cert_file = options.mqtt.cert_file;
    rest.key_file = options.mqtt.key_file;
    rest.alpn = options.mqtt.alpn_protocols;
    // AWS IoT tells the REST API from MQTT on 443 by ALPN.
    if (rest.alpn.empty() && PortOf(rest.endpoint) == 443) rest.alpn = {kHttpCertificateAlpn};
    if (rest.cert_file.empty() || rest.key_file.empty()) {
      return InvalidArgumentError("--protocol https-cert needs --cert and --key");
    }
    return rest;
  }
  rest.authentication = RestAuthentication::kSigV4;
  AwsCredentialOptions wanted;
  wanted.profile = options.profile;
  wanted.region = options.region;
  Result<AwsCredentials> credentials = LoadAwsCredentials(wanted, environment);
  if (!credentials.ok()) {
    return Status(credentials.status().code() == StatusCode::kNotFound
                      ? StatusCode::kInvalidArgument
                      : credentials.status().code(),
                  "SigV4 needs AWS credentials: " + credentials.status().message());
  }
  Result<std::string> region = LoadAwsRegion(wanted, environment);
  if (!region.ok()) {
    return InvalidArgumentError("SigV4 needs a region (--region): " + region.status().message());
  }
  rest.credentials = std::move(credentials).value();
  rest.region = std::move(region).value();
  return rest;
}

int RunRest(const Options& options, const Request& request, std::ostream& out, std::ostream& err,
            const AwsEnvironment& environment, StopSignal& stop) {
  Result<RestClientOptions> rest = ToRestClientOptions(options, environment);
  if (!rest.ok()) return ExitFor(rest.status(), err);
  Result<std::unique_ptr<ShadowRestClient>> made = ShadowRestClient::Create(std::move(*rest));
  if (!made.ok()) return ExitFor(made.status(), err);
  ShadowRestClient& client = **made;

  if (options.command == Command::kWatch) {
    return RunRestWatch(
        options, [&] { return client.Get(options.shadow); },
        [&err](const Status& status) { return ExitFor(status, err); }, out, err, stop);
  }
  if (options.command == Command::kList) {
    // Every page, one name per line (the classic shadow is never listed).
    std::optional<std::string> token;
    do {
      Result<NamedShadowPage> page =
          client.ListNamedShadows(options.shadow.thing, token, options.page_size);
      if (!page.ok()) return ExitFor(page.status(), err);
      for (const std::string& name : page->names) out << name << "\n";
      token = page->next_token;
    } while (token);
    out.flush();
    if (!out) {
      err << "error: cannot write to stdout\n";
      return kExitInternal;
    }
    return kExitOk;
  }
  RequestResult answer = options.command == Command::kGet ? client.Get(options.shadow)
                         : options.command == Command::kDelete
                             ? client.Delete(options.shadow)
                             : client.Update(options.shadow, request.payload);
  if (!answer.ok()) return ExitFor(answer.status(), err);
  return Print(answer->payload, options, out, err);
}

}  // namespace shadowctl
}  // namespace shadowsync
