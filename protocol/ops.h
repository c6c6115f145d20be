// The operations a client can ask of a slot booking system and their answers, whatever carries
// them: the engine in process (the sim and local targets) or the heartbeat protocol over HTTP
// (protocol/client_wire.h). Virtual clients, targets and the history all speak these types.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "engine/slot_engine.h"

namespace slotsim {

enum class OpKind { kSelect, kDeselect, kPoll, kAvailability, kConfirm, kReschedule, kCancel };
inline constexpr int kOpKinds = 7;
std::string_view OpKindName(OpKind kind);  // "select", "deselect", "poll", ...
std::optional<OpKind> OpKindFromName(std::string_view name);

enum class Outcome {
  kOk,       // the answer was a success
  kFail,     // a definite failure: the operation did not take effect (domain error, 4xx)
  kUnknown,  // indeterminate: timeout / lost connection; it may or may not have taken effect
};
std::string_view OutcomeName(Outcome o);  // "ok" | "fail" | "unknown"

// How an answer came back (docs/consistency.md, "Answer classes"); it decides the Outcome.
enum class AnswerClass : uint8_t {
  kOk,           // a success (HTTP 2xx that passed validation; the engine's OK)
  kRejected,     // a definite refusal: HTTP 4xx, a 2xx saying success false, a domain error
  kServerError,  // HTTP 5xx but 504: the server said it failed: kFail
  kMalformed,    // a 2xx that breaks the protocol: a write's effect is unknown (kUnknown)
  kTimeout,      // no answer in time (read timeout, HTTP 504): a write's effect is unknown
  kReset,        // the connection was lost after sending: a write's effect is unknown
  kNotSent,      // never reached the server (refused, connect timeout, harness at its limit)
  kStoreError,   // in process (sim, local): the engine's store call failed (not a domain
                 // answer): kFail on sim, kUnknown for a write on local (a real server may
                 // have applied it)
};
inline constexpr int kAnswerClasses = 8;
// "ok" | "rejected" | "server_error" | "malformed_answer" | "timeout" | "reset" | "not_sent" |
// "store_error"
std::string_view AnswerClassName(AnswerClass c);
std::optional<AnswerClass> AnswerClassFromName(std::string_view name);

// One operation a client asks for. Unused fields stay empty.
struct OpRequest {
  OpKind kind = OpKind::kPoll;
  std::string client_id;
  SlotRef slot;                              // day for poll/availability; new slot for reschedule
  std::optional<std::string> selected_time;  // poll
  std::string booking_id;                    // reschedule, cancel
  std::string idempotency_key;               // confirm
};

// Its answer, with the times it was sent and answered.
struct OpResult {
  Status status;
  Outcome outcome = Outcome::kOk;
  AnswerClass answer = AnswerClass::kOk;
  StorageMode served_by = StorageMode::kMemory;
  Timestamp invoked;
  Timestamp completed;
  std::optional<Hold> hold;        // select
  std::optional<Booking> booking;  // confirm, reschedule, cancel
  std::optional<PollResult> poll;  // poll
  std::optional<Availability> availability;
};

}  // namespace slotsim
