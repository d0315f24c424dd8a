// Weights packed once for our own GEMM, which beats OpenBLAS at small row counts because it never
// repacks the weights (OpenBLAS packs both operands on every call) and sums every output element
// in one fixed order: p = 0..k-1, one fused multiply-add per step, then + bias. That order does
// not depend on the row count, the rows around a row, the column range, the thread or the ISA, so
// a text gets the same bits alone or in any batch.
#pragma once

#include <cstddef>

namespace roformer::kernels {

// Output columns per packed panel: one AVX-512 vector, two AVX2 vectors.
constexpr size_t kPackedPanel = 16;

inline size_t packed_panels(size_t n) { return (n + kPackedPanel - 1) / kPackedPanel; }
inline size_t packed_floats(size_t n, size_t k) { return packed_panels(n) * k * kPackedPanel; }

// w: [n, k] (a PyTorch Linear weight) -> packed: [panels, k, kPackedPanel], panel c holding output
// columns c * 16 .. c * 16 + 15 and zeros past n.
void pack_weights(const float* w, size_t n, size_t k, float* packed);

}  // namespace roformer::kernels
