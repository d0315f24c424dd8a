#!/usr/bin/python3
"""Fits the rational function behind the SIMD GELU (kernels/math_constants.hpp, kNormalTail*).

The GELU is x * Phi(x), Phi the standard normal CDF. The kernels compute the tail
    Phi(-s) = exp(-s^2 / 2) * R(s),   s = |x| >= 0,
where R(s) = Phi(-s) exp(s^2 / 2) = erfcx(s / sqrt 2) / 2 falls smoothly from 1/2 to about 0.07 on
[0, S]. R is fitted as P(s) / Q(s), P of degree 3 and Q of degree 4 with Q(0) = 1, minimising the
largest relative error on [0, S] (a linearised least-squares fit reweighted by Lawson's rule, which
converges to the minimax solution). The relative error of Phi(-s) is what the GELU's error scales
with on both sides: x * Phi(-s) for x < 0 and x * (1 - Phi(-s)) for x > 0.

Prints the coefficients highest degree first, for Horner's rule, rounded to float, and the largest
relative error of the rounded fit. Needs Debian's python3-numpy and python3-mpmath; run it with
/usr/bin/python3.
"""
import argparse

import mpmath
import numpy as np

mpmath.mp.dps = 30


def target(s):
    v = mpmath.mpf(float(s))
    return float(mpmath.erfc(v / mpmath.sqrt(2)) / 2 * mpmath.exp(v * v / 2))


def fit(limit, p_degree, q_degree, points=4000, iterations=300):
    k = np.arange(points)
    s = (limit / 2) * (1 - np.cos(np.pi * (k + 0.5) / points))  # Chebyshev nodes on [0, limit]
    r = np.array([target(v) for v in s])
    p_powers = s[:, None] ** np.arange(p_degree + 1)
    q_powers = s[:, None] ** np.arange(1, q_degree + 1)
    weights = np.ones(points)
    q_previous = np.ones(points)
    for _ in range(iterations):
        # r Q - P = 0 with Q(0) = 1, each row scaled to a relative error of the previous fit.
        scale = np.sqrt(weights) / (r * q_previous)
        design = np.hstack([p_powers, -r[:, None] * q_powers]) * scale[:, None]
        solution, *_ = np.linalg.lstsq(design, r * scale, rcond=None)
        p = solution[: p_degree + 1]
        q = np.concatenate([[1.0], solution[p_degree + 1 :]])
        q_previous = q_powers @ q[1:] + 1.0
        error = (p_powers @ p / q_previous - r) / r
        weights = weights * np.abs(error)
        weights /= weights.sum()
    p32, q32 = p.astype(np.float32), q.astype(np.float32)
    rounded = np.polyval(p32[::-1].astype(float), s) / np.polyval(q32[::-1].astype(float), s)
    return p32[::-1], q32[::-1], np.abs((rounded - r) / r).max()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=5.5437, help="S: 3.92 sqrt 2 (default)")
    args = parser.parse_args()
    p, q, error = fit(args.limit, 3, 4)
    print("P:", ", ".join("%.9gf" % v for v in p))
    print("Q:", ", ".join("%.9gf" % v for v in q))
    print("largest relative error on [0, %g]: %.3g" % (args.limit, error))


if __name__ == "__main__":
    main()
