// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: arbitrary bytes as the emulator's seed / export file
// (host::ParseStoreFile). Properties beyond "no crash":
//   - a rejection is kInvalidArgument whose message starts with the file
//     name;
//   - every entry that parses holds exactly one of a document and a
//     tombstone, with a version of at least 1, and no (thing, shadow)
//     appears twice;
//   - the round trip: the entries loaded into a MemoryStore (as
//     LoadStoreFile does), exported with StoreFileText and parsed again,
//     give back exactly what the store holds; and exporting that again
//     gives the same text.

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "shadowsync/store.h"
#include "store_file.h"

namespace {

using shadowsync::MemoryStore;
using shadowsync::ShadowId;
using shadowsync::StatusCode;
using shadowsync::StoredShadow;
using shadowsync::Timestamp;
using shadowsync::fuzz::Check;
using shadowsync::fuzz::StartsWith;
using shadowsync::host::ParseStoreFile;
using shadowsync::host::StoreFileEntry;
using shadowsync::host::StoreFileText;

constexpr Timestamp kNow = 1700000000;

bool SameShadow(const StoredShadow& a, const StoredShadow& b) {
  return a.document == b.document && a.tombstone == b.tombstone;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto entries = ParseStoreFile(input, "seed.json", kNow);
  if (!entries.ok()) {
    const std::string message = entries.status().message();
    Check(entries.status().code() == StatusCode::kInvalidArgument, "rejection is InvalidArgument",
          input, entries.status().ToString());
    Check(StartsWith(message, "seed.json: ") && message.size() > 11,
          "error message names the file and says what is wrong", input, message);
    return 0;
  }

  MemoryStore store;
  std::set<ShadowId> seen;
  for (const StoreFileEntry& entry : *entries) {
    Check(seen.insert(entry.id).second, "no (thing, shadow) twice", input, entry.id.thing);
    const StoredShadow& s = entry.shadow;
    Check(s.document.has_value() != s.tombstone.has_value(),
          "exactly one of document and tombstone", input, entry.id.thing);
    if (s.document) {
      Check(s.document->version() >= 1, "a document version is at least 1", input);
      Check(store.Save(entry.id, *s.document).ok(), "MemoryStore::Save", input);
    } else {
      Check(s.tombstone->version >= 1, "a deleted_version is at least 1", input);
      Check(store.Delete(entry.id, *s.tombstone).ok(), "MemoryStore::Delete", input);
    }
  }

  auto text = StoreFileText(store);
  Check(text.ok(), "a loaded store exports", input, text.ok() ? "" : text.status().ToString());
  auto back = ParseStoreFile(*text, "export.json", kNow + 1000);
  Check(back.ok(), "an export parses", input,
        back.ok() ? *text : back.status().ToString() + "\n" + *text);
  Check(back->size() == entries->size(), "an export holds every entry", input, *text);
  for (const StoreFileEntry& entry : *back) {
    auto held = store.Load(entry.id);
    Check(held.ok() && SameShadow(*held, entry.shadow), "an export gives back what is stored",
          input, *text);
  }
  MemoryStore reloaded;
  for (const StoreFileEntry& entry : *back) {
    if (entry.shadow.document) {
      (void)reloaded.Save(entry.id, *entry.shadow.document);
    } else {
      (void)reloaded.Delete(entry.id, *entry.shadow.tombstone);
    }
  }
  auto text2 = StoreFileText(reloaded);
  Check(text2.ok() && *text2 == *text, "export, load, export gives the same text", input,
        text2.ok() ? *text2 : text2.status().ToString());
  return 0;
}
