// Parallel: the thread pool behind parallel_for (see parallel.h). Chunks are handed out through an atomic counter; the
// caller works on chunks too and waits for the rest. Between loops a worker first spins on the job counter for a short
// while (kSpinUs), then sleeps on a condition variable: a pass is ~100-200 loops back to back, and waking a sleeping
// thread costs a futex round trip each time (an Atomics.wait / Atomics.notify pair in wasm), paid twice per loop.
#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace attnviz {
namespace {

// How long a worker (or the caller, waiting for the last chunks) spins before it sleeps, in microseconds. Long enough
// to bridge the serial steps between two loops of a pass, short enough not to burn a core between passes.
constexpr int kSpinUs = 50;

struct Pool {
  std::vector<std::thread> threads;
  std::mutex mu;
  std::condition_variable wake, done;
  std::atomic<uint64_t> job{0};  // increments per parallel_for (published last, with release)
  std::atomic<bool> stop{false};
  const std::function<void(int, int)>* fn = nullptr;
  int n_chunks = 0;
  std::atomic<int> next{0};   // next chunk to take
  std::atomic<int> busy{0};   // workers still inside the current job
};

Pool g_pool;
int g_threads = 1;
thread_local bool t_inside = false;  // this thread is running a chunk: nested loops run serially
thread_local int t_index = 0;        // its `thread` index while it does

// Spins until ready() or kSpinUs have passed; returns ready().
template <class F>
bool spin_until(F ready) {
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    for (int i = 0; i < 256; i++)
      if (ready()) return true;
    if (std::chrono::steady_clock::now() - t0 > std::chrono::microseconds(kSpinUs)) return ready();
  }
}

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
  for (;;) {
    const auto ready = [&] { return p.stop.load(std::memory_order_acquire) || p.job.load(std::memory_order_acquire) != seen; };
    if (!spin_until(ready)) {
      std::unique_lock<std::mutex> lock(p.mu);
      p.wake.wait(lock, ready);
    }
    if (p.stop.load()) return;
    seen = p.job.load(std::memory_order_acquire);
    run_chunks(p, thread);
    if (p.busy.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(p.mu);  // (the caller checks busy under the mutex before it sleeps)
      p.done.notify_one();
    }
  }
}

void stop_pool() {
  {
    std::lock_guard<std::mutex> lock(g_pool.mu);
    g_pool.stop.store(true);
  }
  g_pool.wake.notify_all();
  for (std::thread& t : g_pool.threads) t.join();
  g_pool.threads.clear();
  g_pool.stop.store(false);
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
    p.busy.store(static_cast<int>(p.threads.size()));
    p.job.fetch_add(1, std::memory_order_release);
  }
  p.wake.notify_all();
  run_chunks(p, 0);
  const auto all_done = [&] { return p.busy.load(std::memory_order_acquire) == 0; };
  if (!spin_until(all_done)) {
    std::unique_lock<std::mutex> lock(p.mu);
    p.done.wait(lock, all_done);
  }
  p.fn = nullptr;
}

}  // namespace attnviz
