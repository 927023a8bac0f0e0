// Gemm: Eigen's product natively; in wasm builds with SIMD (-msimd128) a packed 4x8 register-blocked kernel written
// with wasm_simd128.h, because Eigen 3.4 has no wasm SIMD backend (~5.5 GFLOP/s there; this kernel ~45 GFLOP/s of CPU
// time on 512x768x256 under node 20, near the ceiling of 128-bit mul + add without FMA). Eigen/std only.
#include "gemm.h"

#include <algorithm>

#include "parallel.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include <algorithm>
#include <cstring>
#else
#include <Eigen/Core>
#endif

namespace attnviz {

#if !defined(__wasm_simd128__)

const char* gemm_backend() { return "eigen"; }

// Column blocks per thread in gemm()'s split: one, because Eigen picks its depth blocking from the block's width, so
// narrower blocks sum in another order (off by ~1e-5 from one thread on the reference models).
constexpr int kChunksPerThread = 1;

namespace {

void gemm_serial(int M, int N, int K, const float* A, int lda, const float* B, int ldb, bool b_transposed, float* C,
                 int ldc, bool accumulate, int /*thread*/) {
  using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Stride = Eigen::OuterStride<>;
  Eigen::Map<const RowMat, 0, Stride> a(A, M, K, Stride(lda));
  Eigen::Map<RowMat, 0, Stride> c(C, M, N, Stride(ldc));
  if (!b_transposed) {
    Eigen::Map<const RowMat, 0, Stride> b(B, K, N, Stride(ldb));
    if (accumulate) c.noalias() += a * b;
    else c.noalias() = a * b;
  } else {
    Eigen::Map<const RowMat, 0, Stride> b(B, N, K, Stride(ldb));
    if (accumulate) c.noalias() += a * b.transpose();
    else c.noalias() = a * b.transpose();
  }
}

}  // namespace

#else

const char* gemm_backend() { return "wasm-simd128"; }

// Column blocks per thread in gemm()'s split (see there); our kernel sums every element in the same order whatever
// the block's width, so finer blocks give the same bits.
constexpr int kChunksPerThread = 4;

namespace {

constexpr int kMr = 4;    // rows of C per micro-tile
constexpr int kNr = 8;    // columns of C per micro-tile (two v128)
constexpr int kKc = 256;  // depth of one packed panel
constexpr int kNc = 512;  // columns of one packed panel: kKc * kNc floats = 512 KB, the size of a core's L2

// One panel per thread of parallel.h: (kNc / kNr strips) x (kKc, kNr), B packed strip by strip.
alignas(16) float g_panels[kMaxThreads][kKc * kNc];

// Packs B[k0:k0+kc, j0:j0+nc] (op applied) into strips of kNr columns, zero-padding the last strip.
void pack_b(float* g_panel, const float* B, int ldb, bool bt, int k0, int kc, int j0, int nc) {
  for (int js = 0; js < nc; js += kNr) {
    float* dst = g_panel + static_cast<size_t>(js) * kc;
    const int w = std::min(kNr, nc - js);
    if (!bt) {
      for (int k = 0; k < kc; k++) {
        const float* src = B + static_cast<size_t>(k0 + k) * ldb + j0 + js;
        if (w == kNr) {
          wasm_v128_store(dst + k * kNr, wasm_v128_load(src));
          wasm_v128_store(dst + k * kNr + 4, wasm_v128_load(src + 4));
        } else {
          for (int j = 0; j < kNr; j++) dst[k * kNr + j] = j < w ? src[j] : 0.f;
        }
      }
    } else if (w == kNr) {
      // 8 rows of B (N,K) -> (kc, 8) by 4x4 transposes of v128 registers.
      const float* s0 = B + static_cast<size_t>(j0 + js) * ldb + k0;
      int k = 0;
      for (; k + 4 <= kc; k += 4) {
        for (int half = 0; half < 2; half++) {
          const float* s = s0 + static_cast<size_t>(half * 4) * ldb + k;
          const v128_t r0 = wasm_v128_load(s), r1 = wasm_v128_load(s + ldb), r2 = wasm_v128_load(s + 2 * ldb),
                       r3 = wasm_v128_load(s + 3 * ldb);
          const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5),
                       t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
          float* d = dst + k * kNr + half * 4;
          wasm_v128_store(d, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
          wasm_v128_store(d + kNr, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
          wasm_v128_store(d + 2 * kNr, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
          wasm_v128_store(d + 3 * kNr, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
        }
      }
      for (; k < kc; k++)
        for (int j = 0; j < kNr; j++) dst[k * kNr + j] = s0[static_cast<size_t>(j) * ldb + k];
    } else {
      for (int j = 0; j < kNr; j++) {
        if (j < w) {
          const float* src = B + static_cast<size_t>(j0 + js + j) * ldb + k0;
          for (int k = 0; k < kc; k++) dst[k * kNr + j] = src[k];
        } else {
          for (int k = 0; k < kc; k++) dst[k * kNr + j] = 0.f;
        }
      }
    }
  }
}

// C[0:4, 0:8] (+)= A[0:4, 0:kc] * strip; rows beyond `rows` and columns beyond `cols` are neither read nor written.
// `strip` advances by `bs` floats per step of k: kNr for a packed panel, ldb when reading B (K,N) in place.
// With `out_t`, the tile is stored transposed: C[j * ldc + i] for tile element (i, j) (gemm_swapped's C^T tiles); every
// element is still summed in the same order, so the result is bit-identical to the untransposed path.
inline void micro_4x8(int kc, const float* A, int lda, const float* strip, int bs, float* C, int ldc, bool acc, int rows,
                      int cols, bool out_t = false) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const float* a0 = A;
  const float* a1 = A + (rows > 1 ? lda : 0);
  const float* a2 = A + (rows > 2 ? 2 * lda : 0);
  const float* a3 = A + (rows > 3 ? 3 * lda : 0);
  // One k step at a time with load32_splat (one instruction, V8 emits a broadcast load): measured 25% faster than
  // loading four A values at once and broadcasting lanes with shuffles.
  for (int k = 0; k < kc; k++) {
    const v128_t b0 = wasm_v128_load(strip);
    const v128_t b1 = wasm_v128_load(strip + 4);
    strip += bs;
    v128_t x = wasm_v128_load32_splat(a0 + k);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x, b1));
    x = wasm_v128_load32_splat(a1 + k);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x, b1));
    x = wasm_v128_load32_splat(a2 + k);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(x, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(x, b1));
    x = wasm_v128_load32_splat(a3 + k);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(x, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(x, b1));
  }
  if (out_t) {
    // 4x4 transposes: column j of the tile (4 rows of A) becomes 4 consecutive floats of row j of C.
    v128_t t[8];
    for (int half = 0; half < 2; half++) {
      const v128_t r0 = half ? c01 : c00, r1 = half ? c11 : c10, r2 = half ? c21 : c20, r3 = half ? c31 : c30;
      const v128_t u0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), u1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5),
                   u2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7), u3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
      t[half * 4 + 0] = wasm_i32x4_shuffle(u0, u1, 0, 1, 4, 5);
      t[half * 4 + 1] = wasm_i32x4_shuffle(u0, u1, 2, 3, 6, 7);
      t[half * 4 + 2] = wasm_i32x4_shuffle(u2, u3, 0, 1, 4, 5);
      t[half * 4 + 3] = wasm_i32x4_shuffle(u2, u3, 2, 3, 6, 7);
    }
    for (int j = 0; j < cols; j++) {
      float* c = C + static_cast<size_t>(j) * ldc;
      if (rows == kMr) {
        wasm_v128_store(c, acc ? wasm_f32x4_add(t[j], wasm_v128_load(c)) : t[j]);
      } else {
        alignas(16) float tmp[kMr];
        wasm_v128_store(tmp, t[j]);
        for (int i = 0; i < rows; i++) c[i] = acc ? tmp[i] + c[i] : tmp[i];
      }
    }
    return;
  }
  v128_t r[4][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
  for (int i = 0; i < rows; i++) {
    float* c = C + static_cast<size_t>(i) * ldc;
    if (cols == kNr) {
      if (acc) {
        r[i][0] = wasm_f32x4_add(r[i][0], wasm_v128_load(c));
        r[i][1] = wasm_f32x4_add(r[i][1], wasm_v128_load(c + 4));
      }
      wasm_v128_store(c, r[i][0]);
      wasm_v128_store(c + 4, r[i][1]);
    } else {
      alignas(16) float tmp[kNr];
      wasm_v128_store(tmp, r[i][0]);
      wasm_v128_store(tmp + 4, r[i][1]);
      for (int j = 0; j < cols; j++) c[j] = acc ? c[j] + tmp[j] : tmp[j];
    }
  }
}

inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

// Few rows of A (the LM head at a handful of positions): packing B would cost as much as the product, so read B in
// place: rows of B (K,N) through the micro-kernel, or dot products with rows of B (N,K) when transposed.
void gemm_small_m(int M, int N, int K, const float* A, int lda, const float* B, int ldb, bool bt, float* C, int ldc,
                  bool acc) {
  for (int i0 = 0; i0 < M; i0 += kMr) {
    const int rows = std::min(kMr, M - i0);
    const float* a = A + static_cast<size_t>(i0) * lda;
    float* c = C + static_cast<size_t>(i0) * ldc;
    if (!bt) {
      int j = 0;
      for (; j + kNr <= N; j += kNr) micro_4x8(K, a, lda, B + j, ldb, c + j, ldc, acc, rows, kNr);
      for (; j < N; j++)
        for (int i = 0; i < rows; i++) {
          float sum = 0.f;
          for (int k = 0; k < K; k++) sum += a[static_cast<size_t>(i) * lda + k] * B[static_cast<size_t>(k) * ldb + j];
          float& out = c[static_cast<size_t>(i) * ldc + j];
          out = acc ? out + sum : sum;
        }
    } else {
      for (int j = 0; j < N; j++) {
        const float* b = B + static_cast<size_t>(j) * ldb;
        for (int i = 0; i < rows; i++) {
          const float* ar = a + static_cast<size_t>(i) * lda;
          v128_t s0 = wasm_f32x4_splat(0), s1 = s0;
          int k = 0;
          for (; k + 8 <= K; k += 8) {
            s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(ar + k), wasm_v128_load(b + k)));
            s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(ar + k + 4), wasm_v128_load(b + k + 4)));
          }
          float sum = hsum(wasm_f32x4_add(s0, s1));
          for (; k < K; k++) sum += ar[k] * b[k];
          float& out = c[static_cast<size_t>(i) * ldc + j];
          out = acc ? out + sum : sum;
        }
      }
    }
  }
}

// C = A B^T with B (N,K) and N > M (the LM head: 128 positions x 21128 words): computed as C^T = B A^T, so the packed
// panel holds the small A (M x K, strips of 8 rows) and the big B is read in place, 4 rows at a time, by the
// micro-kernel; packing B^T instead would transpose the whole decoder (65 MB) on every pass, as costly as a third of
// the product at 128 tokens. Same products summed in the same order as the packed path: bit-identical results.
void gemm_swapped(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                  bool accumulate, float* g_panel) {
  for (int i0 = 0; i0 < M; i0 += kNc) {
    const int mc = std::min(kNc, M - i0);
    for (int k0 = 0; k0 < K; k0 += kKc) {
      const int kc = std::min(kKc, K - k0);
      const bool acc = accumulate || k0 > 0;
      pack_b(g_panel, A, lda, true, k0, kc, i0, mc);  // A^T (K, M) from A (M, K): the transposed-B packing
      for (int j0 = 0; j0 < N; j0 += kMr) {
        const int rows = std::min(kMr, N - j0);
        const float* b = B + static_cast<size_t>(j0) * ldb + k0;
        for (int is = 0; is < mc; is += kNr) {
          micro_4x8(kc, b, ldb, g_panel + static_cast<size_t>(is) * kc, kNr, C + static_cast<size_t>(i0 + is) * ldc + j0,
                    ldc, acc, rows, std::min(kNr, mc - is), true);
        }
      }
    }
  }
}

void gemm_serial(int M, int N, int K, const float* A, int lda, const float* B, int ldb, bool b_transposed, float* C,
                 int ldc, bool accumulate, int thread) {
  float* g_panel = g_panels[thread];
  if (M < 16) {
    gemm_small_m(M, N, K, A, lda, B, ldb, b_transposed, C, ldc, accumulate);
    return;
  }
  if (b_transposed && N > M) {
    gemm_swapped(M, N, K, A, lda, B, ldb, C, ldc, accumulate, g_panel);
    return;
  }
  for (int j0 = 0; j0 < N; j0 += kNc) {
    const int nc = std::min(kNc, N - j0);
    for (int k0 = 0; k0 < K; k0 += kKc) {
      const int kc = std::min(kKc, K - k0);
      const bool acc = accumulate || k0 > 0;
      pack_b(g_panel, B, ldb, b_transposed, k0, kc, j0, nc);
      for (int i0 = 0; i0 < M; i0 += kMr) {
        const int rows = std::min(kMr, M - i0);
        const float* a = A + static_cast<size_t>(i0) * lda + k0;
        for (int js = 0; js < nc; js += kNr) {
          micro_4x8(kc, a, lda, g_panel + static_cast<size_t>(js) * kc, kNr, C + static_cast<size_t>(i0) * ldc + j0 + js,
                    ldc, acc, rows, std::min(kNr, nc - js));
        }
      }
    }
  }
}

}  // namespace

#endif

// Splits C over the threads of parallel.h: by columns (each chunk packs only its own part of B) when N is wide, else
// by rows. Every element of C is summed in the same order as by one thread, so the result does not depend on the
// number of threads. In the wasm kernel columns go in about 4 chunks per thread (at least 64 columns each), taken in
// turn by whichever thread is free: with exactly one chunk per thread, a thread the OS preempts (the page's main
// thread, the compositor or any other process on the same cores) held every other thread at the end of every product.
void gemm(int M, int N, int K, const float* A, int lda, const float* B, int ldb, bool b_transposed, float* C, int ldc,
          bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate)
      for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) C[static_cast<size_t>(i) * ldc + j] = 0.f;
    return;
  }
  const int threads = parallel_threads();
  const double work = static_cast<double>(M) * N * K;
  if (threads <= 1 || work < 2.0e6) {
    gemm_serial(M, N, K, A, lda, B, ldb, b_transposed, C, ldc, accumulate, parallel_this_thread());
    return;
  }
  if (N >= 64 * threads) {
    // Column blocks of a multiple of 8 (the kernels' strip width), as even as that allows.
    const int strips = (N + 7) / 8;
    const int chunks = std::max(threads, std::min(kChunksPerThread * threads, strips / 8));
    parallel_for(chunks, [&](int chunk, int thread) {
      const int s0 = strips * chunk / chunks, s1 = strips * (chunk + 1) / chunks;
      const int j0 = s0 * 8, j1 = std::min(N, s1 * 8);
      if (j1 <= j0) return;
      const float* b = b_transposed ? B + static_cast<size_t>(j0) * ldb : B + j0;
      gemm_serial(M, j1 - j0, K, A, lda, b, ldb, b_transposed, C + j0, ldc, accumulate, thread);
    });
  } else if (M >= 16 * threads) {  // (smaller row blocks would take the few-rows kernel: another summation order)
    const int blocks = (M + 3) / 4;  // row blocks of 4, the micro-kernel's height
    parallel_for(threads, [&](int chunk, int thread) {
      const int r0 = blocks * chunk / threads * 4, r1 = std::min(M, blocks * (chunk + 1) / threads * 4);
      if (r1 <= r0) return;
      gemm_serial(r1 - r0, N, K, A + static_cast<size_t>(r0) * lda, lda, B, ldb, b_transposed,
                  C + static_cast<size_t>(r0) * ldc, ldc, accumulate, thread);
    });
  } else {
    gemm_serial(M, N, K, A, lda, B, ldb, b_transposed, C, ldc, accumulate, parallel_this_thread());
  }
}

}  // namespace attnviz
