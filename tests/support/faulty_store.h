// FaultyStore: a Store decorator for deterministic failover tests. While `down` it answers every
// call with Unavailable without reaching the wrapped store; otherwise it forwards. Counts calls.
#pragma once

#include <atomic>

#include "engine/store_wrapper.h"

namespace slotsim::testing {

class FaultyStore final : public StoreWrapper {
 public:
  explicit FaultyStore(Store& inner) : StoreWrapper(inner) {}

  void set_down(bool down) { down_ = down; }
  // Every call runs past its deadline (Timeout: the outcome of a write is unknown).
  void set_timing_out(bool timing_out) { timing_out_ = timing_out; }
  // Only the booked-cache writes (NoteBooked, NoteFreed) fail.
  void set_fail_cache_writes(bool fail) { fail_cache_writes_ = fail; }
  // Calls that reached this store (mode() and failed cache writes are not counted).
  int calls() const { return calls_; }

 private:
  Status BeforeCall(const StoreCall& call) override {
    const bool cache_write =
        call.method == StoreMethod::kNoteBooked || call.method == StoreMethod::kNoteFreed;
    if (cache_write && fail_cache_writes_)
      return Status::Unavailable("injected: cache write failed");
    ++calls_;
    if (down_) return Status::Unavailable("injected: store is down");
    if (timing_out_) return Status::Timeout("injected: deadline passed");
    return Status::Ok();
  }

  std::atomic<bool> down_{false};
  std::atomic<bool> timing_out_{false};
  std::atomic<bool> fail_cache_writes_{false};
  std::atomic<int> calls_{0};
};

}  // namespace slotsim::testing
