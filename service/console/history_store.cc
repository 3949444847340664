// SPDX-License-Identifier: Apache-2.0
#include "history_store.h"

#include <sqlite3.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

namespace shadowsync::console {
namespace {

Status SqliteError(sqlite3* db, const std::string& what) {
  return Status(StatusCode::kUnavailable,
                "history store: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

// A prepared statement, finalized at scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }
  void Text(int index, const std::string& text) {
    sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  std::string ColumnText(int column) {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

void CollectLeaves(const JsonValue& value, const std::string& path,
                   std::vector<std::pair<std::string, double>>& out, std::size_t limit) {
  if (out.size() >= limit) return;
  if (value.IsObject()) {
    for (const auto& member : value.GetObject()) {
      std::string key(member.name.GetString(), member.name.GetStringLength());
      CollectLeaves(member.value, path.empty() ? key : path + "/" + key, out, limit);
    }
  } else if (value.IsNumber() && !path.empty()) {
    const double number = value.GetDouble();
    if (std::isfinite(number)) out.emplace_back(path, number);
  }
}

std::string IsoTime(std::int64_t time_ms) {
  const std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(time_ms % 1000));
  return text;
}

// CSV quoting (RFC 4180) for a header cell.
std::string CsvCell(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::vector<std::pair<std::string, double>> NumericLeaves(const JsonValue& object,
                                                          std::size_t limit) {
  std::vector<std::pair<std::string, double>> out;
  CollectLeaves(object, "", out, limit);
  return out;
}

HistoryStore::HistoryStore(HistoryOptions options) : options_(std::move(options)) {}

HistoryStore::~HistoryStore() {
  MutexLock lock(mu_);
  sqlite3_close(db_);
}

Result<std::unique_ptr<HistoryStore>> HistoryStore::Open(HistoryOptions options) {
  std::unique_ptr<HistoryStore> store(new HistoryStore(std::move(options)));
  MutexLock lock(store->mu_);
  const std::string& path = store->options_.path;
  if (sqlite3_open_v2(path.c_str(), &store->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    return SqliteError(store->db_, "cannot open " + path);
  }
  sqlite3_busy_timeout(store->db_, 2000);
  for (const char* sql : {
           "PRAGMA journal_mode=WAL",
           "PRAGMA synchronous=NORMAL",
           "CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, thing TEXT NOT NULL, "
           "shadow TEXT NOT NULL, leaf TEXT NOT NULL, UNIQUE(thing, shadow, leaf))",
           "CREATE TABLE IF NOT EXISTS samples (series INTEGER NOT NULL, t INTEGER NOT NULL, "
           "v REAL NOT NULL)",
           "CREATE INDEX IF NOT EXISTS samples_by_series ON samples(series, t)",
           "CREATE INDEX IF NOT EXISTS samples_by_time ON samples(t)",
       }) {
    Status done = store->Exec(sql);
    if (!done.ok()) return Status(done.code(), path + ": " + done.message());
  }
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  Status pruned = store->PruneLocked(now);
  if (!pruned.ok()) return pruned;
  lock.Unlock();
  return store;
}

Status HistoryStore::Exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    return Status(StatusCode::kUnavailable,
                  std::string("history store: ") + message + " in: " + sql);
  }
  return Status();
}

Result<std::int64_t> HistoryStore::SeriesId(const std::string& thing, const std::string& shadow,
                                            const std::string& leaf) {
  Statement find(db_, "SELECT id FROM series WHERE thing=?1 AND shadow=?2 AND leaf=?3");
  if (!find.ok()) return SqliteError(db_, "prepare");
  find.Text(1, thing);
  find.Text(2, shadow);
  find.Text(3, leaf);
  if (sqlite3_step(find.get()) == SQLITE_ROW) return sqlite3_column_int64(find.get(), 0);
  Statement insert(db_, "INSERT INTO series(thing, shadow, leaf) VALUES(?1, ?2, ?3)");
  if (!insert.ok()) return SqliteError(db_, "prepare");
  insert.Text(1, thing);
  insert.Text(2, shadow);
  insert.Text(3, leaf);
  if (sqlite3_step(insert.get()) != SQLITE_DONE) return SqliteError(db_, "new series " + leaf);
  return sqlite3_last_insert_rowid(db_);
}

Status HistoryStore::Record(const std::string& thing, const std::string& shadow,
                            std::int64_t time_ms,
                            const std::vector<std::pair<std::string, double>>& leaves) {
  if (leaves.empty()) return Status();
  MutexLock lock(mu_);
  Status begun = Exec("BEGIN");
  if (!begun.ok()) return begun;
  Status result;
  {
    Statement insert(db_, "INSERT INTO samples(series, t, v) VALUES(?1, ?2, ?3)");
    if (!insert.ok()) result = SqliteError(db_, "prepare");
    for (const auto& [leaf, value] : leaves) {
      if (!result.ok()) break;
      Result<std::int64_t> id = SeriesId(thing, shadow, leaf);
      if (!id.ok()) {
        result = id.status();
        break;
      }
      sqlite3_bind_int64(insert.get(), 1, *id);
      sqlite3_bind_int64(insert.get(), 2, time_ms);
      sqlite3_bind_double(insert.get(), 3, value);
      if (sqlite3_step(insert.get()) != SQLITE_DONE) result = SqliteError(db_, "insert " + leaf);
      sqlite3_reset(insert.get());
    }
  }
  Status ended = Exec(result.ok() ? "COMMIT" : "ROLLBACK");
  if (!result.ok()) return result;
  if (!ended.ok()) return ended;
  inserts_since_prune_ += static_cast<std::int64_t>(leaves.size());
  if (inserts_since_prune_ >= options_.prune_every) return PruneLocked(time_ms);
  return Status();
}

Status HistoryStore::Prune(std::int64_t now_ms) {
  MutexLock lock(mu_);
  return PruneLocked(now_ms);
}

Status HistoryStore::PruneLocked(std::int64_t now_ms) {
  inserts_since_prune_ = 0;
  {
    Statement old(db_, "DELETE FROM samples WHERE t < ?1");
    if (!old.ok()) return SqliteError(db_, "prepare");
    sqlite3_bind_int64(
        old.get(), 1,
        now_ms - std::chrono::duration_cast<std::chrono::milliseconds>(options_.max_age).count());
    if (sqlite3_step(old.get()) != SQLITE_DONE) return SqliteError(db_, "prune by age");
  }
  Statement excess(db_,
                   "DELETE FROM samples WHERE rowid IN (SELECT rowid FROM samples ORDER BY t "
                   "LIMIT max(0, (SELECT count(*) FROM samples) - ?1))");
  if (!excess.ok()) return SqliteError(db_, "prepare");
  sqlite3_bind_int64(excess.get(), 1, options_.max_rows);
  if (sqlite3_step(excess.get()) != SQLITE_DONE) return SqliteError(db_, "prune by size");
  return Status();
}

Result<std::int64_t> HistoryStore::Count() {
  MutexLock lock(mu_);
  Statement count(db_, "SELECT count(*) FROM samples");
  if (!count.ok() || sqlite3_step(count.get()) != SQLITE_ROW) return SqliteError(db_, "count");
  return sqlite3_column_int64(count.get(), 0);
}

Result<std::vector<std::string>> HistoryStore::Leaves(const std::string& thing,
                                                      const std::string& shadow) {
  MutexLock lock(mu_);
  Statement list(db_,
                 "SELECT leaf FROM series WHERE thing=?1 AND shadow=?2 AND EXISTS (SELECT 1 "
                 "FROM samples WHERE series=series.id) ORDER BY leaf");
  if (!list.ok()) return SqliteError(db_, "prepare");
  list.Text(1, thing);
  list.Text(2, shadow);
  std::vector<std::string> out;
  while (sqlite3_step(list.get()) == SQLITE_ROW) out.push_back(list.ColumnText(0));
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> HistoryStore::Shadows() {
  MutexLock lock(mu_);
  Statement list(db_, "SELECT DISTINCT thing, shadow FROM series ORDER BY thing, shadow");
  if (!list.ok()) return SqliteError(db_, "prepare");
  std::vector<std::pair<std::string, std::string>> out;
  while (sqlite3_step(list.get()) == SQLITE_ROW) {
    out.emplace_back(list.ColumnText(0), list.ColumnText(1));
  }
  return out;
}

Result<std::vector<HistorySeries>> HistoryStore::Query(const std::string& thing,
                                                       const std::string& shadow,
                                                       const std::vector<std::string>& leaves,
                                                       std::int64_t from_ms, std::int64_t to_ms,
                                                       std::size_t max_points) {
  MutexLock lock(mu_);
  std::vector<HistorySeries> out;
  for (const std::string& leaf : leaves) {
    Statement query(db_,
                    "SELECT t, v FROM (SELECT s.t AS t, s.v AS v FROM samples s JOIN series r ON "
                    "s.series = r.id WHERE r.thing=?1 AND r.shadow=?2 AND r.leaf=?3 AND s.t "
                    "BETWEEN ?4 AND ?5 ORDER BY s.t DESC LIMIT ?6) ORDER BY t");
    if (!query.ok()) return SqliteError(db_, "prepare");
    query.Text(1, thing);
    query.Text(2, shadow);
    query.Text(3, leaf);
    sqlite3_bind_int64(query.get(), 4, from_ms);
    sqlite3_bind_int64(query.get(), 5, to_ms);
    sqlite3_bind_int64(query.get(), 6, static_cast<sqlite3_int64>(max_points));
    HistorySeries series{leaf, {}};
    while (sqlite3_step(query.get()) == SQLITE_ROW) {
      series.samples.push_back(
          {sqlite3_column_int64(query.get(), 0), sqlite3_column_double(query.get(), 1)});
    }
    out.push_back(std::move(series));
  }
  return out;
}

std::string HistoryCsv(const std::vector<HistorySeries>& series) {
  std::string out = "time";
  for (const HistorySeries& one : series) out += "," + CsvCell(one.leaf);
  out += "\r\n";
  std::map<std::int64_t, std::vector<const double*>> rows;
  for (std::size_t i = 0; i < series.size(); ++i) {
    for (const HistorySample& sample : series[i].samples) {
      auto& row = rows[sample.time_ms];
      row.resize(series.size(), nullptr);
      row[i] = &sample.value;
    }
  }
  char number[40];
  for (const auto& [time, cells] : rows) {
    out += IsoTime(time);
    for (const double* cell : cells) {
      out += ',';
      if (cell) {
        std::snprintf(number, sizeof number, "%.15g", *cell);
        out += number;
      }
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace shadowsync::console
