// LoadDriver: turns [load] into client arrivals on the target's clock.
//   open   arrivals per second follow the stages (linear ramps); each 100 ms tick admits the
//          expected number of arrivals (fractions carried over) at random instants in the tick.
//   closed the number of live clients follows the stages: each tick tops the population up
//          (spread over the tick) or sheds the excess; a client that leaves is replaced at once.
#pragma once

#include "common/random.h"
#include "simulator/workload/client.h"
#include "simulator/scenario/scenario.h"

namespace slotsim {

class LoadDriver {
 public:
  // All references must outlive the driver.
  LoadDriver(const LoadSpec& load, const Scenario& scenario, ClientPool& pool, Clock& clock,
             Random& random);

  // Arms the first tick at `start`; ticks stop at start + duration.
  void Start(Timestamp start, Micros duration);

  static constexpr Micros kTick{100'000};

 private:
  void Tick();
  void OpenTick(double rate_per_s);
  void ClosedTick(double target);

  const LoadSpec& load_;
  const Scenario& scenario_;
  ClientPool& pool_;
  Clock& clock_;
  Random& random_;
  Timestamp start_, end_;
  double carry_ = 0;  // open: fractional arrivals owed
  double closed_target_ = 0;
};

}  // namespace slotsim
