// Fault timers for the sim target.
#include "simulator/targets/sim/sim_faults.h"

namespace slotsim {
namespace {

constexpr Micros kRestartTime{70'000};  // a Redis restart answers in 50-90 ms here

ModelStore& Upstream(SimTarget& t, const FaultSpec& f) {
  return f.upstream == "mysql" ? t.mysql() : t.redis();
}

// Applies (on = true) or clears the steady part of a fault.
void Apply(const FaultSpec& f, SimTarget& t, bool on) {
  const std::string& k = f.kind;
  if (k == "redis_down") {
    t.redis().set_down(on);
    if (!on && f.restart == "empty") t.redis().Wipe();
  } else if (k == "redis_hang") {
    t.redis().set_hang(on);
  } else if (k == "redis_latency") {
    t.redis().set_extra_latency(on ? f.latency : Micros(0), on ? f.jitter : Micros(0));
  } else if (k == "mysql_slow") {
    t.mysql().set_extra_latency(on ? f.latency : Micros(0), Micros(0));
  } else if (k == "mysql_down") {
    t.mysql().set_down(on);
  } else if (k == "mysql_hang") {
    t.mysql().set_hang(on);
  } else if (k == "proxy_latency") {
    Upstream(t, f).set_extra_latency(on ? f.latency : Micros(0), on ? f.jitter : Micros(0));
  } else if (k == "proxy_blackhole") {
    Upstream(t, f).set_hang(on);
  } else if (k == "proxy_reset" || k == "proxy_down") {
    Upstream(t, f).set_down(on);
  }
}

void ScheduleFlap(const FaultSpec& f, Timestamp start, SimTarget& t) {
  Clock& clock = t.clock();
  const Timestamp end = start + f.end();
  for (Timestamp down_at = start + f.at; down_at < end; down_at += f.down + f.up) {
    const Timestamp up_at = std::min(down_at + f.down, end);
    clock.ScheduleAt(down_at, [&t] { t.redis().set_down(true); });
    clock.ScheduleAt(up_at, [&t] { t.redis().set_down(false); });
  }
}

}  // namespace

Status CheckSimFaults(const std::vector<FaultSpec>& faults) {
  for (const FaultSpec& f : faults) {
    if (f.kind == "proxy_bandwidth") {
      return Status::InvalidArgument(
          "fault proxy_bandwidth is not modelled by the sim target; use --target local");
    }
  }
  return Status::Ok();
}

void ScheduleSimFaults(const std::vector<FaultSpec>& faults, Timestamp start, SimTarget& t,
                       Recorder& recorder) {
  Clock& clock = t.clock();
  for (const FaultSpec& f : faults) {
    const Timestamp at = start + f.at;
    if (f.kind == "redis_restart_empty") {
      clock.ScheduleAt(at, [&t, &recorder, f, at] {
        recorder.FaultStarted(f.kind, at);
        t.redis().set_down(true);
      });
      clock.ScheduleAt(at + kRestartTime, [&t, &recorder, at] {
        t.redis().Wipe();
        t.redis().set_down(false);
        recorder.FaultEnded(at + kRestartTime);
      });
      continue;
    }
    const Timestamp end = start + f.end();
    clock.ScheduleAt(at, [&t, &recorder, f, at] {
      recorder.FaultStarted(f.kind, at);
      Apply(f, t, true);
    });
    if (f.kind == "redis_flap") ScheduleFlap(f, start, t);
    clock.ScheduleAt(end, [&t, &recorder, f, end] {
      Apply(f, t, false);
      recorder.FaultEnded(end);
    });
  }
}

}  // namespace slotsim
