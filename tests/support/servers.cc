// Test support: shared server URLs from the environment, unique prefixes, free ports, and a
// private redis-server child for fault tests, which is slotsim::ManagedRedis underneath (one
// implementation of launching a server child, in simulator/managed_servers.cc).
#include "tests/support/servers.h"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "procs/managed_servers.h"

namespace slotsim::testing {
namespace {

constexpr auto kStartDeadline = std::chrono::seconds(5);
constexpr size_t kMaxPrefixLength = 24;

// Reads `name` from the environment; nullopt when unset or empty.
std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

[[noreturn]] void DieBadUrl(const char* name, const Status& status) {
  std::fprintf(stderr, "FATAL: %s is set but malformed: %s\n", name, status.ToString().c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace

std::optional<RedisUrl> SharedRedisUrl() {
  std::optional<std::string> raw = Env("SLOTSIM_REDIS_URL");
  if (!raw) return std::nullopt;
  StatusOr<RedisUrl> url = ParseRedisUrl(*raw);
  if (!url.ok()) DieBadUrl("SLOTSIM_REDIS_URL", url.status());
  return *url;
}

std::optional<MySqlUrl> SharedMySqlUrl() {
  std::optional<std::string> raw = Env("SLOTSIM_MYSQL_URL");
  if (!raw) return std::nullopt;
  StatusOr<MySqlUrl> url = ParseMySqlUrl(*raw);
  if (!url.ok()) DieBadUrl("SLOTSIM_MYSQL_URL", url.status());
  return *url;
}

bool ServersRequired() { return Env("SLOTSIM_REQUIRE_SERVERS").value_or("") == "1"; }

std::string UniquePrefix(std::string_view tag) {
  static std::atomic<unsigned> counter{0};
  const std::string head =
      "t" + std::to_string(getpid()) + "_" + std::to_string(counter.fetch_add(1)) + "_";
  std::string clean;
  for (char c : tag) {
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool keep = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    clean.push_back(keep ? lower : '_');
  }
  // Room for the tag and its trailing '_' within kMaxPrefixLength; the head alone always fits.
  const size_t room = kMaxPrefixLength > head.size() + 1 ? kMaxPrefixLength - head.size() - 1 : 0;
  if (clean.size() > room) clean.resize(room);
  return clean.empty() ? head : head + clean + "_";
}

bool HaveServerBinaries() {
  if (ServersRequired()) return true;
  auto found = [](const std::string& name) {
    for (const char* dir : {"/usr/sbin/", "/usr/bin/", "/usr/local/bin/", "/usr/local/sbin/"}) {
      if (access((std::string(dir) + name).c_str(), X_OK) == 0) return true;
    }
    return false;
  };
  return found("redis-server") && found("mariadbd") && found("mariadb-install-db");
}

int FreeLoopbackPort() {
  StatusOr<int> port = PickLoopbackPort();
  if (!port.ok()) {
    std::fprintf(stderr, "FATAL: %s\n", port.status().ToString().c_str());
    std::abort();
  }
  return *port;
}

StatusOr<std::unique_ptr<RedisProcess>> RedisProcess::Start() {
  ManagedOptions options;
  options.start_timeout = kStartDeadline;
  SLOTSIM_ASSIGN_OR_RETURN(std::unique_ptr<ManagedRedis> redis, ManagedRedis::Start(options));
  return std::unique_ptr<RedisProcess>(new RedisProcess(std::move(redis)));
}

RedisProcess::RedisProcess(std::unique_ptr<ManagedRedis> redis) : redis_(std::move(redis)) {}

RedisProcess::~RedisProcess() {
  redis_->Kill();  // as documented: no SIGTERM grace for a test server
}

int RedisProcess::port() const { return redis_->port(); }
pid_t RedisProcess::pid() const { return redis_->pid(); }
RedisUrl RedisProcess::url() const { return redis_->url(); }
void RedisProcess::Kill() { redis_->Kill(); }
void RedisProcess::Stop() { redis_->Stop(); }
void RedisProcess::Continue() { redis_->Continue(); }
Status RedisProcess::Restart() { return redis_->Restart(); }

}  // namespace slotsim::testing
