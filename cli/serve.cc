// `slotsim serve`: the reference engine over HTTP with the AppointEase heartbeat protocol
// (engine/http_server.h, docs/serve.md). Builds the stores (memory, MySQL, or Redis + MySQL
// behind the failover manager; with --managed, private servers it launches), serves until
// SIGINT or SIGTERM, drains, tears down, exits 0.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/serve_supervision.h"
#include "common/duration.h"
#include "common/url.h"
#include "engine/engine_stack.h"
#include "engine/memory_store.h"
#include "engine/mysql_store.h"
#include "procs/child_registry.h"
#include "procs/fault_proxy.h"
#include "procs/managed_servers.h"
#include "procs/supervisor.h"
#include "server/http_server.h"
#include "server/readiness.h"

namespace slotsim::cli {
namespace {

constexpr const char* kServeUsage =
    "usage: slotsim serve [options]\n"
    "\n"
    "Serves the reference slot engine over HTTP with the AppointEase wire format: the heartbeat\n"
    "(POST /wp-admin/admin-ajax.php) and the REST routes under /wp-json/ and\n"
    "/index.php?rest_route=/ (slots/select, slots/deselect, slots/poll, booking/v1/availability,\n"
    "appointments create / reschedule / cancel), plus GET /livez, /readyz, /healthz and\n"
    "GET /metrics (Prometheus). docs/serve.md has the routes, answers, limits and error codes.\n"
    "\n"
    "stores (--store):\n"
    "  failover  Redis holds, MySQL bookings, the failover manager between them (default);\n"
    "            needs --redis URL and --mysql URL, or --managed\n"
    "  mysql     MySQL alone (holds and bookings); needs --mysql URL or --managed\n"
    "  memory    in process, nothing to set up; state is lost on exit\n"
    "\n"
    "Prints \"slotsim serve: listening on http://HOST:PORT ...\" on stdout when ready (with\n"
    "--listen HOST:0 the port is the one picked). SIGINT / SIGTERM: stop accepting, finish the\n"
    "requests in flight, stop managed servers, exit 0 (a second signal kills at once).\n"
    "exit codes: 0 stopped by a signal, 1 runtime failure (a server, a store, the port), 2 bad\n"
    "input\n"
    "\n"
    "options";

struct ServeConfig {
  std::string store;  // failover | mysql | memory
  std::optional<RedisUrl> redis;
  std::optional<MySqlUrl> mysql;
  bool managed = false;
  bool keep = false;
  EngineOptions engine;
  std::string prefix;
  HttpServerOptions http;
  SupervisorOptions supervision;  // --managed
};

Status BadInput(const std::string& what) { return Status::InvalidArgument(what); }

Status ReadStores(const po::variables_map& vm, ServeConfig& c) {
  c.store = vm["store"].as<std::string>();
  c.managed = vm["managed"].as<bool>();
  c.keep = vm["keep"].as<bool>();
  if (vm.count("redis")) {
    StatusOr<RedisUrl> url = ParseRedisUrl(vm["redis"].as<std::string>());
    if (!url.ok()) return BadInput("--redis: " + url.status().message());
    c.redis = *url;
  }
  if (vm.count("mysql")) {
    StatusOr<MySqlUrl> url = ParseMySqlUrl(vm["mysql"].as<std::string>());
    if (!url.ok()) return BadInput("--mysql: " + url.status().message());
    c.mysql = *url;
  }
  if (c.store == "memory") {
    if (c.redis || c.mysql || c.managed) {
      return BadInput("--store memory takes no --redis, --mysql or --managed");
    }
  } else if (c.store == "mysql") {
    if (c.redis) return BadInput("--store mysql takes no --redis");
    if (!c.mysql && !c.managed) return BadInput("--store mysql needs --mysql URL or --managed");
  } else if (c.store == "failover") {
    if ((!c.redis || !c.mysql) && !c.managed) {
      return BadInput(
          "--store failover needs --redis URL and --mysql URL, or --managed "
          "(or use --store memory for a server with nothing to set up)");
    }
  } else {
    return BadInput("--store \"" + c.store + "\": allowed values are failover, mysql, memory");
  }
  return Status::Ok();
}

Status ReadEngine(const po::variables_map& vm, ServeConfig& c) {
  StatusOr<Policy> policy = PolicyByName(vm["profile"].as<std::string>());
  if (!policy.ok()) return BadInput("--profile: " + policy.status().message());
  c.engine.policy = *policy;
  if (vm.count("hold-ttl")) {
    StatusOr<Micros> ttl = ParseDuration(vm["hold-ttl"].as<std::string>());
    if (!ttl.ok()) return BadInput("--hold-ttl: " + ttl.status().message());
    if (*ttl < Millis(1)) return BadInput("--hold-ttl: must be at least 1ms");
    c.engine.policy.hold_ttl = std::chrono::duration_cast<Millis>(*ttl);
  }
  SLOTSIM_ASSIGN_OR_RETURN(
      const int64_t employees,
      ParseWholeNumber("--employees", vm["employees"].as<std::string>(), 1, 1'000'000));
  SLOTSIM_ASSIGN_OR_RETURN(
      const int64_t days,
      ParseWholeNumber("--days-ahead", vm["days-ahead"].as<std::string>(), 0, 3660));
  c.engine.grid.employees = static_cast<int>(employees);
  c.engine.grid.days_ahead = static_cast<int>(days);
  if (StatusOr<Grid> grid = Grid::Create(c.engine.grid); !grid.ok()) {
    return BadInput("--employees / --days-ahead: " + grid.status().message());
  }
  c.prefix = vm["prefix"].as<std::string>();
  return Status::Ok();
}

Status ReadHttp(const po::variables_map& vm, ServeConfig& c) {
  StatusOr<ProxyEndpoint> listen = ParseProxyEndpoint(vm["listen"].as<std::string>());
  if (!listen.ok()) return BadInput("--listen: " + listen.status().message());
  c.http.host = listen->host;
  c.http.port = listen->port;
  // Each flag a whole number in [min, max], stored in its option's own type.
  const auto read = [&vm](const char* flag, int64_t min, int64_t max, auto* out) -> Status {
    SLOTSIM_ASSIGN_OR_RETURN(
        const int64_t v,
        ParseWholeNumber(std::string("--") + flag, vm[flag].as<std::string>(), min, max));
    *out = static_cast<std::remove_pointer_t<decltype(out)>>(v);
    return Status::Ok();
  };
  HttpServerOptions& h = c.http;
  SLOTSIM_RETURN_IF_ERROR(read("threads", 1, 4096, &h.threads));
  SLOTSIM_RETURN_IF_ERROR(read("max-body", 1, int64_t{1} << 30, &h.max_body_bytes));
  SLOTSIM_RETURN_IF_ERROR(read("keep-alive-max", 1, 1'000'000'000, &h.keep_alive_max));
  SLOTSIM_RETURN_IF_ERROR(read("keep-alive-timeout", 1, 86'400, &h.keep_alive_timeout_s));
  SLOTSIM_RETURN_IF_ERROR(read("backlog", 1, 65'535, &h.listen_backlog));
  SLOTSIM_RETURN_IF_ERROR(read("io-threads", 0, 256, &h.io_threads));
  SLOTSIM_RETURN_IF_ERROR(read("max-header", 256, int64_t{1} << 24, &h.max_header_bytes));
  SLOTSIM_RETURN_IF_ERROR(read("read-timeout", 1, 86'400, &h.read_timeout_s));
  SLOTSIM_RETURN_IF_ERROR(read("max-connections", 1, 10'000'000, &h.max_connections));
  SLOTSIM_RETURN_IF_ERROR(read("max-connections-per-ip", 1, 10'000'000, &h.max_connections_per_ip));
  SLOTSIM_RETURN_IF_ERROR(read("max-queued", 1, 10'000'000, &h.max_queued));
  return Status::Ok();
}

// Everything the server runs on, built in order and torn down in reverse: the managed
// servers outlive the stores, which outlive the engine.
class Backend {
 public:
  // No restart from the first step of teardown; the engine goes before the servers, which
  // stop in order (redis-server, then mariadbd).
  ~Backend();
  Status Build(ServeConfig& c, Clock& clock);
  // --managed: supervision of the servers launched (restarts, /readyz, /metrics).
  void Supervise(const ServeConfig& c);
  Supervisor* supervisor() { return supervisor_.get(); }
  SlotEngine& engine() { return stack_ ? stack_->engine() : *engine_; }
  FailoverStore* failover() { return stack_ ? &stack_->failover() : nullptr; }
  // /readyz: bookings need MySQL (when there is one); Redis down only means the fallback.
  http::Readiness Readiness();
  std::string Describe(const ServeConfig& c) const;

 private:
  Status StartManaged(ServeConfig& c);

  std::unique_ptr<ManagedMariaDb> managed_mysql_;
  std::unique_ptr<ManagedRedis> managed_redis_;
  std::unique_ptr<Supervisor> supervisor_;
  std::unique_ptr<MemoryStore> memory_;
  std::unique_ptr<MySqlStore> mysql_;
  std::unique_ptr<SlotEngine> engine_;
  std::unique_ptr<EngineStack> stack_;
};

Status Backend::StartManaged(ServeConfig& c) {
  ManagedOptions mo;
  mo.keep = c.keep;
  if (!c.mysql) {
    std::fprintf(stderr, "slotsim serve: starting mariadbd (about 3 s) ...\n");
    SLOTSIM_ASSIGN_OR_RETURN(managed_mysql_, ManagedMariaDb::Start(mo));
    c.mysql = managed_mysql_->url();
  }
  if (c.store == "failover" && !c.redis) {
    SLOTSIM_ASSIGN_OR_RETURN(managed_redis_, ManagedRedis::Start(mo));
    c.redis = managed_redis_->url();
  }
  return Status::Ok();
}

Backend::~Backend() {
  if (supervisor_) supervisor_->Quiesce();
  stack_.reset();
  engine_.reset();
  mysql_.reset();
  memory_.reset();
  supervisor_.reset();
}

void Backend::Supervise(const ServeConfig& c) {
  if (!managed_mysql_ && !managed_redis_) return;
  SupervisorOptions o = c.supervision;
  o.log = [](const std::string& line) {
    std::fprintf(stderr, "slotsim serve: %s\n", line.c_str());
  };
  FailoverStore* failover = this->failover();
  // A restarted Redis is empty: the failover store must not trust its cache until rebuilt.
  o.on_exit = [failover](const std::string& name, const std::string& cause) {
    if (failover != nullptr && name == "redis-server") failover->PrimaryLost(name + " " + cause);
  };
  supervisor_ = std::make_unique<Supervisor>(std::move(o));
  if (managed_mysql_) supervisor_->Add(managed_mysql_.get(), "mariadbd", /*required=*/true);
  if (managed_redis_) supervisor_->Add(managed_redis_.get(), "redis-server", /*required=*/false);
  supervisor_->Start();
}

Status Backend::Build(ServeConfig& c, Clock& clock) {
  if (c.managed) SLOTSIM_RETURN_IF_ERROR(StartManaged(c));
  if (c.store == "failover") {
    EngineStackOptions o;
    o.redis = *c.redis;
    o.mysql = *c.mysql;
    o.engine = c.engine;
    o.prefix = c.prefix;
    // A request waiting for a pooled connection past the Redis deadline would open the
    // breaker: one connection per worker.
    o.redis_pool = c.http.threads;
    o.mysql_pool = c.http.threads;
    SLOTSIM_ASSIGN_OR_RETURN(stack_, EngineStack::Create(o, clock));
    return Status::Ok();
  }
  Store* store = nullptr;
  if (c.store == "mysql") {
    MySqlOptions mo;
    mo.url = *c.mysql;
    mo.table_prefix = c.prefix;
    mo.pool_size = c.http.threads;
    mysql_ = std::make_unique<MySqlStore>(mo);
    SLOTSIM_RETURN_IF_ERROR(mysql_->Open());
    store = mysql_.get();
  } else {
    memory_ = std::make_unique<MemoryStore>();
    store = memory_.get();
  }
  SLOTSIM_ASSIGN_OR_RETURN(SlotEngine engine, SlotEngine::Create(*store, clock, c.engine));
  engine_ = std::make_unique<SlotEngine>(std::move(engine));
  return Status::Ok();
}

http::Readiness Backend::Readiness() {
  http::Readiness r;
  if (stack_) {
    r = http::StackReadiness(*stack_);
  } else if (mysql_) {
    r = http::MySqlReadiness(*mysql_);
  } else {
    r.backends.emplace_back("memory", "up");
  }
  if (supervisor_) AddSupervisionReadiness(*supervisor_, r);
  return r;
}

std::string Backend::Describe(const ServeConfig& c) const {
  std::string out = "store " + c.store + ", profile " + c.engine.policy.name;
  if (c.redis) out += ", redis " + ToString(*c.redis) + (managed_redis_ ? " (managed)" : "");
  if (c.mysql) out += ", mysql " + ToString(*c.mysql) + (managed_mysql_ ? " (managed)" : "");
  return out;
}

void LogSwitch(const ModeSwitch& s) {
  const std::string from(StorageModeName(s.from)), to(StorageModeName(s.to));
  const double served_s = std::chrono::duration<double>(s.previous_mode_duration).count();
  std::fprintf(stderr,
               "slotsim serve: storage %s -> %s (%s served %.3f s; %zu holds migrated): %s\n",
               from.c_str(), to.c_str(), from.c_str(), served_s, s.holds_migrated, s.cause.c_str());
}

// Blocks until SIGINT or SIGTERM (blocked in every thread since RunServe began); returns it.
int WaitForStopSignal(const sigset_t& stop_signals) {
  int signo = 0;
  while (sigwait(&stop_signals, &signo) != 0) {
  }
  return signo;
}

// Builds, serves until a signal, drains and tears down. Returns the exit code.
int Serve(ServeConfig& config, const sigset_t& stop_signals) {
  SystemClock clock;
  Backend backend;
  if (Status s = backend.Build(config, clock); !s.ok()) {
    std::cerr << "slotsim serve: " << s.message() << "\n";
    return s.code() == Code::kInvalidArgument ? kExitBadInput : kExitRuntime;
  }
  backend.Supervise(config);
  if (Supervisor* supervisor = backend.supervisor()) {
    config.http.extra_metrics = [supervisor](std::string& out) { supervisor->AppendMetrics(out); };
  }
  config.http.on_switch = LogSwitch;
  config.http.readiness = [&backend] { return backend.Readiness(); };
  HttpServer server(backend.engine(), clock, backend.failover(), config.http);
  if (Status s = server.Start(); !s.ok()) {
    std::cerr << "slotsim serve: " << s.message() << "\n";
    return s.code() == Code::kInvalidArgument ? kExitBadInput : kExitRuntime;
  }
  std::printf("slotsim serve: listening on http://%s:%d (%s, %d threads)\n",
              config.http.host.c_str(), server.port(), backend.Describe(config).c_str(),
              config.http.threads);
  std::fflush(stdout);
  const int signo = WaitForStopSignal(stop_signals);
  // From here a second signal kills the managed servers and the process at once.
  ChildRegistry::InstallTerminationHandlers(ChildRegistry::OnSignal::kReraise);
  pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
  std::fprintf(stderr, "slotsim serve: %s: draining requests in flight\n", strsignal(signo));
  server.Stop();
  if (backend.supervisor() != nullptr) {
    std::fprintf(stderr, "slotsim serve: stopping managed servers (no restarts from here)\n");
  }
  std::fprintf(stderr, "slotsim serve: stopped\n");
  return kExitOk;
}

// Blocks SIGINT and SIGTERM (for sigwait) and ignores SIGPIPE (a client that hangs up must not
// kill the server); returns the blocked set.
sigset_t BlockStopSignals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return stop_signals;
}

}  // namespace

int RunServe(int argc, char** argv) {
  // Blocked before any thread exists, so only sigwait sees them. Children launched later get
  // an empty mask (ChildProcess resets it). A signal during --managed startup is acted on once
  // the server is up.
  const sigset_t stop_signals = BlockStopSignals();

  po::options_description desc(kServeUsage, 100, 50);
  desc.add_options()("help,h", "this text")(
      "listen", po::value<std::string>()->default_value("127.0.0.1:8080")->value_name("HOST:PORT"),
      "HOST:PORT to listen on; port 0 picks a free one (printed at start)")(
      "store", po::value<std::string>()->default_value("failover")->value_name("KIND"),
      "failover | mysql | memory (see above)")(
      "redis", po::value<std::string>()->value_name("URL"),
      "Redis URL redis://[:PASS@]HOST:PORT[/DB] (failover; no default: give it or --managed)")(
      "mysql", po::value<std::string>()->value_name("URL"),
      "MariaDB/MySQL URL mysql://USER[:PASS]@HOST:PORT/DB (failover, mysql; no default: give it "
      "or --managed)")(
      "managed", po::bool_switch(),
      "launch a private redis-server / mariadbd on free loopback ports for whichever of "
      "--redis / --mysql is not given; stopped on exit")(
      "keep", po::bool_switch(), "--managed: keep the servers' temp dirs (data, logs) after exit")(
      "profile", po::value<std::string>()->default_value("reference")->value_name("NAME"),
      "reference | legacy")("hold-ttl", po::value<std::string>()->value_name("DURATION"),
                            "how long a hold lives, e.g. 300s (default: profile's)")(
      "employees", po::value<std::string>()->default_value("20")->value_name("N"),
      "employee ids served are 1..N")(
      "days-ahead", po::value<std::string>()->default_value("30")->value_name("N"),
      "bookable dates: today .. today + N (UTC)")(
      "prefix", po::value<std::string>()->default_value("slotsim_")->value_name("PREFIX"),
      "Redis key prefix and MySQL table prefix ([A-Za-z0-9_])")(
      "threads", po::value<std::string>()->default_value("64")->value_name("N"),
      "worker threads running engine calls (connections hold none: they live on the event "
      "loops)")("io-threads", po::value<std::string>()->default_value("0")->value_name("N"),
                "event loops accepting, reading and writing (0: one per core, at most 8)")(
      "max-body", po::value<std::string>()->default_value("65536")->value_name("BYTES"),
      "largest request body in bytes; larger ones get 413")(
      "max-header", po::value<std::string>()->default_value("16384")->value_name("BYTES"),
      "largest request line + header block in bytes; larger ones get 431")(
      "read-timeout", po::value<std::string>()->default_value("10")->value_name("SECONDS"),
      "seconds a request's headers, then its body, may take to arrive; slower ones get 408")(
      "max-connections", po::value<std::string>()->default_value("10000")->value_name("N"),
      "client connections open at once; more are answered 503 and closed")(
      "max-connections-per-ip", po::value<std::string>()->default_value("1000")->value_name("N"),
      "client connections open at once from one address; more are answered 503")(
      "max-queued", po::value<std::string>()->default_value("1024")->value_name("N"),
      "requests waiting for a worker; more are answered 503 with Retry-After")(
      "keep-alive-max", po::value<std::string>()->default_value("1000000")->value_name("N"),
      "requests served on one connection before the server closes it")(
      "keep-alive-timeout", po::value<std::string>()->default_value("5")->value_name("SECONDS"),
      "seconds an idle keep-alive connection is kept open")(
      "backlog", po::value<std::string>()->default_value("4096")->value_name("N"),
      "listen backlog (pending connections), 1 to 65535");
  AddSupervisionOptions(desc);
  po::variables_map vm;
  if (!ParseOptions("serve", argc, argv, desc, {}, vm)) return kExitBadInput;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  ServeConfig config;
  Status s = ReadStores(vm, config);
  if (s.ok()) s = ReadEngine(vm, config);
  if (s.ok()) s = ReadHttp(vm, config);
  if (s.ok()) s = ReadSupervision(vm, config.managed, config.supervision);
  if (!s.ok()) {
    std::cerr << "slotsim serve: " << s.message()
              << "\n(`slotsim serve --help` lists the options)\n";
    return kExitBadInput;
  }
  return Serve(config, stop_signals);
}

}  // namespace slotsim::cli
