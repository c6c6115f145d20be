// Plain HTTP/1.1 message values shared by net/'s server and client: what a handler reads and
// answers, what a client sends and gets back. No Beast or Asio type appears here, so code that
// only handles requests (serve's routes, the http target) never compiles Beast.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slotsim::net {

struct HttpHeader {
  std::string name;
  std::string value;
};
using HttpHeaders = std::vector<HttpHeader>;

// The value of the first header named `name` (ASCII case-insensitive), or "" when there is
// none. The view points into `headers`.
std::string_view FindHeader(const HttpHeaders& headers, std::string_view name);
// How many headers are named `name` (ASCII case-insensitive).
int CountHeaders(const HttpHeaders& headers, std::string_view name);
// ASCII case-insensitive equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// A request as the server received it, body complete.
struct HttpRequest {
  std::string method;      // as sent: "GET", "POST", ...
  std::string target;      // the request target: "/wp-json/x?y=1"
  int version = 11;        // 10 or 11
  HttpHeaders headers;     // in the order received, duplicates kept
  std::string body;        // de-chunked
  bool keep_alive = true;  // what the client asked for (the server may still close)

  std::string remote_address;  // the peer's IP, "127.0.0.1" or "::1"
  uint16_t remote_port = 0;
  uint64_t connection_id = 0;  // unique per server, in accept order from 1
  uint64_t request_index = 0;  // 0 for the first request on its connection
  // When the whole request had been read (before it waited for a worker).
  std::chrono::steady_clock::time_point received_at;

  std::string_view Header(std::string_view name) const { return FindHeader(headers, name); }
};

// A handler's answer. The server sets Content-Length and Connection itself; headers given here
// with those names are ignored.
struct HttpResponse {
  int status = 200;     // 200..599
  HttpHeaders headers;  // e.g. {"Content-Type", "application/json"}
  std::string body;
  bool close = false;  // close the connection after this answer
};

}  // namespace slotsim::net
