// Shared pieces of the net/ suites: a server on its own io threads with a recording echo
// handler, a gate a handler can be held at, and WaitFor, which bounds waits on events (a guard
// against hangs, never a timing assertion).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/http_server.h"
#include "net/io_threads.h"

namespace slotsim::net::testing {

// Polls `done` every millisecond until it holds or `limit` passes; returns whether it held.
inline bool WaitFor(const std::function<bool()>& done,
                    std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Handlers wait at a closed gate until a test opens it; `waiting` says how many arrived.
class Gate {
 public:
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    cv_.wait(lock, [&] { return open_; });
    --waiting_;
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  int waiting() const {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int waiting_ = 0;
  bool open_ = false;
};

// What the echo handler saw of one request.
struct Seen {
  std::string method, target, body, remote_address;
  uint64_t connection_id = 0, request_index = 0;
};

// A started HttpServer on `io_threads` io threads. The default handler records each request,
// waits at gate() when the target starts with "/block", and answers 200 with body
// "<target>" or "<target>:<body>" and headers X-Connection-Id and X-Request-Index.
class TestServer {
 public:
  explicit TestServer(HttpServerOptions options, HttpHandler handler = nullptr, int io_threads = 2)
      : io_(io_threads) {
    io_.Start();
    if (!handler)
      handler = [this](const HttpRequest& r, Reply reply) { Echo(r, std::move(reply)); };
    server_ = std::make_unique<HttpServer>(io_, std::move(options), std::move(handler));
    Status started = server_->Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
  }
  ~TestServer() {
    gate_.Open();
    server_->Stop();
  }

  uint16_t port() const { return server_->port(); }
  HttpServer& server() { return *server_; }
  HttpServerStats stats() const { return server_->Stats(); }
  Gate& gate() { return gate_; }
  IoThreads& io() { return io_; }
  std::vector<Seen> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  // How many requests with this target the handler ran.
  int Ran(const std::string& target) const {
    int n = 0;
    for (const Seen& s : seen()) n += s.target == target ? 1 : 0;
    return n;
  }

 private:
  void Echo(const HttpRequest& r, Reply reply) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(
          {r.method, r.target, r.body, r.remote_address, r.connection_id, r.request_index});
    }
    if (r.target.rfind("/block", 0) == 0) gate_.Wait();
    HttpResponse out;
    out.headers = {{"Content-Type", "text/plain"},
                   {"X-Connection-Id", std::to_string(r.connection_id)},
                   {"X-Request-Index", std::to_string(r.request_index)}};
    out.body = r.body.empty() ? r.target : r.target + ":" + r.body;
    reply.Send(std::move(out));
  }

  IoThreads io_;  // declared first: destroyed after the server
  Gate gate_;
  mutable std::mutex mu_;
  std::vector<Seen> seen_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace slotsim::net::testing
