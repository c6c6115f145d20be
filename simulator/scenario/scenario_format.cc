// Scenario::ToToml: the resolved scenario written back as a scenario file, every key explicit,
// in the order docs/scenarios.md lists them. ParseScenario of the result gives the same values.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/duration.h"
#include "simulator/scenario/scenario.h"
#include "simulator/scenario/scenario_reader.h"

namespace slotsim {
namespace {

using scenario_internal::QuoteToml;

std::string Q(std::string_view s) { return QuoteToml(s); }
std::string D(Micros d) { return QuoteToml(FormatDuration(d)); }
std::string B(bool b) { return b ? "true" : "false"; }

// Shortest text that reads back as the same double; integral values print as integers.
std::string N(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "0";
}

std::string Clock(int minute) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return QuoteToml(buf);
}

void WriteEngine(std::ostream& o, const EngineSpec& e) {
  o << "\n[engine]\n"
    << "profile = " << Q(e.profile) << "\n"
    << "heartbeat = " << D(e.heartbeat) << "\n"
    << "hold_ttl = " << D(e.policy.hold_ttl) << "\n"
    << "redis_deadline = " << D(e.policy.redis_deadline) << "\n"
    << "probe_interval = " << D(e.policy.probe_interval) << "\n"
    << "probes_to_close = " << e.policy.probes_to_close << "\n"
    << "employees = " << e.grid.employees << "\n"
    << "open = " << Clock(e.grid.open_minute) << "\n"
    << "close = " << Clock(e.grid.close_minute) << "\n"
    << "slot = " << D(std::chrono::minutes(e.grid.slot_minutes)) << "\n"
    << "days_ahead = " << e.grid.days_ahead << "\n";
}

void WriteLoad(std::ostream& o, const LoadSpec& l) {
  o << "\n[load]\n"
    << "model = " << Q(l.model) << "\n"
    << "stages = [";
  for (size_t i = 0; i < l.stages.size(); ++i) {
    o << (i ? ", " : "") << "{ for = " << D(l.stages[i].duration)
      << ", to = " << N(l.stages[i].target) << " }";
  }
  o << "]\n"
    << "max_clients = " << l.max_clients << "\n";
}

void WriteClients(std::ostream& o, const ClientSpec& c) {
  o << "\n[clients]\n"
    << "employees_pick = " << Q(c.employees_pick.ToString()) << "\n"
    << "days = " << c.days << "\n"
    << "slot_popularity = " << Q(c.slot_popularity.ToString()) << "\n"
    << "think = " << Q(c.think.ToString()) << "\n"
    << "browse = " << Q(c.browse.ToString()) << "\n"
    << "abandon = " << N(c.abandon) << "\n"
    << "reschedule = " << N(c.reschedule) << "\n"
    << "cancel = " << N(c.cancel) << "\n"
    << "retry_on_held = " << c.retry_on_held << "\n"
    << "poll_with_selected_time = " << B(c.poll_with_selected_time) << "\n";
}

void WriteFault(std::ostream& o, const FaultSpec& f) {
  o << "\n[[faults]]\n"
    << "kind = " << Q(f.kind) << "\n"
    << "at = " << D(f.at) << "\n";
  if (!IsInstantFault(f.kind)) o << "for = " << D(f.duration) << "\n";
  for (std::string_view key : FaultParamKeys(f.kind)) {
    o << key << " = ";
    if (key == "restart") o << Q(f.restart);
    if (key == "latency") o << D(f.latency);
    if (key == "jitter") o << D(f.jitter);
    if (key == "down") o << D(f.down);
    if (key == "up") o << D(f.up);
    if (key == "bytes_per_s") o << f.bytes_per_s;
    if (key == "upstream") o << Q(f.upstream);
    o << "\n";
  }
}

}  // namespace

std::string Scenario::ToToml() const {
  std::ostringstream o;
  o << "name = " << Q(name) << "\n"
    << "description = " << Q(description) << "\n"
    << "duration = " << D(duration) << "\n"
    << "seed = " << seed << "\n";
  o << "\n[target]\n"
    << "kind = " << Q(target.kind) << "\n"
    << "url = " << Q(target.url) << "\n"
    << "redis = " << Q(target.redis) << "\n"
    << "mysql = " << Q(target.mysql) << "\n"
    << "spawn = " << B(target.spawn) << "\n"
    << "workers = " << target.workers << "\n"
    << "nonce_from = " << Q(target.nonce_from) << "\n"
    << "forwarded_for = " << B(target.forwarded_for) << "\n"
    << "rest_style = " << Q(target.rest_style) << "\n"
    << "table_prefix = " << Q(target.table_prefix) << "\n";
  WriteEngine(o, engine);
  WriteLoad(o, load);
  WriteClients(o, clients);
  o << "\n[adversaries]\n"
    << "share = " << N(adversaries.share) << "\n"
    << "behaviors = [";
  for (size_t i = 0; i < adversaries.behaviors.size(); ++i) {
    o << (i ? ", " : "") << Q(adversaries.behaviors[i]);
  }
  o << "]\n"
    << "attempts = " << adversaries.attempts << "\n";
  o << "\n[sim]\n"
    << "redis_latency = " << Q(sim.redis_latency.ToString()) << "\n"
    << "mysql_read_latency = " << Q(sim.mysql_read_latency.ToString()) << "\n"
    << "mysql_write_latency = " << Q(sim.mysql_write_latency.ToString()) << "\n"
    << "engine_overhead = " << Q(sim.engine_overhead.ToString()) << "\n"
    << "redis_servers = " << sim.redis_servers << "\n"
    << "mysql_servers = " << sim.mysql_servers << "\n";
  o << "\n[output]\n"
    << "history = " << B(output.history) << "\n"
    << "timeseries_interval = " << D(output.timeseries_interval) << "\n";
  o << "\n[thresholds]\n";
  for (const Threshold& t : thresholds) {
    o << Q(t.metric) << " = ";
    if (t.abort_on_fail || t.grace.count() != 0 || t.allow_unmeasured) {
      o << "{ condition = " << Q(t.condition) << ", abort_on_fail = " << B(t.abort_on_fail)
        << ", grace = " << D(t.grace);
      if (t.allow_unmeasured) o << ", allow_unmeasured = true";
      o << " }\n";
    } else {
      o << Q(t.condition) << "\n";
    }
  }
  for (const FaultSpec& f : faults) WriteFault(o, f);
  return o.str();
}

}  // namespace slotsim
