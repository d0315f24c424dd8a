// Private to kernels/, included only by *_avx2.cpp (compiled with -mavx2 -mfma): 8-lane helpers
// for tails, reductions and the transcendental functions, all accurate to a few float ulps.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.hpp"
#include "kernels/math_constants.hpp"

namespace roformer::kernels::avx2 {

constexpr size_t kLanes = 8;

// Lane mask for a tail of `remaining` (0..8) floats: the first `remaining` lanes set. Reads a
// window of a 16-entry table of -1s followed by 0s.
inline __m256i tail_mask(size_t remaining) {
  alignas(32) static const int32_t kTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                 0,  0,  0,  0,  0,  0,  0,  0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTable + 8 - remaining));
}

inline float hsum(__m256 v) {
  __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
  sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
  return _mm_cvtss_f32(sum);
}

inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

// Sums of four vectors, one per lane of the result: {hsum(a), hsum(b), hsum(c), hsum(d)}.
inline __m128 hsum4(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 ab = _mm256_hadd_ps(a, b);  // a01 a23 b01 b23 | a45 a67 b45 b67
  const __m256 cd = _mm256_hadd_ps(c, d);
  const __m256 abcd = _mm256_hadd_ps(ab, cd);  // a0123 b0123 c0123 d0123 | the 4567 halves
  return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

template <size_t kCount>
inline __m256 horner(__m256 x, const float (&coefficients)[kCount]) {
  __m256 result = _mm256_set1_ps(coefficients[0]);
  for (size_t i = 1; i < kCount; ++i) {
    result = _mm256_fmadd_ps(result, x, _mm256_set1_ps(coefficients[i]));
  }
  return result;
}

// n = round(x / ln 2) and exp(x - n ln 2), for |x| within the float range: the two factors of
// exp(x) = 2^n exp(r). See math_constants.hpp.
inline __m256 exp_reduced(__m256 x, __m256* n) {
  *n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(math::kLog2e)),
                       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(*n, _mm256_set1_ps(math::kLn2Hi), x);
  r = _mm256_fnmadd_ps(*n, _mm256_set1_ps(math::kLn2Lo), r);
  return horner(r, math::kExpTaylor);
}

// 2^n for whole n in [-126, 127], built in the exponent field.
inline __m256 power_of_two(__m256i n) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
}

// exp(x); 0 below ln(FLT_MIN), +inf above the float range.
inline __m256 exp(__m256 x) {
  const __m256 underflow = _mm256_cmp_ps(x, _mm256_set1_ps(math::kExpMin), _CMP_LT_OQ);
  const __m256 overflow = _mm256_cmp_ps(x, _mm256_set1_ps(math::kExpMax), _CMP_GT_OQ);
  // Clamped with the constant first: max and min return their second operand for NaN, so NaN
  // passes through.
  x = _mm256_max_ps(_mm256_set1_ps(math::kExpMin), x);
  x = _mm256_min_ps(_mm256_set1_ps(math::kExpMax), x);
  __m256 n;
  const __m256 exp_r = exp_reduced(x, &n);

  // n is in [-126, 128]; 2^128 is split as 2^127 * 2 so each factor stays a normal float.
  const __m256i n_int = _mm256_cvtps_epi32(n);
  const __m256i n_half = _mm256_srai_epi32(n_int, 1);
  const __m256 scale_a = power_of_two(n_half);
  const __m256 scale_b = power_of_two(_mm256_sub_epi32(n_int, n_half));
  __m256 result = _mm256_mul_ps(_mm256_mul_ps(exp_r, scale_a), scale_b);

  result = _mm256_andnot_ps(underflow, result);
  return _mm256_blendv_ps(result, _mm256_set1_ps(__builtin_inff()), overflow);
}

// exp(x) for x <= 0 (a softmax's x - max): 0 below ln(FLT_MIN), NaN stays NaN. Without exp's
// overflow handling.
inline __m256 exp_nonpositive(__m256 x) {
  const __m256 underflow = _mm256_cmp_ps(x, _mm256_set1_ps(math::kExpMin), _CMP_LT_OQ);
  __m256 n;
  const __m256 exp_r = exp_reduced(_mm256_max_ps(_mm256_set1_ps(math::kExpMin), x), &n);
  return _mm256_andnot_ps(underflow, _mm256_mul_ps(exp_r, power_of_two(_mm256_cvtps_epi32(n))));
}

inline __m256 abs(__m256 x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }

// Copies the sign of `sign_of` onto the non-negative `magnitude`.
inline __m256 with_sign(__m256 magnitude, __m256 sign_of) {
  return _mm256_or_ps(magnitude, _mm256_and_ps(sign_of, _mm256_set1_ps(-0.0f)));
}

// Phi(-s), the standard normal tail, for s in [0, kNormalTailLimit]: relative error under 1e-7
// (see math_constants.hpp).
inline __m256 normal_tail(__m256 s) {
  // exp(-s^2 / 2) >= exp(-kNormalTailLimit^2 / 2) = 2e-7 needs no range handling.
  __m256 n;
  const __m256 exp_r = exp_reduced(_mm256_mul_ps(_mm256_mul_ps(s, s), _mm256_set1_ps(-0.5f)), &n);
  const __m256 gauss = _mm256_mul_ps(exp_r, power_of_two(_mm256_cvtps_epi32(n)));
  return _mm256_mul_ps(gauss,
                       _mm256_div_ps(horner(s, math::kNormalTailP), horner(s, math::kNormalTailQ)));
}

// tanh(x), max abs error a few 1e-8.
inline __m256 tanh(__m256 x) {
  const __m256 ax = abs(x);
  const __m256 small = _mm256_mul_ps(ax, horner(_mm256_mul_ps(x, x), math::kTanhSmall));
  // 1 - 2 / (exp(2|x|) + 1); for huge |x| exp gives +inf and this gives exactly 1.
  const __m256 e = exp(_mm256_add_ps(ax, ax));
  const __m256 large =
      _mm256_sub_ps(_mm256_set1_ps(1.0f),
                    _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
  const __m256 is_small = _mm256_cmp_ps(ax, _mm256_set1_ps(math::kTanhSmallLimit), _CMP_LT_OQ);
  return with_sign(_mm256_blendv_ps(large, small, is_small), x);
}

// The activations of kernels.hpp, one functor each, lane by lane.
struct Identity {
  __m256 operator()(__m256 x) const { return x; }
};

// x Phi(x) = x (1 - Phi(-x)) for x > 0, x Phi(-|x|) otherwise. Past the tail's limit Phi is taken
// as exactly 1 or 0 (the omitted part of GELU is under 8.2e-8 there), so -inf gives NaN and NaN
// stays NaN, as in the scalar formula.
struct Gelu {
  __m256 operator()(__m256 x) const {
    const __m256 limit = _mm256_set1_ps(math::kNormalTailLimit);
    const __m256 tail = normal_tail(_mm256_min_ps(abs(x), limit));
    const __m256 positive = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ);
    const __m256 below_limit =
        _mm256_cmp_ps(x, _mm256_sub_ps(_mm256_setzero_ps(), limit), _CMP_LT_OQ);
    const __m256 phi = _mm256_blendv_ps(tail, _mm256_sub_ps(_mm256_set1_ps(1.0f), tail), positive);
    return _mm256_mul_ps(x, _mm256_andnot_ps(below_limit, phi));
  }
};

struct GeluTanh {  // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
  __m256 operator()(__m256 x) const {
    const __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
    const __m256 inner =
        _mm256_mul_ps(_mm256_set1_ps(math::kSqrt2OverPi),
                      _mm256_fmadd_ps(_mm256_set1_ps(math::kGeluTanhCubic), x3, x));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x),
                         _mm256_add_ps(_mm256_set1_ps(1.0f), tanh(inner)));
  }
};

struct Relu {
  __m256 operator()(__m256 x) const { return _mm256_max_ps(x, _mm256_setzero_ps()); }
};

struct Tanh {
  __m256 operator()(__m256 x) const { return tanh(x); }
};

struct Silu {  // x / (1 + exp(-x)); exp overflows to +inf for x < -88, giving -0 as it should
  __m256 operator()(__m256 x) const {
    const __m256 e = exp(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
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

}  // namespace roformer::kernels::avx2
