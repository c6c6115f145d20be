#include "server/readiness.h"

#include <string>

namespace slotsim::http {
namespace {

std::string StateOf(const Status& ping) { return ping.ok() ? "up" : "down: " + ping.message(); }

}  // namespace

Readiness StackReadiness(EngineStack& stack) {
  Readiness r;
  const Status mysql = stack.mysql().Ping();
  r.ready = mysql.ok();
  r.backends.emplace_back("redis", stack.failover().breaker_open()
                                       ? "breaker open: serving from mysql, probing redis"
                                       : "up");
  r.backends.emplace_back("mysql", StateOf(mysql));
  return r;
}

Readiness MySqlReadiness(MySqlStore& mysql) {
  Readiness r;
  const Status ping = mysql.Ping();
  r.ready = ping.ok();
  r.backends.emplace_back("mysql", StateOf(ping));
  return r;
}

}  // namespace slotsim::http
