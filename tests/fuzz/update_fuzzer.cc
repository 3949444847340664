// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: arbitrary bytes as the payload of an update (and of a
// get / delete) against a seeded shadow. Beyond "no crash, no sanitizer
// report" it checks the service's invariants:
//   - an update gets exactly one of accepted / rejected (P1);
//   - a rejection changes nothing (E4);
//   - an accepted update leaves a storable document that round-trips through
//     its stored form, within the size limit (L1), one version up (V2);
//   - every published payload is a JSON object.

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <string_view>

#include "shadowsync/service.h"

namespace {

using shadowsync::JsonDocument;
using shadowsync::MemoryStore;
using shadowsync::ParseJson;
using shadowsync::ServiceMessage;
using shadowsync::ShadowDocument;
using shadowsync::ShadowId;
using shadowsync::ShadowService;

constexpr const char* kSeed =
    R"({"state":{"desired":{"power":"on","cfg":{"rate":5,"list":[1,2,{"a":null}]}},)"
    R"("reported":{"power":"off","cfg":{"rate":5}}},)"
    R"("metadata":{"desired":{"power":{"timestamp":1},"cfg":{"rate":{"timestamp":1},)"
    R"("list":[{"timestamp":1},{"timestamp":1},{"a":{"timestamp":1}}]}},)"
    R"("reported":{"power":{"timestamp":2},"cfg":{"rate":{"timestamp":2}}}},"version":7})";

void Check(bool condition, const char* what, std::string_view payload) {
  if (condition) return;
  std::fprintf(stderr, "invariant violated: %s\npayload: %.*s\n", what,
               static_cast<int>(payload.size()), payload.data());
  std::abort();
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  const ShadowId id{"fuzz", std::nullopt};
  MemoryStore store;
  auto seed = ShadowDocument::FromJsonText(kSeed);
  Check(seed.ok(), "seed document parses", kSeed);
  // The first byte chooses whether the shadow exists, so creation is fuzzed too.
  const bool seeded = size == 0 || (data[0] & 1) == 0;
  if (seeded) (void)store.Save(id, *seed);
  const std::string before = seeded ? seed->ToJson() : "";

  ShadowService service(store);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  std::vector<ServiceMessage> out =
      service.Handle({"$aws/things/fuzz/shadow/update", payload, now});

  int accepted = 0, rejected = 0;
  for (const ServiceMessage& m : out) {
    auto doc = ParseJson(m.payload);
    Check(doc.ok() && doc->IsObject(), "payload is a JSON object", m.payload);
    accepted += EndsWith(m.topic, "/update/accepted");
    rejected += EndsWith(m.topic, "/update/rejected");
  }
  Check(accepted + rejected == 1, "exactly one of accepted / rejected", payload);

  auto entry = store.Load(id);
  Check(entry.ok(), "store load", payload);
  if (rejected) {
    Check(out.size() == 1, "a rejection publishes nothing else", payload);
    Check(seeded ? entry->document && entry->document->ToJson() == before : !entry->document,
          "a rejection changes nothing", payload);
  } else {
    Check(entry->document.has_value(), "accepted update stores a document", payload);
    const ShadowDocument& stored = *entry->document;
    Check(stored.version() == (seeded ? 8u : 1u), "version goes up by one", payload);
    Check(stored.StateSize() <= service.options().limits.max_document_bytes, "size limit",
          payload);
    auto back = ShadowDocument::FromJsonText(stored.ToJson());
    Check(back.ok() && *back == stored, "stored form round-trips", payload);
  }

  // Get and delete bodies are never a reason to reject (12a.9).
  out = service.Handle({"$aws/things/fuzz/shadow/get", payload, now});
  Check(out.size() == 1, "get answers once", payload);
  const bool exists = entry->document.has_value();
  out = service.Handle({"$aws/things/fuzz/shadow/delete", payload, now});
  Check(out.size() == 1 && EndsWith(out[0].topic, exists ? "/delete/accepted" : "/delete/rejected"),
        "delete succeeds exactly when the shadow exists", payload);
  return 0;
}
