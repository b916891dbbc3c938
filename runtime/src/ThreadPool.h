//===- ThreadPool.h - a session's persistent worker threads -----*- C++ -*-===//
//
// Workers are started once per session and sleep between dispatches. A
// parallel loop hands out iterations through one atomic counter, so uneven
// workgroups balance themselves; the calling thread takes part, so a pool
// of N threads has N - 1 workers and a pool of 1 runs everything inline.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_THREADPOOL_H
#define TESSERA_RUNTIME_THREADPOOL_H

#include "tessera/runtime.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera::runtime {

class ThreadPool {
public:
  using Body = void (*)(void *context, int64_t iteration);

  ThreadPool() = default;
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;
  ~ThreadPool();

  /// Starts `numThreads - 1` workers (0: one thread per CPU this process may
  /// run on).
  tsr_status_t start(uint32_t numThreads);
  uint32_t size() const { return uint32_t(workers_.size()) + 1; }

  /// Calls body(context, i) for every i in [0, count), spread over the pool,
  /// and returns once all have returned: a barrier. Not reentrant.
  void parallelFor(int64_t count, Body body, void *context);

private:
  void workerLoop();
  void runIterations();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  // Guarded by mutex_: the current loop's generation (workers run each one
  // exactly once), how many workers have not finished it, and shutdown.
  uint64_t generation_ = 0;
  size_t busyWorkers_ = 0;
  bool stopping_ = false;

  Body body_ = nullptr;
  void *context_ = nullptr;
  int64_t count_ = 0;
  std::atomic<int64_t> next_{0};
};

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_THREADPOOL_H
