// Engine operations on each store, beside the raw round-trip floors of the same servers, in
// one binary so ratios come from one run:
//   BM_RawRoundTrip_Redis   one PING over one hiredis connection
//   BM_RawRoundTrip_MySql   one prepared `SELECT 1` over one connection
//   BM_Select_<Store>, BM_Poll_<Store>, BM_Confirm_MySql   through SlotEngine
// Servers come from SLOTSIM_REDIS_URL / SLOTSIM_MYSQL_URL; without them those benchmarks are
// skipped with a message. Run: build/bench/slotsim_bench (see docs/performance.md).
#include <benchmark/benchmark.h>
#include <hiredis/hiredis.h>
#include <mysql.h>

#include <cstdlib>
#include <memory>
#include <optional>

#include "common/url.h"
#include "engine/failover_store.h"
#include "engine/memory_store.h"
#include "engine/mysql_store.h"
#include "engine/redis_store.h"
#include "engine/slot_engine.h"

namespace slotsim {
namespace {

std::optional<RedisUrl> BenchRedisUrl() {
  const char* v = std::getenv("SLOTSIM_REDIS_URL");
  if (v == nullptr) return std::nullopt;
  StatusOr<RedisUrl> u = ParseRedisUrl(v);
  return u.ok() ? std::optional<RedisUrl>(*u) : std::nullopt;
}

std::optional<MySqlUrl> BenchMySqlUrl() {
  const char* v = std::getenv("SLOTSIM_MYSQL_URL");
  if (v == nullptr) return std::nullopt;
  StatusOr<MySqlUrl> u = ParseMySqlUrl(v);
  return u.ok() ? std::optional<MySqlUrl>(*u) : std::nullopt;
}

void BM_RawRoundTrip_Redis(benchmark::State& state) {
  std::optional<RedisUrl> url = BenchRedisUrl();
  if (!url) return state.SkipWithError("SLOTSIM_REDIS_URL unset");
  redisContext* c = redisConnect(url->host.c_str(), url->port);
  if (c == nullptr || c->err) return state.SkipWithError("cannot connect to Redis");
  for (auto _ : state) {
    auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
    if (reply == nullptr) {
      state.SkipWithError("PING failed");
      break;
    }
    freeReplyObject(reply);
  }
  redisFree(c);
}
BENCHMARK(BM_RawRoundTrip_Redis)->UseRealTime();

void BM_RawRoundTrip_MySql(benchmark::State& state) {
  std::optional<MySqlUrl> url = BenchMySqlUrl();
  if (!url) return state.SkipWithError("SLOTSIM_MYSQL_URL unset");
  MYSQL* m = mysql_init(nullptr);
  if (!mysql_real_connect(m, url->host.c_str(), url->user.c_str(), url->password.c_str(),
                          url->database.c_str(), url->port, nullptr, 0)) {
    mysql_close(m);
    return state.SkipWithError("cannot connect to MySQL");
  }
  MYSQL_STMT* stmt = mysql_stmt_init(m);
  const char* sql = "SELECT 1";
  mysql_stmt_prepare(stmt, sql, 8);
  for (auto _ : state) {
    if (mysql_stmt_execute(stmt) != 0 || mysql_stmt_store_result(stmt) != 0) {
      state.SkipWithError(mysql_stmt_error(stmt));
      break;
    }
    mysql_stmt_free_result(stmt);
  }
  mysql_stmt_close(stmt);
  mysql_close(m);
}
BENCHMARK(BM_RawRoundTrip_MySql)->UseRealTime();

// An engine over one kind of store, built once per benchmark run.
struct Rig {
  SystemClock clock;
  std::unique_ptr<MemoryStore> memory;
  std::unique_ptr<MySqlStore> mysql;
  std::unique_ptr<RedisStore> redis;
  std::unique_ptr<FailoverStore> failover;
  std::optional<SlotEngine> engine;
  std::string date;
  std::string error;

  enum Kind { kMemory, kMySql, kRedis };

  explicit Rig(Kind kind) {
    date = DateOf(clock.Now() + std::chrono::hours(24));
    Store* top = nullptr;
    if (kind == kMemory) {
      memory = std::make_unique<MemoryStore>();
      top = memory.get();
    } else {
      std::optional<MySqlUrl> murl = BenchMySqlUrl();
      if (!murl) {
        error = "SLOTSIM_MYSQL_URL unset";
        return;
      }
      MySqlOptions mo;
      mo.url = *murl;
      mo.table_prefix = "bench_";
      mysql = std::make_unique<MySqlStore>(mo);
      Status s = mysql->Open();
      if (s.ok()) s = mysql->TruncateForTest();
      if (!s.ok()) {
        error = s.ToString();
        return;
      }
      top = mysql.get();
    }
    if (kind == kRedis) {
      std::optional<RedisUrl> rurl = BenchRedisUrl();
      if (!rurl) {
        error = "SLOTSIM_REDIS_URL unset";
        return;
      }
      RedisOptions ro;
      ro.url = *rurl;
      ro.key_prefix = "bench:";
      redis = std::make_unique<RedisStore>(ro);
      // A Redis that cannot be flushed is down or foreign: the failover store would then
      // start on MySQL and the "Redis" numbers would be MySQL's.
      Status s = redis->FlushForTest();
      if (s.ok()) {
        failover = std::make_unique<FailoverStore>(*redis, *mysql, clock, FailoverOptions{});
        s = failover->Start();
      }
      if (!s.ok()) {
        error = s.ToString();
        return;
      }
      top = failover.get();
    }
    EngineOptions options;
    options.grid.employees = 1'000'000;  // room for a fresh slot per confirm
    StatusOr<SlotEngine> e = SlotEngine::Create(*top, clock, options);
    if (!e.ok()) {
      error = e.status().ToString();
      return;
    }
    engine.emplace(std::move(e).value());
  }
};

void RunSelect(benchmark::State& state, Rig::Kind kind) {
  Rig rig(kind);
  if (!rig.error.empty()) return state.SkipWithError(rig.error.c_str());
  for (auto _ : state) {
    StatusOr<Hold> h = rig.engine->Select("bench_client", 1, rig.date, "10:00");
    if (!h.ok()) {
      state.SkipWithError(h.status().ToString().c_str());
      break;
    }
  }
}

void RunPoll(benchmark::State& state, Rig::Kind kind) {
  Rig rig(kind);
  if (!rig.error.empty()) return state.SkipWithError(rig.error.c_str());
  // A realistic day: a few others' holds and bookings.
  for (int i = 0; i < 4; ++i) {
    StatusOr<Hold> h =
        rig.engine->Select("other" + std::to_string(i), 1, rig.date, rig.engine->grid().times()[i]);
    if (!h.ok()) return state.SkipWithError(("setup select: " + h.status().ToString()).c_str());
  }
  StatusOr<Booking> b = rig.engine->Confirm("booker", 1, rig.date, "15:00", "bench-poll-k");
  if (!b.ok()) return state.SkipWithError(("setup confirm: " + b.status().ToString()).c_str());
  for (auto _ : state) {
    StatusOr<PollResult> r = rig.engine->Poll("bench_client", 1, rig.date);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(r->held.data());
  }
}

void BM_Confirm_MySql(benchmark::State& state) {
  Rig rig(Rig::kMySql);
  if (!rig.error.empty()) return state.SkipWithError(rig.error.c_str());
  int64_t i = 0;
  for (auto _ : state) {
    const int emp = static_cast<int>(i % 1'000'000) + 1;
    StatusOr<Booking> b =
        rig.engine->Confirm("bench_client", emp, rig.date, "10:00", "bk-" + std::to_string(i));
    ++i;
    if (!b.ok()) {
      state.SkipWithError(b.status().ToString().c_str());
      break;
    }
  }
}
BENCHMARK(BM_Confirm_MySql)->UseRealTime();

void BM_Select_Memory(benchmark::State& s) { RunSelect(s, Rig::kMemory); }
void BM_Select_Redis(benchmark::State& s) { RunSelect(s, Rig::kRedis); }
void BM_Select_MySql(benchmark::State& s) { RunSelect(s, Rig::kMySql); }
void BM_Poll_Memory(benchmark::State& s) { RunPoll(s, Rig::kMemory); }
void BM_Poll_Redis(benchmark::State& s) { RunPoll(s, Rig::kRedis); }
void BM_Poll_MySql(benchmark::State& s) { RunPoll(s, Rig::kMySql); }
BENCHMARK(BM_Select_Memory);
BENCHMARK(BM_Select_Redis)->UseRealTime();
BENCHMARK(BM_Select_MySql)->UseRealTime();
BENCHMARK(BM_Poll_Memory);
BENCHMARK(BM_Poll_Redis)->UseRealTime();
BENCHMARK(BM_Poll_MySql)->UseRealTime();

}  // namespace
}  // namespace slotsim

BENCHMARK_MAIN();
