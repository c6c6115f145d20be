// LoadDriver: open and closed arrival processes.
#include "simulator/workload/load.h"

#include <cmath>

namespace slotsim {

LoadDriver::LoadDriver(const LoadSpec& load, const Scenario& scenario, ClientPool& pool,
                       Clock& clock, Random& random)
    : load_(load), scenario_(scenario), pool_(pool), clock_(clock), random_(random) {}

void LoadDriver::Start(Timestamp start, Micros duration) {
  start_ = start;
  end_ = start + duration;
  if (load_.model == "closed") {
    pool_.set_on_leave([this] {
      if (clock_.Now() < end_ && static_cast<double>(pool_.live()) < closed_target_) pool_.Arrive();
    });
  }
  clock_.ScheduleAt(start, [this] { Tick(); });
}

void LoadDriver::Tick() {
  const Timestamp now = clock_.Now();
  if (now >= end_) return;
  const double target = scenario_.LoadAt(now - start_);
  if (load_.model == "closed") {
    ClosedTick(target);
  } else {
    OpenTick(target);
  }
  clock_.ScheduleAt(now + kTick, [this] { Tick(); });
}

void LoadDriver::OpenTick(double rate_per_s) {
  carry_ += rate_per_s * (static_cast<double>(kTick.count()) / 1e6);
  const auto n = static_cast<uint64_t>(std::floor(carry_));
  carry_ -= static_cast<double>(n);
  const Timestamp now = clock_.Now();
  for (uint64_t i = 0; i < n; ++i) {
    const Micros offset(static_cast<int64_t>(random_.Uniform(kTick.count())));
    clock_.ScheduleAt(now + offset, [this] { pool_.Arrive(); });
  }
}

void LoadDriver::ClosedTick(double target) {
  closed_target_ = target;
  const auto want = static_cast<uint64_t>(std::llround(target));
  const uint64_t live = pool_.live();
  const Timestamp now = clock_.Now();
  if (live > want) {
    pool_.Shed(live - want);
    return;
  }
  for (uint64_t i = live; i < want; ++i) {
    const Micros offset(static_cast<int64_t>(random_.Uniform(kTick.count())));
    clock_.ScheduleAt(now + offset, [this] {
      if (static_cast<double>(pool_.live()) < closed_target_) pool_.Arrive();
    });
  }
}

}  // namespace slotsim
