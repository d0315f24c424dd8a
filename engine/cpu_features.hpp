// CPU feature detection and the choice of kernel table, made once per process.
#pragma once

#include <string>

#include "kernels/kernels.hpp"

namespace roformer {

// Whether this CPU and its operating system can run `isa`: the instructions (CPUID) and the
// register state saved across context switches (XCR0: YMM for AVX2, ZMM and opmask for AVX-512).
bool cpu_supports(kernels::Isa isa);

// A readable list of the ISAs this CPU supports, e.g. "scalar, avx2".
std::string cpu_isa_summary();

// The best ISA that this build compiled and this CPU supports.
kernels::Isa best_isa();

// The ISA chosen by the value of ROFORMER_ISA ("scalar", "avx2" or "avx512"; null or empty means
// best_isa()). Throws Error(kUnsupported) naming the request and what the CPU has when the value
// is unknown, not compiled into this build, or not supported by this CPU.
kernels::Isa isa_from_setting(const char* setting);

// The kernel table for isa_from_setting(getenv("ROFORMER_ISA")), computed on first use and cached
// (a thread-safe static); a bad setting throws on every call.
const kernels::KernelTable& active_kernels();

}  // namespace roformer
