// Weights packed once for our own GEMM, which beats OpenBLAS at small row counts because it never
// repacks the weights (OpenBLAS packs both operands on every call) and sums every output element
// in one fixed order: p = 0..k-1, one fused multiply-add per step, then + bias. That order does
// not depend on the row count, the rows around a row, the column range, the thread or the ISA, so
// a text gets the same bits alone or in any batch.
//
// The activations are packed too, once per call, into tiles of 16 rows stored step-major, so the
// kernel reads one 64-byte line of x and one of the weights per step of k, both in order.
#pragma once

#include <cstddef>

namespace roformer::kernels {

// Output columns per packed panel: one AVX-512 vector, two AVX2 vectors.
constexpr size_t kPackedPanel = 16;
// Rows per tile of packed activations.
constexpr size_t kRowTile = 16;

inline size_t packed_panels(size_t n) { return (n + kPackedPanel - 1) / kPackedPanel; }
inline size_t packed_floats(size_t n, size_t k) { return packed_panels(n) * k * kPackedPanel; }
inline size_t row_tiles(size_t m) { return (m + kRowTile - 1) / kRowTile; }
inline size_t row_tile_floats(size_t m, size_t k) { return row_tiles(m) * k * kRowTile; }

// w: [n, k] (a PyTorch Linear weight) -> packed: [panels, k, kPackedPanel], panel c holding output
// columns c * 16 .. c * 16 + 15 and zeros past n.
void pack_weights(const float* w, size_t n, size_t k, float* packed);

// packed: [panels, k, kPackedPanel] (pack_weights' layout) -> w: [n, k], its inverse; the zeros
// past n are dropped.
void unpack_weights(const float* packed, size_t n, size_t k, float* w);

// x: [m, k] rows ld_x apart -> tiles: [row_tiles(m), k, kRowTile], tile t holding rows
// t * 16 .. t * 16 + 15 and zeros past m.
void pack_rows(const float* x, size_t ld_x, size_t m, size_t k, float* tiles);

}  // namespace roformer::kernels
