#include "engine/cpu_features.hpp"

#include <cstdlib>
#include <cstring>

#include "engine/error.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define ROFORMER_X86 1
#endif

namespace roformer {

namespace {

struct CpuFeatures {
  bool avx2 = false;    // AVX2 + FMA, with YMM state enabled by the OS
  bool avx512 = false;  // AVX-512 F, DQ, BW, VL, with ZMM and opmask state enabled by the OS
};

#if defined(ROFORMER_X86)
// XCR0 through xgetbv, as inline assembly so that no -mxsave flag is needed.
unsigned long long read_xcr0() {
  unsigned int eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}
#endif

CpuFeatures detect() {
  CpuFeatures features;
#if defined(ROFORMER_X86)
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return features;
  __cpuid_count(1, 0, eax, ebx, ecx, edx);
  const bool osxsave = (ecx & bit_OSXSAVE) != 0;
  const bool fma = (ecx & bit_FMA) != 0;
  const bool avx = (ecx & bit_AVX) != 0;
  if (!osxsave || !avx) return features;

  // XCR0 bits: 1 SSE (XMM), 2 AVX (upper YMM), 5 opmask, 6 upper ZMM0-15, 7 ZMM16-31.
  const unsigned long long xcr0 = read_xcr0();
  const bool ymm_state = (xcr0 & 0x6) == 0x6;
  const bool zmm_state = (xcr0 & 0xE6) == 0xE6;

  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const bool avx2 = (ebx & bit_AVX2) != 0;
  const bool avx512 =
      (ebx & bit_AVX512F) && (ebx & bit_AVX512DQ) && (ebx & bit_AVX512BW) && (ebx & bit_AVX512VL);

  features.avx2 = avx2 && fma && ymm_state;
  features.avx512 = features.avx2 && avx512 && zmm_state;
#endif
  return features;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

constexpr kernels::Isa kAllIsas[] = {kernels::Isa::kScalar, kernels::Isa::kAvx2,
                                     kernels::Isa::kAvx512};

bool usable(kernels::Isa isa) { return kernels::kernel_table(isa) != nullptr && cpu_supports(isa); }

}  // namespace

bool cpu_supports(kernels::Isa isa) {
  switch (isa) {
    case kernels::Isa::kScalar:
      return true;
    case kernels::Isa::kAvx2:
      return cpu_features().avx2;
    case kernels::Isa::kAvx512:
      return cpu_features().avx512;
  }
  return false;
}

std::string cpu_isa_summary() {
  std::string summary;
  for (kernels::Isa isa : kAllIsas) {
    if (!cpu_supports(isa)) continue;
    if (!summary.empty()) summary += ", ";
    summary += kernels::isa_name(isa);
  }
  return summary;
}

kernels::Isa best_isa() {
  static const kernels::Isa best = [] {
    kernels::Isa chosen = kernels::Isa::kScalar;
    for (kernels::Isa isa : kAllIsas) {
      if (usable(isa)) chosen = isa;
    }
    return chosen;
  }();
  return best;
}

kernels::Isa isa_from_setting(const char* setting) {
  if (setting == nullptr || setting[0] == '\0') return best_isa();

  for (kernels::Isa isa : kAllIsas) {
    if (std::strcmp(setting, kernels::isa_name(isa)) != 0) continue;
    if (kernels::kernel_table(isa) == nullptr) {
      fail(ErrorCode::kUnsupported, "ROFORMER_ISA=", setting,
           ": this build did not compile that ISA (the CPU supports: ", cpu_isa_summary(), ")");
    }
    if (!cpu_supports(isa)) {
      fail(ErrorCode::kUnsupported, "ROFORMER_ISA=", setting,
           ": this CPU does not support it (the CPU supports: ", cpu_isa_summary(), ")");
    }
    return isa;
  }
  fail(ErrorCode::kUnsupported, "ROFORMER_ISA=", setting,
       ": unknown ISA; expected scalar, avx2 or avx512 (the CPU supports: ", cpu_isa_summary(),
       ")");
}

const kernels::KernelTable& active_kernels() {
  // The setting is read once; a bad one is remembered as a message and thrown on every call.
  struct Choice {
    const kernels::KernelTable* table = nullptr;
    ErrorCode code = ErrorCode::kOk;
    std::string message;
  };
  static const Choice choice = [] {
    Choice c;
    try {
      c.table = kernels::kernel_table(isa_from_setting(std::getenv("ROFORMER_ISA")));
    } catch (const Error& error) {
      c.code = error.code();
      c.message = error.what();
    }
    return c;
  }();
  if (choice.table == nullptr) throw Error(choice.code, choice.message);
  return *choice.table;
}

}  // namespace roformer
