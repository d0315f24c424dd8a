// isa_name, kernel_table(isa), attention_scratch_floats: one KernelTable per compiled ISA.
#include "kernels/kernel_variants.hpp"
#include "kernels/kernels.hpp"

namespace roformer::kernels {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "unknown";
}

size_t attention_scratch_floats(size_t seq, size_t head_dim) {
  const size_t padded = attention_padded_dim(head_dim);
  const size_t keys16 = (seq + 15) / 16 * 16;
  return 2 * keys16 * padded + kAttentionQueryTile * (2 * padded + kAttentionKeyBlock);
}

namespace {

#define ROFORMER_KERNEL_TABLE(isa_value, ns)                                               \
  KernelTable {                                                                            \
    isa_value, ns::layer_norm, ns::rms_norm, ns::bias_activation, ns::softmax, ns::rotary, \
        ns::attention, ns::linear_packed, ns::pack_rows                                    \
  }

const KernelTable kScalarTable = ROFORMER_KERNEL_TABLE(Isa::kScalar, scalar);
#if defined(ROFORMER_KERNELS_AVX2)
const KernelTable kAvx2Table = ROFORMER_KERNEL_TABLE(Isa::kAvx2, avx2);
#endif
#if defined(ROFORMER_KERNELS_AVX512)
const KernelTable kAvx512Table = ROFORMER_KERNEL_TABLE(Isa::kAvx512, avx512);
#endif

#undef ROFORMER_KERNEL_TABLE

}  // namespace

const KernelTable* kernel_table(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return &kScalarTable;
    case Isa::kAvx2:
#if defined(ROFORMER_KERNELS_AVX2)
      return &kAvx2Table;
#else
      return nullptr;
#endif
    case Isa::kAvx512:
#if defined(ROFORMER_KERNELS_AVX512)
      return &kAvx512Table;
#else
      return nullptr;
#endif
  }
  return nullptr;
}

}  // namespace roformer::kernels
