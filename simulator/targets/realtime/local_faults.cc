// Fault steps for the local target.
#include "simulator/targets/realtime/local_faults.h"

#include <algorithm>

namespace slotsim {
namespace {

bool IsRedisProcessFault(const std::string& k) {
  return k == "redis_down" || k == "redis_restart_empty" || k == "redis_hang" || k == "redis_flap";
}
bool IsMySqlProcessFault(const std::string& k) { return k == "mysql_down" || k == "mysql_hang"; }
bool IsProxyFault(const std::string& k) { return k.rfind("proxy_", 0) == 0; }

// The proxy a proxy-borne fault acts on: "redis" or "mysql".
std::string ProxyUpstream(const FaultSpec& f) {
  if (f.kind == "redis_latency") return "redis";
  if (f.kind == "mysql_slow") return "mysql";
  return f.upstream;
}

ProxyFault ProxyFaultOf(const FaultSpec& f) {
  const std::string& k = f.kind;
  if (k == "proxy_blackhole") return ProxyFault::Blackhole();
  if (k == "proxy_reset") return ProxyFault::Reset();
  if (k == "proxy_down") return ProxyFault::Down();
  if (k == "proxy_bandwidth") return ProxyFault::Bandwidth(f.bytes_per_s);
  return ProxyFault::Latency(f.latency, f.jitter);  // redis_latency, mysql_slow, proxy_latency
}

// Builds the steps; `b`, `wall` and `tl` outlive them (PlanLocalFaults' contract).
class Planner {
 public:
  Planner(const LocalFaultBackends& b, Clock& wall, FaultTimeline& tl)
      : b_(b), wall_(wall), tl_(tl) {}

  void Add(const FaultSpec& f) {
    const std::string& k = f.kind;
    if (k == "redis_down") {
      Begin(f, f.at, "SIGKILL redis-server", [b = &b_] { return Kill(b->redis); });
      const bool empty = f.restart != "with_data";
      End(f.end(), empty ? "restart redis-server empty" : "restart redis-server with its data",
          [b = &b_, empty] { return empty ? b->redis->RestartEmpty() : b->redis->Restart(); });
    } else if (k == "redis_restart_empty") {
      Begin(f, f.at, "SIGKILL redis-server", [b = &b_] { return Kill(b->redis); });
      End(f.at, "restart redis-server empty", [b = &b_] { return b->redis->RestartEmpty(); });
    } else if (k == "redis_hang" || k == "mysql_hang") {
      ManagedServer* s = k == "redis_hang" ? static_cast<ManagedServer*>(b_.redis) : b_.mysql;
      Begin(f, f.at, "SIGSTOP", [s] {
        s->Stop();
        return Status::Ok();
      });
      End(f.end(), "SIGCONT", [s] {
        s->Continue();
        return s->WaitReady(Millis(30'000));
      });
    } else if (k == "mysql_down") {
      Begin(f, f.at, "SIGKILL mariadbd", [b = &b_] { return Kill(b->mysql); });
      End(f.end(), "restart mariadbd", [b = &b_] { return b->mysql->Restart(); });
    } else if (k == "redis_flap") {
      AddFlap(f);
    } else {
      FaultProxy* p = ProxyUpstream(f) == "mysql" ? b_.mysql_proxy : b_.redis_proxy;
      const ProxyFault pf = ProxyFaultOf(f);
      Begin(f, f.at, "proxy " + ToString(pf), [p, pf] { return p->SetFault(pf); });
      End(f.end(), "proxy none", [p] { return p->SetFault(ProxyFault::None()); });
    }
  }

  std::vector<FaultStep> Take() {
    std::stable_sort(steps_.begin(), steps_.end(),
                     [](const FaultStep& a, const FaultStep& b) { return a.at < b.at; });
    return std::move(steps_);
  }

 private:
  static Status Kill(ManagedServer* s) {
    s->Kill();
    return Status::Ok();
  }

  // A step that starts fault `f`: the moment is taken just before `act` injects it.
  void Begin(const FaultSpec& f, Micros at, const std::string& what, std::function<Status()> act) {
    const std::string kind = f.kind;
    steps_.push_back(
        FaultStep{at, kind + ": " + what, [tl = &tl_, wall = &wall_, kind, act = std::move(act)] {
                    tl->Started(kind, wall->Now());
                    return act();
                  }});
  }

  // A step that ends the oldest open fault: the moment is taken once `act` has cleared it.
  void End(Micros at, const std::string& what, std::function<Status()> act) {
    steps_.push_back(FaultStep{at, what, [tl = &tl_, wall = &wall_, act = std::move(act)] {
                                 Status s = act();
                                 tl->Ended(wall->Now());
                                 return s;
                               }});
  }

  // Down for f.down, up for f.up, from f.at until f.end(); the data survives each restart.
  void AddFlap(const FaultSpec& f) {
    bool first = true;
    for (Micros down_at = f.at; down_at < f.end(); down_at += f.down + f.up) {
      const Micros up_at = std::min(down_at + f.down, f.end());
      if (first) {
        Begin(f, down_at, "SIGKILL redis-server", [b = &b_] { return Kill(b->redis); });
        first = false;
      } else {
        steps_.push_back(FaultStep{down_at, "redis_flap: SIGKILL redis-server",
                                   [b = &b_] { return Kill(b->redis); }});
      }
      if (up_at == f.end()) break;
      steps_.push_back(FaultStep{up_at, "redis_flap: restart redis-server with its data",
                                 [b = &b_] { return b->redis->Restart(); }});
    }
    End(f.end(), "redis_flap: restart redis-server with its data",
        [b = &b_] { return b->redis->running() ? Status::Ok() : b->redis->Restart(); });
  }

  const LocalFaultBackends& b_;
  Clock& wall_;
  FaultTimeline& tl_;
  std::vector<FaultStep> steps_;
};

}  // namespace

LocalFaultNeeds LocalFaultNeedsOf(const std::vector<FaultSpec>& faults) {
  LocalFaultNeeds n;
  for (const FaultSpec& f : faults) {
    if (f.kind == "redis_flap" || (f.kind == "redis_down" && f.restart == "with_data")) {
      n.persistent_redis = true;
    }
    if (IsProxyFault(f.kind) || f.kind == "redis_latency" || f.kind == "mysql_slow") {
      (ProxyUpstream(f) == "mysql" ? n.mysql_proxy : n.redis_proxy) = true;
    }
  }
  return n;
}

Status CheckLocalFaults(const std::vector<FaultSpec>& faults, bool managed_redis,
                        bool managed_mysql) {
  for (const FaultSpec& f : faults) {
    if (IsRedisProcessFault(f.kind) && !managed_redis) {
      return Status::InvalidArgument(
          "fault " + f.kind +
          " signals the Redis process, which slotsim manages only without --redis / "
          "[target] redis; against your own Redis use proxy faults (proxy_down, "
          "proxy_blackhole, proxy_reset, proxy_latency)");
    }
    if (IsMySqlProcessFault(f.kind) && !managed_mysql) {
      return Status::InvalidArgument(
          "fault " + f.kind +
          " signals the MariaDB process, which slotsim manages only without --mysql / "
          "[target] mysql; against your own MySQL use proxy faults with upstream = \"mysql\"");
    }
  }
  return Status::Ok();
}

std::vector<FaultStep> PlanLocalFaults(const std::vector<FaultSpec>& faults,
                                       const LocalFaultBackends& backends, Clock& wall,
                                       FaultTimeline& timeline) {
  // The steps capture the caller's objects, never the planner, which dies here.
  Planner planner(backends, wall, timeline);
  for (const FaultSpec& f : faults) planner.Add(f);
  return planner.Take();
}

}  // namespace slotsim
