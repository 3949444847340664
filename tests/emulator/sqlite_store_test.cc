// SPDX-License-Identifier: Apache-2.0
//
// Tests of service/core/sqlite_store.cc: the Store contract, run against
// both MemoryStore (the reference) and SqliteStore; then what only the
// durable store promises: persistence across reopen, fsync of the WAL before
// Save returns, nothing answered lost to SIGKILL, clear errors for corrupt
// rows and bad paths, and ShadowService continuing versions (V5) across a
// restart.

#include "sqlite_store.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "shadowsync/service.h"
#include "support/json_expect.h"

namespace shadowsync::host {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing_support::MustParse;

constexpr Timestamp kNow = 1700000000;

::testing::AssertionResult IsOk(const Status& status) {
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << status.ToString();
}
template <typename T>
::testing::AssertionResult IsOk(const Result<T>& result) {
  return IsOk(result.status());
}

// A fresh directory under $TMPDIR, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/shadowsync-store-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    }
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// A document built the way the service builds them: `state` applied at
// `at`, then the version set.
ShadowDocument MakeDocument(const std::string& state, std::uint64_t version, Timestamp at = kNow) {
  ShadowDocument document;
  JsonDocument parsed = MustParse(state);
  document.ApplyState(parsed, at);
  document.set_version(version);
  return document;
}

// Exercises every kind of value the engine stores: nested objects, arrays of
// objects keeping null members (12a.4), arrays of arrays, {} (M5), integers
// at both ends of their ranges, doubles, escapes, raw UTF-8, a key named
// "timestamp" and keys that need JSON pointer escaping.
const char kRichState[] = R"({
  "desired": {"color": "red", "nested": {"a": [1, 2, {"x": null, "y": [true]}]},
              "matrix": [[1, 2], [3]], "empty": {}, "timestamp": {"timestamp": 4},
              "a/b~c": 1.5, "pi": 3.141592653589793, "tiny": 5e-324, "neg_zero": -0.0},
  "reported": {"big": 18446744073709551615, "min": -9223372036854775808,
               "text": "h\u00e9llo \ud83c\udf21 \"q\" \\ \n", "on": false}})";

ShadowDocument RichDocument(std::uint64_t version = 7) {
  return MakeDocument(kRichState, version, kNow - 100);
}

// Exact equality: structurally (operator==) and byte for byte in the stored
// form, which is what a GET or an export shows.
void ExpectSameDocument(const ShadowDocument& actual, const ShadowDocument& expected) {
  EXPECT_TRUE(actual == expected) << "\n  actual:   " << actual.ToJson()
                                  << "\n  expected: " << expected.ToJson();
  EXPECT_EQ(actual.ToJson(), expected.ToJson());
}

ShadowId Classic(const std::string& thing) { return ShadowId{thing, std::nullopt}; }
ShadowId Named(const std::string& thing, const std::string& shadow) {
  return ShadowId{thing, shadow};
}

std::unique_ptr<SqliteStore> MustOpen(const std::string& path, SqliteStoreOptions options = {}) {
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return nullptr;
  return std::move(store).value();
}

// Runs `sql` on a separate raw connection (the store must be closed when it
// is in exclusive mode).
void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// The first column of the first row of `sql`, as text.
std::string RawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(statement, 0);
    out = text ? reinterpret_cast<const char*>(text) : "NULL";
  } else {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return out;
}

// ---------------------------------------------------------------------------
// The Store contract, for MemoryStore and SqliteStore alike.

struct MemoryStoreFactory {
  static std::unique_ptr<Store> Make(const ScratchDir&) { return std::make_unique<MemoryStore>(); }
};

struct SqliteStoreFactory {
  static std::unique_ptr<Store> Make(const ScratchDir& dir) {
    return MustOpen(dir.File("store.db"));
  }
};

class StoreNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryStoreFactory> ? "MemoryStore" : "SqliteStore";
  }
};

template <typename Factory>
class StoreContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Factory::Make(dir_);
    ASSERT_NE(store_, nullptr);
  }

  StoredShadow MustLoad(const ShadowId& id) {
    Result<StoredShadow> entry = store_->Load(id);
    EXPECT_TRUE(entry.ok()) << entry.status().ToString();
    return entry.ok() ? std::move(entry).value() : StoredShadow{};
  }
  std::vector<ShadowId> MustList() {
    Result<std::vector<ShadowId>> ids = store_->List();
    EXPECT_TRUE(ids.ok()) << ids.status().ToString();
    return ids.ok() ? std::move(ids).value() : std::vector<ShadowId>{};
  }

  ScratchDir dir_;
  std::unique_ptr<Store> store_;
};

using StoreFactories = ::testing::Types<MemoryStoreFactory, SqliteStoreFactory>;
TYPED_TEST_SUITE(StoreContractTest, StoreFactories, StoreNames);

TYPED_TEST(StoreContractTest, UnknownShadowLoadsEmpty) {
  const StoredShadow entry = this->MustLoad(Classic("lamp"));
  EXPECT_FALSE(entry.document.has_value());
  EXPECT_FALSE(entry.tombstone.has_value());
  EXPECT_TRUE(this->MustList().empty());
}

TYPED_TEST(StoreContractTest, SaveThenLoadGivesTheSameDocument) {
  const std::vector<ShadowDocument> documents = {
      RichDocument(), MakeDocument(R"({"desired":{"on":true}})", 1),
      MakeDocument(R"({"reported":{"t":21.5}})", 2),
      MakeDocument("null", 3),  // emptied shadow (M8): {"state":{},"metadata":{}}
      MakeDocument(R"({"desired":{"v":1}})", std::numeric_limits<std::uint64_t>::max())};
  for (std::size_t i = 0; i < documents.size(); ++i) {
    SCOPED_TRACE(documents[i].ToJson());
    const ShadowId id = Named("lamp", "s" + std::to_string(i));
    ASSERT_TRUE(IsOk(this->store_->Save(id, documents[i])));
    const StoredShadow entry = this->MustLoad(id);
    ASSERT_TRUE(entry.document.has_value());
    EXPECT_FALSE(entry.tombstone.has_value());
    ExpectSameDocument(*entry.document, documents[i]);
  }
}

TYPED_TEST(StoreContractTest, SaveReplacesTheDocument) {
  const ShadowId id = Classic("lamp");
  ASSERT_TRUE(IsOk(this->store_->Save(id, RichDocument(1))));
  const ShadowDocument second = MakeDocument(R"({"reported":{"on":true}})", 2);
  ASSERT_TRUE(IsOk(this->store_->Save(id, second)));
  const StoredShadow entry = this->MustLoad(id);
  ASSERT_TRUE(entry.document.has_value());
  ExpectSameDocument(*entry.document, second);
  EXPECT_EQ(this->MustList(), std::vector<ShadowId>{id});
}

TYPED_TEST(StoreContractTest, DeleteReplacesTheDocumentWithATombstone) {
  const ShadowId id = Named("lamp", "cfg");
  ASSERT_TRUE(IsOk(this->store_->Save(id, RichDocument(9))));
  ASSERT_TRUE(IsOk(this->store_->Delete(id, Tombstone{9, kNow})));
  const StoredShadow entry = this->MustLoad(id);
  EXPECT_FALSE(entry.document.has_value());
  ASSERT_TRUE(entry.tombstone.has_value());
  EXPECT_EQ(*entry.tombstone, (Tombstone{9, kNow}));
  EXPECT_EQ(this->MustList(), std::vector<ShadowId>{id});  // tombstones are listed
}

TYPED_TEST(StoreContractTest, SaveAfterDeleteRemovesTheTombstone) {
  const ShadowId id = Classic("lamp");
  ASSERT_TRUE(IsOk(this->store_->Delete(id, Tombstone{9, kNow})));
  const ShadowDocument recreated = MakeDocument(R"({"desired":{"on":true}})", 10);  // V5
  ASSERT_TRUE(IsOk(this->store_->Save(id, recreated)));
  const StoredShadow entry = this->MustLoad(id);
  ASSERT_TRUE(entry.document.has_value());
  EXPECT_FALSE(entry.tombstone.has_value());
  ExpectSameDocument(*entry.document, recreated);
}

TYPED_TEST(StoreContractTest, DeleteOfAnUnknownShadowStoresTheTombstone) {
  const ShadowId id = Classic("ghost");
  ASSERT_TRUE(IsOk(this->store_->Delete(id, Tombstone{3, kNow})));
  ASSERT_TRUE(IsOk(this->store_->Delete(id, Tombstone{4, kNow + 1})));  // replaced
  const StoredShadow entry = this->MustLoad(id);
  EXPECT_FALSE(entry.document.has_value());
  ASSERT_TRUE(entry.tombstone.has_value());
  EXPECT_EQ(*entry.tombstone, (Tombstone{4, kNow + 1}));
}

TYPED_TEST(StoreContractTest, ExtremeVersionsAndTimesSurvive) {
  const Tombstone extremes[] = {{std::numeric_limits<std::uint64_t>::max(), 0},
                                {1, std::numeric_limits<Timestamp>::max()},
                                {(std::uint64_t{1} << 63), std::numeric_limits<Timestamp>::min()},
                                {(std::uint64_t{1} << 63) - 1, -1}};
  for (std::size_t i = 0; i < std::size(extremes); ++i) {
    const ShadowId id = Named("t", "s" + std::to_string(i));
    ASSERT_TRUE(IsOk(this->store_->Delete(id, extremes[i])));
    const StoredShadow entry = this->MustLoad(id);
    ASSERT_TRUE(entry.tombstone.has_value());
    EXPECT_EQ(entry.tombstone->version, extremes[i].version);
    EXPECT_EQ(entry.tombstone->deleted_at, extremes[i].deleted_at);
  }
}

TYPED_TEST(StoreContractTest, ClassicAndNamedShadowsAreDistinct) {
  // "" is an invalid shadow name (T4), not the classic shadow: a store must
  // keep them apart all the same (SQL NULL or '' tricks would merge them).
  const std::vector<ShadowId> ids = {Classic("T"),     Named("T", ""), Named("T", "T"),
                                     Named("T", "$x"), Classic("T2"),  Named("T2", "T")};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE(IsOk(this->store_->Save(ids[i], MakeDocument(R"({"desired":{"n":1}})", i + 1))));
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const StoredShadow entry = this->MustLoad(ids[i]);
    ASSERT_TRUE(entry.document.has_value()) << i;
    EXPECT_EQ(entry.document->version(), i + 1) << i;
  }
  ASSERT_TRUE(IsOk(this->store_->Delete(Classic("T"), Tombstone{1, kNow})));
  EXPECT_TRUE(this->MustLoad(Named("T", "")).document.has_value());
  EXPECT_TRUE(this->MustLoad(Classic("T")).tombstone.has_value());
}

TYPED_TEST(StoreContractTest, ListIsInShadowIdOrder) {
  // Byte order of the allowed characters ('$' < '-' < digits < ':' < upper
  // < '_' < lower), prefixes, and classic before named.
  std::vector<ShadowId> ids = {
      Classic("a"),         Named("a", "b"),   Named("a", "$b"),  Named("a", "B"),
      Named("a", "_"),      Named("a", "b-1"), Named("a", "b:1"), Classic("a-"),
      Classic("a:"),        Classic("A"),      Classic("_a"),     Classic("0"),
      Named("Z", "config"), Named("a", "b0"),  Classic("ab"),     Named("ab", "a")};
  std::vector<ShadowId> shuffled = ids;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(42));
  for (std::size_t i = 0; i < shuffled.size(); ++i) {
    // Mix documents and tombstones: both are listed.
    Status s = i % 3 == 0 ? this->store_->Delete(shuffled[i], Tombstone{i + 1, kNow})
                          : this->store_->Save(shuffled[i], MakeDocument("{}", i + 1));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(this->MustList(), ids);
}

TYPED_TEST(StoreContractTest, LoadedDocumentIsACopy) {
  const ShadowId id = Classic("lamp");
  const ShadowDocument original = MakeDocument(R"({"desired":{"on":true}})", 1);
  ASSERT_TRUE(IsOk(this->store_->Save(id, original)));
  StoredShadow entry = this->MustLoad(id);
  ASSERT_TRUE(entry.document.has_value());
  entry.document->ApplyState(MustParse(R"({"desired":{"on":false}})"), kNow + 1);
  entry.document->set_version(2);
  const StoredShadow again = this->MustLoad(id);
  ASSERT_TRUE(again.document.has_value());
  ExpectSameDocument(*again.document, original);
}

TYPED_TEST(StoreContractTest, ConcurrentSavesAndLoadsFromFourThreads) {
  // Each thread writes its own shadow and a shared one, and reads both; no
  // call may fail, every read is a whole document, and each own shadow ends
  // at its last version.
  constexpr int kThreads = 4;
  constexpr int kRounds = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const ShadowId own = Named("worker", "w" + std::to_string(t));
      const ShadowId shared = Classic("shared");
      for (int round = 1; round <= kRounds; ++round) {
        const std::string state = R"({"reported":{"thread":)" + std::to_string(t) + R"(,"round":)" +
                                  std::to_string(round) + "}}";
        if (!this->store_->Save(own, MakeDocument(state, round)).ok()) ++failures;
        if (!this->store_->Save(shared, MakeDocument(state, round)).ok()) ++failures;
        if (round % 7 == 0 && !this->store_->Delete(shared, Tombstone{1, kNow}).ok()) {
          ++failures;
        }
        Result<StoredShadow> mine = this->store_->Load(own);
        if (!mine.ok() || !mine->document || mine->document->version() != std::uint64_t(round)) {
          ++failures;
        }
        Result<StoredShadow> theirs = this->store_->Load(shared);
        if (!theirs.ok() || (!theirs->document && !theirs->tombstone)) ++failures;
        if (theirs.ok() && theirs->document) {
          const JsonValue* reported = theirs->document->reported();
          if (!reported || !(*reported)["round"].IsInt() ||
              (*reported)["round"].GetInt() != static_cast<int>(theirs->document->version())) {
            ++failures;  // a torn document
          }
        }
        if (!this->store_->List().ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    const StoredShadow entry = this->MustLoad(Named("worker", "w" + std::to_string(t)));
    ASSERT_TRUE(entry.document.has_value());
    EXPECT_EQ(entry.document->version(), std::uint64_t(kRounds));
  }
  EXPECT_EQ(this->MustList().size(), std::size_t(kThreads + 1));
}

// ---------------------------------------------------------------------------
// SqliteStore only.

class SqliteStoreTest : public ::testing::Test {
 protected:
  ScratchDir dir_;
  const std::string path_ = dir_.File("store.db");
};

TEST_F(SqliteStoreTest, ShadowsAndTombstonesSurviveReopen) {
  const ShadowDocument rich = RichDocument(12);
  {
    std::unique_ptr<SqliteStore> store = MustOpen(path_);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(IsOk(store->Save(Classic("lamp"), rich)));
    ASSERT_TRUE(IsOk(store->Save(Named("lamp", "cfg"), RichDocument(3))));
    ASSERT_TRUE(IsOk(store->Delete(Named("lamp", "cfg"), Tombstone{3, kNow - 5})));
    ASSERT_TRUE(IsOk(store->Delete(Named("gone", "x"), Tombstone{9, kNow})));
  }
  std::unique_ptr<SqliteStore> store = MustOpen(path_);
  ASSERT_NE(store, nullptr);
  Result<StoredShadow> lamp = store->Load(Classic("lamp"));
  ASSERT_TRUE(lamp.ok() && lamp->document);
  ExpectSameDocument(*lamp->document, rich);
  Result<StoredShadow> cfg = store->Load(Named("lamp", "cfg"));
  ASSERT_TRUE(cfg.ok() && cfg->tombstone);
  EXPECT_FALSE(cfg->document.has_value());
  EXPECT_EQ(*cfg->tombstone, (Tombstone{3, kNow - 5}));
  Result<StoredShadow> gone = store->Load(Named("gone", "x"));
  ASSERT_TRUE(gone.ok() && gone->tombstone);
  EXPECT_EQ(*gone->tombstone, (Tombstone{9, kNow}));
  Result<std::vector<ShadowId>> ids = store->List();
  ASSERT_TRUE(IsOk(ids));
  EXPECT_EQ(*ids,
            (std::vector<ShadowId>{Named("gone", "x"), Classic("lamp"), Named("lamp", "cfg")}));
}

TEST_F(SqliteStoreTest, DatabaseIsInWalModeWithAVersionedSchema) {
  { ASSERT_NE(MustOpen(path_), nullptr); }
  EXPECT_EQ(RawQuery(path_, "PRAGMA journal_mode"), "wal");  // persistent in the file
  EXPECT_EQ(RawQuery(path_, "SELECT version FROM shadowsync_schema"), "1");
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM shadows"), "0");
}

TEST_F(SqliteStoreTest, RowsAreReadableWithPlainSql) {
  // The layout documented in sqlite_store.h, for whoever inspects a store.
  {
    std::unique_ptr<SqliteStore> store = MustOpen(path_);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(IsOk(store->Save(Classic("lamp"), MakeDocument(R"({"desired":{"on":true}})", 4))));
    ASSERT_TRUE(IsOk(store->Delete(Named("lamp", "cfg"), Tombstone{9, kNow})));
  }
  EXPECT_EQ(RawQuery(path_,
                     "SELECT quote(shadow) || '|' || is_named || '|' || version || '|' || "
                     "quote(deleted_at) FROM shadows WHERE thing = 'lamp' AND is_named = 0"),
            "''|0|4|NULL");
  EXPECT_JSON_EQ(RawQuery(path_, "SELECT document FROM shadows WHERE is_named = 0"),
                 R"({"state":{"desired":{"on":true}},
                     "metadata":{"desired":{"on":{"timestamp":1700000000}}},"version":4})");
  EXPECT_EQ(RawQuery(path_,
                     "SELECT quote(document) || '|' || version || '|' || deleted_at "
                     "FROM shadows WHERE is_named = 1 AND shadow = 'cfg'"),
            "NULL|9|1700000000");
}

// --- Durability -------------------------------------------------------------

// A VFS that forwards to the default one and counts xSync calls on WAL
// files: proof that a commit reached the disk (not just the page cache)
// before Save returned, i.e. that synchronous=FULL is in effect. With
// synchronous=NORMAL, WAL commits are not synced at all.
struct CountingFile {
  sqlite3_file base;
  sqlite3_file* real;  // the default VFS's file, right after this struct
  bool is_wal;
};

sqlite3_vfs* g_real_vfs = nullptr;
std::atomic<int> g_wal_syncs{0};

CountingFile* AsCounting(sqlite3_file* file) { return reinterpret_cast<CountingFile*>(file); }
sqlite3_file* Real(sqlite3_file* file) { return AsCounting(file)->real; }

int CountingClose(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int CountingRead(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
  return Real(f)->pMethods->xRead(Real(f), b, n, o);
}
int CountingWrite(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  return Real(f)->pMethods->xWrite(Real(f), b, n, o);
}
int CountingTruncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int CountingSync(sqlite3_file* f, int flags) {
  const int rc = Real(f)->pMethods->xSync(Real(f), flags);
  if (rc == SQLITE_OK && AsCounting(f)->is_wal) ++g_wal_syncs;
  return rc;
}
int CountingFileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int CountingLock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int CountingUnlock(sqlite3_file* f, int level) {
  return Real(f)->pMethods->xUnlock(Real(f), level);
}
int CountingCheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int CountingFileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int CountingSectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int CountingDeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int CountingShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), page, size, extend, out);
}
int CountingShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void CountingShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int CountingShmUnmap(sqlite3_file* f, int delete_flag) {
  return Real(f)->pMethods->xShmUnmap(Real(f), delete_flag);
}
int CountingFetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return Real(f)->pMethods->xFetch(Real(f), offset, amount, out);
}
int CountingUnfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return Real(f)->pMethods->xUnfetch(Real(f), offset, page);
}

const sqlite3_io_methods kCountingMethods = {3,
                                             CountingClose,
                                             CountingRead,
                                             CountingWrite,
                                             CountingTruncate,
                                             CountingSync,
                                             CountingFileSize,
                                             CountingLock,
                                             CountingUnlock,
                                             CountingCheckReservedLock,
                                             CountingFileControl,
                                             CountingSectorSize,
                                             CountingDeviceCharacteristics,
                                             CountingShmMap,
                                             CountingShmLock,
                                             CountingShmBarrier,
                                             CountingShmUnmap,
                                             CountingFetch,
                                             CountingUnfetch};

int CountingOpen(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags,
                 int* out_flags) {
  CountingFile* counting = AsCounting(file);
  counting->real = reinterpret_cast<sqlite3_file*>(counting + 1);
  counting->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
  const int rc = g_real_vfs->xOpen(g_real_vfs, name, counting->real, flags, out_flags);
  // A file whose open failed must have pMethods == nullptr, or SQLite calls
  // xClose on it.
  counting->base.pMethods =
      rc == SQLITE_OK && counting->real->pMethods != nullptr ? &kCountingMethods : nullptr;
  return rc;
}
int CountingDelete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_real_vfs->xDelete(g_real_vfs, name, sync_dir);
}
int CountingAccess(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real_vfs->xAccess(g_real_vfs, name, flags, out);
}
int CountingFullPathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return g_real_vfs->xFullPathname(g_real_vfs, name, size, out);
}

// Makes the counting VFS the default while it lives.
class CountingVfs {
 public:
  CountingVfs() {
    g_real_vfs = sqlite3_vfs_find(nullptr);
    vfs_ = *g_real_vfs;
    vfs_.zName = "shadowsync-counting";
    vfs_.szOsFile = static_cast<int>(sizeof(CountingFile)) + g_real_vfs->szOsFile;
    vfs_.pNext = nullptr;
    vfs_.xOpen = CountingOpen;
    vfs_.xDelete = CountingDelete;
    vfs_.xAccess = CountingAccess;
    vfs_.xFullPathname = CountingFullPathname;
    EXPECT_EQ(sqlite3_vfs_register(&vfs_, /*makeDflt=*/1), SQLITE_OK);
  }
  ~CountingVfs() {
    sqlite3_vfs_unregister(&vfs_);
    sqlite3_vfs_register(g_real_vfs, 1);
  }

 private:
  sqlite3_vfs vfs_;
};

TEST_F(SqliteStoreTest, EverySaveAndDeleteSyncsTheWalBeforeReturning) {
  CountingVfs vfs;
  std::unique_ptr<SqliteStore> store = MustOpen(path_);
  ASSERT_NE(store, nullptr);
  for (int i = 1; i <= 5; ++i) {
    const int before = g_wal_syncs.load();
    ASSERT_TRUE(IsOk(store->Save(Classic("lamp"), MakeDocument(R"({"desired":{"i":1}})", i))));
    EXPECT_GE(g_wal_syncs.load() - before, 1) << "Save " << i << " returned before an fsync";
  }
  const int before = g_wal_syncs.load();
  ASSERT_TRUE(IsOk(store->Delete(Classic("lamp"), Tombstone{5, kNow})));
  EXPECT_GE(g_wal_syncs.load() - before, 1) << "Delete returned before an fsync";
  // Reads never sync.
  const int after_writes = g_wal_syncs.load();
  ASSERT_TRUE(IsOk(store->Load(Classic("lamp"))));
  ASSERT_TRUE(IsOk(store->List()));
  EXPECT_EQ(g_wal_syncs.load(), after_writes);
  store.reset();  // close with the counting VFS still registered
}

TEST_F(SqliteStoreTest, SaveThenSigkillLosesNothing) {
  // The store-level form of "kill -9 and restart lose nothing that was
  // answered": a child saves N documents and SIGKILLs itself right after the
  // last Save returned; no destructor, no checkpoint, no close runs.
  constexpr int kDocuments = 100;
  const pid_t pid = fork();
  ASSERT_GE(pid, 0) << std::strerror(errno);
  if (pid == 0) {
    // Child: no gtest assertions here; the exit code says what failed.
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
    if (!store.ok()) _exit(2);
    for (int i = 0; i < kDocuments; ++i) {
      const std::string state = R"({"reported":{"i":)" + std::to_string(i) + "}}";
      if (!(*store)
               ->Save(Named("thing" + std::to_string(i), "s"), MakeDocument(state, i + 1))
               .ok()) {
        _exit(3);
      }
    }
    raise(SIGKILL);
    _exit(4);  // not reached
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_EQ(WTERMSIG(status), SIGKILL);
  // The data is only in the WAL: the child never closed or checkpointed.
  ASSERT_TRUE(fs::exists(path_ + "-wal"));
  EXPECT_GT(fs::file_size(path_ + "-wal"), 0u);

  std::unique_ptr<SqliteStore> store = MustOpen(path_);
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < kDocuments; ++i) {
    Result<StoredShadow> entry = store->Load(Named("thing" + std::to_string(i), "s"));
    ASSERT_TRUE(entry.ok()) << entry.status().ToString();
    ASSERT_TRUE(entry->document.has_value()) << "document " << i << " lost";
    EXPECT_EQ(entry->document->version(), std::uint64_t(i + 1));
    EXPECT_EQ((*entry->document->reported())["i"].GetInt(), i);
  }
  Result<std::vector<ShadowId>> ids = store->List();
  ASSERT_TRUE(IsOk(ids));
  EXPECT_EQ(ids->size(), std::size_t(kDocuments));
}

TEST_F(SqliteStoreTest, SigkillFromOutsideMidStreamLosesNothingAnswered) {
  // Like the emulator under kill -9: the child "answers" (writes the index
  // to a pipe) only after each Save returned, and is killed from outside at
  // an arbitrary moment, possibly inside a Save. Every answered document
  // must be there after the restart; the database must open cleanly.
  for (int attempt = 0; attempt < 3; ++attempt) {
    SCOPED_TRACE("attempt " + std::to_string(attempt));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
      if (!store.ok()) _exit(2);
      for (std::uint32_t i = 0;; ++i) {
        // Overwrite a small set of shadows again and again, so the WAL also
        // wraps and checkpoints.
        const ShadowId id = Named("t" + std::to_string(i % 10), "s");
        const std::string state = R"({"reported":{"i":)" + std::to_string(i) + "}}";
        if (!(*store)->Save(id, MakeDocument(state, i + 1)).ok()) _exit(3);
        if (write(fds[1], &i, sizeof(i)) != sizeof(i)) _exit(5);
      }
    }
    close(fds[1]);
    std::uint32_t answered = 0;
    bool any = false;
    const std::uint32_t kill_after = 20 + 37 * static_cast<std::uint32_t>(attempt);
    while (true) {
      std::uint32_t i;
      const ssize_t n = read(fds[0], &i, sizeof(i));
      if (n != sizeof(i)) break;  // EOF: the child is dead
      answered = i;
      any = true;
      if (i == kill_after) kill(pid, SIGKILL);
    }
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    ASSERT_TRUE(any);
    ASSERT_GE(answered, kill_after);

    std::unique_ptr<SqliteStore> store = MustOpen(path_);
    ASSERT_NE(store, nullptr);
    // The last answered write of each shadow is there (or a later one that
    // was committed but not yet answered when the kill came).
    for (std::uint32_t k = 0; k < 10 && k <= answered; ++k) {
      const std::uint32_t last_answered = answered - ((answered - k) % 10);
      Result<StoredShadow> entry = store->Load(Named("t" + std::to_string(k), "s"));
      ASSERT_TRUE(entry.ok()) << entry.status().ToString();
      ASSERT_TRUE(entry->document.has_value());
      EXPECT_GE(entry->document->version(), std::uint64_t(last_answered) + 1) << "shadow " << k;
    }
    store.reset();
    fs::remove(path_);
    fs::remove(path_ + "-wal");
    fs::remove(path_ + "-shm");
  }
}

// --- Errors -------------------------------------------------------------------

class SqliteStoreCorruptionTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    std::unique_ptr<SqliteStore> store = MustOpen(path_);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(IsOk(store->Save(Classic("lamp"), MakeDocument(R"({"desired":{"on":true}})", 3))));
    ASSERT_TRUE(IsOk(store->Save(Named("lamp", "cfg"), MakeDocument(R"({"desired":{"a":1}})", 1))));
  }

  // Damages the classic lamp row, reopens and loads it: the error must be
  // kInternal, name the file, the thing and the shadow and say `why`, and
  // the other shadow must still load.
  void ExpectCorruptionReported(const std::string& sql, const std::string& why) {
    RawExec(path_, sql);
    std::unique_ptr<SqliteStore> store = MustOpen(path_);
    ASSERT_NE(store, nullptr);
    Result<StoredShadow> entry = store->Load(Classic("lamp"));
    ASSERT_FALSE(entry.ok());
    EXPECT_EQ(entry.status().code(), StatusCode::kInternal);
    EXPECT_EQ(entry.status().message().rfind(
                  path_ + ": corrupt row for thing \"lamp\", classic shadow: ", 0),
              0u)
        << entry.status().message();
    EXPECT_THAT(entry.status().message(), HasSubstr(why));
    Result<StoredShadow> other = store->Load(Named("lamp", "cfg"));
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    EXPECT_TRUE(other->document.has_value());
    EXPECT_TRUE(IsOk(store->List()));
  }
};

TEST_F(SqliteStoreCorruptionTest, TruncatedJson) {
  ExpectCorruptionReported(
      "UPDATE shadows SET document = '{\"state\":{\"desired\":' WHERE is_named = 0",
      "document: JSON parse error at offset 20: Invalid value.");
}

TEST_F(SqliteStoreCorruptionTest, NotAStoredDocument) {
  ExpectCorruptionReported(
      R"(UPDATE shadows SET document = '{"state":{"desired":5},"metadata":{},"version":3}' )"
      "WHERE is_named = 0",
      "document: /state/desired: must be an object, found number");
}

TEST_F(SqliteStoreCorruptionTest, MetadataDoesNotMirrorState) {
  ExpectCorruptionReported(
      R"(UPDATE shadows SET document = '{"state":{"desired":{"on":true}},"metadata":{},"version":3}' )"
      "WHERE is_named = 0",
      "document: /metadata/desired: metadata is missing");
}

TEST_F(SqliteStoreCorruptionTest, VersionColumnDisagreesWithDocument) {
  ExpectCorruptionReported("UPDATE shadows SET version = 4 WHERE is_named = 0",
                           "document version 3 differs from the version column 4");
}

TEST_F(SqliteStoreCorruptionTest, NeitherDocumentNorTombstone) {
  // The CHECK constraint forbids this row; a damaged file can still hold it.
  ExpectCorruptionReported(
      "PRAGMA ignore_check_constraints = ON; "
      "UPDATE shadows SET document = NULL, deleted_at = NULL WHERE is_named = 0",
      "neither a document nor a tombstone");
}

TEST_F(SqliteStoreCorruptionTest, BothDocumentAndTombstone) {
  ExpectCorruptionReported(
      "PRAGMA ignore_check_constraints = ON; "
      "UPDATE shadows SET deleted_at = 5 WHERE is_named = 0",
      "both a document and a tombstone");
}

TEST_F(SqliteStoreCorruptionTest, ConstraintsRejectBadRows) {
  // STRICT and CHECK keep a careless manual edit from creating bad rows.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  for (const char* sql : {
           "UPDATE shadows SET document = NULL WHERE is_named = 0",    // no deleted_at
           "UPDATE shadows SET deleted_at = 1 WHERE is_named = 0",     // both
           "UPDATE shadows SET version = 'three' WHERE is_named = 0",  // STRICT
           "UPDATE shadows SET shadow = 'x' WHERE is_named = 0",       // classic with a name
           "UPDATE shadows SET is_named = 2 WHERE is_named = 1",
       }) {
    EXPECT_NE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  }
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, UnwritablePathIsAClearError) {
  // A parent that is a regular file: fails even for root, unlike chmod.
  const std::string blocker = dir_.File("not-a-dir");
  std::ofstream(blocker) << "x";
  const std::string path = blocker + "/store.db";
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr(path + ": cannot open the store: "));
  EXPECT_THAT(store.status().message(), HasSubstr("unable to open database file"));
  EXPECT_THAT(store.status().message(), HasSubstr("Not a directory"));  // errno, not a guess

  const std::string missing = dir_.File("no/such/dir/store.db");
  store = SqliteStore::Open(missing);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr(missing + ": cannot open the store: "));
  EXPECT_THAT(store.status().message(), HasSubstr("No such file or directory"));
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseIsAClearError) {
  std::ofstream(path_) << "{\"shadows\": []}  this is a seed file, not a database\n"
                       << std::string(200, 'x');
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr(path_ + ": "));
  EXPECT_THAT(store.status().message(), HasSubstr("file is not a database"));
}

TEST_F(SqliteStoreTest, AnotherApplicationsDatabaseIsRefused) {
  RawExec(path_, "CREATE TABLE customers (id INTEGER PRIMARY KEY)");
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store.status().message(),
            path_ +
                ": not a shadowsync store: it has the table \"customers\" but no "
                "shadowsync_schema table");
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM sqlite_schema WHERE name = 'shadows'"), "0");
}

TEST_F(SqliteStoreTest, NewerSchemaVersionIsRefused) {
  { ASSERT_NE(MustOpen(path_), nullptr); }
  RawExec(path_, "UPDATE shadowsync_schema SET version = 2");
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store.status().message(),
            path_ + ": store schema version 2 is not supported (this build reads version 1)");
}

TEST_F(SqliteStoreTest, SecondOpenIsRefusedWhileTheStoreIsOpen) {
  // Two emulators on one --store would interleave updates and break the
  // version sequence; the exclusive lock makes the second one fail.
  std::unique_ptr<SqliteStore> first = MustOpen(path_);
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(IsOk(first->Save(Classic("lamp"), MakeDocument("{}", 1))));
  SqliteStoreOptions quick;
  quick.busy_timeout_ms = 50;
  Result<std::unique_ptr<SqliteStore>> second = SqliteStore::Open(path_, quick);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr(path_ + ": "));
  EXPECT_THAT(second.status().message(), HasSubstr("database is locked"));
  first.reset();
  second = SqliteStore::Open(path_, quick);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  Result<StoredShadow> entry = (*second)->Load(Classic("lamp"));
  ASSERT_TRUE(entry.ok() && entry->document);
}

TEST_F(SqliteStoreTest, SharedModeLetsTwoStoresSeeEachOthersWrites) {
  SqliteStoreOptions shared;
  shared.exclusive = false;
  std::unique_ptr<SqliteStore> a = MustOpen(path_, shared);
  std::unique_ptr<SqliteStore> b = MustOpen(path_, shared);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(IsOk(a->Save(Classic("lamp"), MakeDocument(R"({"desired":{"x":1}})", 1))));
  Result<StoredShadow> entry = b->Load(Classic("lamp"));
  ASSERT_TRUE(entry.ok() && entry->document);
  EXPECT_EQ(entry->document->version(), 1u);
}

TEST_F(SqliteStoreTest, WriteErrorsNameThePathTheShadowAndSqlitesMessage) {
  { ASSERT_NE(MustOpen(path_), nullptr); }
  // A trigger stands in for a failing disk.
  RawExec(path_,
          "CREATE TRIGGER fail BEFORE INSERT ON shadows WHEN NEW.thing = 'bad' "
          "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  std::unique_ptr<SqliteStore> store = MustOpen(path_);
  ASSERT_NE(store, nullptr);
  const Status saved = store->Save(Named("bad", "cfg"), MakeDocument("{}", 1));
  EXPECT_EQ(saved.code(), StatusCode::kInternal);
  EXPECT_EQ(saved.message().rfind(path_ + ": cannot save thing \"bad\", shadow \"cfg\": " +
                                      "injected failure (SQLite error ",
                                  0),
            0u)
      << saved.message();
  const Status deleted = store->Delete(Classic("bad"), Tombstone{1, kNow});
  EXPECT_THAT(deleted.message(),
              HasSubstr(path_ + ": cannot delete thing \"bad\", classic shadow: injected failure"));
  // The store keeps working after an error.
  EXPECT_TRUE(IsOk(store->Save(Classic("good"), MakeDocument("{}", 1))));
}

TEST_F(SqliteStoreTest, WriteAllIsAllOrNothing) {
  { ASSERT_NE(MustOpen(path_), nullptr); }
  RawExec(path_,
          "CREATE TRIGGER fail BEFORE INSERT ON shadows WHEN NEW.thing = 'bad' "
          "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  std::unique_ptr<SqliteStore> store = MustOpen(path_);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(IsOk(store->Save(Classic("before"), MakeDocument("{}", 1))));

  std::vector<std::pair<ShadowId, StoredShadow>> batch(3);
  batch[0] = {Classic("a"), StoredShadow{MakeDocument(R"({"desired":{"a":1}})", 2), {}}};
  batch[1] = {Named("a", "t"), StoredShadow{std::nullopt, Tombstone{4, kNow}}};
  batch[2] = {Classic("bad"), StoredShadow{MakeDocument("{}", 1), {}}};
  const Status failed = store->WriteAll(batch);
  EXPECT_THAT(failed.message(), HasSubstr("injected failure"));
  Result<std::vector<ShadowId>> ids = store->List();
  ASSERT_TRUE(IsOk(ids));
  EXPECT_EQ(*ids, std::vector<ShadowId>{Classic("before")});

  batch.pop_back();
  ASSERT_TRUE(IsOk(store->WriteAll(batch)));
  ids = store->List();
  ASSERT_TRUE(IsOk(ids));
  EXPECT_EQ(*ids, (std::vector<ShadowId>{Classic("a"), Named("a", "t"), Classic("before")}));
  Result<StoredShadow> tombstone = store->Load(Named("a", "t"));
  ASSERT_TRUE(tombstone.ok() && tombstone->tombstone);
  EXPECT_EQ(*tombstone->tombstone, (Tombstone{4, kNow}));

  batch = {{Classic("c"), StoredShadow{}}};
  EXPECT_EQ(store->WriteAll(batch).code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, InMemoryDatabaseWorks) {
  std::unique_ptr<SqliteStore> store = MustOpen(":memory:");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(IsOk(store->Save(Classic("lamp"), RichDocument())));
  Result<StoredShadow> entry = store->Load(Classic("lamp"));
  ASSERT_TRUE(entry.ok() && entry->document);
  ExpectSameDocument(*entry->document, RichDocument());
}

// ---------------------------------------------------------------------------
// ShadowService over SqliteStore.

std::chrono::system_clock::time_point At(Timestamp seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

class ServiceOverSqliteStoreTest : public SqliteStoreTest {
 protected:
  static std::vector<ServiceMessage> Send(ShadowService& service, const std::string& topic,
                                          const std::string& payload, Timestamp at = kNow) {
    return service.Handle({topic, payload, At(at)});
  }
  // The payload of the message on `topic`, parsed; a failure when absent.
  static JsonDocument On(const std::vector<ServiceMessage>& messages, const std::string& topic) {
    for (const ServiceMessage& m : messages) {
      if (m.topic == topic) return MustParse(m.payload);
    }
    ADD_FAILURE() << "nothing published on " << topic;
    return JsonDocument();
  }
  static std::uint64_t VersionOn(const std::vector<ServiceMessage>& messages,
                                 const std::string& topic) {
    JsonDocument doc = On(messages, topic);
    return doc.IsObject() && doc.HasMember("version") ? doc["version"].GetUint64() : 0;
  }

  const std::string cfg_ = "$aws/things/lamp/shadow/name/cfg";
  const std::string classic_ = "$aws/things/lamp/shadow";
};

TEST_F(ServiceOverSqliteStoreTest, VersionsContinueAfterDeleteAndRestart_V5) {
  {
    std::unique_ptr<SqliteStore> store = MustOpen(path_);
    ASSERT_NE(store, nullptr);
    ShadowService service(*store);
    for (int i = 1; i <= 3; ++i) {
      const auto out = Send(service, cfg_ + "/update", R"({"state":{"desired":{"on":true}}})");
      EXPECT_EQ(VersionOn(out, cfg_ + "/update/accepted"), std::uint64_t(i));
    }
    const auto deleted = Send(service, cfg_ + "/delete", "");
    EXPECT_EQ(VersionOn(deleted, cfg_ + "/delete/accepted"), 3u);  // 4.6: not incremented
    const auto classic = Send(service, classic_ + "/update", R"({"state":{"reported":{"t":1}}})");
    EXPECT_EQ(VersionOn(classic, classic_ + "/update/accepted"), 1u);
  }  // the "emulator" stops

  std::unique_ptr<SqliteStore> store = MustOpen(path_);
  ASSERT_NE(store, nullptr);
  ShadowService service(*store);
  // The deleted shadow is still gone...
  const auto get = Send(service, cfg_ + "/get", "", kNow + 60);
  JsonDocument rejected = On(get, cfg_ + "/get/rejected");
  EXPECT_EQ(rejected["code"].GetInt(), 404);
  // ... and its re-creation continues the numbering: deleted 3, recreated 4.
  const auto recreated =
      Send(service, cfg_ + "/update", R"({"state":{"desired":{"on":false}}})", kNow + 60);
  EXPECT_EQ(VersionOn(recreated, cfg_ + "/update/accepted"), 4u);
  JsonDocument documents = On(recreated, cfg_ + "/update/documents");
  EXPECT_TRUE(documents["previous"].IsNull());  // 4.5: previous is null after a re-creation
  // The live classic shadow continues too, with its stored state.
  const auto classic =
      Send(service, classic_ + "/update", R"({"state":{"reported":{"u":2}}})", kNow + 60);
  EXPECT_EQ(VersionOn(classic, classic_ + "/update/accepted"), 2u);
  JsonDocument classic_documents = On(classic, classic_ + "/update/documents");
  EXPECT_JSON_EQ(ToCompactJson(classic_documents["current"]["state"]),
                 R"({"reported":{"t":1,"u":2}})");
}

TEST_F(ServiceOverSqliteStoreTest, TombstoneExpiresAfter48HoursAcrossRestart_L10) {
  {
    std::unique_ptr<SqliteStore> store = MustOpen(path_);
    ASSERT_NE(store, nullptr);
    ShadowService service(*store);
    for (int i = 0; i < 5; ++i) Send(service, cfg_ + "/update", R"({"state":{"desired":{"a":1}}})");
    Send(service, cfg_ + "/delete", "");
  }
  std::unique_ptr<SqliteStore> store = MustOpen(path_);
  ASSERT_NE(store, nullptr);
  ShadowService service(*store);
  const auto out =
      Send(service, cfg_ + "/update", R"({"state":{"desired":{"a":1}}})", kNow + 48 * 3600);
  EXPECT_EQ(VersionOn(out, cfg_ + "/update/accepted"), 1u);
}

TEST_F(ServiceOverSqliteStoreTest, AnswersExactlyLikeTheMemoryStore) {
  // The same requests through both stores give byte-identical messages,
  // with restarts of the SQLite side in between.
  const std::vector<std::pair<std::string, std::string>> requests = {
      {cfg_ + "/update",
       R"({"state":{"desired":{"color":"red","n":[1,{"x":null}]}},"clientToken":"a"})"},
      {cfg_ + "/update", R"({"state":{"reported":{"color":"blue"}},"version":1})"},
      {cfg_ + "/update", R"({"state":{"reported":{"color":"red"}},"version":1})"},  // 409
      {cfg_ + "/get", R"({"clientToken":"g"})"},
      {classic_ + "/update", R"({"state":{"desired":{"big":18446744073709551615,"d":1.5e300}}})"},
      {classic_ + "/update", R"({"state":{"desired":{"big":null}}})"},
      {classic_ + "/get", ""},
      {cfg_ + "/delete", ""},
      {cfg_ + "/get", ""},
      {cfg_ + "/update", R"({"state":{"desired":{"color":"green"}},"version":1})"},
      {cfg_ + "/update", R"({"state":{"desired":{"color":"green"}}})"},
      {classic_ + "/update", R"({"state":null})"},
      {classic_ + "/get", ""},
  };
  MemoryStore memory;
  ShadowService reference(memory);
  std::unique_ptr<SqliteStore> store = MustOpen(path_);
  ASSERT_NE(store, nullptr);
  auto service = std::make_unique<ShadowService>(*store);
  Timestamp at = kNow;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    SCOPED_TRACE(requests[i].first + " " + requests[i].second);
    if (i % 4 == 3) {  // restart
      service.reset();
      store.reset();
      store = MustOpen(path_);
      ASSERT_NE(store, nullptr);
      service = std::make_unique<ShadowService>(*store);
    }
    at += 7;
    const auto expected = Send(reference, requests[i].first, requests[i].second, at);
    const auto actual = Send(*service, requests[i].first, requests[i].second, at);
    EXPECT_EQ(actual, expected);
    EXPECT_FALSE(expected.empty());
  }
}

}  // namespace
}  // namespace shadowsync::host
