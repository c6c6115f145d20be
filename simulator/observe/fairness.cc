// FairnessSink: per-client poll rates over each client's live time (fairness.h).
#include "simulator/observe/fairness.h"

#include <algorithm>
#include <cmath>

namespace slotsim {
namespace {

uint64_t HashId(const std::string& id) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// The value at percentile `p` (0..100) of sorted `v`, nearest rank.
double Percentile(const std::vector<float>& v, double p) {
  if (v.empty()) return 0;
  const double rank = std::ceil(p / 100.0 * static_cast<double>(v.size()));
  const size_t i = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return v[std::min(i, v.size() - 1)];
}

// Ratios are kept as floats; four decimals is all they carry.
double Round4(double v) { return std::round(v * 1e4) / 1e4; }

}  // namespace

FairnessSink::FairnessSink(Micros heartbeat, Micros idle_after)
    : heartbeat_(heartbeat), idle_after_(idle_after) {}

void FairnessSink::Record(const OpRecord& op) {
  auto [it, fresh] = live_.try_emplace(HashId(op.client_id));
  Live& c = it->second;
  if (fresh) {
    c.first = op.intended;
    c.last = op.completed;
  } else {
    c.first = std::min(c.first, op.intended);
    c.last = std::max(c.last, op.completed);
  }
  if (op.kind == OpKind::kPoll && op.outcome == Outcome::kOk) ++c.ok_polls;
  latest_ = std::max(latest_, op.completed);
  // Sweeping costs a pass over the live clients: do it once per idle period.
  if (latest_ - last_sweep_ >= idle_after_) Sweep(latest_);
}

void FairnessSink::Sweep(Timestamp now) {
  last_sweep_ = now;
  for (auto it = live_.begin(); it != live_.end();) {
    if (now - it->second.last >= idle_after_) {
      Settle(it->second, settled_, excluded_);
      it = live_.erase(it);
    } else {
      ++it;
    }
  }
}

void FairnessSink::Settle(const Live& c, std::vector<float>& ratios, uint64_t& excluded) const {
  const Micros span = c.last - c.first;
  if (heartbeat_ <= Micros(0) || span < 2 * heartbeat_) {
    ++excluded;
    return;
  }
  const double ratio =
      static_cast<double>(c.ok_polls) * static_cast<double>(heartbeat_.count()) /
      (static_cast<double>(span.count()) + 0.5 * static_cast<double>(heartbeat_.count()));
  ratios.push_back(static_cast<float>(ratio));
}

FairnessReport FairnessSink::Report() const {
  std::vector<float> ratios = settled_;
  uint64_t excluded = excluded_;
  for (const auto& [id, c] : live_) Settle(c, ratios, excluded);
  std::sort(ratios.begin(), ratios.end());
  FairnessReport r;
  r.clients = ratios.size();
  r.excluded = excluded;
  if (heartbeat_ > Micros(0))
    r.expected_polls_per_s = 1e6 / static_cast<double>(heartbeat_.count());
  if (ratios.empty()) return r;
  r.ratio_min = Round4(ratios.front());
  r.ratio_p1 = Round4(Percentile(ratios, 1));
  r.ratio_p10 = Round4(Percentile(ratios, 10));
  r.ratio_p50 = Round4(Percentile(ratios, 50));
  r.ratio_p90 = Round4(Percentile(ratios, 90));
  r.ratio_max = Round4(ratios.back());
  const auto below = std::lower_bound(ratios.begin(), ratios.end(), 0.5f) - ratios.begin();
  r.below_half_share = static_cast<double>(below) / static_cast<double>(ratios.size());
  return r;
}

}  // namespace slotsim
