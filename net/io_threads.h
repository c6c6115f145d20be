// IoThreads: N Asio io_contexts, each run by one thread of its own (one per core), the event
// loops that net/'s server and client connections live on. An object bound to one context is
// only ever touched by that context's thread, so its handlers need no locks and no strand.
//
// Lifetime: start the threads before anything posts work; stop servers and clients (or let
// their connections close) before Stop(), which abandons whatever handlers are still queued.
// Declare IoThreads before the servers and clients that use it, so it is destroyed after them.
#pragma once

#include <memory>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace slotsim::net {

class IoThreads {
 public:
  // `threads` contexts (1..256, a SLOTSIM_CHECK), not yet running.
  explicit IoThreads(int threads);
  // Stop().
  ~IoThreads();
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  // Starts one thread per context. Call once, before Stop().
  void Start();

  // Stops every context (queued handlers are dropped, not run) and joins the threads.
  // Idempotent; must not be called from one of the io threads.
  void Stop();

  int size() const;
  // Context `index` (0..size()-1). Thread-safe.
  boost::asio::io_context& At(int index);
  // The next context in round-robin order, for spreading connections. Thread-safe.
  boost::asio::io_context& Next();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slotsim::net
