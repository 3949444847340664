// SPDX-License-Identifier: Apache-2.0
//
// The emulator's seed and export file (issue 3, "Seeding and export"; JSON
// Schema in schemas/emulator-store.schema.json):
//
//   {"shadows": [
//     {"thing": "T", "shadow": null,
//      "document": {"state": {...}, "metadata": {...}, "version": 3}},
//     {"thing": "T", "shadow": "cfg", "deleted_version": 9,
//      "deleted_at": 1700000000}]}
//
// `shadow` is null for the classic shadow and required. An entry holds either
// a `document` in the stored form (spec 4.7) or a tombstone (V5):
// `deleted_version` with an optional `deleted_at` (epoch seconds; when left
// out it is the load time, so the tombstone counts as recent, L10). Versions
// are at least 1 (V1). A top-level "$schema" string is allowed for editors.
//
// Thread safety: free functions; safe for concurrent use as far as the Store
// is (every Store is). Two exports to the same path at once share the
// temporary file "<path>.tmp" and must not overlap.

#ifndef SHADOWSYNC_SERVICE_CORE_STORE_FILE_H_
#define SHADOWSYNC_SERVICE_CORE_STORE_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/document.h"
#include "shadowsync/status.h"
#include "shadowsync/store.h"
#include "shadowsync/topic.h"

namespace shadowsync::host {

/// One entry of a store file: exactly one of `shadow.document` and
/// `shadow.tombstone` is set.
struct StoreFileEntry {
  ShadowId id;
  StoredShadow shadow;
};

/// Parses and validates the text of a store file completely. `name` (the
/// file name) starts every error message, followed by the JSON pointer of
/// the offending value, e.g.
///   "seed.json: /shadows/2/thing: thing name: character '.' at position 2
///    is not allowed (...)"
/// kInvalidArgument for malformed JSON (with its byte offset), a wrong
/// structure or type, an invalid thing or shadow name (T3, T4), an invalid
/// document (ShadowDocument::FromJson's reason, below the entry's pointer),
/// a version or deleted_version below 1, an entry with both or neither of
/// document and deleted_version, and a (thing, shadow) that appears twice.
/// Entries keep the file's order.
Result<std::vector<StoreFileEntry>> ParseStoreFile(std::string_view text, std::string_view name,
                                                   Timestamp now);

/// Reads `path` and parses it as ParseStoreFile (the path names the file in
/// messages). kNotFound when the file does not exist, kFailedPrecondition
/// when it cannot be read.
Result<std::vector<StoreFileEntry>> ReadStoreFile(const std::string& path, Timestamp now);

/// Loads a store file into `store`: a document entry replaces the shadow (as
/// Store::Save), a tombstone entry replaces it with the tombstone (as
/// Store::Delete); shadows the file does not name are left alone. The whole
/// file is validated before anything is written, so on any validation error
/// nothing is loaded. On a SqliteStore the writes are one transaction (all
/// or nothing even if the disk fails); on other stores a failing write
/// leaves the entries before it written. Errors are ReadStoreFile's or the
/// store's. `now` is the default deleted_at.
Status LoadStoreFile(const std::string& path, Store& store, Timestamp now);

/// The export text of every shadow and tombstone in `store`, in ShadowId
/// order, pretty-printed with two-space indents and a final newline;
/// deleted_at is always written, so ParseStoreFile gives back exactly what
/// the store holds. Each shadow is read with its own Load, so concurrent
/// writers may make the export mix moments (each entry is consistent).
/// kFailedPrecondition for a document with version 0, which the format
/// cannot hold (ShadowService never stores one); the store's errors.
Result<std::string> StoreFileText(Store& store);

/// Writes StoreFileText(store) to `path` atomically: to "<path>.tmp",
/// fsync(), rename() over `path`, then fsync() of the directory. A reader
/// sees the old file or the new one, never a part; after an OK return the
/// new file survives a power loss. kFailedPrecondition (naming the path and
/// strerror) when a step fails; the temporary file is removed then.
Status ExportStoreFile(Store& store, const std::string& path);

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_STORE_FILE_H_
