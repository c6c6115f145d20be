// URL parsing for --redis / --mysql: hand-written so every error names the part that is wrong.
#include "common/url.h"

#include <cctype>
#include <charconv>

namespace slotsim {
namespace {

Status BadUrl(std::string_view url, std::string_view why, std::string_view form) {
  return Status::InvalidArgument("bad URL \"" + std::string(url) + "\": " + std::string(why) +
                                 "; expected " + std::string(form));
}

bool ParseInt(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Splits "HOST:PORT" into its parts; false if the port is missing or not a number in range.
bool SplitHostPort(std::string_view hp, std::string& host, int& port) {
  const size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  host = std::string(hp.substr(0, colon));
  return ParseInt(hp.substr(colon + 1), port) && port > 0 && port < 65536;
}

}  // namespace

StatusOr<RedisUrl> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kForm = "redis://[:PASSWORD@]HOST:PORT[/DB]";
  constexpr std::string_view kScheme = "redis://";
  if (url.substr(0, kScheme.size()) != kScheme) return BadUrl(url, "scheme is not redis://", kForm);
  std::string_view rest = url.substr(kScheme.size());
  RedisUrl out;
  const size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view auth = rest.substr(0, at);
    // "user:pw@" or "pw@" would otherwise become a password that fails only at AUTH time.
    if (auth.empty() || auth[0] != ':') {
      return BadUrl(url, "credentials must be \":PASSWORD@\" (no user name)", kForm);
    }
    auth.remove_prefix(1);
    out.password = std::string(auth);
    rest = rest.substr(at + 1);
  }
  const size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    if (!ParseInt(rest.substr(slash + 1), out.db) || out.db < 0) {
      return BadUrl(url, "database is not a number", kForm);
    }
    rest = rest.substr(0, slash);
  }
  if (!SplitHostPort(rest, out.host, out.port))
    return BadUrl(url, "missing or bad HOST:PORT", kForm);
  return out;
}

StatusOr<MySqlUrl> ParseMySqlUrl(std::string_view url) {
  constexpr std::string_view kForm = "mysql://USER[:PASSWORD]@HOST:PORT/DATABASE";
  constexpr std::string_view kScheme = "mysql://";
  if (url.substr(0, kScheme.size()) != kScheme) return BadUrl(url, "scheme is not mysql://", kForm);
  std::string_view rest = url.substr(kScheme.size());
  MySqlUrl out;
  const size_t at = rest.rfind('@');
  if (at == std::string_view::npos) return BadUrl(url, "missing USER@", kForm);
  std::string_view auth = rest.substr(0, at);
  const size_t colon = auth.find(':');
  out.user = std::string(auth.substr(0, colon));
  if (colon != std::string_view::npos) out.password = std::string(auth.substr(colon + 1));
  if (out.user.empty()) return BadUrl(url, "empty user", kForm);
  rest = rest.substr(at + 1);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 == rest.size()) {
    return BadUrl(url, "missing /DATABASE", kForm);
  }
  out.database = std::string(rest.substr(slash + 1));
  for (char c : out.database) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return BadUrl(url, "database name may hold only letters, digits and _", kForm);
    }
  }
  if (!SplitHostPort(rest.substr(0, slash), out.host, out.port)) {
    return BadUrl(url, "missing or bad HOST:PORT", kForm);
  }
  return out;
}

std::string ToString(const RedisUrl& u) {
  std::string auth = u.password.empty() ? "" : ":***@";
  return "redis://" + auth + u.host + ":" + std::to_string(u.port) + "/" + std::to_string(u.db);
}

std::string ToString(const MySqlUrl& u) {
  std::string auth = u.user + (u.password.empty() ? "" : ":***");
  return "mysql://" + auth + "@" + u.host + ":" + std::to_string(u.port) + "/" + u.database;
}

}  // namespace slotsim
