// `slotsim serve --managed` supervises its servers, through real processes: a SIGKILLed
// redis-server or mariadbd is reaped (no zombie), restarted (a new pid), logged with its cause
// and counted in /metrics; bookings work again and MariaDB keeps them; past --max-restarts it
// gives up and /readyz answers 503; SIGTERM stops every child.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace slotsim {
namespace {

using Json = nlohmann::json;
using std::chrono::steady_clock;

struct ProcInfo {
  std::string comm;
  char state = '?';
  pid_t ppid = 0;
};

// Every process whose parent is `parent`, by pid, from /proc/<pid>/stat.
std::map<pid_t, ProcInfo> ChildrenOf(pid_t parent) {
  std::map<pid_t, ProcInfo> out;
  DIR* d = opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* ent = readdir(d)) {
    const pid_t pid = std::atoi(ent->d_name);
    if (pid <= 0) continue;
    std::ifstream in("/proc/" + std::string(ent->d_name) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 4 >= stat.size()) {
      continue;
    }
    ProcInfo p;
    p.comm = stat.substr(open + 1, close - open - 1);
    p.state = stat[close + 2];
    p.ppid = std::atoi(stat.c_str() + close + 4);
    if (p.ppid == parent) out[pid] = p;
  }
  closedir(d);
  return out;
}

// Polls `done` every 20 ms for up to `limit`, a generous bound (causality is what is asserted).
bool Eventually(const std::function<bool()>& done, Millis limit = Millis(60000)) {
  const auto until = steady_clock::now() + limit;
  while (steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(Millis(20));
  }
  return done();
}

class ServeManagedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/serve-managed-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    log_path_ = std::string(dir) + "/stderr.log";
    dir_ = dir;
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) close(out_fd_);
    std::remove(log_path_.c_str());
    rmdir(dir_.c_str());
  }

  // `slotsim serve --managed ARGS...`, stdout on a pipe, stderr to log_path_; returns the port.
  int Spawn(const std::vector<std::string>& args) {
    int out[2];
    if (pipe(out) != 0) return -1;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      const int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(log, STDERR_FILENO);
      std::vector<char*> argv{const_cast<char*>(SLOTSIM_BINARY), const_cast<char*>("serve"),
                              const_cast<char*>("--managed")};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(SLOTSIM_BINARY, argv.data());
      _exit(127);
    }
    close(out[1]);
    out_fd_ = out[0];
    std::string line;
    const auto until = steady_clock::now() + Millis(120000);
    while (steady_clock::now() < until) {
      pollfd p{out_fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char c;
      if (read(out_fd_, &c, 1) != 1 || c == '\n') break;
      line.push_back(c);
    }
    const size_t at = line.find("http://127.0.0.1:");
    return at == std::string::npos ? -1 : std::atoi(line.c_str() + at + 17);
  }

  // The pid of the child named `comm` (-1 if none).
  pid_t Child(const std::string& comm) const {
    for (const auto& [pid, p] : ChildrenOf(pid_)) {
      if (p.comm == comm && p.state != 'Z') return pid;
    }
    return -1;
  }
  bool AnyZombie() const {
    for (const auto& [pid, p] : ChildrenOf(pid_)) {
      if (p.state == 'Z') return true;
    }
    return false;
  }
  std::string Log() const {
    std::ifstream in(log_path_);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  std::unique_ptr<httplib::Client> Client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_connection_timeout(2, 0);
    c->set_read_timeout(10, 0);
    return c;
  }
  // GET /readyz: status code and body.
  std::pair<int, Json> Readyz() const {
    httplib::Result r = Client()->Get("/readyz");
    if (!r) return {-1, Json()};
    return {r->status, Json::parse(r->body, nullptr, false)};
  }
  std::string State(const std::string& server) const {
    const Json j = Readyz().second;
    return j.is_object() && j["backends"].contains(server)
               ? j["backends"][server].get<std::string>()
               : "";
  }
  std::string Metrics() const {
    httplib::Result r = Client()->Get("/metrics");
    return r ? r->body : "";
  }
  // POST appointments for employee 1 at `time` two days ahead; the HTTP status.
  int Book(const std::string& time, const std::string& key) const {
    const std::time_t t = std::time(nullptr) + 2 * 86400;
    char date[16];
    std::strftime(date, sizeof(date), "%Y-%m-%d", std::gmtime(&t));
    const Json body = {{"name", "N"},
                       {"email", key + "@example.com"},
                       {"client_id", key},
                       {"date", std::string(date) + " " + time + ":00"},
                       {"employee_id", 1}};
    httplib::Result r =
        Client()->Post("/wp-json/appointease/v1/appointments", {{"X-Idempotency-Key", key}},
                       body.dump(), "application/json");
    return r ? r->status : -1;
  }

  std::string dir_, log_path_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int port_ = -1;
};

TEST_F(ServeManagedTest, RestartsKilledServersGivesUpAndStopsEveryChild) {
  port_ = Spawn({"--listen", "127.0.0.1:0", "--threads", "4", "--profile", "legacy",
                 "--max-restarts", "1", "--restart-backoff-min", "50ms"});
  ASSERT_GT(port_, 0) << Log();
  const pid_t redis = Child("redis-server"), mariadb = Child("mariadbd");
  ASSERT_GT(redis, 0);
  ASSERT_GT(mariadb, 0);
  EXPECT_EQ(Readyz().first, 200);
  EXPECT_EQ(State("redis-server"), "running");
  ASSERT_EQ(Book("10:00", "before"), 200);

  // Redis: SIGKILL -> reaped, logged with its cause, restarted with a new pid, counted.
  ASSERT_EQ(kill(redis, SIGKILL), 0);
  ASSERT_TRUE(Eventually([&] { return Child("redis-server") > 0; })) << Log();
  EXPECT_NE(Child("redis-server"), redis);
  EXPECT_FALSE(AnyZombie());
  EXPECT_TRUE(Eventually([&] {
    return State("redis-server").rfind("running (restarts: 1", 0) == 0;
  })) << State("redis-server");
  EXPECT_NE(Log().find("redis-server (pid " + std::to_string(redis) + ") killed by signal 9"),
            std::string::npos)
      << Log();
  EXPECT_NE(Metrics().find("slotsim_managed_server_restarts_total{server=\"redis-server\"} 1"),
            std::string::npos);
  // Bookings work again (the engine reconnects to the new, empty Redis).
  EXPECT_TRUE(Eventually([&] { return Book("10:30", "after-redis") == 200; })) << Log();

  // MariaDB: SIGKILL -> restarted on its data dir: the first booking is still there.
  ASSERT_EQ(kill(mariadb, SIGKILL), 0);
  ASSERT_TRUE(Eventually([&] { return State("mariadbd").rfind("running (restarts: 1", 0) == 0; }))
      << Log();
  EXPECT_NE(Child("mariadbd"), mariadb);
  EXPECT_FALSE(AnyZombie());
  EXPECT_TRUE(Eventually([&] { return Readyz().first == 200; }));
  EXPECT_EQ(Book("10:00", "again"), 409);  // slot_taken: the booking survived the crash
  EXPECT_TRUE(Eventually([&] { return Book("11:00", "after-mariadb") == 200; }));

  // A second exit within the window exceeds --max-restarts 1: given up, not ready.
  const pid_t mariadb2 = Child("mariadbd");
  ASSERT_GT(mariadb2, 0);
  ASSERT_EQ(kill(mariadb2, SIGKILL), 0);
  ASSERT_TRUE(Eventually([&] {
    return State("mariadbd").rfind("given up after 1 restarts", 0) == 0;
  })) << Log();
  EXPECT_EQ(Readyz().first, 503);
  EXPECT_EQ(Child("mariadbd"), -1);
  EXPECT_FALSE(AnyZombie());
  EXPECT_NE(Metrics().find("slotsim_managed_server_given_up{server=\"mariadbd\"} 1"),
            std::string::npos);
  EXPECT_EQ(Client()->Get("/livez")->status, 200);

  // SIGTERM: exit 0, redis-server stopped (it was running), no child left.
  const pid_t redis2 = Child("redis-server");
  ASSERT_GT(redis2, 0);
  ASSERT_EQ(kill(pid_, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid_, &status, 0), pid_);
  pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_NE(kill(redis2, 0), 0);  // gone: its parent reaped it before exiting
  EXPECT_NE(Log().find("stopping redis-server"), std::string::npos) << Log();
}

// Every bad supervision flag is exit 2 before anything starts; so is one without --managed.
TEST(ServeSupervisionFlagsTest, BadValuesExitTwo) {
  const std::vector<std::vector<std::string>> bad = {
      {"--store", "memory", "--max-restarts", "3"},
      {"--store", "memory", "--restart-window", "10s"},
      {"--managed", "--max-restarts", "-1"},
      {"--managed", "--max-restarts", "many"},
      {"--managed", "--restart-backoff-min", "soon"},
      {"--managed", "--restart-backoff-min", "0ms"},
      {"--managed", "--restart-backoff-min", "2s", "--restart-backoff-max", "1s"},
      {"--managed", "--restart-window", "10ms"},
  };
  for (const std::vector<std::string>& args : bad) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const int null = open("/dev/null", O_WRONLY);
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
      std::vector<char*> argv{const_cast<char*>(SLOTSIM_BINARY), const_cast<char*>("serve")};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(SLOTSIM_BINARY, argv.data());
      _exit(127);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    std::string joined;
    for (const std::string& a : args) joined += a + " ";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << joined << status;
  }
}

}  // namespace
}  // namespace slotsim
