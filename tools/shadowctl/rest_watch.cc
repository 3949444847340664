// SPDX-License-Identifier: Apache-2.0
#include "rest_watch.h"

#include <condition_variable>
#include <cstdint>
#include <string_view>
#include <utility>

#include "shadowsync/document.h"
#include "shadowsync/mutex.h"
#include "shadowsync/responses.h"

namespace shadowsync {
namespace shadowctl {
namespace {

using Clock = std::chrono::steady_clock;

std::string Topic(const ShadowId& id, Suffix suffix) {
  Result<std::string> topic = BuildTopic(id, Operation::kUpdate, suffix);
  return topic.ok() ? *topic : std::string();
}

// The stored document (spec 4.7) inside a GET answer (4.3): without
// state.delta, metadata.delta, timestamp and clientToken.
Result<ShadowDocument> DocumentOfGet(const JsonValue& get) {
  if (!get.IsObject()) return InvalidArgumentError("a GET answer is not a JSON object");
  JsonDocument stored(rapidjson::kObjectType);
  auto& a = stored.GetAllocator();
  for (const auto& member : get.GetObject()) {
    const std::string_view key(member.name.GetString(), member.name.GetStringLength());
    if (key == "timestamp" || key == "clientToken") continue;
    JsonValue value(member.value, a);
    if ((key == "state" || key == "metadata") && value.IsObject()) value.RemoveMember("delta");
    stored.AddMember(JsonValue(member.name, a), value, a);
  }
  return ShadowDocument::FromJson(stored);
}

Timestamp TimestampOf(const JsonValue& get) {
  auto it = get.FindMember("timestamp");
  return it != get.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

std::string Line(const char* type, const std::string& topic, const std::string& payload) {
  return std::string("{\"type\":\"") + type + "\",\"topic\":" + JsonString(topic) +
         ",\"payload\":" + payload + "}";
}

}  // namespace

Result<std::vector<std::string>> PollEvents(const ShadowId& shadow, const JsonValue& previous,
                                            const JsonValue& current) {
  std::vector<std::string> lines;
  if (current.IsNull()) return lines;  // deleted, or not there yet: MQTT shows nothing either
  Result<ShadowDocument> now = DocumentOfGet(current);
  if (!now.ok()) return now.status();
  std::optional<ShadowDocument> before;
  if (!previous.IsNull()) {
    Result<ShadowDocument> was = DocumentOfGet(previous);
    if (!was.ok()) return was.status();
    if (was->version() == now->version()) return lines;
    before = std::move(was).value();
  }
  const Timestamp ts = TimestampOf(current);
  // The service's order (accepted, documents, delta), without accepted.
  lines.push_back(Line("documents", Topic(shadow, Suffix::kDocuments),
                       DocumentsPayload(before ? &*before : nullptr, *now, ts, std::nullopt)));
  if (std::optional<std::string> delta = DeltaPayload(*now, ts, std::nullopt)) {
    lines.push_back(Line("delta", Topic(shadow, Suffix::kDelta), *delta));
  }
  return lines;
}

int RunRestWatch(const Options& options, const std::function<Result<Accepted>()>& get,
                 const std::function<int(const Status&)>& exit_for, std::ostream& out,
                 std::ostream& err, StopSignal& stop) {
  Mutex mu;
  std::condition_variable_any wake;
  stop.SetWaker([&] {
    MutexLock lock(mu);
    wake.notify_all();
  });
  struct ClearWaker {
    StopSignal& stop;
    ~ClearWaker() { stop.SetWaker(nullptr); }
  } clear_waker{stop};

  std::optional<Clock::time_point> deadline;
  if (options.timeout_given) deadline = Clock::now() + options.timeout;
  JsonDocument last;  // null: no shadow
  bool baseline = false;
  std::uint64_t seen = 0;
  while (stop.raised() == 0) {
    if (deadline && Clock::now() >= *deadline) {
      if (options.count) {
        err << "error: " << seen << " of " << *options.count << " events within "
            << FormatSeconds(options.timeout) << " (polling GET every "
            << FormatSeconds(options.poll_interval) << ")\n";
        return kExitTimeout;
      }
      return kExitOk;
    }
    const Clock::time_point polled = Clock::now();
    Result<Accepted> answer = get();
    bool have_current = true;
    JsonDocument current;  // null: no shadow
    if (answer.ok()) {
      current.CopyFrom(answer->payload, current.GetAllocator());
    } else if (answer.status().code() != StatusCode::kNotFound) {
      const StatusCode code = answer.status().code();
      if (!baseline || (code != StatusCode::kTimeout && code != StatusCode::kUnavailable)) {
        return exit_for(answer.status());
      }
      err << "warning: poll failed: " << answer.status().message() << "; retrying\n";
      have_current = false;
    }
    if (have_current) {
      if (baseline) {
        Result<std::vector<std::string>> lines = PollEvents(options.shadow, last, current);
        if (!lines.ok()) {
          err << "warning: ignoring a GET answer: " << lines.status().message() << "\n";
        } else {
          for (const std::string& line : *lines) {
            out << line << "\n";
            out.flush();
            if (!out) return kExitOk;  // the reader went away (watch | head -n 1)
            if (options.count && ++seen >= *options.count) return kExitOk;
          }
        }
      }
      last = std::move(current);
      baseline = true;
    }
    // Until the next poll, the --timeout or a stop.
    Clock::time_point until = polled + options.poll_interval;
    if (deadline && *deadline < until) until = *deadline;
    MutexLock lock(mu);
    while (stop.raised() == 0 && Clock::now() < until) lock.WaitUntil(wake, until);
  }
  return kExitOk;  // SIGINT/SIGTERM: a normal end
}

}  // namespace shadowctl
}  // namespace shadowsync
