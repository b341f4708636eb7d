// A fixed set of worker threads that run one indexed loop at a time. The engine's tiles of points are
// independent, so a parallel loop over tiles with dynamic hand-out is all the parallelism it needs;
// no task graph, no work stealing, no OpenMP runtime to configure.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace inrarch::exec::engine {

class ThreadPool {
 public:
  // `threads` counts the calling thread, which works too: ThreadPool(1) starts no thread at all.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls task(index, worker) for every index in [0, count), each exactly once, spread over the
  // threads; worker in [0, size()) identifies the thread so that it can use its own scratch memory.
  // Returns when all calls have finished and rethrows the first exception one of them threw.
  void parallel_for(int64_t count, const std::function<void(int64_t index, int worker)>& task);

 private:
  void work(int worker);
  void drain(int worker);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(int64_t, int)>* task_ = nullptr;
  int64_t count_ = 0;
  int64_t next_ = 0;
  int busy_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

}  // namespace inrarch::exec::engine
