// Supervisor: per-server threads that reap, log, back off and restart (supervisor.h).
#include "procs/supervisor.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>

#include "common/check.h"

namespace slotsim {
namespace {

using SteadyClock = std::chrono::steady_clock;

Millis Since(SteadyClock::time_point t) {
  return std::chrono::duration_cast<Millis>(SteadyClock::now() - t);
}

std::string Seconds(Millis d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

std::string Ms(Millis d) { return std::to_string(d.count()) + " ms"; }

Millis Backoff(const SupervisorOptions& o, int attempt) {
  Millis b = o.backoff_min;
  for (int i = 1; i < attempt && b < o.backoff_max; ++i) b *= 2;
  return std::min(b, o.backoff_max);
}

std::string LastExit(const SupervisedState& s) {
  return s.last_cause.empty() ? "" : "; last exit: " + s.last_cause;
}

}  // namespace

struct Supervisor::Entry {
  ManagedServer* server = nullptr;
  SupervisedState state;  // guarded by mu_
  SteadyClock::time_point started_at;
  SteadyClock::time_point next_at;                  // kBackingOff: when the next attempt starts
  std::deque<SteadyClock::time_point> attempts_at;  // restart attempts within the window
  bool parked = false;                              // quiesced: no restart from here on (guarded)
  bool terminate = false;                           // Stop(): terminate the server now (guarded)
  std::thread thread;
};

std::string DescribeState(const SupervisedState& s, const SupervisorOptions& o) {
  using Phase = SupervisedState::Phase;
  switch (s.phase) {
    case Phase::kRunning:
      if (s.restarts == 0) return "running";
      return "running (restarts: " + std::to_string(s.restarts) + LastExit(s) + ")";
    case Phase::kBackingOff:
      return "restarting in " + Ms(s.next_in) + " (attempt " + std::to_string(s.attempt) +
             LastExit(s) + ")";
    case Phase::kRestarting:
      return "restarting now (attempt " + std::to_string(s.attempt) + LastExit(s) + ")";
    case Phase::kGivenUp:
      return "given up after " + std::to_string(o.max_restarts) + " restarts within " +
             Seconds(o.window) + LastExit(s);
    case Phase::kStopped:
      return "stopped";
  }
  return "unknown";
}

Supervisor::Supervisor(SupervisorOptions options) : options_(std::move(options)) {}

Supervisor::~Supervisor() { Stop(); }

void Supervisor::Add(ManagedServer* server, std::string name, bool required) {
  auto e = std::make_unique<Entry>();
  e->server = server;
  e->state.name = std::move(name);
  e->state.required = required;
  e->state.pid = server->pid();
  e->started_at = SteadyClock::now();
  std::lock_guard<std::mutex> lock(mu_);
  SLOTSIM_CHECK(!started_);
  entries_.push_back(std::move(e));
}

void Supervisor::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  SLOTSIM_CHECK(!started_);
  started_ = true;
  for (auto& e : entries_) e->thread = std::thread([this, entry = e.get()] { Run(*entry); });
}

void Supervisor::Quiesce() {
  std::unique_lock<std::mutex> lock(mu_);
  quiesce_ = true;
  cv_.notify_all();
  if (!started_) return;
  cv_.wait(lock, [&] {
    return std::all_of(entries_.begin(), entries_.end(), [](auto& e) { return e->parked; });
  });
}

void Supervisor::Stop() {
  Quiesce();
  std::unique_lock<std::mutex> lock(mu_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    Entry& e = **it;
    e.terminate = true;
    cv_.notify_all();
    lock.unlock();
    e.thread.join();
    lock.lock();
  }
}

std::vector<SupervisedState> Supervisor::States() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SupervisedState> out;
  const auto now = SteadyClock::now();
  for (const auto& e : entries_) {
    SupervisedState s = e->state;
    if (s.phase == SupervisedState::Phase::kBackingOff) {
      s.next_in = std::max(Millis(0), std::chrono::duration_cast<Millis>(e->next_at - now));
    }
    out.push_back(std::move(s));
  }
  return out;
}

void Supervisor::AppendMetrics(std::string& out) const {
  const std::vector<SupervisedState> states = States();
  const auto series = [&](const char* name, const char* type, auto value) {
    out += std::string("# TYPE slotsim_managed_server_") + name + " " + type + "\n";
    for (const SupervisedState& s : states) {
      out += std::string("slotsim_managed_server_") + name + "{server=\"" + s.name + "\"} " +
             std::to_string(value(s)) + "\n";
    }
  };
  using Phase = SupervisedState::Phase;
  series("up", "gauge", [](const SupervisedState& s) { return s.phase == Phase::kRunning; });
  series("given_up", "gauge", [](const SupervisedState& s) { return s.phase == Phase::kGivenUp; });
  series("exits_total", "counter", [](const SupervisedState& s) { return s.exits; });
  series("restarts_total", "counter", [](const SupervisedState& s) { return s.restarts; });
  series("restart_failures_total", "counter",
         [](const SupervisedState& s) { return s.failed_restarts; });
}

void Supervisor::Log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

bool Supervisor::WaitQuiesced(Entry&, Millis d) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, d, [&] { return quiesce_; });
}

void Supervisor::Run(Entry& e) {
  bool given_up = false;  // then the server stays down: nothing more to watch
  while (!WaitQuiesced(e, options_.poll_interval)) {
    if (!given_up && e.server->Exited()) given_up = !HandleExit(e);
  }
  std::unique_lock<std::mutex> lock(mu_);
  e.parked = true;
  cv_.notify_all();
  cv_.wait(lock, [&] { return e.terminate; });
  lock.unlock();
  // Only this thread may end the server it restarted (PR_SET_PDEATHSIG is per thread).
  Log("stopping " + e.state.name);
  e.server->Terminate();
  lock.lock();
  e.state.phase = SupervisedState::Phase::kStopped;
  e.state.pid = -1;
}

bool Supervisor::HandleExit(Entry& e) {
  const Millis uptime = Since(e.started_at);
  const std::string cause = e.server->exit_description() + " after " + Seconds(uptime) + " up";
  pid_t pid;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pid = e.state.pid;
    ++e.state.exits;
    e.state.last_cause = cause;
    e.state.pid = -1;
    if (uptime >= options_.window) e.state.attempt = 0;  // it ran a whole window: start over
  }
  Log(e.state.name + " (pid " + std::to_string(pid) + ") " + cause);
  if (options_.on_exit) options_.on_exit(e.state.name, cause);
  return RestartLoop(e);
}

bool Supervisor::RestartLoop(Entry& e) {
  using Phase = SupervisedState::Phase;
  const std::string& name = e.state.name;  // never changes after Add
  while (true) {
    while (!e.attempts_at.empty() && Since(e.attempts_at.front()) >= options_.window) {
      e.attempts_at.pop_front();
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (static_cast<int>(e.attempts_at.size()) >= options_.max_restarts) {
      e.state.phase = Phase::kGivenUp;
      lock.unlock();
      Log("giving up on " + name + " after " + std::to_string(options_.max_restarts) +
          " restarts within " + Seconds(options_.window) + "; it stays down");
      return false;
    }
    const int attempt = ++e.state.attempt;
    const Millis backoff = Backoff(options_, attempt);
    e.state.phase = Phase::kBackingOff;
    e.next_at = SteadyClock::now() + backoff;
    lock.unlock();
    Log("restarting " + name + " in " + Ms(backoff) + " (attempt " + std::to_string(attempt) +
        ", restart " + std::to_string(e.attempts_at.size() + 1) + " of at most " +
        std::to_string(options_.max_restarts) + " within " + Seconds(options_.window) + ")");
    if (WaitQuiesced(e, backoff)) return true;
    lock.lock();
    e.state.phase = Phase::kRestarting;
    lock.unlock();
    const auto t0 = SteadyClock::now();
    e.attempts_at.push_back(t0);
    const Status st = e.server->Restart();
    lock.lock();
    if (st.ok()) {
      e.state.phase = Phase::kRunning;
      e.state.pid = e.server->pid();
      ++e.state.restarts;
      e.started_at = SteadyClock::now();
      lock.unlock();
      Log(name + " restarted: pid " + std::to_string(e.server->pid()) + ", attempt " +
          std::to_string(attempt) + ", up after " + Ms(Since(t0)));
      return true;
    }
    ++e.state.failed_restarts;
    e.state.last_cause = "restart failed: " + st.message();
    lock.unlock();
    Log("restart of " + name + " failed (attempt " + std::to_string(attempt) +
        "): " + st.message());
  }
}

}  // namespace slotsim
