// SPDX-License-Identifier: Apache-2.0
//
// (a) Applying an update and producing all of its responses, against the
// floor for the same bytes.
//
// handle/<size>/<kind>: ShadowService::Handle of one update request on a
// MemoryStore holding the stored document. Each iteration does the whole
// work of a real request: parse the topic, validate the payload (UTF-8,
// JSON, E3 order), load (a copy of) the stored shadow, merge with metadata,
// check the L1 size, save, and build the accepted, documents and, when there
// is one, delta payloads. The two variants of the update are sent
// alternately, one second apart, so every request really changes values and
// timestamps; they have the same widths, so the document keeps its size.
//
// floor/<size>: what no implementation can beat for that document: RapidJSON
// parses the stored document's JSON (state, metadata and version, as
// ShadowDocument::ToJson() writes it) into a DOM with its default flags and
// writes it back compact with Writer<StringBuffer>.

#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench.h"
#include "documents.h"
#include "shadowsync/service.h"
#include "shadowsync/store.h"

namespace shadowsync {
namespace bench {
namespace {

const char kThing[] = "bench-device";
const char kUpdateTopic[] = "$aws/things/bench-device/shadow/update";

std::chrono::system_clock::time_point At(Timestamp seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// What an accepted update of `kind` must publish: accepted, documents, and
// a delta only for the desired change (the reported configuration mirrors
// the stored desired one). Returns "" when `out` is that, else what is off.
std::string CheckResponses(const std::vector<ServiceMessage>& out, UpdateKind kind) {
  const bool want_delta = kind == UpdateKind::kDesiredChange;
  const std::size_t want = want_delta ? 3 : 2;
  std::string got;
  for (const ServiceMessage& m : out) got += " " + m.topic + " " + m.payload.substr(0, 120);
  if (out.size() != want || !EndsWith(out[0].topic, "/update/accepted") ||
      !EndsWith(out[1].topic, "/update/documents") ||
      (want_delta && !EndsWith(out[2].topic, "/update/delta"))) {
    return "expected accepted, documents" + std::string(want_delta ? ", delta" : "") +
           "; got:" + got;
  }
  return "";
}

void BM_Handle(benchmark::State& state, const BenchShadow* shadow, UpdateKind kind) {
  MemoryStore store;
  const ShadowId id{kThing, std::nullopt};
  if (!store.Save(id, shadow->stored).ok()) {
    state.SkipWithError("MemoryStore::Save failed");
    return;
  }
  ShadowService service(store);
  const std::array<std::string, 2>& updates = shadow->Updates(kind);

  // Both variants once, untimed: they must be accepted with the expected
  // messages (else the figures would measure a rejection), and afterwards
  // the stored shadow is in the state every timed request finds.
  Timestamp now = kStoredAt + 60;
  std::size_t published_bytes = 0;
  for (const std::string& update : updates) {
    const std::vector<ServiceMessage> out = service.Handle({kUpdateTopic, update, At(now++)});
    const std::string problem = CheckResponses(out, kind);
    if (!problem.empty()) {
      state.SkipWithError(problem.c_str());
      return;
    }
    published_bytes = 0;
    for (const ServiceMessage& m : out) published_bytes += m.payload.size();
  }

  std::size_t i = 0;
  for (auto _ : state) {
    std::vector<ServiceMessage> out = service.Handle({kUpdateTopic, updates[i & 1], At(now)});
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    ++i;
    ++now;
  }
  state.counters["request_B"] = static_cast<double>(updates[0].size());
  state.counters["published_B"] = static_cast<double>(published_bytes);
}

void BM_Floor(benchmark::State& state, const BenchShadow* shadow) {
  const std::string& json = shadow->stored_json;
  {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    doc.Accept(writer);
    if (doc.HasParseError() || std::string(buffer.GetString(), buffer.GetSize()) != json) {
      state.SkipWithError("the floor does not round-trip the stored JSON");
      return;
    }
  }
  for (auto _ : state) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    doc.Accept(writer);
    benchmark::DoNotOptimize(buffer.GetString());
    benchmark::ClobberMemory();
  }
  state.counters["json_B"] = static_cast<double>(json.size());
}

}  // namespace

void RegisterServiceBenchmarks() {
  for (const BenchShadow* shadow : {&Shadow1KB(), &Shadow8KB()}) {
    const std::string floor = "floor/" + shadow->label;
    benchmark::RegisterBenchmark(floor.c_str(), BM_Floor, shadow)->Unit(benchmark::kMicrosecond);
    for (UpdateKind kind : kUpdateKinds) {
      const std::string name = "handle/" + shadow->label + "/" + UpdateKindName(kind);
      benchmark::RegisterBenchmark(name.c_str(), BM_Handle, shadow, kind)
          ->Unit(benchmark::kMicrosecond);
      AddRatio({"(a) update+responses / floor, " + shadow->label + ", " + UpdateKindName(kind),
                name, floor, 3.0, /*at_most=*/true});
    }
  }
}

}  // namespace bench
}  // namespace shadowsync
