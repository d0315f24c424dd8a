// pack_weights: w: [n, k] -> packed: [panels, k, 16], zero-padded past n.
#include "kernels/packed_gemm.hpp"

namespace roformer::kernels {

void pack_weights(const float* w, size_t n, size_t k, float* packed) {
  for (size_t panel = 0; panel < packed_panels(n); ++panel) {
    float* out = packed + panel * k * kPackedPanel;
    for (size_t p = 0; p < k; ++p) {
      for (size_t c = 0; c < kPackedPanel; ++c) {
        const size_t column = panel * kPackedPanel + c;
        out[p * kPackedPanel + c] = column < n ? w[column * k + p] : 0.0f;
      }
    }
  }
}

}  // namespace roformer::kernels
