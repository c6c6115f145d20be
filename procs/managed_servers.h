// Managed servers: a real redis-server or mariadbd that slotsim launches itself, for the `local`
// target and for fault tests. Each one runs on a free 127.0.0.1 port in its own temp dir
// (mkdtemp), started as docs/platform.md "Servers, unattended" says: the server
// binary runs directly in the foreground (mariadbd, never mysqld_safe, which would restart a
// killed server by itself), with `--user=root` when slotsim runs as root. Faults: SIGKILL,
// SIGSTOP / SIGCONT, and a restart on the same port with the same data dir.
//
// No orphans (see child_process.h and child_registry.h): servers run in their own process
// group with PR_SET_PDEATHSIG(SIGKILL), and are registered with ChildRegistry so a SIGINT /
// SIGTERM handler can kill them. PR_SET_PDEATHSIG fires when the THREAD that started the
// server exits: start managed servers from a thread that outlives them (the main thread).
// A program that wants its temp dirs removed on Ctrl-C installs
// ChildRegistry::InstallTerminationHandlers(kFlag) and destroys its servers when the flag is
// set; a handler cannot remove directories.
//
// Teardown (the destructor): SIGTERM (SIGCONT first if stopped), up to stop_grace for the
// server to exit, then SIGKILL; the process is always reaped; the temp dir is removed unless
// `keep`.
//
// Not thread-safe: one thread drives a server. Process supervision is wall-clock by nature, so
// these classes read the steady clock and sleep directly; they serve the real-time targets only.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/url.h"
#include "procs/child_process.h"

namespace slotsim {

struct ManagedOptions {
  // The directory to create the server's temp dir under; "" = $TMPDIR, or /tmp without it.
  std::string dir;
  // Keep the temp dir (data and logs) after teardown, for a post-mortem. Its path is dir().
  bool keep = false;
  // Redis only. true: --appendonly yes --appendfsync always, so every acknowledged write
  // survives a SIGKILL and Restart() brings it back. false: --save '' --appendonly no, so
  // Restart() comes back empty. MariaDB always keeps its data (InnoDB crash recovery).
  bool persistent = false;
  // Searched after $PATH (read at Start()) for the binaries; a non-root PATH lacks sbin.
  std::vector<std::string> extra_bin_dirs = {"/usr/sbin", "/usr/bin"};
  // Longest wait for the server to answer after a start or restart; 0 = the server's default
  // (Redis 5 s, MariaDB 30 s). mariadb-install-db has its own 120 s bound.
  Millis start_timeout{0};
  // Teardown: how long the server may take to exit after SIGTERM before SIGKILL.
  Millis stop_grace{5000};
};

// A TCP port on 127.0.0.1 that was free when asked (bound to port 0, then released). Another
// process may take it before it is used; starts retry with another port when that happens.
StatusOr<int> PickLoopbackPort();

// What ManagedRedis and ManagedMariaDb share: the temp dir, the child process, faults,
// readiness and teardown.
class ManagedServer {
 public:
  virtual ~ManagedServer();
  ManagedServer(const ManagedServer&) = delete;
  ManagedServer& operator=(const ManagedServer&) = delete;

  int port() const { return port_; }
  // The server's pid, or -1 while it is not running (after Kill(), or a failed Restart()).
  pid_t pid() const { return child_.pid(); }
  bool running() const { return child_.running(); }
  bool stopped() const { return child_.stopped(); }
  // The server's private temp dir (data, socket, logs).
  const std::string& dir() const { return dir_; }
  // The server's stdout + stderr, appended across restarts.
  std::string log_path() const;

  // SIGKILL and reap: connections are refused from the moment this returns.
  void Kill();
  // SIGSTOP; returns once the server is stopped. The kernel still accepts connections on its
  // port, but nothing answers: a connect is no proof of life.
  void Stop();
  // SIGCONT. The server answers again at once; WaitReady() confirms it.
  void Continue();
  // Kills the server if it runs, then starts it again on the same port with the same data dir
  // and waits until it answers. Retries for up to 2 s while the port is taken by another
  // process, then fails (the server is then not running; Restart() may be called again).
  Status Restart();
  // Non-blocking: true when the server is not running; a server that exited is reaped here, so
  // it never stays a zombie. exit_description() then says how it ended.
  bool Exited() { return child_.Exited(); }
  // How the last server process ended ("killed by signal 9 (Killed)"), or "".
  const std::string& exit_description() const { return child_.exit_description(); }
  // SIGTERM, up to stop_grace, then SIGKILL; always reaps. The temp dir stays until destruction.
  void Terminate() { child_.Terminate(options_.stop_grace); }
  // Waits up to `timeout` until this very process (not an impostor on the port) answers.
  // Unavailable (with the log tail) when it is not running or exits; Timeout when it does not
  // answer in time, e.g. while stopped.
  Status WaitReady(Millis timeout);

 protected:
  // `name` is the server binary's name ("redis-server"), used in messages and the dir name.
  ManagedServer(std::string name, std::string binary, ManagedOptions options);

  // Creates the temp dir under options.dir.
  Status MakeDir();
  // Picks a free port and launches; a port taken meanwhile is retried with another (5 tries).
  Status StartOnFreePort();

  const std::string& name() const { return name_; }
  const std::string& binary() const { return binary_; }
  const ManagedOptions& options() const { return options_; }

 private:
  // The full command line of the server on port_.
  virtual std::vector<std::string> ServerArgv() const = 0;
  // One bounded probe: true when the server answering on port_ is our child.
  virtual bool Answers() = 0;
  virtual Millis DefaultStartTimeout() const = 0;
  // options.start_timeout, or DefaultStartTimeout() when that is 0.
  Millis StartTimeout() const;

  // Spawns the server on port_ and waits until it answers. On failure the child is gone, and
  // *port_taken says whether the server reported its port already in use.
  Status Launch(bool* port_taken);

  std::string name_;
  std::string binary_;
  ManagedOptions options_;
  std::string dir_;
  int port_ = 0;
  ChildProcess child_;
};

// redis-server --port P --bind 127.0.0.1 --dir DIR (plus the persistence flags above).
// Readiness: over a raw socket, "INFO server" reports this child's process_id and
// "INFO persistence" loading:0 (a restarted persistent Redis answers LOADING until then).
class ManagedRedis final : public ManagedServer {
 public:
  // Finds redis-server, creates the temp dir, starts the server and waits until it answers.
  // NotFound "redis-server: not found; install the Debian package redis-server" when missing.
  static StatusOr<std::unique_ptr<ManagedRedis>> Start(ManagedOptions options = {});

  RedisUrl url() const;  // redis://127.0.0.1:PORT/0
  // Kills the server, deletes its data files (a persistent server's too) and restarts it: it
  // comes back empty, as a Redis without persistence does after a crash.
  Status RestartEmpty();

 private:
  using ManagedServer::ManagedServer;
  std::vector<std::string> ServerArgv() const override;
  bool Answers() override;
  Millis DefaultStartTimeout() const override { return Millis(5000); }
};

// mariadb-install-db into DIR/data (first start only), then mariadbd --no-defaults on
// 127.0.0.1:PORT with its socket at DIR/mysql.sock; database `slotsim` and user
// slotsim/slotsim (ALL PRIVILEGES) are created as root once the server answers. Its tmpdir is
// DIR/tmp (concurrent servers sharing /tmp collide on internal temp files).
// Readiness: root (no password, which mariadb-install-db grants root@127.0.0.1) logs in over
// TCP and the server's @@port and @@socket are ours. Restart() after Kill() does crash recovery
// (~1 s) and keeps every committed row.
class ManagedMariaDb final : public ManagedServer {
 public:
  // NotFound "mariadbd: not found; install the Debian package mariadb-server" (or the same
  // for mariadb-install-db) when a binary is missing. Install and start take ~3 s.
  static StatusOr<std::unique_ptr<ManagedMariaDb>> Start(ManagedOptions options = {});

  MySqlUrl url() const;  // mysql://slotsim:slotsim@127.0.0.1:PORT/slotsim

 private:
  using ManagedServer::ManagedServer;
  std::vector<std::string> ServerArgv() const override;
  bool Answers() override;
  Millis DefaultStartTimeout() const override { return Millis(30000); }

  Status InstallDb();
  Status CreateDatabaseAndUser();

  std::string install_db_;
};

}  // namespace slotsim
