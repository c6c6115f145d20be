// ServeProcess: launching and stopping a `slotsim serve` child (http_serve_process.h).
#include "simulator/targets/http/http_serve_process.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace slotsim {
namespace {

constexpr Millis kStartTimeout{30000};
constexpr Millis kPollInterval{20};
constexpr std::string_view kListening = "listening on ";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The last few lines of a log, for an error message.
std::string Tail(const std::string& text) {
  size_t from = text.size();
  for (int lines = 0; lines < 6 && from > 0; ++lines) {
    from = text.rfind('\n', from - 1);
    if (from == std::string::npos) {
      from = 0;
      break;
    }
  }
  return text.substr(from);
}

Status CheckGrid(const GridOptions& g) {
  const GridOptions serve;
  if (g.open_minute != serve.open_minute || g.close_minute != serve.close_minute ||
      g.slot_minutes != serve.slot_minutes) {
    return Status::InvalidArgument(
        "http: spawn = true runs slotsim serve, whose day is 09:00-17:00 in 30-minute slots; "
        "the scenario's [engine] open / close / slot must be those");
  }
  return Status::Ok();
}

std::vector<std::string> ServeArgv(const Scenario& sc, const LaunchOptions& options,
                                   const ServeSpec& spec) {
  const EngineSpec& e = sc.engine;
  return {options.self_binary, "serve", "--redis", RedisUrlArg(spec.redis), "--mysql",
          MySqlUrlArg(spec.mysql), "--listen", "127.0.0.1:0", "--profile", e.profile, "--hold-ttl",
          std::to_string(e.policy.hold_ttl.count()) + "ms", "--employees",
          std::to_string(e.grid.employees), "--days-ahead", std::to_string(e.grid.days_ahead),
          "--prefix", spec.prefix, "--threads", std::to_string(spec.threads),
          // The clients' connections idle between bursts; a server that closes them races
          // the next request (an answer that never comes is an unknown outcome).
          "--keep-alive-timeout", "120"};
}

// The knobs serve takes no flag for, when the scenario sets them away from the profile.
std::string UnappliedKnobs(const EngineSpec& e) {
  StatusOr<Policy> preset = PolicyByName(e.profile);
  if (!preset.ok()) return "";
  std::string out;
  if (e.policy.redis_deadline != preset->redis_deadline) out += " redis_deadline";
  if (e.policy.probe_interval != preset->probe_interval) out += " probe_interval";
  if (e.policy.probes_to_close != preset->probes_to_close) out += " probes_to_close";
  return out;
}

}  // namespace

std::string RedisUrlArg(const RedisUrl& u) {
  return "redis://" + (u.password.empty() ? "" : ":" + u.password + "@") + u.host + ":" +
         std::to_string(u.port) + "/" + std::to_string(u.db);
}

std::string MySqlUrlArg(const MySqlUrl& u) {
  return "mysql://" + u.user + (u.password.empty() ? "" : ":" + u.password) + "@" + u.host + ":" +
         std::to_string(u.port) + "/" + u.database;
}

StatusOr<std::unique_ptr<ServeProcess>> ServeProcess::Start(
    const Scenario& sc, const LaunchOptions& options, const ServeSpec& spec,
    const std::function<void(const std::string&)>& note) {
  SLOTSIM_RETURN_IF_ERROR(CheckGrid(sc.engine.grid));
  std::unique_ptr<ServeProcess> p(new ServeProcess());
  p->keep_ = options.keep_servers;
  std::string base = options.server_dir;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::string templ = base + "/slotsim-serve-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    return Status::Internal("mkdtemp " + templ + ": " + std::strerror(errno));
  }
  p->dir_ = templ;
  if (const std::string knobs = UnappliedKnobs(sc.engine); !knobs.empty()) {
    note("http: slotsim serve has no flag for [engine]" + knobs + "; it runs the " +
         sc.engine.profile + " profile's");
  }
  SLOTSIM_RETURN_IF_ERROR(p->child_.Spawn(ServeArgv(sc, options, spec), p->log_path()));
  SLOTSIM_RETURN_IF_ERROR(p->WaitListening());
  note("http: slotsim serve on " + p->url_ + " (pid " + std::to_string(p->child_.pid()) + ", log " +
       p->log_path() + ")");
  return p;
}

ServeProcess::~ServeProcess() {
  child_.Terminate(ChildProcess::kDefaultGrace);
  if (!dir_.empty() && !keep_) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

Status ServeProcess::WaitListening() {
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (true) {
    const std::string log = ReadFile(log_path());
    const size_t at = log.find(kListening);
    const size_t end =
        at == std::string::npos ? at : log.find_first_of(" \n", at + kListening.size());
    if (end != std::string::npos) {
      url_ = log.substr(at + kListening.size(), end - at - kListening.size());
      return Status::Ok();
    }
    if (child_.Exited()) {
      return Status::Unavailable("http: slotsim serve " + child_.exit_description() +
                                 " before listening:\n" + Tail(log));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("http: slotsim serve printed no listening line within 30 s:\n" +
                                 Tail(log));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace slotsim
