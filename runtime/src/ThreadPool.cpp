//===- ThreadPool.cpp - a session's persistent worker threads -------------===//

#include "ThreadPool.h"

#include "Status.h"

#include <sched.h>
#include <system_error>

namespace tessera::runtime {
namespace {

uint32_t availableCpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
    return uint32_t(CPU_COUNT(&set));
  unsigned n = std::thread::hardware_concurrency();
  return n ? n : 1;
}

} // namespace

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread &worker : workers_)
    worker.join();
}

tsr_status_t ThreadPool::start(uint32_t numThreads) {
  if (numThreads == 0)
    numThreads = availableCpus();
  try {
    workers_.reserve(numThreads - 1);
    for (uint32_t i = 1; i < numThreads; ++i)
      workers_.emplace_back([this] { workerLoop(); });
  } catch (const std::system_error &e) {
    return error(TSR_STATUS_RESOURCE_EXHAUSTED, "cannot start worker thread ",
                 workers_.size() + 1, " of ", numThreads - 1, ": ", e.what());
  }
  return nullptr;
}

void ThreadPool::runIterations() {
  for (int64_t i = next_.fetch_add(1, std::memory_order_relaxed); i < count_;
       i = next_.fetch_add(1, std::memory_order_relaxed))
    body_(context_, i);
}

void ThreadPool::workerLoop() {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_)
        return;
      seen = generation_;
    }
    runIterations();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--busyWorkers_ == 0)
        finished_.notify_one();
    }
  }
}

void ThreadPool::parallelFor(int64_t count, Body body, void *context) {
  if (workers_.empty() || count <= 1) {
    for (int64_t i = 0; i < count; ++i)
      body(context, i);
    return;
  }
  {
    // The job fields are published under the mutex; workers read them only
    // after seeing the new generation under the same mutex.
    std::lock_guard<std::mutex> lock(mutex_);
    body_ = body;
    context_ = context;
    count_ = count;
    next_.store(0, std::memory_order_relaxed);
    busyWorkers_ = workers_.size();
    ++generation_;
  }
  wake_.notify_all();
  runIterations();
  std::unique_lock<std::mutex> lock(mutex_);
  finished_.wait(lock, [&] { return busyWorkers_ == 0; });
}

} // namespace tessera::runtime
