// Scenario loading: TOML text -> parsed document -> --set overrides -> validated Scenario.
// Each [section] has one decode step reading its keys in the order docs/scenarios.md lists
// them; defaults are whatever the Scenario member initialisers hold.
#include "simulator/scenario/scenario.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "common/duration.h"
#include "common/url.h"
#include "simulator/scenario/scenario_reader.h"

namespace slotsim {

using scenario_internal::Context;
using scenario_internal::Join;
using scenario_internal::Section;
using scenario_internal::TypeName;

namespace {

constexpr size_t kMaxStages = 1000;
constexpr size_t kMaxFaults = 1000;

const toml::table& EmptyTable() {
  static const toml::table kEmpty;
  return kEmpty;
}

bool Contains(const std::vector<std::string_view>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string HoursText(int minute) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

class Decoder {
 public:
  Decoder(const Context& ctx, Scenario& s) : ctx_(ctx), s_(s) {}

  Status Decode(const toml::table& root);

 private:
  Status Top(Section& top);
  Status Target(Section& sec);
  Status Engine(Section& sec);
  Status GridKeys(Section& sec);
  Status Load(Section& sec);
  Status Stages(Section& sec);
  Status Clients(Section& sec);
  Status Sim(Section& sec);
  Status Output(Section& sec);
  Status Adversaries(Section& sec);
  Status Faults(Section& top);
  Status Fault(const toml::table& t, size_t index);
  Status FaultParams(Section& sec, FaultSpec& f);
  Status Thresholds(Section& top);

  const Context& ctx_;
  Scenario& s_;
};

Status Decoder::Decode(const toml::table& root) {
  Section top(ctx_, root, "");
  SLOTSIM_RETURN_IF_ERROR(Top(top));
  using Step = Status (Decoder::*)(Section&);
  // Order matters: clients depend on engine (days), load on duration.
  static constexpr std::pair<std::string_view, Step> kSections[] = {
      {"target", &Decoder::Target},
      {"engine", &Decoder::Engine},
      {"load", &Decoder::Load},
      {"clients", &Decoder::Clients},
      {"adversaries", &Decoder::Adversaries},
      {"sim", &Decoder::Sim},
      {"output", &Decoder::Output},
  };
  for (const auto& [key, step] : kSections) {
    const toml::table* t = nullptr;
    SLOTSIM_RETURN_IF_ERROR(top.Table(key, &t));
    Section sec(ctx_, t ? *t : EmptyTable(), std::string(key));
    SLOTSIM_RETURN_IF_ERROR((this->*step)(sec));
    SLOTSIM_RETURN_IF_ERROR(sec.Finish());
  }
  SLOTSIM_RETURN_IF_ERROR(Faults(top));
  SLOTSIM_RETURN_IF_ERROR(Thresholds(top));
  return top.Finish();
}

Status Decoder::Top(Section& top) {
  SLOTSIM_RETURN_IF_ERROR(top.Str("name", &s_.name));
  const bool bad_name = s_.name.empty() || s_.name.size() > 128 ||
                        std::any_of(s_.name.begin(), s_.name.end(), [](char c) {
                          return c == '/' || static_cast<unsigned char>(c) < 0x20;
                        });
  if (bad_name) {
    return top.ErrorAt("name", "\"" + s_.name + "\" cannot name a run directory",
                       "1 to 128 characters without \"/\" or control characters");
  }
  SLOTSIM_RETURN_IF_ERROR(top.Str("description", &s_.description));
  SLOTSIM_RETURN_IF_ERROR(top.Duration("duration", &s_.duration));
  int64_t seed = static_cast<int64_t>(s_.seed);
  SLOTSIM_RETURN_IF_ERROR(top.Int("seed", &seed, 0, std::numeric_limits<int64_t>::max()));
  s_.seed = static_cast<uint64_t>(seed);
  return Status::Ok();
}

Status Decoder::Target(Section& sec) {
  TargetSpec& t = s_.target;
  SLOTSIM_RETURN_IF_ERROR(sec.Enum("kind", &t.kind, {"sim", "local", "http"}));
  SLOTSIM_RETURN_IF_ERROR(sec.Str("url", &t.url));
  SLOTSIM_RETURN_IF_ERROR(sec.Url("redis", &t.redis, ParseRedisUrl));
  SLOTSIM_RETURN_IF_ERROR(sec.Url("mysql", &t.mysql, ParseMySqlUrl));
  SLOTSIM_RETURN_IF_ERROR(sec.Bool("spawn", &t.spawn));
  SLOTSIM_RETURN_IF_ERROR(sec.Int("workers", &t.workers, 1, 1024));
  SLOTSIM_RETURN_IF_ERROR(sec.Str("nonce_from", &t.nonce_from));
  SLOTSIM_RETURN_IF_ERROR(sec.Bool("forwarded_for", &t.forwarded_for));
  SLOTSIM_RETURN_IF_ERROR(sec.Enum("rest_style", &t.rest_style, {"wp-json", "rest_route"}));
  SLOTSIM_RETURN_IF_ERROR(sec.Str("table_prefix", &t.table_prefix));
  if (!t.nonce_from.empty() && t.nonce_from[0] != '/') {
    return sec.ErrorAt("nonce_from", "must be a path on the target", "\"/\", \"/book/\"");
  }
  constexpr std::string_view kUrlForm = "http://HOST:PORT[/PATH], e.g. \"http://127.0.0.1:8080\"";
  if (t.kind == "http" && t.url.empty() && !t.spawn) {
    return sec.ErrorAt("url", "required when kind = \"http\" (unless spawn = true)", kUrlForm);
  }
  const bool http = t.url.rfind("http://", 0) == 0 || t.url.rfind("https://", 0) == 0;
  if (!t.url.empty() && (!http || t.url.find("://") + 3 == t.url.size())) {
    return sec.ErrorAt("url", "bad URL \"" + t.url + "\"", kUrlForm);
  }
  return Status::Ok();
}

Status Decoder::Engine(Section& sec) {
  EngineSpec& e = s_.engine;
  SLOTSIM_RETURN_IF_ERROR(sec.Enum("profile", &e.profile, {"reference", "legacy"}));
  StatusOr<Policy> preset = PolicyByName(e.profile);
  if (!preset.ok()) return sec.ErrorAt("profile", preset.status().message(), "reference, legacy");
  e.policy = *preset;  // explicit keys below apply over the preset
  SLOTSIM_RETURN_IF_ERROR(sec.Duration("heartbeat", &e.heartbeat));
  SLOTSIM_RETURN_IF_ERROR(sec.Millis("hold_ttl", &e.policy.hold_ttl));
  SLOTSIM_RETURN_IF_ERROR(sec.Millis("redis_deadline", &e.policy.redis_deadline));
  SLOTSIM_RETURN_IF_ERROR(sec.Millis("probe_interval", &e.policy.probe_interval));
  SLOTSIM_RETURN_IF_ERROR(sec.Int("probes_to_close", &e.policy.probes_to_close, 1, 1000));
  return GridKeys(sec);
}

Status Decoder::GridKeys(Section& sec) {
  GridOptions& g = s_.engine.grid;
  SLOTSIM_RETURN_IF_ERROR(sec.Int("employees", &g.employees, 1, 1'000'000));
  SLOTSIM_RETURN_IF_ERROR(sec.ClockTime("open", &g.open_minute));
  SLOTSIM_RETURN_IF_ERROR(sec.ClockTime("close", &g.close_minute));
  Micros slot = std::chrono::minutes(g.slot_minutes);
  SLOTSIM_RETURN_IF_ERROR(sec.Duration("slot", &slot));
  if (slot % std::chrono::minutes(1) != Micros(0) || slot > std::chrono::hours(24)) {
    return sec.ErrorAt("slot", "\"" + FormatDuration(slot) + "\" is not a whole number of minutes",
                       "whole minutes up to 24h, e.g. 30m, 1h");
  }
  g.slot_minutes = static_cast<int>(slot / std::chrono::minutes(1));
  SLOTSIM_RETURN_IF_ERROR(sec.Int("days_ahead", &g.days_ahead, 0, 3650));
  const std::string hours = HoursText(g.open_minute) + "-" + HoursText(g.close_minute);
  if (g.close_minute <= g.open_minute) {
    return sec.ErrorAt(sec.Has("close") ? "close" : "open", "opening hours " + hours + " are empty",
                       "open before close");
  }
  if ((g.close_minute - g.open_minute) % g.slot_minutes != 0) {
    return sec.ErrorAt("slot", FormatDuration(slot) + " does not divide the opening hours " + hours,
                       "a slot length that divides close - open evenly");
  }
  StatusOr<Grid> grid = Grid::Create(g);  // the engine's own check, in case it is stricter
  if (!grid.ok()) {
    return ctx_.Error(sec.table().source(), "engine: " + grid.status().message(),
                      "a grid the engine accepts (docs/scenarios.md, [engine])");
  }
  return Status::Ok();
}

Status Decoder::Load(Section& sec) {
  LoadSpec& l = s_.load;
  SLOTSIM_RETURN_IF_ERROR(sec.Enum("model", &l.model, {"open", "closed"}));
  SLOTSIM_RETURN_IF_ERROR(Stages(sec));
  SLOTSIM_RETURN_IF_ERROR(sec.Int("max_clients", &l.max_clients, 1, 1'000'000'000));
  for (const LoadStage& stage : l.stages) {
    if (l.model == "closed" && stage.target > static_cast<double>(l.max_clients)) {
      return sec.ErrorAt("stages", "a closed-model stage asks for more clients than max_clients",
                         "to <= max_clients (" + std::to_string(l.max_clients) + ")");
    }
  }
  return Status::Ok();
}

Status Decoder::Stages(Section& sec) {
  constexpr std::string_view kForm =
      "an array of stages like [{ for = \"2m\", to = 200 }, { for = \"8m\", to = 200 }]";
  std::vector<LoadStage>& stages = s_.load.stages;
  stages = {{s_.duration, LoadSpec::kDefaultTarget}};
  const toml::node* n = sec.Get("stages");
  if (!n) return Status::Ok();
  const toml::array* a = n->as_array();
  if (!a)
    return sec.ErrorAt("stages", "expected an array, got " + std::string(TypeName(*n)), kForm);
  if (a->empty() || a->size() > kMaxStages) {
    return sec.ErrorAt("stages", "has " + std::to_string(a->size()) + " stages",
                       "1 to " + std::to_string(kMaxStages) + " stages, " + std::string(kForm));
  }
  stages.clear();
  for (size_t i = 0; i < a->size(); ++i) {
    const std::string path = "load.stages[" + std::to_string(i) + "]";
    const toml::table* t = (*a)[i].as_table();
    if (!t) {
      return ctx_.Error((*a)[i].source(),
                        path + ": expected a table, got " + std::string(TypeName((*a)[i])), kForm);
    }
    Section st(ctx_, *t, path, path);
    LoadStage stage;
    SLOTSIM_RETURN_IF_ERROR(st.Duration("for", &stage.duration, /*positive=*/false));
    SLOTSIM_RETURN_IF_ERROR(st.Number("to", &stage.target, 0, 1e9));
    SLOTSIM_RETURN_IF_ERROR(st.Finish());
    SLOTSIM_RETURN_IF_ERROR(st.Require("for", "for = <duration>, e.g. for = \"2m\""));
    SLOTSIM_RETURN_IF_ERROR(st.Require("to", "to = <number>, e.g. to = 200"));
    stages.push_back(stage);
  }
  return Status::Ok();
}

Status Decoder::Clients(Section& sec) {
  ClientSpec& c = s_.clients;
  SLOTSIM_RETURN_IF_ERROR(sec.Pop("employees_pick", &c.employees_pick));
  const int bookable = s_.engine.grid.days_ahead + 1;  // today .. today + days_ahead
  c.days = std::min(c.days, bookable);
  SLOTSIM_RETURN_IF_ERROR(sec.Int("days", &c.days, 1, bookable));
  SLOTSIM_RETURN_IF_ERROR(sec.Pop("slot_popularity", &c.slot_popularity));
  SLOTSIM_RETURN_IF_ERROR(sec.Dist("think", &c.think));
  SLOTSIM_RETURN_IF_ERROR(sec.Dist("browse", &c.browse));
  SLOTSIM_RETURN_IF_ERROR(sec.Number("abandon", &c.abandon, 0, 1));
  SLOTSIM_RETURN_IF_ERROR(sec.Number("reschedule", &c.reschedule, 0, 1));
  SLOTSIM_RETURN_IF_ERROR(sec.Number("cancel", &c.cancel, 0, 1));
  SLOTSIM_RETURN_IF_ERROR(sec.Int("retry_on_held", &c.retry_on_held, 0, 100));
  return sec.Bool("poll_with_selected_time", &c.poll_with_selected_time);
}

Status Decoder::Adversaries(Section& sec) {
  AdversarySpec& a = s_.adversaries;
  SLOTSIM_RETURN_IF_ERROR(sec.Number("share", &a.share, 0, 1));
  SLOTSIM_RETURN_IF_ERROR(sec.Int("attempts", &a.attempts, 1, 100));
  const toml::node* n = sec.Get("behaviors");
  if (!n) return Status::Ok();
  const std::string allowed = "an array of " + Join(kAdversaryBehaviors);
  const toml::array* list = n->as_array();
  if (!list || list->empty())
    return sec.ErrorAt("behaviors", "expected a non-empty array", allowed);
  a.behaviors.clear();
  for (const toml::node& item : *list) {
    const std::optional<std::string> name = item.value<std::string>();
    const bool known =
        name && std::find(std::begin(kAdversaryBehaviors), std::end(kAdversaryBehaviors), *name) !=
                    std::end(kAdversaryBehaviors);
    if (!known) {
      return ctx_.Error(item.source(),
                        "adversaries.behaviors: " +
                            (name ? "unknown behavior \"" + *name + "\""
                                  : "expected a string, got " + std::string(TypeName(item))),
                        allowed);
    }
    if (std::find(a.behaviors.begin(), a.behaviors.end(), *name) == a.behaviors.end()) {
      a.behaviors.push_back(*name);
    }
  }
  return Status::Ok();
}

Status Decoder::Sim(Section& sec) {
  SLOTSIM_RETURN_IF_ERROR(sec.Dist("redis_latency", &s_.sim.redis_latency));
  SLOTSIM_RETURN_IF_ERROR(sec.Dist("mysql_read_latency", &s_.sim.mysql_read_latency));
  SLOTSIM_RETURN_IF_ERROR(sec.Dist("mysql_write_latency", &s_.sim.mysql_write_latency));
  SLOTSIM_RETURN_IF_ERROR(sec.Dist("engine_overhead", &s_.sim.engine_overhead));
  SLOTSIM_RETURN_IF_ERROR(sec.Int("redis_servers", &s_.sim.redis_servers, 0, SimSpec::kMaxServers));
  return sec.Int("mysql_servers", &s_.sim.mysql_servers, 0, SimSpec::kMaxServers);
}

Status Decoder::Output(Section& sec) {
  SLOTSIM_RETURN_IF_ERROR(sec.Bool("history", &s_.output.history));
  return sec.Duration("timeseries_interval", &s_.output.timeseries_interval);
}

Status Decoder::Faults(Section& top) {
  const toml::node* n = top.Get("faults");
  if (!n) return Status::Ok();
  const toml::array* a = n->as_array();
  constexpr std::string_view kForm = "[[faults]] entries with kind, at and for";
  if (!a)
    return top.ErrorAt("faults", "expected an array, got " + std::string(TypeName(*n)), kForm);
  if (a->size() > kMaxFaults) {
    return top.ErrorAt("faults", std::to_string(a->size()) + " faults",
                       "at most " + std::to_string(kMaxFaults));
  }
  for (size_t i = 0; i < a->size(); ++i) {
    const toml::table* t = (*a)[i].as_table();
    if (!t) {
      return ctx_.Error((*a)[i].source(),
                        "faults[" + std::to_string(i) + "]: expected a table, got " +
                            std::string(TypeName((*a)[i])),
                        kForm);
    }
    SLOTSIM_RETURN_IF_ERROR(Fault(*t, i));
  }
  return Status::Ok();
}

Status Decoder::Fault(const toml::table& t, size_t index) {
  const std::string path = "faults[" + std::to_string(index) + "]";
  Section kind_only(ctx_, t, path);
  FaultSpec f;
  SLOTSIM_RETURN_IF_ERROR(kind_only.Require("kind", Join(kFaultKinds)));
  SLOTSIM_RETURN_IF_ERROR(kind_only.Enum("kind", &f.kind, kFaultKinds));
  Section sec(ctx_, t, path, path + " (kind = \"" + f.kind + "\")");
  const bool instant = IsInstantFault(f.kind);
  sec.Get("kind");
  SLOTSIM_RETURN_IF_ERROR(sec.Duration("at", &f.at, /*positive=*/false));
  if (!instant) SLOTSIM_RETURN_IF_ERROR(sec.Duration("for", &f.duration));
  SLOTSIM_RETURN_IF_ERROR(FaultParams(sec, f));
  SLOTSIM_RETURN_IF_ERROR(sec.Finish());
  SLOTSIM_RETURN_IF_ERROR(sec.Require("at", "at = <duration from the run's start>, e.g. \"3m\""));
  if (!instant) SLOTSIM_RETURN_IF_ERROR(sec.Require("for", "for = <duration>, e.g. \"60s\""));
  if (f.end() > s_.duration) {
    const std::string ends = instant ? "at = " + FormatDuration(f.at)
                                     : "at = " + FormatDuration(f.at) +
                                           " + for = " + FormatDuration(f.duration) + " = " +
                                           FormatDuration(f.end());
    return sec.ErrorAt(
        instant ? "at" : "for",
        "the fault ends after the run: " + ends + " > duration = " + FormatDuration(s_.duration),
        "faults inside the run, at + for <= duration");
  }
  s_.faults.push_back(f);
  return Status::Ok();
}

Status Decoder::FaultParams(Section& sec, FaultSpec& f) {
  const std::vector<std::string_view> keys = FaultParamKeys(f.kind);
  if (Contains(keys, "restart")) {
    SLOTSIM_RETURN_IF_ERROR(sec.Enum("restart", &f.restart, {"empty", "with_data"}));
  }
  if (Contains(keys, "latency")) {
    f.latency = f.kind == "mysql_slow" ? Micros(50ms) : Micros(20ms);
    SLOTSIM_RETURN_IF_ERROR(sec.Duration("latency", &f.latency));
    SLOTSIM_RETURN_IF_ERROR(sec.Duration("jitter", &f.jitter, /*positive=*/false));
  }
  if (Contains(keys, "down")) {
    SLOTSIM_RETURN_IF_ERROR(sec.Duration("down", &f.down));
    SLOTSIM_RETURN_IF_ERROR(sec.Duration("up", &f.up));
  }
  if (Contains(keys, "bytes_per_s")) {
    SLOTSIM_RETURN_IF_ERROR(sec.Int("bytes_per_s", &f.bytes_per_s, 1, 1'000'000'000'000));
    SLOTSIM_RETURN_IF_ERROR(sec.Require("bytes_per_s", "bytes_per_s = <integer>, e.g. 10000"));
  }
  if (Contains(keys, "upstream")) {
    SLOTSIM_RETURN_IF_ERROR(sec.Enum("upstream", &f.upstream, {"redis", "mysql"}));
  }
  return Status::Ok();
}

Status Decoder::Thresholds(Section& top) {
  const toml::table* t = nullptr;
  SLOTSIM_RETURN_IF_ERROR(top.Table("thresholds", &t));
  if (!t) return Status::Ok();
  std::vector<std::pair<uint64_t, Threshold>> ordered;  // by line; new --set ones last, by name
  for (const auto& [key, value] : *t) {
    const std::string name = "thresholds.\"" + std::string(key.str()) + "\"";
    std::string condition;
    bool abort_on_fail = false;
    bool allow_unmeasured = false;
    Micros grace{0};
    if (const auto* s = value.as_string()) {
      condition = s->get();
    } else if (const std::string* raw = ctx_.Raw(&value)) {
      condition = *raw;
    } else if (const toml::table* opts = value.as_table()) {
      Section sec(ctx_, *opts, name);
      SLOTSIM_RETURN_IF_ERROR(sec.Require("condition", "\"<op> <value>\", e.g. \"< 20ms\""));
      SLOTSIM_RETURN_IF_ERROR(sec.Str("condition", &condition));
      SLOTSIM_RETURN_IF_ERROR(sec.Bool("abort_on_fail", &abort_on_fail));
      SLOTSIM_RETURN_IF_ERROR(sec.Duration("grace", &grace, /*positive=*/false));
      SLOTSIM_RETURN_IF_ERROR(sec.Bool("allow_unmeasured", &allow_unmeasured));
      SLOTSIM_RETURN_IF_ERROR(sec.Finish());
    } else {
      return ctx_.Error(
          value.source(),
          name + ": expected a string or a table, got " + std::string(TypeName(value)),
          "\"<op> <value>\", e.g. \"< 20ms\", or { condition = \"< 20ms\", "
          "abort_on_fail = true, grace = \"30s\" }");
    }
    StatusOr<Threshold> th = ParseThreshold(key.str(), condition);
    if (!th.ok()) {
      return Status::InvalidArgument(ctx_.Where(value.source()) + ": " + th.status().message());
    }
    th->abort_on_fail = abort_on_fail;
    th->grace = grace;
    th->allow_unmeasured = allow_unmeasured;
    // A key the file has keeps its place even when --set changed its value.
    const bool from_set =
        ctx_.Where(key.source()).rfind(scenario_internal::kOverridePrefix, 0) == 0;
    ordered.emplace_back((uint64_t{from_set} << 32) | key.source().begin.line, *th);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [line, th] : ordered) s_.thresholds.push_back(std::move(th));
  return Status::Ok();
}

}  // namespace

std::vector<std::string_view> FaultParamKeys(std::string_view kind) {
  if (kind == "redis_down") return {"restart"};
  if (kind == "redis_latency" || kind == "mysql_slow") return {"latency", "jitter"};
  if (kind == "redis_flap") return {"down", "up"};
  if (kind == "proxy_latency") return {"latency", "jitter", "upstream"};
  if (kind == "proxy_bandwidth") return {"bytes_per_s", "upstream"};
  if (kind == "proxy_blackhole" || kind == "proxy_reset" || kind == "proxy_down") {
    return {"upstream"};
  }
  return {};
}

bool IsInstantFault(std::string_view kind) { return kind == "redis_restart_empty"; }

double Scenario::LoadAt(Micros t) const {
  if (t.count() < 0) return 0;
  double from = 0;
  Micros start{0};
  for (const LoadStage& stage : load.stages) {
    if (t < start + stage.duration) {
      const double f =
          static_cast<double>((t - start).count()) / static_cast<double>(stage.duration.count());
      return from + (stage.target - from) * f;
    }
    from = stage.target;
    start += stage.duration;
  }
  return from;
}

StatusOr<Scenario> ParseScenario(std::string_view toml_text, const std::string& source_name,
                                 const std::vector<std::string>& overrides) {
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string_view(source_name));
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(source_name + ":" + std::to_string(e.source().begin.line) + ":" +
                                   std::to_string(e.source().begin.column) + ": " +
                                   std::string(e.description()) +
                                   "; allowed: TOML 1.0 syntax (https://toml.io)");
  }
  Context ctx(source_name);
  for (const std::string& spec : overrides) {
    SLOTSIM_RETURN_IF_ERROR(scenario_internal::ApplyOverride(root, spec, ctx));
  }
  Scenario s;
  s.source = source_name;
  s.name = std::filesystem::path(source_name).stem().string();
  if (s.name.empty()) s.name = "scenario";
  SLOTSIM_RETURN_IF_ERROR(Decoder(ctx, s).Decode(root));
  return s;
}

StatusOr<Scenario> LoadScenario(const std::string& path,
                                const std::vector<std::string>& overrides) {
  // A directory opens and reads as an empty file, which is a valid all-defaults scenario: a
  // 10-minute run nobody asked for. Only a regular file (or a link to one) is a scenario.
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st)) {
    return Status::InvalidArgument(path + ": not a regular file" +
                                   (std::filesystem::is_directory(st) ? " (a directory)" : "") +
                                   "; allowed: a TOML scenario file, e.g. scenarios/steady.toml");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument(path + ": cannot open: " + std::strerror(errno) +
                                   "; allowed: a readable TOML file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Status::InvalidArgument(path + ": cannot read: " + std::strerror(errno) +
                                   "; allowed: a readable TOML file");
  }
  return ParseScenario(text.str(), path, overrides);
}

}  // namespace slotsim
