// EngineHarness: wires the stores of each test backend.
#include "tests/support/engine_harness.h"

namespace slotsim::testing {
namespace {

// One table/key prefix per process: schema creation is slow, so each test truncates instead.
const std::string& ProcessPrefix() {
  static const std::string prefix = UniquePrefix("eng");
  return prefix;
}

}  // namespace

bool EngineHarness::Build(Backend backend, Policy policy, std::string& why) {
  std::optional<MySqlUrl> mysql_url = SharedMySqlUrl();
  std::optional<RedisUrl> redis_url = SharedRedisUrl();
  const bool need_mysql = backend == Backend::kMySql || backend == Backend::kRedis;
  if (need_mysql && !mysql_url) {
    why = "SLOTSIM_MYSQL_URL unset";
    return false;
  }
  if (backend == Backend::kRedis && !redis_url) {
    why = "SLOTSIM_REDIS_URL unset";
    return false;
  }
  if (need_mysql) {
    MySqlOptions o;
    o.url = *mysql_url;
    o.table_prefix = ProcessPrefix();
    mysql_ = std::make_unique<MySqlStore>(o);
    Status s = mysql_->Open();
    if (s.ok()) s = mysql_->TruncateForTest();
    if (!s.ok()) {
      why = "MySQL: " + s.ToString();
      return false;
    }
  }
  switch (backend) {
    case Backend::kMemory:
      memory_ = std::make_unique<MemoryStore>();
      top_ = memory_.get();
      break;
    case Backend::kMySql:
      top_ = mysql_.get();
      break;
    case Backend::kRedis: {
      RedisOptions o;
      o.url = *redis_url;
      o.key_prefix = ProcessPrefix();
      o.deadline = policy.redis_deadline;
      redis_ = std::make_unique<RedisStore>(o);
      Status s = redis_->FlushForTest();
      if (!s.ok()) {
        why = "Redis: " + s.ToString();
        return false;
      }
      failover_ =
          std::make_unique<FailoverStore>(*redis_, *mysql_, clock_, FailoverOptionsFrom(policy));
      top_ = failover_.get();
      break;
    }
    case Backend::kFailoverMemory:
      memory_ = std::make_unique<MemoryStore>(StorageMode::kRedis);
      memory_fallback_ = std::make_unique<MemoryStore>(StorageMode::kMySql);
      failover_ = std::make_unique<FailoverStore>(*memory_, *memory_fallback_, clock_,
                                                  FailoverOptionsFrom(policy));
      top_ = failover_.get();
      break;
  }
  if (failover_) {
    Status s = failover_->Start();
    if (!s.ok()) {
      why = "failover start: " + s.ToString();
      return false;
    }
  }
  StatusOr<SlotEngine> engine = SlotEngine::Create(*top_, clock_, EngineOptions{{}, policy});
  if (!engine.ok()) {
    why = engine.status().ToString();
    return false;
  }
  engine_.emplace(std::move(engine).value());
  return true;
}

}  // namespace slotsim::testing
