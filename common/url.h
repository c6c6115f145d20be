// Server URLs as slotsim takes them everywhere (--redis, --mysql, SLOTSIM_REDIS_URL, ...):
//   redis://[:PASSWORD@]HOST:PORT[/DB]
//   mysql://USER[:PASSWORD]@HOST:PORT/DATABASE
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace slotsim {

struct RedisUrl {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string password;  // empty: no AUTH
};

struct MySqlUrl {
  std::string user = "root";
  std::string password;
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string database = "slotsim";
};

// Both return InvalidArgument naming the URL and the expected form on any malformed part.
StatusOr<RedisUrl> ParseRedisUrl(std::string_view url);
StatusOr<MySqlUrl> ParseMySqlUrl(std::string_view url);

std::string ToString(const RedisUrl& url);  // password shown as "***"
std::string ToString(const MySqlUrl& url);  // password shown as "***"

}  // namespace slotsim
