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

// erf, fitted for this project with mpmath.chebyfit (Chebyshev interpolation, near-minimax):
//   |x| < 1:          erf(x) = x * P(x^2),                    P of degree 6, |error| < 1.3e-9
//   1 <= |x| < 3.92:  erf(x) = 1 - exp(-x^2) * Q(1 / |x|),     Q of degree 8, |error| < 2.1e-8
//                     (Q approximates erfc(x) exp(x^2), a slowly varying function of 1 / x)
//   |x| >= 3.92:      erf(x) = sign(x), since 1 - erf(3.92) = 3.0e-8 is under half an ulp of 1.
// Coefficients are highest degree first, for Horner's rule.
constexpr float kErfSmallLimit = 1.0f;
constexpr float kErfOneLimit = 3.92f;
constexpr float kErfSmall[7] = {
    7.8758750626854883e-5f, -0.00080168642871658695f, 0.005189087423433974f, -0.026854212010626412f,
    0.11283594715160218f,   -0.37612626666720331f,    1.1283791658483509f};
constexpr float kErfcLarge[9] = {
    -0.0052067384285219977f, 0.0071348284057483535f, 0.069899886403567465f,
    -0.29723304284531753f,   0.53722984174753249f,   -0.48981500787259526f,
    0.046955254747664843f,   0.55830145563596559f,   0.0003170904560982197f};

// tanh, same fitting method:
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
constexpr float kInvSqrt2 = 0.70710678118654752f;

}  // namespace roformer::kernels::math
