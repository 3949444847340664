// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: arbitrary bytes as the report journal file
// (internal::ParseReportJournal, what ReportJournal::Open reads; the file
// ShadowClient's journal_path keeps across a restart). Properties beyond
// "no crash":
//   - a rejection is kInvalidArgument whose message starts with
//     "report journal <path>: " and says what is wrong;
//   - a journal that loads re-serialises (ReportJournalText, what Save()
//     writes) to one that loads equal: the same thing and shadow, a
//     reported state JsonEquals to the first; and writing that again gives
//     the same text;
//   - ReportJournal::Open of the re-serialised file recovers that state for
//     its own shadow, and refuses it for another shadow, naming both.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "report_journal.h"
#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace {

using shadowsync::JsonEquals;
using shadowsync::ShadowId;
using shadowsync::StatusCode;
using shadowsync::fuzz::Check;
using shadowsync::fuzz::StartsWith;
using shadowsync::internal::ParseReportJournal;
using shadowsync::internal::ReportJournal;
using shadowsync::internal::ReportJournalText;

constexpr char kPath[] = "lamp.journal";

// One file per fuzzing process, for the Open() round trip.
const std::string& ScratchPath() {
  static const std::string path =
      "/tmp/report_journal_fuzzer." + std::to_string(::getpid()) + ".journal";
  return path;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return false;
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  return std::fclose(file) == 0 && written;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto content = ParseReportJournal(input, kPath);
  if (!content.ok()) {
    const std::string message = content.status().message();
    const std::string prefix = std::string("report journal ") + kPath + ": ";
    Check(content.status().code() == StatusCode::kInvalidArgument, "rejection is InvalidArgument",
          input, content.status().ToString());
    Check(StartsWith(message, prefix) && message.size() > prefix.size(),
          "error message names the file and says what is wrong", input, message);
    return 0;
  }

  const std::string text = ReportJournalText(content->id, content->reported);
  auto again = ParseReportJournal(text, kPath);
  Check(again.ok(), "a re-serialised journal loads", input,
        again.ok() ? text : again.status().ToString() + "\n" + text);
  Check(again->id == content->id, "the same thing and shadow after a round trip", input, text);
  Check(JsonEquals(again->reported, content->reported), "an equal reported state", input, text);
  Check(ReportJournalText(again->id, again->reported) == text, "writing it again is stable", input,
        text);

  const std::string& path = ScratchPath();
  Check(WriteFile(path, text), "the scratch file is written", input, path);
  auto opened = ReportJournal::Open(path, content->id);
  Check(opened.ok() && opened->recovered() != nullptr && opened->holds_state(),
        "Open() recovers the state for its own shadow", input,
        opened.ok() ? text : opened.status().ToString());
  Check(JsonEquals(*opened->recovered(), content->reported), "Open() recovers an equal state",
        input, text);
  ShadowId other = content->id;
  other.thing += "-other";
  auto refused = ReportJournal::Open(path, other);
  Check(!refused.ok() && refused.status().code() == StatusCode::kInvalidArgument &&
            refused.status().message().find("belongs to thing '" + content->id.thing + "'") !=
                std::string::npos &&
            refused.status().message().find("not to thing '" + other.thing + "'") !=
                std::string::npos,
        "Open() refuses another shadow's journal, naming both", input,
        refused.ok() ? "opened" : refused.status().message());
  std::remove(path.c_str());
  return 0;
}
