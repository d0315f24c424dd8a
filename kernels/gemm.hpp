// Matrix products through OpenBLAS.
#pragma once

#include <cstddef>

namespace roformer::kernels {

// x: [m, k], w: [n, k] (a PyTorch Linear weight), bias: [n] or null, y: [m, n].
// y = x w^T + bias.
void linear(const float* x, const float* w, const float* bias, float* y, size_t m, size_t n,
            size_t k);

// The same with y's rows `ld_y` floats apart (ld_y >= n): computes a block of output columns of a
// wider product, which is how the executor splits one GEMM among threads.
void linear(const float* x, const float* w, const float* bias, float* y, size_t ld_y, size_t m,
            size_t n, size_t k);

}  // namespace roformer::kernels
