// SPDX-License-Identifier: Apache-2.0
//
// ShadowClient: the orchestration of its parts (lib/src/client/), each one
// concept with its own unit test:
//   report_       ReportState: what the service has acknowledged of the
//                 device's reported state, the target, the report in flight
//   deltas_       DeltaFilter: the desired values handed to the device, so
//                 that neither a delta nor a resync repeats one
//   requests_     RequestTable: requests awaiting their answer, by clientToken
// Here: the connection state (online_, the resync GET and its retries), the
// inbox dispatch, the journal, and the mapping of answers to handlers.

#include "shadowsync/client.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <utility>

#include "client/delta_filter.h"
#include "client/report_state.h"
#include "client/request_table.h"
#include "client_inbox.h"
#include "pooled_json.h"
#include "rejection_status.h"
#include "report_journal.h"
#include "shadowsync/diff.h"
#include "shadowsync/document.h"

namespace shadowsync {
namespace {

using Clock = std::chrono::steady_clock;
using internal::InboxEvent;
using internal::kFirstRetryDelay;
using internal::kMaxRetryDelay;
using internal::PendingRequest;
using Kind = internal::RequestKind;

JsonDocument EmptyObject() {
  JsonDocument doc;
  doc.SetObject();
  return doc;
}

JsonDocument Copy(const JsonValue& value) {
  JsonDocument doc;
  doc.CopyFrom(value, doc.GetAllocator());
  return doc;
}

const JsonValue* Member(const JsonValue& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::uint64_t VersionOf(const JsonValue& payload) {
  const JsonValue* version = Member(payload, "version");
  return version && version->IsUint64() ? version->GetUint64() : 0;
}

// The rejection of a request as a Status (client.h, RequestResult).
Status RejectionStatus(const JsonValue& payload) {
  const JsonValue* code = Member(payload, "code");
  const JsonValue* message = Member(payload, "message");
  const int number = code && code->IsInt() ? code->GetInt() : 0;
  const std::string text = message && message->IsString() ? message->GetString() : "(no message)";
  return internal::StatusForErrorCode(number, std::to_string(number) + ": " + text);
}

bool IsTransient(const Status& rejection) {
  const std::string& m = rejection.message();
  return rejection.code() == StatusCode::kRejected &&
         (m.rfind("429:", 0) == 0 || m.rfind("500:", 0) == 0 || m.rfind("503:", 0) == 0);
}

// RFC 6901 tokens of a JSON pointer such as "/light/color".
Result<std::vector<std::string>> PointerTokens(const std::string& pointer) {
  if (pointer.empty() || pointer[0] != '/') {
    return InvalidArgumentError("ClearDesired: \"" + pointer +
                                "\" is not a JSON pointer to a key (it must start with '/')");
  }
  std::vector<std::string> tokens;
  std::string token;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      if (token.empty()) {
        return InvalidArgumentError("ClearDesired: \"" + pointer + "\" has an empty key");
      }
      tokens.push_back(std::move(token));
      token.clear();
    } else if (pointer[i] == '~' && i + 1 < pointer.size() &&
               (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
      token += pointer[++i] == '0' ? '~' : '/';
    } else {
      token += pointer[i];
    }
  }
  return tokens;
}

std::string UpdatePayload(const char* section, const JsonValue& patch, const std::string& token,
                          std::optional<std::uint64_t> version) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("state");
  writer.StartObject();
  writer.Key(section);
  patch.Accept(writer);
  writer.EndObject();
  writer.Key("clientToken");
  writer.String(token.c_str(), static_cast<rapidjson::SizeType>(token.size()));
  if (version) {
    writer.Key("version");
    writer.Uint64(*version);
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string TokenPayload(const std::string& token) {
  return "{\"clientToken\":\"" + token + "\"}";  // tokens are [0-9a-zA-Z_-] (Create checks)
}

}  // namespace

class ShadowClient::Impl {
 public:
  Impl(ClientOptions options, std::unique_ptr<Transport> transport,
       std::optional<internal::ReportJournal> journal)
      : options_(std::move(options)),
        journal_(std::move(journal)),
        requests_(options_.client_token_prefix),
        transport_(std::move(transport)) {
    if (!options_.clock) options_.clock = [] { return Clock::now(); };
    transport_->SetHandlers(
        [this](const MqttMessage& message) {
          InboxEvent event;
          event.kind = InboxEvent::Kind::kMessage;
          event.message = message;
          inbox_.Push(std::move(event));
        },
        [this](ConnectionEvent connection, const Status& cause) {
          InboxEvent event;
          event.kind = InboxEvent::Kind::kConnection;
          event.connection = connection;
          event.cause = cause;
          inbox_.Push(std::move(event));
        });
  }

  ~Impl() { (void)transport_->Disconnect(); }

  Status Init() {
    Result<std::string> prefix = ShadowTopicPrefix(options_.shadow);
    if (!prefix.ok()) return prefix.status();
    prefix_ = *prefix;
    if (journal_ && journal_->recovered()) {
      report_.SetTarget(*journal_->recovered());
      journal_->DropRecovered();
    }
    return Status::Ok();
  }

  // ---- handlers ----
  DeltaHandler on_delta_;
  DocumentsHandler on_documents_;
  ConnectivityHandler on_connectivity_;
  ResultHandler on_report_result_;
  RequestTimeoutHandler on_request_timeout_;

  Status Start() {
    if (Status connected = transport_->Connect(); !connected.ok()) return connected;
    std::vector<std::string> topics;
    for (const char* op : {"get", "update", "delete"}) {
      topics.push_back(prefix_ + "/" + op + "/accepted");
      topics.push_back(prefix_ + "/" + op + "/rejected");
    }
    // Deltas only for a device: an app without OnDelta would parse every
    // delta its own updates cause, for nothing.
    if (on_delta_) topics.push_back(prefix_ + "/update/delta");
    if (options_.subscribe_documents) topics.push_back(prefix_ + "/update/documents");
    for (const std::string& topic : topics) {
      if (Status subscribed = transport_->Subscribe(topic, 1); !subscribed.ok()) {
        return Status(subscribed.code(), "subscribing to " + topic + ": " + subscribed.message());
      }
    }
    InboxEvent started;
    started.kind = InboxEvent::Kind::kStarted;
    inbox_.Push(std::move(started));
    return Status::Ok();
  }

  Status Stop(std::chrono::milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    // Offline there is nothing to wait for: a pending report stays pending,
    // and what the transport holds cannot be delivered before it goes.
    bool settled = !HasPendingReport();
    Status flushed = Status::Ok();
    if (online_) {
      // Waits for the other requests too, but only a report makes it
      // unsettled (a resync GET still unanswered is no report).
      (void)RunUntil([this] { return !HasPendingReport() && requests_.empty(); }, timeout);
      settled = !HasPendingReport();
      const auto left =
          std::max(std::chrono::milliseconds(0),
                   std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()));
      flushed = transport_->Flush(left);
    }
    (void)transport_->Disconnect();
    online_ = false;
    report_.Unsync();
    if (!settled) {
      const bool kept = journal_ && journal_->holds_state();
      return Status(StatusCode::kTimeout,
                    "stopped with the device's reported state not yet acknowledged" +
                        std::string(kept ? " (kept in " + journal_->path() + ")" : ""));
    }
    return flushed;
  }

  // ---- device side ----

  Status Report(const JsonValue& reported) {
    if (!reported.IsObject()) {
      return InvalidArgumentError(
          std::string("Report: the reported state must be an object, not ") +
          JsonTypeName(reported));
    }
    if (Status checked = CheckSectionLimits("reported", reported, desired_bytes_); !checked.ok()) {
      return checked;
    }
    report_.SetTarget(reported);
    SaveJournal();
    MaybeSendReport();
    return Status::Ok();
  }

  Status ClearDesired(const std::vector<std::string>& pointers, ResultHandler done) {
    JsonDocument patch = EmptyObject();
    auto& allocator = patch.GetAllocator();
    for (const std::string& pointer : pointers) {
      Result<std::vector<std::string>> tokens = PointerTokens(pointer);
      if (!tokens.ok()) return tokens.status();
      JsonValue* node = &patch;
      for (std::size_t i = 0; i < tokens->size(); ++i) {
        const std::string& key = (*tokens)[i];
        const bool last = i + 1 == tokens->size();
        auto it = node->FindMember(key.c_str());
        if (it == node->MemberEnd()) {
          JsonValue name(key.c_str(), static_cast<rapidjson::SizeType>(key.size()), allocator);
          JsonValue value;
          if (!last) value.SetObject();
          node->AddMember(name, value, allocator);
          it = node->MemberEnd() - 1;
        } else if (!last && !it->value.IsObject()) {
          return InvalidArgumentError("ClearDesired: \"" + pointer +
                                      "\" lies under a key that another pointer clears");
        } else if (last) {
          it->value.SetNull();
        }
        node = &it->value;
      }
    }
    if (patch.MemberCount() == 0) return InvalidArgumentError("ClearDesired: no keys given");
    return UpdateDesired(patch, std::move(done), {});
  }

  // ---- app side ----

  Status UpdateDesired(const JsonValue& patch, ResultHandler done, UpdateOptions update) {
    if (!patch.IsObject()) {
      return InvalidArgumentError(
          std::string("UpdateDesired: the desired patch must be an object, not ") +
          JsonTypeName(patch));
    }
    if (Status checked = CheckSectionLimits("desired", patch, 0); !checked.ok()) return checked;
    PendingRequest request;
    request.kind = Kind::kUpdateDesired;
    request.done = std::move(done);
    request.expected_version = update.expected_version;
    request.rebase = std::move(update.rebase);
    return SendUpdateDesired(patch, std::move(request));
  }

  Status Get(ResultHandler done) {
    PendingRequest request;
    request.kind = Kind::kGet;
    request.done = std::move(done);
    return SendTokenRequest("get", std::move(request));
  }

  Status Delete(ResultHandler done) {
    PendingRequest request;
    request.kind = Kind::kDelete;
    request.done = std::move(done);
    return SendTokenRequest("delete", std::move(request));
  }

  // ---- running ----

  std::size_t Poll() {
    std::deque<InboxEvent> events;
    inbox_.Drain(events);
    for (InboxEvent& event : events) Handle(event);
    FireDueTimers();
    return events.size();
  }

  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    for (;;) {
      Poll();
      if (done && done()) return true;
      const auto now = Clock::now();
      if (now >= end) return done ? done() : false;
      auto wake = end;
      if (const auto next = NextTimer()) {
        const auto until = *next - options_.clock();
        wake = std::min(wake, now + std::max(Clock::duration::zero(), until));
      }
      inbox_.WaitUntil(std::min(wake, now + std::chrono::milliseconds(200)));
    }
  }

  // ---- state ----

  bool online() const { return online_; }
  bool HasPendingReport() const { return report_.HasPendingReport(); }
  const JsonValue& acked() const { return report_.acked(); }
  std::uint64_t delivered_version() const { return deltas_.version(); }
  const ShadowId& shadow() const { return options_.shadow; }

 private:
  Clock::time_point Deadline() const { return options_.clock() + options_.request_timeout; }

  // L1 and L2 before anything is sent, so the device sees why instead of a
  // 413 it never subscribed to (peers 3.7).
  Status CheckSectionLimits(const char* section, const JsonValue& value,
                            std::size_t other_section_bytes) const {
    const int depth = NestingDepth(value);
    if (depth > options_.limits.max_depth) {
      return InvalidArgumentError(std::string(section) + " state is nested " +
                                  std::to_string(depth) + " levels deep; the service allows " +
                                  std::to_string(options_.limits.max_depth) + " (L2)");
    }
    const std::size_t bytes = CompactJsonSize(value) + other_section_bytes;
    if (bytes > options_.limits.max_document_bytes) {
      return InvalidArgumentError(std::string(section) + " state would make the document " +
                                  std::to_string(bytes) + " bytes; the service allows " +
                                  std::to_string(options_.limits.max_document_bytes) + " (L1)");
    }
    return Status::Ok();
  }

  // The service's own checks of a section (E3 steps 9 and 10), so that an
  // update the service would reject with 400 fails here instead. The rest
  // of E3 holds by construction (the client writes the payload itself).
  Status CheckPatch(const JsonValue& patch, const char* section) const {
    const std::string pointer = std::string("/state/") + section;
    std::optional<ShadowError> error = CheckSection(patch, pointer, options_.limits);
    if (!error) return Status::Ok();
    return InvalidArgumentError("the service would reject this update with " +
                                std::to_string(error->code) + ": " + error->message);
  }

  Status Publish(const std::string& operation, const std::string& payload) {
    return transport_->Publish(prefix_ + "/" + operation, payload, 1);
  }

  Status SendTokenRequest(const char* operation, PendingRequest request) {
    std::string token = requests_.NextToken();
    if (Status sent = Publish(operation, TokenPayload(token)); !sent.ok()) return sent;
    request.deadline = Deadline();
    requests_.Add(std::move(token), std::move(request));
    return Status::Ok();
  }

  Status SendUpdateDesired(const JsonValue& patch, PendingRequest request) {
    std::string token = requests_.NextToken();
    if (Status checked = CheckPatch(patch, "desired"); !checked.ok()) return checked;
    const std::string payload = UpdatePayload("desired", patch, token, request.expected_version);
    if (Status sent = Publish("update", payload); !sent.ok()) return sent;
    // Only a conditional update may need its patch again (409, Rebase).
    if (request.expected_version) request.patch = Copy(patch);
    request.kind = Kind::kUpdateDesired;
    request.deadline = Deadline();
    requests_.Add(std::move(token), std::move(request));
    return Status::Ok();
  }

  void SaveJournal() {
    if (!journal_ || !report_.target()) return;
    // The file holds the state exactly while a report is pending.
    Status saved =
        report_.HasPendingReport() ? journal_->Save(*report_.target()) : journal_->Clear();
    if (!saved.ok()) ReportResult(saved);
  }

  void ReportResult(RequestResult result) {
    if (on_report_result_) on_report_result_(std::move(result));
  }

  void MaybeSendReport() {
    if (!online_) return;
    std::optional<JsonDocument> next = report_.NextPatch(options_.clock());
    if (!next) return;
    JsonDocument& patch = *next;
    if (patch.MemberCount() == 0) {
      SaveJournal();
      return;
    }
    if (Status checked = CheckPatch(patch, "reported"); !checked.ok()) {
      // The state itself is unacceptable; keep what the service has.
      report_.Abandon();
      SaveJournal();
      ReportResult(checked);
      return;
    }
    const std::string token = requests_.NextToken();
    const std::string payload = UpdatePayload("reported", patch, token, std::nullopt);
    if (!Publish("update", payload).ok()) return;  // offline: the reconnect resends
    PendingRequest request;
    request.kind = Kind::kReport;
    request.deadline = Deadline();
    requests_.Add(token, std::move(request));
    report_.Sent(token, std::move(patch));
  }

  void SendResyncGet() {
    PendingRequest request;
    request.kind = Kind::kResyncGet;
    if (!SendTokenRequest("get", std::move(request)).ok()) ScheduleResync();
  }

  void ScheduleResync() {
    resync_retry_at_ = options_.clock() + retry_delay_;
    retry_delay_ = std::min(kMaxRetryDelay, retry_delay_ * 2);
  }

  // ---- events ----

  void Handle(InboxEvent& event) {
    switch (event.kind) {
      case InboxEvent::Kind::kStarted:
        GoOnline(Status::Ok());
        return;
      case InboxEvent::Kind::kConnection:
        if (event.connection == ConnectionEvent::kReconnected) {
          if (started_) GoOnline(event.cause);
        } else if (event.connection == ConnectionEvent::kConnectionLost) {
          GoOffline(event.cause);
        }
        // kConnected: Start() has not subscribed yet; kStarted follows.
        return;
      case InboxEvent::Kind::kMessage:
        HandleMessage(event.message);
        return;
    }
  }

  void GoOnline(const Status& cause) {
    started_ = true;
    online_ = true;
    report_.Unsync();
    retry_delay_ = kFirstRetryDelay;
    if (on_connectivity_) on_connectivity_(true, cause);
    SendResyncGet();
  }

  void GoOffline(const Status& cause) {
    if (!online_) return;
    online_ = false;
    report_.Unsync();
    // A report in flight may or may not have been applied; the GET after
    // the reconnect tells, and only the difference is sent then.
    if (std::optional<std::string> in_flight = report_.DropInFlight()) {
      requests_.Erase(*in_flight);
    }
    requests_.EraseKind(Kind::kResyncGet);
    if (on_connectivity_) on_connectivity_(false, cause);
  }

  void HandleMessage(const MqttMessage& message) {
    const std::string_view topic = message.topic;
    if (topic.size() <= prefix_.size() || topic.compare(0, prefix_.size(), prefix_) != 0 ||
        topic[prefix_.size()] != '/') {
      return;
    }
    const std::string_view rest = topic.substr(prefix_.size() + 1);
    Result<JsonDocument> parsed = ParseJson(message.payload);
    if (!parsed.ok() || !parsed->IsObject()) return;  // not from a shadow service
    JsonDocument& payload = *parsed;
    if (rest == "update/delta") return HandleDelta(payload);
    if (rest == "update/documents") {
      if (on_documents_) on_documents_(payload);
      return;
    }
    if (rest == "delete/accepted") {
      // Someone deleted the shadow: what the device reported is gone, and
      // re-creating it at once would undo the delete. The next Report()
      // sends the device's state whole.
      ForgetShadow();
      report_.ForgetTarget();
      if (journal_) (void)journal_->Clear();
    }
    const bool accepted = rest.size() > 9 && rest.substr(rest.size() - 9) == "/accepted";
    const bool rejected = rest.size() > 9 && rest.substr(rest.size() - 9) == "/rejected";
    if (!accepted && !rejected) return;
    const JsonValue* token = Member(payload, "clientToken");
    if (token == nullptr || !token->IsString()) return;
    const std::string token_text = token->GetString();
    std::optional<PendingRequest> request = requests_.Take(token_text);
    if (!request) return;  // another client's, or already timed out
    if (accepted) {
      OnAccepted(token_text, std::move(*request), std::move(payload));
    } else {
      OnRejected(token_text, std::move(*request), RejectionStatus(payload));
    }
  }

  void HandleDelta(JsonDocument& payload) {
    const std::uint64_t version = VersionOf(payload);
    auto state = payload.FindMember("state");
    if (state == payload.MemberEnd() || !state->value.IsObject()) return;
    // Duplicates and stale deltas (redelivery, or already covered by a GET)
    // are dropped (DeltaFilter::IsStale).
    if (deltas_.IsStale(version)) return;
    // The payload's document becomes the delta's: its root is replaced by
    // the state object, which stays in the same pool (no copy).
    JsonValue state_value;
    state_value.Swap(state->value);
    JsonValue metadata;
    if (auto found = payload.FindMember("metadata"); found != payload.MemberEnd()) {
      metadata.Swap(found->value);
    }
    static_cast<JsonValue&>(payload).Swap(state_value);
    Delta delta;
    delta.version = version;
    delta.state = std::move(payload);
    Deliver(std::move(delta), metadata.IsObject() ? &metadata : nullptr);
  }

  // Hands the device the part of `delta` it has not seen (DeltaFilter).
  void Deliver(Delta delta, const JsonValue* metadata) {
    if (!deltas_.TakeNew(delta.version, delta.state, metadata)) return;
    if (on_delta_) on_delta_(delta);
  }

  // Someone deleted the shadow: the service has nothing reported, and
  // versions may restart (V5, L10).
  void ForgetShadow() {
    report_.ForgetAcked();
    deltas_.Forget();
    desired_bytes_ = 0;
  }

  void OnAccepted(const std::string& token, PendingRequest request, JsonDocument payload) {
    switch (request.kind) {
      case Kind::kResyncGet:
        return Resync(&payload);
      case Kind::kReport:
        report_.Accepted(token);
        SaveJournal();
        ReportResult(Accepted{VersionOf(payload), std::move(payload)});
        return MaybeSendReport();
      case Kind::kConflictGet:
        return Rebase(std::move(request), payload);
      case Kind::kGet:
      case Kind::kDelete:
      case Kind::kUpdateDesired:
        if (request.done) request.done(Accepted{VersionOf(payload), std::move(payload)});
        return;
    }
  }

  void OnRejected(const std::string& token, PendingRequest request, Status rejection) {
    switch (request.kind) {
      case Kind::kResyncGet:
        if (rejection.code() == StatusCode::kNotFound) return Resync(nullptr);
        return ScheduleResync();
      case Kind::kReport:
        if (IsTransient(rejection)) {
          report_.RetryLater(token, options_.clock());
        } else {
          // Resending the same state would be rejected again: keep what the
          // service has and let the next Report() try anew.
          report_.Drop(token);
          report_.Abandon();
          SaveJournal();
        }
        return ReportResult(rejection);
      case Kind::kUpdateDesired:
        if (rejection.code() == StatusCode::kConflict && request.expected_version) {
          if (request.conflict_rounds >= options_.max_conflict_retries) {
            return Finish(
                request, Status(StatusCode::kConflict, rejection.message() + " (still after " +
                                                           std::to_string(request.conflict_rounds) +
                                                           " GET-rebase-retry rounds)"));
          }
          ++request.conflict_rounds;
          request.kind = Kind::kConflictGet;
          ResultHandler done = request.done;
          if (Status sent = SendTokenRequest("get", std::move(request)); !sent.ok()) {
            if (done) done(sent);
          }
          return;
        }
        return Finish(request, rejection);
      case Kind::kConflictGet:
      case Kind::kGet:
      case Kind::kDelete:
        return Finish(request, rejection);
    }
  }

  void Finish(PendingRequest& request, Status status) {
    if (request.done) request.done(std::move(status));
  }

  // 409: read the current document, let the app rebase its patch on it (or
  // keep the patch) and try again at the current version.
  void Rebase(PendingRequest request, const JsonValue& document) {
    if (request.rebase) {
      Result<JsonDocument> rebased = request.rebase(document);
      if (!rebased.ok()) return Finish(request, rebased.status());
      request.patch = std::move(rebased).value();
    }
    request.expected_version = VersionOf(document);
    ResultHandler done = request.done;
    const JsonDocument patch = std::move(request.patch);
    if (Status sent = SendUpdateDesired(patch, std::move(request)); !sent.ok()) {
      if (done) done(sent);
    }
  }

  // After a (re)connect: adopt what the service has, hand the device any
  // desired change it has not seen, then send what the service lacks.
  void Resync(const JsonValue* document) {
    retry_delay_ = kFirstRetryDelay;
    const JsonValue* state = document ? Member(*document, "state") : nullptr;
    const JsonValue* reported = state ? Member(*state, "reported") : nullptr;
    const JsonValue* desired = state ? Member(*state, "desired") : nullptr;
    report_.Adopt(reported);
    desired_bytes_ = desired ? CompactJsonSize(*desired) : 0;
    const std::uint64_t version = document ? VersionOf(*document) : 0;
    if (document == nullptr) {
      ForgetShadow();
    } else if (!deltas_.IsStale(version) && desired && desired->IsObject()) {
      Delta delta;
      delta.version = version;
      delta.from_resync = true;
      delta.state = LocalDelta(*desired);
      const JsonValue* metadata = Member(*document, "metadata");
      Deliver(std::move(delta), metadata ? Member(*metadata, "desired") : nullptr);
    }
    SaveJournal();
    MaybeSendReport();
  }

  // D1 to D6 computed here, against the device's own reported state (with
  // reports not yet acknowledged) rather than the service's.
  JsonDocument LocalDelta(const JsonValue& desired) const {
    JsonDocument state = EmptyObject();
    auto& allocator = state.GetAllocator();
    state.AddMember("desired", JsonValue(desired, allocator), allocator);
    state.AddMember("reported", JsonValue(report_.device_state(), allocator), allocator);
    ShadowDocument document;
    document.ApplyState(state, 0);
    JsonDocument delta;
    JsonValue metadata;
    if (!document.ComputeDelta(&delta, &metadata, delta.GetAllocator())) delta.SetObject();
    return delta;
  }

  // ---- timers ----

  std::optional<Clock::time_point> NextTimer() const {
    std::optional<Clock::time_point> next;
    const auto consider = [&next](const std::optional<Clock::time_point>& t) {
      if (t && (!next || *t < *next)) next = t;
    };
    consider(requests_.NextDeadline());
    consider(resync_retry_at_);
    consider(report_.retry_at());
    return next;
  }

  void FireDueTimers() {
    const auto now = options_.clock();
    if (online_ && resync_retry_at_ && now >= *resync_retry_at_) {
      resync_retry_at_.reset();
      SendResyncGet();
    }
    if (const auto retry = report_.retry_at(); retry && now >= *retry) MaybeSendReport();
    for (const std::string& token : requests_.ExpiredTokens(now)) {
      std::optional<PendingRequest> request = requests_.Take(token);
      if (!request) continue;
      OnTimeout(token, *request);
    }
  }

  void OnTimeout(const std::string& token, PendingRequest& request) {
    const Status timeout(StatusCode::kTimeout,
                         "no answer from the shadow service within " +
                             std::to_string(options_.request_timeout.count()) +
                             " ms (clientToken " + token + ")");
    if (on_request_timeout_) on_request_timeout_(RequestTopic(request.kind), timeout);
    switch (request.kind) {
      case Kind::kResyncGet:
        if (online_) SendResyncGet();
        return;
      case Kind::kReport:
        report_.Drop(token);
        ReportResult(timeout);
        return MaybeSendReport();  // the difference is still there: resend
      default:
        return Finish(request, timeout);
    }
  }

  // The topic a request of `kind` is published on.
  std::string RequestTopic(Kind kind) const {
    switch (kind) {
      case Kind::kDelete:
        return prefix_ + "/delete";
      case Kind::kUpdateDesired:
      case Kind::kReport:
        return prefix_ + "/update";
      default:
        return prefix_ + "/get";
    }
  }

  ClientOptions options_;
  std::optional<internal::ReportJournal> journal_;
  std::string prefix_;

  bool started_ = false;
  bool online_ = false;

  internal::ReportState report_;
  std::size_t desired_bytes_ = 0;  // of the desired section the last GET saw
  internal::DeltaFilter deltas_;
  internal::RequestTable requests_;

  std::optional<Clock::time_point> resync_retry_at_;
  std::chrono::milliseconds retry_delay_ = kFirstRetryDelay;  // of the resync GET

  // Declared last: destroyed first, so no handler runs into a dead inbox.
  internal::ClientInbox inbox_;
  std::unique_ptr<Transport> transport_;
};

// ---- ShadowClient ----

Result<std::unique_ptr<ShadowClient>> ShadowClient::Create(ClientOptions options,
                                                           std::unique_ptr<Transport> transport) {
  if (!transport) return InvalidArgumentError("ShadowClient: no transport");
  if (Status thing = ValidateThingName(options.shadow.thing); !thing.ok()) return thing;
  if (options.shadow.shadow) {
    if (Status name = ValidateShadowName(*options.shadow.shadow); !name.ok()) return name;
  }
  if (Status prefix = internal::CheckClientTokenPrefix(options.client_token_prefix); !prefix.ok()) {
    return prefix;
  }
  std::optional<internal::ReportJournal> journal;
  if (!options.journal_path.empty()) {
    Result<internal::ReportJournal> opened =
        internal::ReportJournal::Open(options.journal_path, options.shadow);
    if (!opened.ok()) return opened.status();
    journal = std::move(opened).value();
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(transport), std::move(journal));
  if (Status ready = impl->Init(); !ready.ok()) return ready;
  return std::unique_ptr<ShadowClient>(new ShadowClient(std::move(impl)));
}

ShadowClient::ShadowClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ShadowClient::~ShadowClient() = default;

void ShadowClient::OnDelta(DeltaHandler handler) { impl_->on_delta_ = std::move(handler); }
void ShadowClient::OnDocuments(DocumentsHandler handler) {
  impl_->on_documents_ = std::move(handler);
}
void ShadowClient::OnConnectivity(ConnectivityHandler handler) {
  impl_->on_connectivity_ = std::move(handler);
}
void ShadowClient::OnReportResult(ResultHandler handler) {
  impl_->on_report_result_ = std::move(handler);
}
void ShadowClient::OnRequestTimeout(RequestTimeoutHandler handler) {
  impl_->on_request_timeout_ = std::move(handler);
}

Status ShadowClient::Start() { return impl_->Start(); }
Status ShadowClient::Stop(std::chrono::milliseconds timeout) { return impl_->Stop(timeout); }
Status ShadowClient::Report(const JsonValue& reported) { return impl_->Report(reported); }
Status ShadowClient::ClearDesired(const std::vector<std::string>& pointers, ResultHandler done) {
  return impl_->ClearDesired(pointers, std::move(done));
}
Status ShadowClient::UpdateDesired(const JsonValue& patch, ResultHandler done,
                                   UpdateOptions options) {
  return impl_->UpdateDesired(patch, std::move(done), std::move(options));
}
Status ShadowClient::Get(ResultHandler done) { return impl_->Get(std::move(done)); }
Status ShadowClient::Delete(ResultHandler done) { return impl_->Delete(std::move(done)); }

std::size_t ShadowClient::Poll() { return impl_->Poll(); }
void ShadowClient::RunFor(std::chrono::milliseconds duration) {
  (void)impl_->RunUntil(nullptr, duration);
}
bool ShadowClient::RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  return impl_->RunUntil(done, timeout);
}

bool ShadowClient::IsOnline() const { return impl_->online(); }
bool ShadowClient::HasPendingReport() const { return impl_->HasPendingReport(); }
const JsonValue& ShadowClient::acknowledged_reported() const { return impl_->acked(); }
std::uint64_t ShadowClient::last_delta_version() const { return impl_->delivered_version(); }
const ShadowId& ShadowClient::shadow() const { return impl_->shadow(); }

}  // namespace shadowsync
