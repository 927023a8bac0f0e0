// Parallel: the thread pool behind parallel_for (see parallel.h). Workers sleep on a condition variable between
// loops; chunks are handed out through an atomic counter; the caller works on chunks too and waits for the rest.
#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace attnviz {
namespace {

struct Pool {
  std::vector<std::thread> threads;
  std::mutex mu;
  std::condition_variable wake, done;
  uint64_t job = 0;           // increments per parallel_for
  bool stop = false;
  const std::function<void(int, int)>* fn = nullptr;
  int n_chunks = 0;
  std::atomic<int> next{0};   // next chunk to take
  int busy = 0;               // workers still inside the current job
};

Pool g_pool;
int g_threads = 1;
thread_local bool t_inside = false;  // this thread is running a chunk: nested loops run serially
thread_local int t_index = 0;        // its `thread` index while it does

void run_chunks(Pool& p, int thread) {
  t_inside = true;
  t_index = thread;
  for (int c = p.next.fetch_add(1); c < p.n_chunks; c = p.next.fetch_add(1)) (*p.fn)(c, thread);
  t_inside = false;
  t_index = 0;
}

void worker(int thread) {
  Pool& p = g_pool;
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(p.mu);
  for (;;) {
    p.wake.wait(lock, [&] { return p.stop || p.job != seen; });
    if (p.stop) return;
    seen = p.job;
    lock.unlock();
    run_chunks(p, thread);
    lock.lock();
    if (--p.busy == 0) p.done.notify_one();
  }
}

void stop_pool() {
  {
    std::lock_guard<std::mutex> lock(g_pool.mu);
    g_pool.stop = true;
  }
  g_pool.wake.notify_all();
  for (std::thread& t : g_pool.threads) t.join();
  g_pool.threads.clear();
  g_pool.stop = false;
}

// Joins the pool's threads at exit (a joinable std::thread must not be destroyed).
struct PoolGuard {
  ~PoolGuard() { stop_pool(); }
} g_guard;

}  // namespace

void parallel_set_threads(int n) {
  n = std::clamp(n, 1, kMaxThreads);
  if (n == g_threads) return;
  stop_pool();
  g_threads = n;
  for (int i = 1; i < n; i++) g_pool.threads.emplace_back(worker, i);
}

int parallel_threads() { return g_threads; }
int parallel_this_thread() { return t_index; }

void parallel_for(int n_chunks, const std::function<void(int chunk, int thread)>& fn) {
  if (n_chunks <= 0) return;
  if (g_threads <= 1 || n_chunks == 1 || t_inside) {
    const int me = t_index;
    for (int c = 0; c < n_chunks; c++) fn(c, me);
    return;
  }
  Pool& p = g_pool;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    p.fn = &fn;
    p.n_chunks = n_chunks;
    p.next.store(0);
    p.busy = static_cast<int>(p.threads.size());
    p.job++;
  }
  p.wake.notify_all();
  run_chunks(p, 0);
  std::unique_lock<std::mutex> lock(p.mu);
  p.done.wait(lock, [&] { return p.busy == 0; });
  p.fn = nullptr;
}

}  // namespace attnviz
