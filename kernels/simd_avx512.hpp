// Private to kernels/, included only by *_avx512.cpp (compiled with -mavx512f/dq/bw/vl -mfma):
// 16-lane helpers for tails and the transcendental functions. Same approximations as
// simd_avx2.hpp, with k-masks in place of blends.
#pragma once

#include <immintrin.h>

#include <cstddef>

#include "kernels/kernels.hpp"
#include "kernels/math_constants.hpp"

namespace roformer::kernels::avx512 {

constexpr size_t kLanes = 16;

// Lane mask for a tail of `remaining` (0..16) floats: the first `remaining` lanes set.
inline __mmask16 tail_mask(size_t remaining) {
  return static_cast<__mmask16>((1u << remaining) - 1u);
}

template <size_t kCount>
inline __m512 horner(__m512 x, const float (&coefficients)[kCount]) {
  __m512 result = _mm512_set1_ps(coefficients[0]);
  for (size_t i = 1; i < kCount; ++i) {
    result = _mm512_fmadd_ps(result, x, _mm512_set1_ps(coefficients[i]));
  }
  return result;
}

// n = round(x / ln 2) and exp(x - n ln 2), for |x| within the float range: the two factors of
// exp(x) = 2^n exp(r). See math_constants.hpp.
inline __m512 exp_reduced(__m512 x, __m512* n) {
  *n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(math::kLog2e)),
                            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(*n, _mm512_set1_ps(math::kLn2Hi), x);
  r = _mm512_fnmadd_ps(*n, _mm512_set1_ps(math::kLn2Lo), r);
  return horner(r, math::kExpTaylor);
}

// exp(x); 0 below ln(FLT_MIN), +inf above the float range.
inline __m512 exp(__m512 x) {
  const __mmask16 underflow = _mm512_cmp_ps_mask(x, _mm512_set1_ps(math::kExpMin), _CMP_LT_OQ);
  const __mmask16 overflow = _mm512_cmp_ps_mask(x, _mm512_set1_ps(math::kExpMax), _CMP_GT_OQ);
  // Clamped with the constant first so that NaN passes through (as in simd_avx2.hpp).
  x = _mm512_max_ps(_mm512_set1_ps(math::kExpMin), x);
  x = _mm512_min_ps(_mm512_set1_ps(math::kExpMax), x);
  __m512 n;
  const __m512 exp_r = exp_reduced(x, &n);

  // scalef computes exp_r * 2^n directly and handles the full exponent range.
  __m512 result = _mm512_scalef_ps(exp_r, n);
  result = _mm512_maskz_mov_ps(static_cast<__mmask16>(~underflow), result);
  return _mm512_mask_mov_ps(result, overflow, _mm512_set1_ps(__builtin_inff()));
}

// exp(x) for x <= 0 (a softmax's x - max): 0 below ln(FLT_MIN), NaN stays NaN. Without exp's
// overflow handling.
inline __m512 exp_nonpositive(__m512 x) {
  const __mmask16 underflow = _mm512_cmp_ps_mask(x, _mm512_set1_ps(math::kExpMin), _CMP_LT_OQ);
  __m512 n;
  const __m512 exp_r = exp_reduced(_mm512_max_ps(_mm512_set1_ps(math::kExpMin), x), &n);
  return _mm512_maskz_mov_ps(static_cast<__mmask16>(~underflow), _mm512_scalef_ps(exp_r, n));
}

inline __m512 abs(__m512 x) { return _mm512_abs_ps(x); }

// Copies the sign of `sign_of` onto the non-negative `magnitude`.
inline __m512 with_sign(__m512 magnitude, __m512 sign_of) {
  return _mm512_or_ps(magnitude, _mm512_and_ps(sign_of, _mm512_set1_ps(-0.0f)));
}

// Phi(-s), the standard normal tail, for s in [0, kNormalTailLimit]: relative error under 1e-7
// (see math_constants.hpp).
inline __m512 normal_tail(__m512 s) {
  // exp(-s^2 / 2) >= exp(-kNormalTailLimit^2 / 2) = 2e-7 needs no range handling.
  __m512 n;
  const __m512 exp_r = exp_reduced(_mm512_mul_ps(_mm512_mul_ps(s, s), _mm512_set1_ps(-0.5f)), &n);
  const __m512 gauss = _mm512_scalef_ps(exp_r, n);
  return _mm512_mul_ps(gauss,
                       _mm512_div_ps(horner(s, math::kNormalTailP), horner(s, math::kNormalTailQ)));
}

// tanh(x), max abs error a few 1e-8.
inline __m512 tanh(__m512 x) {
  const __m512 ax = abs(x);
  const __m512 small = _mm512_mul_ps(ax, horner(_mm512_mul_ps(x, x), math::kTanhSmall));
  // 1 - 2 / (exp(2|x|) + 1); for huge |x| exp gives +inf and this gives exactly 1.
  const __m512 e = exp(_mm512_add_ps(ax, ax));
  const __m512 large =
      _mm512_sub_ps(_mm512_set1_ps(1.0f),
                    _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, _mm512_set1_ps(1.0f))));
  const __mmask16 is_small =
      _mm512_cmp_ps_mask(ax, _mm512_set1_ps(math::kTanhSmallLimit), _CMP_LT_OQ);
  return with_sign(_mm512_mask_mov_ps(large, is_small, small), x);
}

// The activations of kernels.hpp, one functor each, lane by lane.
struct Identity {
  __m512 operator()(__m512 x) const { return x; }
};

// x Phi(x), as the AVX2 functor: Phi taken as exactly 1 or 0 past the tail's limit.
struct Gelu {
  __m512 operator()(__m512 x) const {
    const __m512 limit = _mm512_set1_ps(math::kNormalTailLimit);
    const __m512 tail = normal_tail(_mm512_min_ps(abs(x), limit));
    const __mmask16 positive = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ);
    const __mmask16 below_limit =
        _mm512_cmp_ps_mask(x, _mm512_sub_ps(_mm512_setzero_ps(), limit), _CMP_LT_OQ);
    __m512 phi = _mm512_mask_sub_ps(tail, positive, _mm512_set1_ps(1.0f), tail);
    phi = _mm512_maskz_mov_ps(static_cast<__mmask16>(~below_limit), phi);
    return _mm512_mul_ps(x, phi);
  }
};

struct GeluTanh {  // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
  __m512 operator()(__m512 x) const {
    const __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
    const __m512 inner =
        _mm512_mul_ps(_mm512_set1_ps(math::kSqrt2OverPi),
                      _mm512_fmadd_ps(_mm512_set1_ps(math::kGeluTanhCubic), x3, x));
    return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x),
                         _mm512_add_ps(_mm512_set1_ps(1.0f), tanh(inner)));
  }
};

struct Relu {
  __m512 operator()(__m512 x) const { return _mm512_max_ps(x, _mm512_setzero_ps()); }
};

struct Tanh {
  __m512 operator()(__m512 x) const { return tanh(x); }
};

struct Silu {  // x / (1 + exp(-x)); exp overflows to +inf for x < -88, giving -0 as it should
  __m512 operator()(__m512 x) const {
    const __m512 e = exp(_mm512_sub_ps(_mm512_setzero_ps(), x));
    return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
  }
};

// Calls f with the functor of `act`: one switch, outside the caller's loops.
template <typename F>
void with_activation(Activation act, F&& f) {
  switch (act) {
    case Activation::kIdentity:
      return f(Identity{});
    case Activation::kGelu:
      return f(Gelu{});
    case Activation::kGeluTanh:
      return f(GeluTanh{});
    case Activation::kRelu:
      return f(Relu{});
    case Activation::kTanh:
      return f(Tanh{});
    case Activation::kSilu:
      return f(Silu{});
  }
}

}  // namespace roformer::kernels::avx512
