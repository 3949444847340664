// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-conformance: runs the vector files of spec section 13 through
// the library and prints a diff for every vector that fails.
//
//   shadowsync-conformance [--vectors FILE]... [--topics FILE]...
//                          [--verbose] [--filter SUBSTRING]
//                          [--broker URI [--ca F --cert F --key F]
//                           --emulator PATH [--emulator-arg ARG]...]
//                          [--plugin PATH ... [--gateway PATH --https-ca F
//                           --https-cert F --https-key F
//                           --gateway-tls-cert F --gateway-tls-key F]]
//
// With --broker and --emulator (the wire mode, wire_runner.h) each shadow
// vector runs against a freshly seeded shadowsync-emulator over MQTT;
// topic vectors need no broker and run in-process either way. With
// --plugin, each runs against a fresh mosquitto with the broker plugin; with
// --gateway too (the HTTPS mode), its request goes over HTTPS with a client
// certificate through a fresh shadowsync-gateway (wire_runner.h says what
// is checked, and which vectors are skipped and why: SKIP lines).
//
// The last line of the output is always "N passed, M failed" when vectors
// ran. Exit status: 0 when every vector passed, 1 when one failed, 2 for bad
// usage or a vector file that cannot be read or parsed (or, in wire mode,
// when the runner cannot connect to the broker or find the emulator).

#include <cstddef>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "conformance/shadow_vector.h"
#include "conformance/topic_vector.h"
#include "conformance/vector_file.h"
#include "conformance/vector_result.h"
#include "conformance/wire_runner.h"

namespace shadowsync::conformance {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage =
    "usage: shadowsync-conformance [--vectors FILE]... [--topics FILE]...\n"
    "                              [--verbose] [--filter SUBSTRING]\n"
    "                              [--broker URI [--ca F --cert F --key F]\n"
    "                               --emulator PATH [--emulator-arg ARG]...]\n"
    "                              [--plugin PATH [--mosquitto PATH]\n"
    "                               [--plugin-opt 'NAME VALUE']...]\n"
    "\n"
    "Runs conformance vectors (format: shadow-service spec, section 13) through\n"
    "the shadowsync library and reports every mismatch.\n"
    "\n"
    "  --vectors FILE      request/response vectors (like shadow_vectors.json)\n"
    "  --topics FILE       topic vectors (like topic_vectors.json)\n"
    "  --filter SUBSTRING  run only vectors whose name (for topic vectors: the\n"
    "                      topic) contains SUBSTRING\n"
    "  --verbose           also show passing vectors, published messages and\n"
    "                      topic parse errors\n"
    "  --help              show this text\n"
    "\n"
    "Wire mode (both --broker and --emulator): every request/response vector\n"
    "runs over MQTT against a shadowsync-emulator started for it, seeded with\n"
    "the vector's initial shadow; topic vectors still run in-process.\n"
    "  --broker URI        tcp://HOST:PORT or ssl://HOST:PORT\n"
    "  --ca F, --cert F, --key F\n"
    "                      TLS files for ssl://, used by the runner and the\n"
    "                      emulator alike\n"
    "  --emulator PATH     the shadowsync-emulator binary; it gets --broker,\n"
    "                      the TLS files, --workers 0 and --seed-file\n"
    "  --emulator-arg ARG  one more emulator argument, after those (repeat it;\n"
    "                      e.g. --emulator-arg --workers=2)\n"
    "\n"
    "Plugin mode (--plugin): every request/response vector runs over MQTT\n"
    "against a fresh mosquitto (plain loopback listener) that loads the\n"
    "shadowsync_mosquitto.so plugin, seeded with the vector's initial shadow.\n"
    "  --plugin PATH       the plugin; it gets plugin_opt_seed_file\n"
    "  --mosquitto PATH    the broker binary (default /usr/sbin/mosquitto)\n"
    "  --plugin-opt 'NAME VALUE'\n"
    "                      one more plugin_opt_ line (repeat it; e.g.\n"
    "                      --plugin-opt 'order random')\n"
    "\n"
    "HTTPS mode (--plugin and --gateway): every get/update/delete vector goes\n"
    "over HTTPS with a client certificate through a shadowsync-gateway started\n"
    "per vector in front of the plugin's broker: the HTTP status, body and\n"
    "x-amzn-ErrorType are checked, and the accepted/delta/documents devices\n"
    "see on MQTT. Vectors REST cannot express are skipped (a SKIP line says\n"
    "why): topics with invalid names or no request (MQTT gives no answer),\n"
    "and get/delete answers that echo a clientToken from the body (REST GET\n"
    "and DELETE have no body).\n"
    "  --gateway PATH      the shadowsync-gateway binary\n"
    "  --https-ca F        CA of the gateway's and the client's certificates\n"
    "  --https-cert F, --https-key F\n"
    "                      the client certificate the runner presents\n"
    "  --gateway-tls-cert F, --gateway-tls-key F\n"
    "                      the gateway's server certificate\n"
    "\n"
    "--vectors, --topics and --emulator-arg may be repeated. Ends with the line\n"
    "\"N passed, M failed\" (\", K skipped\" added when vectors were skipped; in\n"
    "wire mode after a line of timings).\n"
    "Exit status: 0 all passed, 1 a vector failed, 2 bad usage or bad file (or\n"
    "the wire mode could not connect or find the emulator).\n";

enum class FileKind { kShadow, kTopic };

struct VectorFile {
  FileKind kind;
  std::string path;
  JsonDocument doc;
};

struct Options {
  std::vector<std::pair<FileKind, std::string>> files;
  bool verbose = false;
  std::string filter;
  WireOptions wire;  // wire mode when wire.broker or wire.emulator is set
};

bool WireMode(const Options& options) {
  return !options.wire.broker.empty() || !options.wire.emulator.empty() ||
         !options.wire.plugin.empty();
}

// Returns the exit status to stop with, or -1 to go on.
int ParseArgs(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--verbose" || arg == "-v") {
      options->verbose = true;
      continue;
    }
    if (arg == "--vectors" || arg == "--topics" || arg == "--filter" || arg == "--broker" ||
        arg == "--ca" || arg == "--cert" || arg == "--key" || arg == "--emulator" ||
        arg == "--emulator-arg" || arg == "--plugin" || arg == "--mosquitto" ||
        arg == "--plugin-opt" || arg == "--gateway" || arg == "--https-ca" ||
        arg == "--https-cert" || arg == "--https-key" || arg == "--gateway-tls-cert" ||
        arg == "--gateway-tls-key") {
      if (i + 1 >= argc) {
        std::cerr << "shadowsync-conformance: " << arg << " needs an argument\n" << kUsage;
        return kExitUsage;
      }
      const std::string value = argv[++i];
      if (arg == "--filter") {
        options->filter = value;
      } else if (arg == "--broker") {
        options->wire.broker = value;
      } else if (arg == "--ca") {
        options->wire.ca_file = value;
      } else if (arg == "--cert") {
        options->wire.cert_file = value;
      } else if (arg == "--key") {
        options->wire.key_file = value;
      } else if (arg == "--emulator") {
        options->wire.emulator = value;
      } else if (arg == "--emulator-arg") {
        options->wire.emulator_args.push_back(value);
      } else if (arg == "--plugin") {
        options->wire.plugin = value;
      } else if (arg == "--mosquitto") {
        options->wire.mosquitto = value;
      } else if (arg == "--plugin-opt") {
        options->wire.plugin_options.push_back(value);
      } else if (arg == "--gateway") {
        options->wire.gateway = value;
      } else if (arg == "--https-ca") {
        options->wire.https_ca_file = value;
      } else if (arg == "--https-cert") {
        options->wire.https_cert_file = value;
      } else if (arg == "--https-key") {
        options->wire.https_key_file = value;
      } else if (arg == "--gateway-tls-cert") {
        options->wire.gateway_cert_file = value;
      } else if (arg == "--gateway-tls-key") {
        options->wire.gateway_key_file = value;
      } else {
        options->files.emplace_back(arg == "--vectors" ? FileKind::kShadow : FileKind::kTopic,
                                    value);
      }
      continue;
    }
    std::cerr << "shadowsync-conformance: unknown argument '" << arg << "'\n" << kUsage;
    return kExitUsage;
  }
  if (options->files.empty()) {
    std::cerr << "shadowsync-conformance: nothing to run; give --vectors or --topics\n" << kUsage;
    return kExitUsage;
  }
  const WireOptions& wire = options->wire;
  const bool tls_files = !wire.ca_file.empty() || !wire.cert_file.empty() || !wire.key_file.empty();
  if (!wire.plugin.empty() && (!wire.broker.empty() || !wire.emulator.empty() || tls_files)) {
    std::cerr << "shadowsync-conformance: --plugin runs its own broker; it takes no --broker, "
                 "--emulator or TLS files\n"
              << kUsage;
    return kExitUsage;
  }
  const bool https_files = !wire.https_ca_file.empty() || !wire.https_cert_file.empty() ||
                           !wire.https_key_file.empty() || !wire.gateway_cert_file.empty() ||
                           !wire.gateway_key_file.empty();
  if ((!wire.gateway.empty() || https_files) && wire.plugin.empty()) {
    std::cerr << "shadowsync-conformance: the HTTPS mode (--gateway and its files) needs "
                 "--plugin\n"
              << kUsage;
    return kExitUsage;
  }
  if (https_files && wire.gateway.empty()) {
    std::cerr << "shadowsync-conformance: --https-* and --gateway-tls-* need --gateway\n" << kUsage;
    return kExitUsage;
  }
  if (wire.plugin.empty() && !wire.plugin_options.empty()) {
    std::cerr << "shadowsync-conformance: --plugin-opt needs --plugin\n" << kUsage;
    return kExitUsage;
  }
  if (wire.plugin.empty() && WireMode(*options) && (wire.broker.empty() || wire.emulator.empty())) {
    std::cerr << "shadowsync-conformance: the wire mode needs both --broker and --emulator\n"
              << kUsage;
    return kExitUsage;
  }
  if (!WireMode(*options) && (tls_files || !wire.emulator_args.empty())) {
    std::cerr << "shadowsync-conformance: --ca, --cert, --key and --emulator-arg need "
                 "--broker and --emulator\n"
              << kUsage;
    return kExitUsage;
  }
  return -1;
}

void PrintLines(const char* prefix, const std::vector<std::string>& lines) {
  for (const std::string& line : lines) std::cout << prefix << line << '\n';
}

int Main(int argc, char** argv) {
  Options options;
  if (int status = ParseArgs(argc, argv, &options); status >= 0) return status;

  // Load every file before running anything: a bad file is a usage error,
  // not a partial run.
  std::vector<VectorFile> files;
  for (auto& [kind, path] : options.files) {
    Result<JsonDocument> doc = LoadVectorFile(path);
    if (!doc.ok()) {
      std::cerr << "shadowsync-conformance: " << path << ": " << doc.status().message() << '\n';
      return kExitUsage;
    }
    files.push_back({kind, path, std::move(doc).value()});
  }

  // The wire mode's MQTT client, connected once for the whole run.
  std::unique_ptr<WireRunner> wire;
  if (WireMode(options)) {
    wire = std::make_unique<WireRunner>(options.wire);
    if (Status started = wire->Start(); !started.ok()) {
      std::cerr << "shadowsync-conformance: wire mode: " << started.message() << '\n';
      return kExitUsage;
    }
  }

  std::size_t passed = 0;
  std::size_t failed = 0;
  std::size_t skipped = 0;
  for (const VectorFile& file : files) {
    std::size_t index = 0;
    for (const JsonValue& vector : file.doc.GetArray()) {
      const std::string name = file.kind == FileKind::kShadow ? ShadowVectorName(vector, index)
                                                              : TopicVectorName(vector, index);
      ++index;
      if (!options.filter.empty() && name.find(options.filter) == std::string::npos) continue;
      const VectorResult result = file.kind == FileKind::kTopic ? RunTopicVector(vector)
                                  : wire                        ? wire->Run(vector)
                                                                : RunShadowVector(vector);
      if (!result.skipped.empty()) {
        ++skipped;
        std::cout << "SKIP " << name << " (" << file.path << "): " << result.skipped << '\n';
        continue;
      }
      if (result.passed()) {
        ++passed;
        if (options.verbose) {
          std::cout << "PASS " << name << " (" << file.path << ")\n";
          PrintLines("  ", result.notes);
        }
        continue;
      }
      ++failed;
      std::cout << "FAIL " << name << " (" << file.path << ")\n";
      PrintLines("  ", result.failures);
      if (options.verbose) PrintLines("  note: ", result.notes);
    }
  }
  if (wire) {
    wire->Stop();
    std::cout << wire->StatsLine() << '\n';
  }
  std::cout << passed << " passed, " << failed << " failed";
  if (skipped > 0) std::cout << ", " << skipped << " skipped";
  std::cout << '\n' << std::flush;
  return failed == 0 ? 0 : kExitFailed;
}

}  // namespace
}  // namespace shadowsync::conformance

int main(int argc, char** argv) { return shadowsync::conformance::Main(argc, argv); }
