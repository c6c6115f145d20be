// EngineStack: wiring of the production store arrangement.
#include "engine/engine_stack.h"

namespace slotsim {

EngineStack::~EngineStack() {
  // The engine and the failover manager (its probe timers) go before the stores they use.
  engine_.reset();
  failover_.reset();
}

StatusOr<std::unique_ptr<EngineStack>> EngineStack::Create(const EngineStackOptions& options,
                                                           Clock& clock) {
  std::unique_ptr<EngineStack> s(new EngineStack());
  MySqlOptions mo;
  mo.url = options.mysql;
  mo.table_prefix = options.prefix;
  mo.pool_size = options.mysql_pool;
  mo.read_timeout_s = options.mysql_read_timeout_s;
  mo.write_timeout_s = options.mysql_read_timeout_s;
  s->mysql_ = std::make_unique<MySqlStore>(mo);
  if (Status st = s->mysql_->Open(); !st.ok()) {
    return Status(st.code(), "MySQL at " + ToString(options.mysql) + ": " + st.message());
  }
  RedisOptions ro;
  ro.url = options.redis;
  ro.key_prefix = options.prefix;
  ro.pool_size = options.redis_pool;
  ro.deadline = options.engine.policy.redis_deadline;
  s->redis_ = std::make_unique<RedisStore>(ro);
  if (options.reset) {
    SLOTSIM_RETURN_IF_ERROR(s->mysql_->TruncateForTest());
    s->redis_->FlushForTest().IgnoreError(
        "a Redis that is down now starts the run in MySQL mode; a stale key it still holds is "
        "replaced when the engine switches to it (holds migrated, the booked cache rebuilt)");
  }
  s->failover_ = std::make_unique<FailoverStore>(*s->redis_, *s->mysql_, clock,
                                                 FailoverOptionsFrom(options.engine.policy));
  SLOTSIM_RETURN_IF_ERROR(s->failover_->Start());
  if (options.decorate) s->decorated_ = options.decorate(*s->failover_);
  Store& served = s->decorated_ ? *s->decorated_ : static_cast<Store&>(*s->failover_);
  StatusOr<SlotEngine> engine = SlotEngine::Create(served, clock, options.engine);
  if (!engine.ok()) return engine.status();
  s->engine_ = std::make_unique<SlotEngine>(std::move(engine).value());
  return s;
}

}  // namespace slotsim
