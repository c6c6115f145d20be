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
  StorageMode served_by = StorageMode::kMemory;
  Timestamp invoked;
  Timestamp completed;
  std::optional<Hold> hold;        // select
  std::optional<Booking> booking;  // confirm, reschedule, cancel
  std::optional<PollResult> poll;  // poll
  std::optional<Availability> availability;
};

}  // namespace slotsim
