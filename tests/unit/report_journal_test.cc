// SPDX-License-Identifier: Apache-2.0
//
// lib/src/report_journal.cc: the device's unacknowledged reported state in
// a file, recovered after a restart for the same shadow only; a file that is
// not a journal is refused with its path and what is wrong.

#include "report_journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/json_expect.h"
#include "support/temp_dir.h"

namespace shadowsync::internal {
namespace {

using ::testing::HasSubstr;
using testing_support::MustParse;
using testing_support::ReadFileToString;
using testing_support::TempDir;
using testing_support::WriteStringToFile;

const ShadowId kLamp{"lamp", std::nullopt};
const ShadowId kLampConfig{"lamp", "config"};

class ReportJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<TempDir>> dir = TempDir::Create("report-journal");
    ASSERT_TRUE(dir.ok()) << dir.status().message();
    dir_ = std::move(dir).value();
    path_ = dir_->File("journal.json");
  }
  std::unique_ptr<TempDir> dir_;
  std::string path_;
};

TEST_F(ReportJournalTest, AMissingFileIsAnEmptyJournal) {
  Result<ReportJournal> journal = ReportJournal::Open(path_, kLamp);
  ASSERT_TRUE(journal.ok()) << journal.status().message();
  EXPECT_EQ(journal->recovered(), nullptr);
  EXPECT_EQ(journal->path(), path_);
}

TEST_F(ReportJournalTest, WhatIsSavedIsRecoveredByTheNextOpenOfTheSameShadow) {
  {
    Result<ReportJournal> journal = ReportJournal::Open(path_, kLampConfig);
    ASSERT_TRUE(journal.ok());
    ASSERT_TRUE(journal->Save(MustParse(R"({"on":true,"level":{"x":1}})")).ok());
  }
  Result<ReportJournal> reopened = ReportJournal::Open(path_, kLampConfig);
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  ASSERT_NE(reopened->recovered(), nullptr);
  EXPECT_EQ(ToCompactJson(*reopened->recovered()), R"({"on":true,"level":{"x":1}})");
  reopened->DropRecovered();
  EXPECT_EQ(reopened->recovered(), nullptr);
}

TEST_F(ReportJournalTest, ClearRemovesTheFile) {
  Result<ReportJournal> journal = ReportJournal::Open(path_, kLamp);
  ASSERT_TRUE(journal.ok());
  ASSERT_TRUE(journal->Save(MustParse(R"({"a":1})")).ok());
  ASSERT_TRUE(ReadFileToString(path_).ok());
  ASSERT_TRUE(journal->Clear().ok());
  EXPECT_FALSE(ReadFileToString(path_).ok());
  EXPECT_TRUE(journal->Clear().ok()) << "clearing twice is harmless";
}

TEST_F(ReportJournalTest, AnotherShadowsJournalIsRefused) {
  {
    Result<ReportJournal> journal = ReportJournal::Open(path_, kLamp);
    ASSERT_TRUE(journal->Save(MustParse(R"({"a":1})")).ok());
  }
  Result<ReportJournal> other = ReportJournal::Open(path_, kLampConfig);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(other.status().message(), HasSubstr(path_));
  EXPECT_THAT(other.status().message(), HasSubstr("belongs to"));
}

TEST_F(ReportJournalTest, AFileThatIsNotAJournalIsRefusedSayingWhere) {
  const struct {
    const char* text;
    const char* expected;
  } cases[] = {
      {"not json", path_.c_str()},
      {"[1]", "must be an object"},
      {R"({"shadow":null,"reported":{}})", "/thing"},
      {R"({"thing":"lamp","shadow":3,"reported":{}})", "/shadow"},
      {R"({"thing":"lamp","shadow":null,"reported":[]})", "/reported"},
  };
  for (const auto& c : cases) {
    ASSERT_TRUE(WriteStringToFile(path_, c.text).ok());
    Result<ReportJournal> journal = ReportJournal::Open(path_, kLamp);
    ASSERT_FALSE(journal.ok()) << c.text;
    EXPECT_EQ(journal.status().code(), StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(journal.status().message(), HasSubstr(c.expected)) << c.text;
  }
}

// The file format on its own (what report_journal_fuzzer checks at
// random): the text Save() writes parses back to the same shadow and an
// equal state, and writing that again gives the same text.
TEST(ReportJournalFileTest, TheTextParsesBackToTheSameShadowAndState) {
  const JsonDocument reported =
      MustParse(R"({"power":"on","level":50.25,"tags":["a",null,-1e300],"nested":{"x":{}}})");
  for (const ShadowId& id : {kLamp, kLampConfig}) {
    const std::string text = ReportJournalText(id, reported);
    Result<ReportJournalContent> parsed = ParseReportJournal(text, "lamp.journal");
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_EQ(parsed->id, id);
    EXPECT_TRUE(JsonEquals(parsed->reported, reported)) << text;
    EXPECT_EQ(ReportJournalText(parsed->id, parsed->reported), text);
  }
  EXPECT_EQ(ReportJournalText(kLampConfig, MustParse(R"({"a":1})")),
            "{\"thing\":\"lamp\",\"shadow\":\"config\",\"reported\":{\"a\":1}}\n");
}

TEST(ReportJournalFileTest, ParseErrorsNameThePathFirst) {
  Result<ReportJournalContent> parsed = ParseReportJournal("[]", "lamp.journal");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(),
            "report journal lamp.journal: must be an object, found array");
}

}  // namespace
}  // namespace shadowsync::internal
