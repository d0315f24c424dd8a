// Private to kernels/: the polynomial coefficients shared by the AVX2 and AVX-512 math, so both
// approximate the same function the same way. The scalar reference uses the C library instead.
#pragma once

namespace roformer::kernels::math {

// exp(x) = 2^n * exp(r) with n = round(x / ln 2) and |r| <= ln(2) / 2. exp(r) is the Taylor series
// to degree 7 (coefficients 1/k!, highest degree first); the first omitted term is at most 0.347^8
// / 8! = 5e-9, below float rounding. ln 2 is split into a part exact in float and a remainder
// (Cody-Waite reduction) so that x - n ln 2 loses nothing for |n| up to 128.
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693145751953125f;         // 0x3F317200: the leading 16 bits of ln 2
constexpr float kLn2Lo = 1.428606765330187045e-06f;  // ln 2 - kLn2Hi
constexpr float kExpMax = 88.3762626647949f;         // exp overflows float above this
constexpr float kExpMin = -87.3365447505531f;        // ln(FLT_MIN): below it exp returns 0
constexpr float kExpTaylor[8] = {1.0f / 5040, 1.0f / 720, 1.0f / 120, 1.0f / 24,
                                 1.0f / 6,    1.0f / 2,   1.0f,       1.0f};

// The standard normal tail Phi(-s), s >= 0, for GELU = x Phi(x) (Phi the normal CDF):
//   Phi(-s) = exp(-s^2 / 2) * P(s) / Q(s)   for s < kNormalTailLimit,
// P of degree 3 and Q of degree 4 fitted by tools/fit_normal_tail.py for the least largest relative
// error, 6.6e-8 after rounding to float (P / Q approximates erfcx(s / sqrt 2) / 2). At the limit,
// 3.92 sqrt 2, Phi(-s) = 1.5e-8: 1 - Phi(-s) rounds to 1, so GELU(x) = x above it, and below -limit
// |GELU(x)| < limit * 1.5e-8 = 8.2e-8.
constexpr float kNormalTailLimit = 5.5437f;
constexpr float kNormalTailP[4] = {0.0132986056f, 0.102932833f, 0.331631929f, 0.49999997f};
constexpr float kNormalTailQ[5] = {0.0333580486f, 0.25740847f, 0.87171936f, 1.46114552f, 1.0f};

// tanh, fitted with mpmath.chebyfit (Chebyshev interpolation, near-minimax):
//   |x| < 0.55:  tanh(x) = x * T(x^2), T of degree 5, relative error < 1e-9
//   otherwise:   tanh(x) = sign(x) * (1 - 2 / (exp(2|x|) + 1)), whose cancellation is harmless
//                once |tanh(x)| >= 0.5.
constexpr float kTanhSmallLimit = 0.55f;
constexpr float kTanhSmall[6] = {-0.0062336334879549587f, 0.021038214806276563f,
                                 -0.053842319246817241f,  0.13332456536433137f,
                                 -0.33333310797748948f,   0.99999999905480191f};

// GELU, tanh form (HF "gelu_new"): 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kGeluTanhCubic = 0.044715f;

}  // namespace roformer::kernels::math
