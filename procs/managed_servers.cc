// Managed redis-server and mariadbd children: temp dirs, command lines, readiness probes and
// the start / restart loops. The process side (fork, signals, reaping) is child_process.cc.
#include "procs/managed_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "engine/mysql_connection.h"
#include "procs/loopback_probe.h"

namespace slotsim {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int kPortAttempts = 5;          // a picked port taken meanwhile is retried
constexpr Millis kRestartPortWait{2000};  // Restart() retries a taken port this long
constexpr Millis kRestartRetryInterval{50};
constexpr Millis kReadyPollInterval{20};
constexpr Millis kRedisProbeTimeout{200};
constexpr Millis kInstallDbTimeout{120000};
constexpr size_t kLogTailBytes = 2000;
constexpr size_t kMaxProbeReplyBytes = 65536;  // the two INFO sections are ~2.5 KiB
constexpr char kMySqlUser[] = "slotsim";       // user, password and database alike

Status MissingBinary(std::string_view binary, std::string_view package) {
  return Status::NotFound(std::string(binary) + ": not found; install the Debian package " +
                          std::string(package));
}

// "; log PATH:\n<last bytes>", for error messages.
std::string LogTail(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (all.size() > kLogTailBytes) all = "..." + all.substr(all.size() - kLogTailBytes);
  return "; log " + path + ":\n" + all;
}

// The part of file `path` from byte `offset` on.
std::string ReadFrom(const std::string& path, std::streamoff offset) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(offset);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::streamoff FileSize(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::streamoff>(size);
}

// The name of the effective user, or "" when unknown.
std::string EffectiveUserName() {
  if (geteuid() == 0) return "root";
  passwd pw{};
  passwd* found = nullptr;
  char buf[1024];
  if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &found) != 0 || found == nullptr) return "";
  return found->pw_name;
}

// True when the Redis on 127.0.0.1:port is process `pid` and has loaded its data: "INFO server"
// names the pid as process_id, and "INFO persistence" says loading:0 (Redis answers INFO, but
// no data command, while it replays its AOF after a restart). The pid matters: if our child
// failed to bind because another process took the port meanwhile, that one would answer too.
bool RedisServesAs(int port, pid_t pid) {
  const std::string want_pid = "\r\nprocess_id:" + std::to_string(pid) + "\r\n";
  const std::string want_loaded = "\r\nloading:0\r\n";
  auto serves = [&](const std::string& reply) {
    return reply.find(want_pid) != std::string::npos &&
           reply.find(want_loaded) != std::string::npos;
  };
  // Two inline commands: the pid says it is our process, `loading:0` that it serves.
  const LoopbackAnswer a = LoopbackExchange(port, "INFO server\r\nINFO persistence\r\n",
                                            kRedisProbeTimeout, serves, kMaxProbeReplyBytes);
  return a.outcome == LoopbackAnswer::Outcome::kReply && serves(a.reply);
}

Millis ElapsedSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<Millis>(SteadyClock::now() - start);
}

}  // namespace

StatusOr<int> PickLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Internal(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  const int err = errno;
  close(fd);
  if (!ok) return Status::Internal(std::string("bind 127.0.0.1:0: ") + std::strerror(err));
  return static_cast<int>(ntohs(addr.sin_port));
}

// ---- ManagedServer -------------------------------------------------------------------------

ManagedServer::ManagedServer(std::string name, std::string binary, ManagedOptions options)
    : name_(std::move(name)), binary_(std::move(binary)), options_(std::move(options)) {}

ManagedServer::~ManagedServer() {
  child_.Terminate(options_.stop_grace);  // the server is gone before its dir is removed
  if (!dir_.empty() && !options_.keep) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string ManagedServer::log_path() const { return dir_ + "/" + name_ + ".log"; }

Status ManagedServer::MakeDir() {
  std::string base = options_.dir;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::string templ = base + "/slotsim-" + name_ + "-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    return Status::Internal("mkdtemp " + templ + ": " + std::strerror(errno));
  }
  dir_ = templ;
  return Status::Ok();
}

Millis ManagedServer::StartTimeout() const {
  return options_.start_timeout.count() > 0 ? options_.start_timeout : DefaultStartTimeout();
}

Status ManagedServer::StartOnFreePort() {
  Status st;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    SLOTSIM_ASSIGN_OR_RETURN(port_, PickLoopbackPort());
    bool port_taken = false;
    st = Launch(&port_taken);
    if (st.ok() || !port_taken) return st;
  }
  return st;
}

Status ManagedServer::Launch(bool* port_taken) {
  *port_taken = false;
  const std::streamoff log_offset = FileSize(log_path());
  SLOTSIM_RETURN_IF_ERROR(child_.Spawn(ServerArgv(), log_path()));
  Status st = WaitReady(StartTimeout());
  if (st.ok()) return st;
  child_.Kill();
  *port_taken = ReadFrom(log_path(), log_offset).find("already in use") != std::string::npos;
  return st;
}

Status ManagedServer::WaitReady(Millis timeout) {
  const auto start = SteadyClock::now();
  const std::string what = name_ + " on 127.0.0.1:" + std::to_string(port_);
  while (true) {
    if (child_.Exited()) {
      const std::string& how = child_.exit_description();
      return Status::Unavailable(what + " is not running" + (how.empty() ? "" : " (" + how + ")") +
                                 LogTail(log_path()));
    }
    if (child_.stopped()) return Status::Timeout(what + " is stopped (SIGSTOP)");
    if (Answers()) return Status::Ok();
    if (ElapsedSince(start) >= timeout) {
      return Status::Timeout(what + " did not answer within " + std::to_string(timeout.count()) +
                             " ms" + LogTail(log_path()));
    }
    std::this_thread::sleep_for(kReadyPollInterval);
  }
}

void ManagedServer::Kill() { child_.Kill(); }
void ManagedServer::Stop() { child_.Stop(); }
void ManagedServer::Continue() { child_.Continue(); }

Status ManagedServer::Restart() {
  child_.Kill();
  const auto start = SteadyClock::now();
  while (true) {
    bool port_taken = false;
    Status st = Launch(&port_taken);
    // The old server's port is free once it is reaped (both servers set SO_REUSEADDR); a
    // taken port means another process grabbed it, which may pass.
    if (st.ok() || !port_taken || ElapsedSince(start) >= kRestartPortWait) return st;
    std::this_thread::sleep_for(kRestartRetryInterval);
  }
}

// ---- ManagedRedis --------------------------------------------------------------------------

StatusOr<std::unique_ptr<ManagedRedis>> ManagedRedis::Start(ManagedOptions options) {
  std::optional<std::string> binary = FindExecutable("redis-server", options.extra_bin_dirs);
  if (!binary) return MissingBinary("redis-server", "redis-server");
  std::unique_ptr<ManagedRedis> redis(
      new ManagedRedis("redis-server", *binary, std::move(options)));
  SLOTSIM_RETURN_IF_ERROR(redis->MakeDir());
  SLOTSIM_RETURN_IF_ERROR(redis->StartOnFreePort());  // on failure the destructor cleans up
  return redis;
}

Status ManagedRedis::RestartEmpty() {
  Kill();
  std::error_code ec;  // absent files are fine: a non-persistent server writes none
  std::filesystem::remove_all(std::filesystem::path(dir()) / "appendonlydir", ec);
  std::filesystem::remove(std::filesystem::path(dir()) / "dump.rdb", ec);
  return Restart();
}

RedisUrl ManagedRedis::url() const {
  RedisUrl url;
  url.host = "127.0.0.1";
  url.port = port();
  url.db = 0;
  return url;
}

std::vector<std::string> ManagedRedis::ServerArgv() const {
  std::vector<std::string> argv = {
      binary(), "--port", std::to_string(port()), "--bind", "127.0.0.1",
      "--dir",  dir(),    "--daemonize",          "no",     "--save",
      ""};
  if (options().persistent) {
    argv.insert(argv.end(), {"--appendonly", "yes", "--appendfsync", "always"});
  } else {
    argv.insert(argv.end(), {"--appendonly", "no"});
  }
  return argv;
}

bool ManagedRedis::Answers() { return RedisServesAs(port(), pid()); }

// ---- ManagedMariaDb ------------------------------------------------------------------------

namespace {

std::string DataDir(const std::string& dir) { return dir + "/data"; }
std::string SocketPath(const std::string& dir) { return dir + "/mysql.sock"; }
// The server's own tmpdir: concurrent servers sharing /tmp collide on internal temp files
// (seen as failed concurrent mariadb-install-db runs).
std::string TmpDir(const std::string& dir) { return dir + "/tmp"; }

// Root over TCP with short timeouts, for probes and setup.
MySqlOptions RootOptions(int port) {
  MySqlOptions o;
  o.url.user = "root";
  o.url.password = "";
  o.url.host = "127.0.0.1";
  o.url.port = port;
  o.url.database = "";
  o.connect_timeout_s = 1;
  o.read_timeout_s = 5;
  o.write_timeout_s = 5;
  return o;
}

}  // namespace

StatusOr<std::unique_ptr<ManagedMariaDb>> ManagedMariaDb::Start(ManagedOptions options) {
  std::optional<std::string> mariadbd = FindExecutable("mariadbd", options.extra_bin_dirs);
  if (!mariadbd) return MissingBinary("mariadbd", "mariadb-server");
  std::optional<std::string> install_db =
      FindExecutable("mariadb-install-db", options.extra_bin_dirs);
  if (!install_db) return MissingBinary("mariadb-install-db", "mariadb-server");
  std::unique_ptr<ManagedMariaDb> db(new ManagedMariaDb("mariadbd", *mariadbd, std::move(options)));
  db->install_db_ = *install_db;
  SLOTSIM_RETURN_IF_ERROR(db->MakeDir());
  if (SocketPath(db->dir()).size() >= sizeof(sockaddr_un::sun_path)) {
    return Status::InvalidArgument("temp dir " + db->dir() +
                                   " is too long for a unix socket path; use a shorter dir");
  }
  std::error_code ec;
  if (!std::filesystem::create_directory(TmpDir(db->dir()), ec)) {
    return Status::Internal("mkdir " + TmpDir(db->dir()) + ": " + ec.message());
  }
  SLOTSIM_RETURN_IF_ERROR(db->InstallDb());
  SLOTSIM_RETURN_IF_ERROR(db->StartOnFreePort());
  SLOTSIM_RETURN_IF_ERROR(db->CreateDatabaseAndUser());
  return db;
}

MySqlUrl ManagedMariaDb::url() const {
  MySqlUrl url;
  url.user = kMySqlUser;
  url.password = kMySqlUser;
  url.host = "127.0.0.1";
  url.port = port();
  url.database = kMySqlUser;
  return url;
}

Status ManagedMariaDb::InstallDb() {
  const std::string log = dir() + "/mariadb-install-db.log";
  std::vector<std::string> argv = {install_db_,
                                   "--no-defaults",
                                   "--datadir=" + DataDir(dir()),
                                   "--tmpdir=" + TmpDir(dir()),
                                   "--auth-root-authentication-method=normal",
                                   "--skip-test-db"};
  // As root the default (user mysql) would chown the data dir away from the server we run.
  if (const std::string user = EffectiveUserName(); !user.empty()) argv.push_back("--user=" + user);
  ChildProcess install;
  SLOTSIM_RETURN_IF_ERROR(install.Spawn(argv, log));
  if (!install.WaitExit(kInstallDbTimeout)) {
    install.Kill();
    return Status::Timeout("mariadb-install-db did not finish within " +
                           std::to_string(kInstallDbTimeout.count() / 1000) + " s" + LogTail(log));
  }
  if (install.exit_status() != 0) {
    return Status::Internal("mariadb-install-db " + install.exit_description() + LogTail(log));
  }
  return Status::Ok();
}

std::vector<std::string> ManagedMariaDb::ServerArgv() const {
  std::vector<std::string> argv = {binary(), "--no-defaults"};
  if (geteuid() == 0) argv.push_back("--user=root");  // as root, mariadbd aborts without it
  argv.insert(argv.end(), {"--datadir=" + DataDir(dir()), "--port=" + std::to_string(port()),
                           "--bind-address=127.0.0.1", "--socket=" + SocketPath(dir()),
                           "--tmpdir=" + TmpDir(dir()), "--pid-file=" + dir() + "/mariadbd.pid",
                           "--skip-name-resolve", "--max-connections=500"});
  return argv;
}

bool ManagedMariaDb::Answers() {
  StatusOr<std::unique_ptr<MySqlConnection>> conn =
      MySqlConnection::Dial(RootOptions(port()), /*with_database=*/false);
  if (!conn.ok()) return false;
  // Our socket path proves the answering server is our child, not another one on the port.
  StatusOr<SqlResult> r = (*conn)->Execute("SELECT CAST(@@port AS CHAR), @@socket", {});
  return r.ok() && r->rows.size() == 1 && r->rows[0].size() == 2 &&
         r->rows[0][0].s == std::to_string(port()) && r->rows[0][1].s == SocketPath(dir());
}

Status ManagedMariaDb::CreateDatabaseAndUser() {
  const std::string where = "mariadbd on 127.0.0.1:" + std::to_string(port());
  {
    SLOTSIM_ASSIGN_OR_RETURN(std::unique_ptr<MySqlConnection> root,
                             MySqlConnection::Dial(RootOptions(port()), /*with_database=*/false));
    const std::string user = std::string("'") + kMySqlUser + "'@'%'";
    for (const std::string& sql :
         {std::string("CREATE DATABASE IF NOT EXISTS ") + kMySqlUser,
          "CREATE USER IF NOT EXISTS " + user + " IDENTIFIED BY '" + kMySqlUser + "'",
          "GRANT ALL PRIVILEGES ON *.* TO " + user}) {
      Status st = root->Query(sql);
      if (!st.ok()) return Status(st.code(), where + ": " + st.message());
    }
  }
  // The URL handed out must work over TCP, as its users will use it.
  MySqlOptions check;
  check.url = url();
  SLOTSIM_ASSIGN_OR_RETURN(std::unique_ptr<MySqlConnection> conn,
                           MySqlConnection::Dial(check, /*with_database=*/true));
  return conn->Ping();
}

}  // namespace slotsim
