// IoThreads and WorkerPool: the event loops and the bounded handler pool under the server.
#include "net/io_threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <set>
#include <thread>

#include "net/worker_pool.h"
#include "tests/net/server_fixture.h"

namespace slotsim::net {
namespace {

using testing::Gate;
using testing::WaitFor;

TEST(IoThreadsTest, EachContextRunsOnItsOwnThread) {
  IoThreads io(3);
  io.Start();
  std::mutex mu;
  std::set<std::thread::id> ids;
  std::atomic<int> ran{0};
  for (int i = 0; i < 3; ++i) {
    boost::asio::post(io.At(i), [&] {
      std::lock_guard<std::mutex> lock(mu);
      ids.insert(std::this_thread::get_id());
      ++ran;
    });
  }
  ASSERT_TRUE(WaitFor([&] { return ran == 3; }));
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
  io.Stop();
  io.Stop();  // idempotent
}

TEST(IoThreadsTest, NextGoesRoundRobin) {
  IoThreads io(2);
  boost::asio::io_context* first = &io.Next();
  boost::asio::io_context* second = &io.Next();
  EXPECT_NE(first, second);
  EXPECT_EQ(&io.Next(), first);
  EXPECT_EQ(io.size(), 2);
}

TEST(IoThreadsTest, StopEndsLoopsThatStillHaveWork) {
  IoThreads io(1);
  io.Start();
  boost::asio::io_context& ctx = io.At(0);
  // A handler that re-posts itself forever: Stop must still return.
  std::function<void()> again = [&] { boost::asio::post(ctx, again); };
  boost::asio::post(ctx, again);
  io.Stop();
}

TEST(WorkerPoolTest, RunsJobsAndBoundsTheQueue) {
  WorkerPool pool(1, 2);
  Gate gate;
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.TryPost(1, [&] {
    gate.Wait();
    ++ran;
  }));
  ASSERT_TRUE(WaitFor([&] { return gate.waiting() == 1; }));
  EXPECT_TRUE(pool.TryPost(2, [&] { ++ran; }));
  EXPECT_TRUE(pool.TryPost(3, [&] { ++ran; }));
  EXPECT_FALSE(pool.TryPost(4, [&] { ++ran; }));  // two waiting: full
  EXPECT_EQ(pool.queued(), 2u);
  EXPECT_EQ(pool.running(), 1);
  gate.Open();
  ASSERT_TRUE(WaitFor([&] { return ran == 3; }));
}

TEST(WorkerPoolTest, CancelledJobNeverRuns) {
  WorkerPool pool(1, 8);
  Gate gate;
  std::atomic<int> cancelled_ran{0};
  std::atomic<int> other_ran{0};
  ASSERT_TRUE(pool.TryPost(1, [&] { gate.Wait(); }));
  ASSERT_TRUE(WaitFor([&] { return gate.waiting() == 1; }));
  ASSERT_TRUE(pool.TryPost(7, [&] { ++cancelled_ran; }));
  ASSERT_TRUE(pool.TryPost(8, [&] { ++other_ran; }));
  EXPECT_TRUE(pool.Cancel(7));
  EXPECT_FALSE(pool.Cancel(7));
  EXPECT_FALSE(pool.Cancel(1));  // running, not queued
  gate.Open();
  ASSERT_TRUE(WaitFor([&] { return other_ran == 1; }));
  EXPECT_EQ(pool.Stop(), 0u);
  EXPECT_EQ(cancelled_ran, 0);
}

TEST(WorkerPoolTest, StopDropsQueuedJobsAndWaitsForRunningOnes) {
  WorkerPool pool(1, 8);
  Gate gate;
  std::atomic<bool> finished{false};
  std::atomic<int> queued_ran{0};
  ASSERT_TRUE(pool.TryPost(1, [&] {
    gate.Wait();
    finished = true;
  }));
  ASSERT_TRUE(WaitFor([&] { return gate.waiting() == 1; }));
  ASSERT_TRUE(pool.TryPost(2, [&] { ++queued_ran; }));
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    gate.Open();
  });
  EXPECT_EQ(pool.Stop(), 1u);
  EXPECT_TRUE(finished);  // Stop returned only after the running job did
  EXPECT_EQ(queued_ran, 0);
  EXPECT_FALSE(pool.TryPost(3, [] {}));
  opener.join();
}

}  // namespace
}  // namespace slotsim::net
