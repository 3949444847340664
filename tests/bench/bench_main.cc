// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-bench: registers the benchmarks of service_bench.cc and
// merge_bench.cc, runs them through a console reporter that remembers every
// run, and ends with the ratios of issue 2 computed from the paired
// benchmarks' median CPU time per iteration (the median of the repetitions
// when --benchmark_repetitions is given, else the single run). CPU time
// rather than real time because the machines this runs on are shared: time
// spent preempted counts in real time only.
//
// Exit status: 0 unless a benchmark reported an error (its setup found the
// library answering differently than the benchmark expects). A ratio never
// fails the run: this is a measurement, not a timed test. 2 for a usage
// error.
//
// The command line: Google Benchmark's own --benchmark_* flags go to
// benchmark::Initialize(); everything else to the shared front end
// (cli/command_line.h), which gives --help, --version and the usual errors.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "bench.h"
#include "cli/command_line.h"
#include "documents.h"

#ifndef SHADOWSYNC_VERSION
#define SHADOWSYNC_VERSION "unknown"
#endif

namespace shadowsync {
namespace bench {
namespace {

std::vector<RatioSpec>& Ratios() {
  static std::vector<RatioSpec> ratios;
  return ratios;
}

std::string Format(const char* format, double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

std::string FormatTime(double seconds) {
  char buffer[32];
  if (seconds >= 1e-3) {
    std::snprintf(buffer, sizeof buffer, "%.2f ms", seconds * 1e3);
  } else if (seconds >= 1e-6) {
    std::snprintf(buffer, sizeof buffer, "%.2f us", seconds * 1e6);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.0f ns", seconds * 1e9);
  }
  return buffer;
}

// The console output of benchmark, plus the ratios at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : ConsoleReporter(OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const std::string& name = run.run_name.function_name;
      if (run.error_occurred) {
        errors_[name] = run.error_message;
        continue;
      }
      const double seconds =
          run.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
      if (run.run_type == Run::RT_Aggregate) {
        if (run.aggregate_name == "median") medians_[name] = seconds;
      } else {
        samples_[name].push_back(seconds);
      }
    }
  }

  void Finalize() override {
    std::ostream& out = GetOutputStream();
    out << "\nRatios (median CPU time per iteration; targets from issue 2):\n";
    for (const RatioSpec& ratio : Ratios()) {
      const std::string target =
          std::string(ratio.at_most ? "<= " : ">= ") + Format("%gx", ratio.target);
      std::string why;
      const double numerator = Seconds(ratio.numerator, &why);
      const double denominator = Seconds(ratio.denominator, &why);
      if (numerator <= 0 || denominator <= 0) {
        out << "ratio " << ratio.label << ": n/a (" << why << ") (target " << target << ")\n";
        continue;
      }
      const double value = numerator / denominator;
      const bool met = ratio.at_most ? value <= ratio.target : value >= ratio.target;
      out << "ratio " << ratio.label << ": " << Format("%.2fx", value) << " (target " << target
          << ") " << (met ? "met" : "MISSED") << "  [" << FormatTime(numerator) << " / "
          << FormatTime(denominator) << "]\n";
    }
    for (const auto& [name, message] : errors_) {
      out << "ERROR in " << name << ": " << message << "\n";
    }
    out.flush();
    ConsoleReporter::Finalize();
  }

  bool had_errors() const { return !errors_.empty(); }

 private:
  // The benchmark's median time per iteration in seconds, or 0 with `why`
  // set when it has none.
  double Seconds(const std::string& name, std::string* why) const {
    if (auto it = errors_.find(name); it != errors_.end()) {
      *why = name + " failed: " + it->second;
      return 0;
    }
    if (auto it = medians_.find(name); it != medians_.end()) return it->second;
    auto it = samples_.find(name);
    if (it == samples_.end() || it->second.empty()) {
      *why = name + " was not run";
      return 0;
    }
    std::vector<double> values = it->second;
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }

  std::map<std::string, double> medians_;
  std::map<std::string, std::vector<double>> samples_;
  std::map<std::string, std::string> errors_;
};

constexpr char kDescription[] =
    "ShadowService::Handle of an update against the RapidJSON parse+stringify floor, and Merge "
    "against nlohmann::json merge_patch (issue 2), on Google Benchmark; ends with the ratios. "
    "docs/performance.md says how to run it for figures.\n";

constexpr char kBenchmarkFlags[] =
    "Google Benchmark's flags pass through, in the form --benchmark_NAME=VALUE, e.g.:\n"
    "  --benchmark_filter=REGEX            run only the matching benchmarks\n"
    "  --benchmark_repetitions=N           repeat each; the ratios use the median\n"
    "  --benchmark_report_aggregates_only=true\n"
    "  --benchmark_min_time=SECONDS        per benchmark (the smoke test: 0.01)\n"
    "  --benchmark_out=FILE --benchmark_out_format=json|console|csv\n"
    "The list is in Google Benchmark's documentation.";

// Hands the --benchmark_* flags to Google Benchmark and parses the rest;
// the exit code to return at once, or nullopt to run.
std::optional<int> ParseFlags(int argc, char** argv) {
  std::vector<char*> benchmark_args = {argv[0]};
  std::vector<const char*> own_args = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind("--benchmark_", 0) == 0) {
      benchmark_args.push_back(argv[i]);
    } else {
      own_args.push_back(argv[i]);
    }
  }
  cli::CommandLine command_line("shadowsync-bench", kDescription, SHADOWSYNC_VERSION);
  command_line.app().footer(kBenchmarkFlags);
  if (std::optional<int> exit = command_line.ParseOrExit(static_cast<int>(own_args.size()),
                                                         own_args.data(), std::cout, std::cerr)) {
    return exit;
  }
  int benchmark_argc = static_cast<int>(benchmark_args.size());
  benchmark::Initialize(&benchmark_argc, benchmark_args.data());
  if (benchmark::ReportUnrecognizedArguments(benchmark_argc, benchmark_args.data())) {
    return cli::kExitUsage;
  }
  return std::nullopt;
}

void PrintDocuments() {
  std::printf("Documents (compact bytes; depth as L2 counts it, the section being level 1):\n");
  for (const BenchShadow* shadow : {&Shadow1KB(), &Shadow8KB()}) {
    std::printf(
        "  %s shadow: state %zu B (desired %zu B depth %d, reported %zu B depth %d), stored JSON "
        "with metadata %zu B; updates: small_report %zu B, full_report %zu B, desired_change "
        "%zu B\n",
        shadow->label.c_str(), shadow->state_bytes, shadow->desired_bytes, shadow->desired_depth,
        shadow->reported_bytes, shadow->reported_depth, shadow->stored_json.size(),
        shadow->Updates(UpdateKind::kSmallReport)[0].size(),
        shadow->Updates(UpdateKind::kFullReport)[0].size(),
        shadow->Updates(UpdateKind::kDesiredChange)[0].size());
  }
  for (const PatchPair* pair : {&FullReportPatches8KB(), &DiffPatches8KB()}) {
    std::printf("  merge patches %s: %zu B and %zu B\n", pair->label.c_str(), pair->first.size(),
                pair->second.size());
  }
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace

void AddRatio(RatioSpec ratio) { Ratios().push_back(std::move(ratio)); }

}  // namespace bench
}  // namespace shadowsync

int main(int argc, char** argv) {
  if (std::optional<int> exit = shadowsync::bench::ParseFlags(argc, argv)) return *exit;
  shadowsync::bench::PrintDocuments();
  shadowsync::bench::RegisterServiceBenchmarks();
  shadowsync::bench::RegisterMergeBenchmarks();
  shadowsync::bench::RegisterRulesBenchmarks();
  shadowsync::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return reporter.had_errors() ? 1 : 0;
}
