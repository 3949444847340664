// SPDX-License-Identifier: Apache-2.0
//
// Package consumer: parses an update request, applies it to a stored shadow
// and checks the result, using only the installed headers and library.

#include <cstdio>
#include <string>
#include <utility>

#include "shadowsync/document.h"
#include "shadowsync/json.h"
#include "shadowsync/status.h"
#include "shadowsync/update_request.h"

int main() {
  shadowsync::Result<shadowsync::ShadowDocument> stored = shadowsync::ShadowDocument::FromJsonText(
      R"({"state":{"reported":{"color":"red"}},)"
      R"("metadata":{"reported":{"color":{"timestamp":1700000000}}},"version":1})");
  if (!stored.ok()) {
    std::fprintf(stderr, "FromJsonText: %s\n", stored.status().ToString().c_str());
    return 1;
  }
  shadowsync::ShadowDocument document = std::move(stored).value();

  shadowsync::UpdateRequest update = shadowsync::UpdateRequest::Parse(
      R"({"state":{"desired":{"color":"green"}},"clientToken":"consumer"})");
  if (!update.ok()) {
    std::fprintf(stderr, "UpdateRequest::Parse rejected a valid update\n");
    return 1;
  }
  document.ApplyState(update.state(), 1700000100);

  const shadowsync::JsonValue* desired = document.desired();
  if (desired == nullptr || !desired->IsObject() || !desired->HasMember("color") ||
      !(*desired)["color"].IsString()) {
    std::fprintf(stderr, "no desired.color after the update: %s\n", document.ToJson().c_str());
    return 1;
  }
  const std::string color = (*desired)["color"].GetString();
  std::printf("desired.color = %s\n", color.c_str());
  if (color != "green") return 1;

  shadowsync::JsonDocument scratch;
  shadowsync::JsonValue delta;
  shadowsync::JsonValue delta_metadata;
  if (!document.ComputeDelta(&delta, &delta_metadata, scratch.GetAllocator())) {
    std::fprintf(stderr, "expected a delta (desired green, reported red)\n");
    return 1;
  }
  const std::string delta_text = shadowsync::ToCompactJson(delta);
  std::printf("delta = %s\n", delta_text.c_str());
  if (delta_text != R"({"color":"green"})") return 1;
  std::printf("shadowsync package consumer: OK\n");
  return 0;
}
