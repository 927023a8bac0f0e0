// Gemm: the one matrix product the model uses, behind a small interface so the wasm build can swap Eigen's product
// (which has no wasm SIMD backend) for a hand-written wasm SIMD kernel. Eigen/std only. Row-major throughout.
#pragma once

namespace attnviz {

// C (M,N, leading dim ldc) = A (M,K, lda) * op(B)      when accumulate is false
// C                       += A * op(B)                 when accumulate is true
// op(B) = B with B (K,N, ldb) when b_transposed is false; B^T with B (N,K, ldb) when it is true.
// Split over the threads of parallel.h when large (same result for any number of threads); allocates nothing on the
// heap in the wasm kernel (it packs into a fixed static panel per thread).
void gemm(int M, int N, int K, const float* A, int lda, const float* B, int ldb, bool b_transposed, float* C, int ldc,
          bool accumulate);

// "eigen" or "wasm-simd128": which kernel gemm() runs (printed by the bench).
const char* gemm_backend();

}  // namespace attnviz
