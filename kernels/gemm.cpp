// x: [m, k], w: [n, k], bias: [n], y: [m, n] (rows ld_y apart). y = x w^T + bias, one cblas_sgemm
// call.
#include "kernels/gemm.hpp"

#include <cblas.h>

#include <cstring>

namespace roformer::kernels {

void linear(const float* x, const float* w, const float* bias, float* y, size_t m, size_t n,
            size_t k) {
  linear(x, w, bias, y, /*ld_y=*/n, m, n, k);
}

void linear(const float* x, const float* w, const float* bias, float* y, size_t ld_y, size_t m,
            size_t n, size_t k) {
  if (m == 0 || n == 0) return;

  // With a bias, preload every output row with it and let sgemm add the product (beta = 1); the
  // bias then costs one copy instead of a second pass over y.
  float beta = 0.0f;
  if (bias != nullptr) {
    for (size_t row = 0; row < m; ++row) std::memcpy(y + row * ld_y, bias, n * sizeof(float));
    beta = 1.0f;
  }
  const blasint bm = static_cast<blasint>(m);
  const blasint bn = static_cast<blasint>(n);
  const blasint bk = static_cast<blasint>(k);
  const blasint ld_k = bk > 0 ? bk : 1;  // BLAS rejects a leading dimension of 0 even when k = 0
  cblas_sgemm(CblasRowMajor, /*trans_a=*/CblasNoTrans, /*trans_b=*/CblasTrans, bm, bn, bk,
              /*alpha=*/1.0f, x, /*lda=*/ld_k, w, /*ldb=*/ld_k, beta, y,
              /*ldc=*/static_cast<blasint>(ld_y));
}

}  // namespace roformer::kernels
