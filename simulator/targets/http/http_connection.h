// HttpConnection: one keep-alive HTTP/1.1 connection to a plain-http server, for the http
// target's workers — a blocking socket, one request at a time, written with one send() and
// read with as few recv() calls as the answer needs.
//
// Why not httplib's client: per heartbeat it makes ~9 system calls (6 poll, 2 sendto — headers
// and body as two TCP segments —, 1 recvfrom) and parses the status line with std::regex;
// driving slotsim serve it reached 0.63-0.82x of wrk's requests/s on 2 cores, while a plain
// blocking send/recv per thread reached wrk's rate (docs/http.md, "Throughput"). httplib stays
// for https:// targets (http_backend.cc).
//
// Timeouts: connecting is bounded by `connect_timeout`; every send() and recv() by
// `io_timeout` (SO_SNDTIMEO / SO_RCVTIMEO: per call, so a server that trickles bytes can take
// longer in total). A connection idle for more than `idle_check` is checked (a non-blocking
// peek) before reuse, so a keep-alive connection the server closed is replaced instead of
// failing the next request; a request none of whose bytes were accepted on a reused connection
// is sent once more on a fresh one. Anything else that goes wrong closes the connection; the
// next Send() reconnects.
//
// Answers: status line, headers (Content-Length, Transfer-Encoding: chunked, Connection:
// close), body up to `max_body_bytes`. Not thread-safe: one per worker.
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "protocol/client_wire.h"

namespace slotsim {

struct HttpConnectionOptions {
  std::string host = "127.0.0.1";  // a name or an IPv4 address
  int port = 80;
  Millis connect_timeout{2000};
  Millis io_timeout{10000};
  Millis idle_check{1000};
  size_t max_body_bytes = 16 << 20;
};

class HttpConnection {
 public:
  explicit HttpConnection(HttpConnectionOptions options);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends `w` and reads its answer. Never throws; transport failures come back as
  // WireAnswer::transport (kRefused / kConnectTimeout: nothing was sent).
  WireAnswer Send(const WireRequest& w);

 private:
  // Opens the socket when there is none; an error answer (kRefused, kConnectTimeout) if not.
  bool Connect(WireAnswer& failure);
  // True when a connection idle since last use is still open.
  bool StillOpen() const;
  void Close();
  // Writes the whole request; `sent_any` says whether the server may have seen a byte.
  bool Write(const std::string& bytes, bool* sent_any);
  // Reads one answer into `a`; false (and `a` filled with the failure) when it did not come.
  bool Read(WireAnswer& a);
  bool Fill(WireAnswer& a);  // one recv() appended to in_
  bool ReadChunked(size_t body_start, WireAnswer& a);
  void Fail(WireAnswer& a, WireTransport t, const std::string& what);

  const HttpConnectionOptions options_;
  std::string host_header_;
  sockaddr_in address_{};
  bool resolved_ = false;
  int fd_ = -1;
  // Wall time of the last answer, for idle_check only (an I/O timeout, not run time).
  std::chrono::steady_clock::time_point last_used_;
  bool keep_open_ = true;
  std::string out_;  // the request being sent (reused)
  std::string in_;   // bytes read (reused)
};

}  // namespace slotsim
