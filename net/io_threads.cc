// IoThreads: one io_context and one thread per core; see io_threads.h.
#include "net/io_threads.h"

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <exception>
#include <optional>
#include <thread>
#include <vector>

#include "common/check.h"

namespace slotsim::net {

namespace asio = boost::asio;
using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

struct IoThreads::Impl {
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<std::optional<WorkGuard>> guards;  // keep run() going while there is no work
  std::vector<std::thread> threads;
  std::atomic<unsigned> next{0};
  bool started = false;
  bool stopped = false;
};

namespace {

// Runs `io` until it is stopped. A handler that throws is a bug in net/ (every Asio and Beast
// call there takes an error_code), but one bad handler must not end the loop for every other
// connection: report it and keep running.
void RunLoop(asio::io_context& io) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "net: exception escaped an io handler: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "net: unknown exception escaped an io handler\n");
    }
  }
}

}  // namespace

IoThreads::IoThreads(int threads) : impl_(std::make_unique<Impl>()) {
  SLOTSIM_CHECK(threads >= 1 && threads <= 256) << "io threads: " << threads;
  for (int i = 0; i < threads; ++i) {
    // Concurrency hint 1: exactly one thread runs each context.
    impl_->contexts.push_back(std::make_unique<asio::io_context>(1));
    impl_->guards.emplace_back(asio::make_work_guard(*impl_->contexts.back()));
  }
}

IoThreads::~IoThreads() { Stop(); }

void IoThreads::Start() {
  SLOTSIM_CHECK(!impl_->started) << "IoThreads::Start called twice";
  impl_->started = true;
  for (auto& io : impl_->contexts) {
    impl_->threads.emplace_back([ctx = io.get()] { RunLoop(*ctx); });
  }
}

void IoThreads::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  for (auto& guard : impl_->guards) guard.reset();
  for (auto& io : impl_->contexts) io->stop();
  for (auto& t : impl_->threads) {
    SLOTSIM_CHECK(t.get_id() != std::this_thread::get_id()) << "IoThreads::Stop on an io thread";
    t.join();
  }
  impl_->threads.clear();
}

int IoThreads::size() const { return static_cast<int>(impl_->contexts.size()); }

asio::io_context& IoThreads::At(int index) {
  SLOTSIM_CHECK(index >= 0 && index < size()) << "io context " << index << " of " << size();
  return *impl_->contexts[index];
}

asio::io_context& IoThreads::Next() {
  unsigned n = impl_->next.fetch_add(1, std::memory_order_relaxed);
  return *impl_->contexts[n % impl_->contexts.size()];
}

}  // namespace slotsim::net
