// Per-client fairness of a real-time run: did every virtual client get its polls answered at
// the rate its heartbeat asks for, or did the target serve some clients and starve others?
// Totals cannot tell: a server that answers half its connections twice as fast looks healthy
// in requests/s. FairnessSink counts each client's answered polls over the time it was live
// and reports the spread of per-client poll rates relative to the expected 1/heartbeat.
//
// The rule. A client is live from its first operation's intended start to its last
// operation's completion (span S). Its rate ratio is ok_polls × heartbeat / (S + heartbeat/2):
// a client arrives, and its first poll comes a uniform fraction of a heartbeat later, so a
// client served on time answers S/heartbeat + 1/2 polls on average and scores 1.0. Failed
// polls do not count. Clients live less than two heartbeats are left out (`excluded`): their
// ratio is mostly rounding at the edges. Even so a single client's ratio is quantized (a client
// live 4 heartbeats scores 0.89 or 1.11 by where its first beat fell); starvation shows as
// ratios far below that, in the low percentiles and in below_half_share.
//
// Memory is bounded by the clients live at once: a client silent for `idle_after` (no operation
// completed) is settled into a list of ratios (4 bytes each) and forgotten.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "simulator/observe/history.h"

namespace slotsim {

struct FairnessReport {
  uint64_t clients = 0;             // clients with a ratio (live two heartbeats or more)
  uint64_t excluded = 0;            // clients live less than two heartbeats
  double expected_polls_per_s = 0;  // 1 / heartbeat; 0 when not measured (sim runs)
  // Percentiles of the per-client rate ratio (observed / expected); all 0 when clients == 0.
  double ratio_min = 0, ratio_p1 = 0, ratio_p10 = 0, ratio_p50 = 0, ratio_p90 = 0, ratio_max = 0;
  double below_half_share = 0;  // share of clients with a ratio below 0.5
  bool operator==(const FairnessReport&) const = default;
};

class FairnessSink final : public HistorySink {
 public:
  // `heartbeat` > 0: the scenario's poll interval. Clients with no completed operation for
  // `idle_after` are settled (it must exceed the longest operation plus a heartbeat).
  explicit FairnessSink(Micros heartbeat, Micros idle_after = Micros(60'000'000));

  // Not thread-safe: call from the thread that owns the history stream.
  void Record(const OpRecord& op) override;
  // The report over every client seen so far (live ones as if they ended now).
  FairnessReport Report() const;

 private:
  struct Live {
    Timestamp first;
    Timestamp last;
    uint64_t ok_polls = 0;
  };

  // Settles clients idle since before `now - idle_after`.
  void Sweep(Timestamp now);
  void Settle(const Live& c, std::vector<float>& ratios, uint64_t& excluded) const;

  const Micros heartbeat_;
  const Micros idle_after_;
  std::unordered_map<uint64_t, Live> live_;  // by a 64-bit hash of the client id
  std::vector<float> settled_;
  uint64_t excluded_ = 0;
  Timestamp latest_;
  Timestamp last_sweep_;
};

}  // namespace slotsim
