// The wasm GEMM on the products of one BERT-base pass at T tokens (QKV, output, FFN, one head's scores and context,
// the LM head), under node: CPU-time GFLOP/s per product (where a pass's time goes at small T) and, with a thread
// count, wall-time GFLOP/s with that many threads of parallel.h (how each product scales). A benchmark, not a test;
// built by hand, single-threaded or with pthreads:
//   em++ -O2 -msimd128 -std=c++17 -Isrc/core bench/gemm/gemm_shapes.cpp src/core/gemm.cpp src/core/parallel.cpp \
//     -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sWASM_ASYNC_COMPILATION=0 -o build/gemm_shapes.js
//   em++ ... (same) -pthread -sPTHREAD_POOL_SIZE=2 -o build/gemm_shapes_mt.js
//   node build/gemm_shapes.js 128          node build/gemm_shapes_mt.js 128 2     (tokens, threads)
#include <emscripten.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "gemm.h"
#include "parallel.h"

using namespace attnviz;

static double cpu_ms() { return EM_ASM_DOUBLE({ const u = process.cpuUsage(); return (u.user + u.system) / 1000; }); }
static double wall_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int main(int argc, char** argv) {
  const int T = argc > 1 ? std::atoi(argv[1]) : 128;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  parallel_set_threads(threads);
  struct Shape { const char* name; int M, N, K; bool bt; int reps; };
  const Shape shapes[] = {{"qkv", T, 2304, 768, false, 3}, {"out", T, 768, 768, false, 6},
                          {"ff1", T, 3072, 768, false, 3}, {"ff2", T, 768, 3072, false, 3},
                          {"q_bert", T, 768, 768, true, 6}, {"ff1_bert", T, 3072, 768, true, 3},
                          {"ff2_bert", T, 768, 3072, true, 3},
                          {"scores", T, T, 64, true, 48},   {"context", T, 64, T, false, 48},
                          {"lm", T, 21128, 768, true, 1}};
  std::vector<float> A(static_cast<size_t>(T) * 3072), B(21128u * 768u), C(static_cast<size_t>(T) * 21128);
  for (float& x : A) x = std::rand() / static_cast<float>(RAND_MAX) - 0.5f;
  for (float& x : B) x = std::rand() / static_cast<float>(RAND_MAX) - 0.5f;
  for (const Shape& s : shapes) {
    double best = 1e30, best_wall = 1e30;
    for (int it = 0; it < 3; it++) {
      const double c0 = cpu_ms(), w0 = wall_ms();
      for (int r = 0; r < s.reps; r++)
        gemm(s.M, s.N, s.K, A.data(), s.K, B.data(), s.bt ? s.K : s.N, s.bt, C.data(), s.N, false);
      best = std::min(best, (cpu_ms() - c0) / s.reps);
      best_wall = std::min(best_wall, (wall_ms() - w0) / s.reps);
    }
    const double f = 2.0 * s.M * s.N * s.K;
    std::printf("{\"tokens\":%d,\"threads\":%d,\"product\":\"%s\",\"M\":%d,\"N\":%d,\"K\":%d,\"b_transposed\":%d,"
                "\"cpu_ms\":%.3f,\"cpu_gflops\":%.1f,\"wall_ms\":%.3f,\"wall_gflops\":%.1f}\n",
                T, threads, s.name, s.M, s.N, s.K, s.bt, best, f / best / 1e6, best_wall, f / best_wall / 1e6);
  }
  return 0;
}
