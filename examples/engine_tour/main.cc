// SPDX-License-Identifier: Apache-2.0
//
// The examples of docs/engine.md as one program; ctest checks its output, so
// the documentation cannot drift from what the library does.

#include <chrono>
#include <iostream>

#include "shadowsync/diff.h"
#include "shadowsync/document.h"
#include "shadowsync/service.h"

int main() {
  using namespace shadowsync;

  // The service: a device reports, an app desires; the second update's
  // messages are accepted, documents and delta.
  MemoryStore store;
  ShadowService service(store);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  service.Handle({"$aws/things/lamp/shadow/update", R"({"state":{"reported":{"power":"off"}}})", now});
  for (const ServiceMessage& m : service.Handle(
           {"$aws/things/lamp/shadow/update", R"({"state":{"desired":{"power":"on"}}})", now})) {
    std::cout << m.topic << "\n  " << m.payload << "\n";
  }

  // A document and its delta.
  ShadowDocument doc;
  doc.ApplyState(
      ParseJson(R"({"desired":{"l":{"c":"red"}},"reported":{"l":{"c":"green"}}})").value(),
      1700000000);
  doc.set_version(1);
  JsonDocument scratch;
  JsonValue delta, delta_metadata;
  if (doc.ComputeDelta(&delta, &delta_metadata, scratch.GetAllocator())) {
    std::cout << "delta " << ToCompactJson(delta) << "\n";
  }
  std::cout << "stored " << doc.ToJson() << "\n";

  // A device-side patch.
  JsonDocument before = ParseJson(R"({"temp":21,"fan":{"rpm":900,"mode":"auto"}})").value();
  JsonDocument after = ParseJson(R"({"temp":21.5,"fan":{"rpm":900}})").value();
  std::cout << "patch " << ToCompactJson(Diff(before, after)) << "\n";
  return 0;
}
