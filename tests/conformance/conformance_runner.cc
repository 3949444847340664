// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-conformance: runs the vector files of spec section 13 through
// the library and prints a diff for every vector that fails.
//
//   shadowsync-conformance [--vectors FILE]... [--topics FILE]...
//                          [--verbose] [--filter SUBSTRING]
//
// The last line of the output is always "N passed, M failed" when vectors
// ran. Exit status: 0 when every vector passed, 1 when one failed, 2 for bad
// usage or a vector file that cannot be read or parsed.

#include <cstddef>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "conformance/shadow_vector.h"
#include "conformance/topic_vector.h"
#include "conformance/vector_file.h"
#include "conformance/vector_result.h"

namespace shadowsync::conformance {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage =
    "usage: shadowsync-conformance [--vectors FILE]... [--topics FILE]...\n"
    "                              [--verbose] [--filter SUBSTRING]\n"
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
    "Both options may be repeated. Ends with the line \"N passed, M failed\".\n"
    "Exit status: 0 all passed, 1 a vector failed, 2 bad usage or bad file.\n";

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
};

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
    if (arg == "--vectors" || arg == "--topics" || arg == "--filter") {
      if (i + 1 >= argc) {
        std::cerr << "shadowsync-conformance: " << arg << " needs an argument\n" << kUsage;
        return kExitUsage;
      }
      const std::string value = argv[++i];
      if (arg == "--filter") {
        options->filter = value;
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

  std::size_t passed = 0;
  std::size_t failed = 0;
  for (const VectorFile& file : files) {
    std::size_t index = 0;
    for (const JsonValue& vector : file.doc.GetArray()) {
      const std::string name = file.kind == FileKind::kShadow ? ShadowVectorName(vector, index)
                                                              : TopicVectorName(vector, index);
      ++index;
      if (!options.filter.empty() && name.find(options.filter) == std::string::npos) continue;
      const VectorResult result =
          file.kind == FileKind::kShadow ? RunShadowVector(vector) : RunTopicVector(vector);
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
  std::cout << passed << " passed, " << failed << " failed\n" << std::flush;
  return failed == 0 ? 0 : kExitFailed;
}

}  // namespace
}  // namespace shadowsync::conformance

int main(int argc, char** argv) { return shadowsync::conformance::Main(argc, argv); }
