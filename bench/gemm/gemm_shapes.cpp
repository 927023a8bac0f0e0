// The wasm GEMM on the products of one BERT-base pass at T tokens (QKV, output, FFN, one head's scores and context,
// the LM head), in CPU-time GFLOP/s under node: where a pass's time goes at small T. A benchmark, not a test; built by
// hand (see notes/README-perf.md):
//   em++ -O2 -msimd128 -std=c++17 -Isrc/core bench/gemm/gemm_shapes.cpp src/core/gemm.cpp src/core/parallel.cpp \
//     -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sWASM_ASYNC_COMPILATION=0 -o build/gemm_shapes.js
//   node build/gemm_shapes.js 128
#include <emscripten.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "gemm.h"

using namespace attnviz;

static double cpu_ms() { return EM_ASM_DOUBLE({ const u = process.cpuUsage(); return (u.user + u.system) / 1000; }); }

int main(int argc, char** argv) {
  const int T = argc > 1 ? std::atoi(argv[1]) : 128;
  struct Shape { const char* name; int M, N, K; bool bt; int reps; };
  const Shape shapes[] = {{"qkv", T, 2304, 768, false, 3}, {"out", T, 768, 768, false, 6},
                          {"ff1", T, 3072, 768, false, 3}, {"ff2", T, 768, 3072, false, 3},
                          {"scores", T, T, 64, true, 48},   {"context", T, 64, T, false, 48},
                          {"lm", T, 21128, 768, true, 1}};
  std::vector<float> A(static_cast<size_t>(T) * 3072), B(21128u * 768u), C(static_cast<size_t>(T) * 21128);
  for (float& x : A) x = std::rand() / static_cast<float>(RAND_MAX) - 0.5f;
  for (float& x : B) x = std::rand() / static_cast<float>(RAND_MAX) - 0.5f;
  for (const Shape& s : shapes) {
    double best = 1e30;
    for (int it = 0; it < 3; it++) {
      const double c0 = cpu_ms();
      for (int r = 0; r < s.reps; r++)
        gemm(s.M, s.N, s.K, A.data(), s.K, B.data(), s.bt ? s.K : s.N, s.bt, C.data(), s.N, false);
      best = std::min(best, (cpu_ms() - c0) / s.reps);
    }
    std::printf("{\"tokens\":%d,\"product\":\"%s\",\"M\":%d,\"N\":%d,\"K\":%d,\"b_transposed\":%d,\"cpu_ms\":%.3f,"
                "\"cpu_gflops\":%.1f}\n", T, s.name, s.M, s.N, s.K, s.bt, best, 2.0 * s.M * s.N * s.K / best / 1e6);
  }
  return 0;
}
