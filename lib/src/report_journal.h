// SPDX-License-Identifier: Apache-2.0
//
// ReportJournal: the device's reported state that the service has not yet
// acknowledged, kept in a file so that a process restart while offline
// loses nothing (ShadowClient's journal_path). The file holds
//   {"thing": "T", "shadow": null | "S", "reported": {...}}
// and is written atomically and fsynced (atomic_file.h); it is removed once
// the service has acknowledged everything.
//
// Thread safety: not thread-safe; confine to one thread.

#ifndef SHADOWSYNC_REPORT_JOURNAL_H_
#define SHADOWSYNC_REPORT_JOURNAL_H_

#include <optional>
#include <string>
#include <string_view>

#include "shadowsync/json.h"
#include "shadowsync/status.h"
#include "shadowsync/topic.h"

namespace shadowsync::internal {

/// What a journal file holds.
struct ReportJournalContent {
  ShadowId id;
  JsonDocument reported;
};

/// Parses the text of the journal file `path` (named in errors only).
/// kInvalidArgument "report journal <path>: <what>" when it is not a
/// journal: not JSON, not an object, or /thing, /shadow or /reported
/// missing or of the wrong type.
Result<ReportJournalContent> ParseReportJournal(std::string_view text, const std::string& path);

/// The text of the journal file for `reported` of shadow `id`; it parses
/// back (ParseReportJournal) to the same id and an equal state.
std::string ReportJournalText(const ShadowId& id, const JsonValue& reported);

class ReportJournal {
 public:
  /// Opens the journal at `path` for shadow `id`. The reported state found
  /// there, if any, is available from recovered(). kInvalidArgument when
  /// the file is not a journal or belongs to another shadow (the message
  /// names the file and what is wrong); a missing file is fine.
  static Result<ReportJournal> Open(std::string path, ShadowId id);

  /// The state left by a previous process, or nullptr.
  const JsonValue* recovered() const;
  /// Forgets the recovered state (after it was adopted).
  void DropRecovered();

  /// Records `reported` as the state the service still lacks.
  Status Save(const JsonValue& reported);
  /// Everything is acknowledged: removes the file (only if it exists).
  Status Clear();

  const std::string& path() const { return path_; }
  /// Whether the file exists, i.e. holds a state (Save()d or recovered).
  bool holds_state() const { return file_exists_; }

 private:
  ReportJournal(std::string path, ShadowId id) : path_(std::move(path)), id_(std::move(id)) {}

  std::string path_;
  ShadowId id_;
  std::optional<JsonDocument> recovered_;
  bool file_exists_ = false;
};

}  // namespace shadowsync::internal

#endif  // SHADOWSYNC_REPORT_JOURNAL_H_
