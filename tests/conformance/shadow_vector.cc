// SPDX-License-Identifier: Apache-2.0

#include "conformance/shadow_vector.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "conformance/json_compare.h"
#include "conformance/request_payload.h"
#include "shadowsync/service.h"
#include "shadowsync/store.h"

namespace shadowsync::conformance {
namespace {

// The response kinds a vector can expect, in the order they are reported.
constexpr std::array<std::string_view, 4> kKinds = {"accepted", "rejected", "delta", "documents"};

std::string_view StringOf(const JsonValue& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

bool IsKind(std::string_view name) {
  for (std::string_view k : kKinds) {
    if (k == name) return true;
  }
  return false;
}

const JsonValue* Member(const JsonValue& object, const char* key) {
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// Reads the vector's fields; every problem becomes a "bad vector:" failure.
std::optional<ShadowVector> ReadVector(const JsonValue& v, VectorResult* result) {
  auto bad = [result](const std::string& why) { result->failures.push_back("bad vector: " + why); };
  if (!v.IsObject()) {
    bad(std::string("a vector must be an object, not ") + JsonTypeName(v));
    return std::nullopt;
  }
  ShadowVector out;

  const JsonValue* thing = Member(v, "thing");
  if (!thing || !thing->IsString()) {
    bad("`thing` must be a string");
  } else {
    out.id.thing = std::string(StringOf(*thing));
  }
  const JsonValue* shadow = Member(v, "shadow");
  if (!shadow || !(shadow->IsNull() || shadow->IsString())) {
    bad("`shadow` must be a string or null (classic)");
  } else if (shadow->IsString()) {
    out.id.shadow = std::string(StringOf(*shadow));
  }

  out.initial = Member(v, "initial");
  if (!out.initial || !(out.initial->IsNull() || out.initial->IsObject())) {
    bad("`initial` must be a stored document or null");
    out.initial = nullptr;
  }
  if (const JsonValue* deleted = Member(v, "initial_deleted_version")) {
    if (!deleted->IsUint64()) {
      bad("`initial_deleted_version` must be a non-negative integer");
    } else {
      out.initial_deleted_version = deleted->GetUint64();
      if (out.initial && out.initial->IsObject()) {
        bad("`initial` and `initial_deleted_version` exclude each other");
      }
    }
  }

  const JsonValue* request = Member(v, "request");
  if (!request || !request->IsObject()) {
    bad("`request` must be an object");
  } else {
    const JsonValue* topic = Member(*request, "topic");
    if (!topic || !topic->IsString()) {
      bad("`request.topic` must be a string");
    } else {
      out.topic = std::string(StringOf(*topic));
    }
    Result<std::string> payload = BuildRequestPayload(*request);
    if (!payload.ok()) {
      bad(payload.status().message());
    } else {
      out.payload = std::move(payload).value();
    }
  }

  out.expect = Member(v, "expect");
  if (!out.expect || !out.expect->IsObject()) {
    bad("`expect` must be an object");
    out.expect = nullptr;
  } else {
    for (const auto& m : out.expect->GetObject()) {
      if (!IsKind(StringOf(m.name))) {
        bad("`expect` has the key \"" + std::string(StringOf(m.name)) +
            "\"; allowed: accepted, rejected, delta, documents");
      }
    }
  }
  if (const JsonValue* silent = Member(v, "expect_not_published")) {
    if (!silent->IsArray()) {
      bad("`expect_not_published` must be an array");
    } else {
      for (const auto& e : silent->GetArray()) {
        if (!e.IsString() || !IsKind(StringOf(e))) {
          bad("`expect_not_published` holds " + RenderJson(e) +
              "; allowed: accepted, rejected, delta, documents");
          continue;
        }
        if (out.expect && out.expect->HasMember(e)) {
          bad("\"" + std::string(StringOf(e)) +
              "\" is in both `expect` and `expect_not_published`");
        }
        out.expect_not_published.emplace(StringOf(e));
      }
    }
  }

  out.state_after = Member(v, "state_after");
  if (!out.state_after || !(out.state_after->IsNull() || out.state_after->IsObject())) {
    bad("`state_after` must be a stored document or null");
    out.state_after = nullptr;
  }

  if (const JsonValue* match = Member(v, "match")) {
    Result<MatchRules> rules = MatchRules::Parse(*match);
    if (!rules.ok()) {
      bad(rules.status().message());
    } else {
      out.match = std::move(rules).value();
    }
  }

  if (!result->passed()) return std::nullopt;
  return out;
}

// Puts the vector's starting point into `store`.
bool Seed(const ShadowVector& v, Timestamp now, Store& store, VectorResult* result) {
  if (v.initial && v.initial->IsObject()) {
    Result<ShadowDocument> doc = ShadowDocument::FromJson(*v.initial);
    if (!doc.ok()) {
      result->failures.push_back("bad vector: `initial` is not a stored document: " +
                                 doc.status().message());
      return false;
    }
    Status saved = store.Save(v.id, std::move(doc).value());
    if (!saved.ok()) {
      result->failures.push_back("MemoryStore::Save failed: " + saved.ToString());
      return false;
    }
  }
  if (v.initial_deleted_version) {
    Status deleted = store.Delete(v.id, Tombstone{*v.initial_deleted_version, now});
    if (!deleted.ok()) {
      result->failures.push_back("MemoryStore::Delete failed: " + deleted.ToString());
      return false;
    }
  }
  return true;
}

// Compares one published payload with its expectation.
void CheckPayload(std::string_view kind, const JsonValue& expected, const std::string& payload,
                  const MatchRules& rules, JsonComparator& comparator, VectorResult* result) {
  const std::string label(kind);
  Result<JsonDocument> actual = ParseJson(payload);
  if (!actual.ok()) {
    result->failures.push_back(label + ": payload is not JSON (" + actual.status().message() +
                               "): " + payload);
    return;
  }
  JsonComparator::Options options;
  options.rules = &rules;
  options.error_document = kind == "rejected";
  std::vector<Mismatch> mismatches = comparator.Compare(expected, *actual, options);
  if (mismatches.empty()) return;
  for (const Mismatch& m : mismatches) result->failures.push_back(label + ": " + m.ToString());
  result->failures.push_back(label + ": actual payload: " + payload);
}

void CheckStateAfter(const ShadowVector& v, Store& store, JsonComparator& comparator,
                     VectorResult* result) {
  Result<StoredShadow> loaded = store.Load(v.id);
  if (!loaded.ok()) {
    result->failures.push_back("state_after: MemoryStore::Load failed: " +
                               loaded.status().ToString());
    return;
  }
  const std::optional<ShadowDocument>& doc = loaded->document;
  if (v.state_after->IsNull()) {
    if (doc) {
      result->failures.push_back("state_after: expected no live shadow, got " + doc->ToJson());
    }
    return;
  }
  if (!doc) {
    std::string got = "none";
    if (loaded->tombstone) {
      got = "only a tombstone at version " + std::to_string(loaded->tombstone->version);
    }
    result->failures.push_back("state_after: expected a live shadow, got " + got);
    return;
  }
  const std::string stored = doc->ToJson();
  Result<JsonDocument> actual = ParseJson(stored);
  if (!actual.ok()) {
    result->failures.push_back("state_after: ShadowDocument::ToJson gave invalid JSON (" +
                               actual.status().message() + "): " + stored);
    return;
  }
  CheckStateAfterDocument(v, *actual, stored, "stored document", comparator, result);
}

}  // namespace

std::string ShadowVectorName(const JsonValue& vector, std::size_t index) {
  if (vector.IsObject()) {
    const JsonValue* name = Member(vector, "name");
    if (name && name->IsString() && name->GetStringLength() > 0) {
      return std::string(StringOf(*name));
    }
  }
  return "#" + std::to_string(index);
}

std::optional<ShadowVector> ParseShadowVector(const JsonValue& vector, VectorResult* result) {
  if (vector.IsObject()) {
    const JsonValue* name = Member(vector, "name");
    if (!name || !name->IsString() || name->GetStringLength() == 0) {
      result->failures.push_back("bad vector: `name` must be a non-empty string");
    }
  }
  return ReadVector(vector, result);
}

void CheckPublished(const ShadowVector& v, const std::vector<ServiceMessage>& published,
                    JsonComparator& comparator, VectorResult* result) {
  // Sort the messages by the response topic they went to.
  std::map<std::string, std::vector<const ServiceMessage*>, std::less<>> by_kind;
  for (const ServiceMessage& m : published) {
    result->notes.push_back("published " + m.topic + " " + m.payload);
    std::string kind;
    for (std::string_view k : kKinds) {
      if (m.topic.size() == v.topic.size() + 1 + k.size() &&
          m.topic.compare(0, v.topic.size(), v.topic) == 0 && m.topic[v.topic.size()] == '/' &&
          m.topic.compare(v.topic.size() + 1, k.size(), k) == 0) {
        kind = std::string(k);
      }
    }
    if (kind.empty()) {
      result->failures.push_back("unexpected publish on " + m.topic + ": " + m.payload);
      continue;
    }
    by_kind[kind].push_back(&m);
  }

  for (const auto& e : v.expect->GetObject()) {
    const std::string kind(StringOf(e.name));
    const std::string topic = v.topic + "/" + kind;
    auto it = by_kind.find(kind);
    if (it == by_kind.end()) {
      result->failures.push_back(kind + ": expected a publish on " + topic + ", got none");
      continue;
    }
    if (it->second.size() > 1) {
      result->failures.push_back(kind + ": published " + std::to_string(it->second.size()) +
                                 " times on " + topic + ", expected once");
    }
    CheckPayload(kind, e.value, it->second.front()->payload, v.match, comparator, result);
  }
  for (const auto& [kind, messages] : by_kind) {
    if (v.expect->HasMember(kind.c_str())) continue;
    const std::string topic = v.topic + "/" + kind;
    for (const ServiceMessage* m : messages) {
      if (v.expect_not_published.count(kind) > 0) {
        result->failures.push_back(kind + ": published on " + topic +
                                   " although expect_not_published lists it: " + m->payload);
      } else {
        result->failures.push_back("unexpected publish on " + topic + ": " + m->payload);
      }
    }
  }
}

void CheckStateAfterDocument(const ShadowVector& v, const JsonValue& actual,
                             const std::string& actual_text, const std::string& what,
                             JsonComparator& comparator, VectorResult* result) {
  std::vector<Mismatch> mismatches = comparator.Compare(*v.state_after, actual);
  if (mismatches.empty()) return;
  for (const Mismatch& m : mismatches) result->failures.push_back("state_after: " + m.ToString());
  result->failures.push_back("state_after: actual " + what + ": " + actual_text);
}

VectorResult RunShadowVector(const JsonValue& vector, Timestamp now) {
  VectorResult result;
  std::optional<ShadowVector> v = ParseShadowVector(vector, &result);
  if (!v) return result;

  MemoryStore store;
  if (!Seed(*v, now, store, &result)) return result;

  ShadowService service(store);
  ServiceRequest request;
  request.topic = v->topic;
  request.payload = v->payload;
  request.time = std::chrono::system_clock::time_point(std::chrono::seconds(now));
  std::vector<ServiceMessage> published;
  // The API promises not to throw; a runner that dies on a broken library
  // would hide every later vector's result, so catch anyway.
  try {
    published = service.Handle(request);
  } catch (const std::exception& e) {
    result.failures.push_back(std::string("ShadowService::Handle threw: ") + e.what());
    return result;
  } catch (...) {
    result.failures.push_back("ShadowService::Handle threw a non-standard exception");
    return result;
  }

  JsonComparator comparator;
  CheckPublished(*v, published, comparator, &result);
  CheckStateAfter(*v, store, comparator, &result);

  if (comparator.timestamp()) {
    std::string note = "\"<ts>\" bound to " + std::to_string(*comparator.timestamp());
    if (*comparator.timestamp() != now)
      note += " (the request time was " + std::to_string(now) + ")";
    result.notes.push_back(note);
  }
  return result;
}

}  // namespace shadowsync::conformance
