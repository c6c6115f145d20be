// History: the record of every operation a virtual client performed, as the consistency checker
// and `history.jsonl` see it. One OpRecord per operation, emitted when it completes, carrying
// both its invoke and completion times (sim operations are atomic at `invoked`; on real targets
// the operation took effect somewhere between `invoked` and `completed`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "engine/types.h"
#include "protocol/ops.h"

namespace slotsim {

struct OpRecord {
  uint64_t op_id = 0;
  std::string client_id;
  OpKind kind = OpKind::kPoll;
  // select/deselect/confirm: the slot. poll/availability: the day, time = selected_time or "".
  // reschedule: the NEW slot. cancel: the booking's slot as the client knew it.
  SlotRef slot;
  std::string booking_id;       // confirm (result), reschedule, cancel
  std::string idempotency_key;  // confirm
  Timestamp intended;           // when the client meant to send it (coordinated-omission start)
  Timestamp invoked;            // when it was actually sent
  Timestamp completed;          // when the answer arrived
  Outcome outcome = Outcome::kOk;
  AnswerClass answer = AnswerClass::kOk;  // how the answer came back (protocol/ops.h)
  Code code = Code::kOk;                  // the answer's code (kOk on success)
  StorageMode served_by = StorageMode::kMemory;
  // select ok / poll with own kHeld: the hold's expiry as the server stated it.
  std::optional<Timestamp> hold_expires;
  std::optional<HoldStatus> own;         // poll with selected_time
  std::vector<std::string> others_held;  // poll/availability: times held by other clients
  std::vector<std::string> booked;       // poll/availability: booked times
};

// Receives completed operations in completion order. Implementations: the online checker,
// the history.jsonl writer. Not thread-safe unless an implementation says so.
class HistorySink {
 public:
  virtual ~HistorySink() = default;
  virtual void Record(const OpRecord& op) = 0;
};

}  // namespace slotsim
