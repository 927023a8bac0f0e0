// Parallel: a small pool of std::threads that splits a loop (columns of a matrix product, attention heads, rows of an
// elementwise step) over the cores. Plain std::thread, so it runs natively and under Emscripten pthreads alike.
// Std only. One caller at a time (the engine's thread); a parallel_for inside a chunk runs serially.
#pragma once
#include <functional>

namespace attnviz {

// Sets the number of threads that share a parallel_for, the calling thread included (1 = serial, the default;
// clamped to 1..kMaxThreads). Starts or stops the pool's threads; call it between passes, not during one.
void parallel_set_threads(int n);
int parallel_threads();
constexpr int kMaxThreads = 8;

// Calls fn(chunk, thread) for every chunk in [0, n_chunks), spread over the pool; returns when all are done. `thread`
// (0..parallel_threads()-1) names the thread running the chunk, for per-thread scratch buffers. Which thread runs
// which chunk varies, so a chunk's result must not depend on `thread`: results are then the same for any number of
// threads. Serial (thread 0, chunks in order) when the pool has one thread or when called from inside a chunk.
void parallel_for(int n_chunks, const std::function<void(int chunk, int thread)>& fn);

// The `thread` index of the calling thread inside a parallel_for chunk (0 outside one): what a serial loop nested in a
// chunk uses to pick its scratch buffer.
int parallel_this_thread();

}  // namespace attnviz
