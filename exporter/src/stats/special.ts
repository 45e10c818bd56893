/**
 * Special functions for p-values: complementary error function, normal survival function, log-gamma,
 * the regularised upper incomplete gamma function Q(a, x) and the chi-square survival function.
 *
 * Written for relative accuracy far into the tails (p down to the smallest normal double), which is
 * where drift tests on large windows live: every survival function is computed directly, never as
 * 1 − cdf when the answer is small.
 */

const EPS = 2.220446049250313e-16;
const SQRT_PI = Math.sqrt(Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Stirling-series coefficients B_{2j} / (2j (2j − 1)) for j = 8 … 1, highest order first (the same
 * constants scipy's `_ksstats` uses), evaluated as a polynomial in 1/x².
 */
export const STIRLING_COEFFS: readonly number[] = [
  // −3617/122400, 1/156, −691/360360, 1/1188, −1/1680, 1/1260, −1/360, 1/12 (as doubles)
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417,
  -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];

/** Horner evaluation, highest order coefficient first (`np.polyval`). */
export function polyval(coeffs: readonly number[], x: number): number {
  let y = 0;
  for (const c of coeffs) y = y * x + c;
  return y;
}

/**
 * Stirling correction: log Γ(x) − [(x − ½) ln x − x + ½ ln 2π]. Accurate to ~1e-17 absolute for x ≥ 12;
 * below that it is obtained from the shifted recurrence.
 */
export function stirlingCorrection(x: number): number {
  if (x >= 12) {
    const r = 1 / x;
    return r * polyval(STIRLING_COEFFS, r * r);
  }
  return logGamma(x) - ((x - 0.5) * Math.log(x) - x + LOG_SQRT_2PI);
}

/**
 * log Γ(x) for x > 0 (NaN for x ≤ 0 or NaN, +∞ for +∞). Stirling series for x ≥ 12, upward recurrence
 * below; absolute error ≲ 1e-15 · max(1, |log Γ(x)|).
 */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return x;
  if (x <= 23 && Number.isInteger(x)) {
    // (x − 1)! is exact in double precision up to 22!.
    let f = 1;
    for (let k = 2; k < x; k++) f *= k;
    return Math.log(f);
  }
  if (x >= 12) {
    const r = 1 / x;
    return (x - 0.5) * Math.log(x) - x + LOG_SQRT_2PI + r * polyval(STIRLING_COEFFS, r * r);
  }
  // Γ(x) = Γ(x + k) / (x (x+1) … (x+k−1)) with x + k ≥ 12.
  let prod = 1;
  let y = x;
  while (y < 12) {
    prod *= y;
    y += 1;
  }
  const r = 1 / y;
  return (y - 0.5) * Math.log(y) - y + LOG_SQRT_2PI + r * polyval(STIRLING_COEFFS, r * r) - Math.log(prod);
}

/** exp(−x²) without the relative error a rounded x² would introduce for large x. */
function expMinusSquare(x: number): number {
  // Split x = hi + lo with hi holding at most 26 significant bits so hi² is exact.
  const hi = Math.fround(x); // 24-bit significand
  const lo = x - hi;
  return Math.exp(-hi * hi) * Math.exp(-lo * (2 * hi + lo));
}

/** erf(x) for |x| < 0.5 via its Taylor series (alternating, no cancellation problem at this size). */
function erfSmall(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 60; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < EPS * Math.abs(sum)) break;
  }
  return (2 / SQRT_PI) * sum;
}

/**
 * erf(x) for 0 ≤ x ≤ 1 from the positive-term series erf(x) = (2/√π) x e^{−x²} Σ (2x²)^n / (2n+1)!!.
 */
function erfPositiveSeries(x: number): number {
  const x2 = 2 * x * x;
  let term = 1;
  let sum = 1;
  for (let n = 1; n < 500; n++) {
    term *= x2 / (2 * n + 1);
    sum += term;
    if (term < EPS * sum) break;
  }
  return (2 / SQRT_PI) * x * expMinusSquare(x) * sum;
}

/**
 * erfc(x) for x ≥ 1 from the even contraction of Laplace's continued fraction (modified Lentz):
 * erfc(x) = e^{−x²}/√π · 2x / (2x²+1 − 1·2 / (2x²+5 − 3·4 / (2x²+9 − …))); ≤ 85 terms at x = 1.
 */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  const x2 = 2 * x * x;
  let f = x2 + 1;
  let c = f;
  let d = 0;
  for (let k = 1; k < 5000; k++) {
    const a = -(2 * k - 1) * (2 * k);
    const b = x2 + 1 + 4 * k;
    d = b + a * d;
    if (d === 0) d = tiny;
    c = b + a / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return ((expMinusSquare(x) / SQRT_PI) * 2 * x) / f;
}

/** Complementary error function with relative accuracy ~1e-15 over the whole range. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < 0) return 2 - erfc(-x);
  if (x < 0.5) return 1 - erfSmall(x);
  if (x < 1) return 1 - erfPositiveSeries(x);
  if (x > 27.3) return 0; // erfc(27.3) < 5e-326, below the smallest subnormal
  return erfcContinuedFraction(x);
}

/** Error function. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  if (Math.abs(x) < 0.5) return erfSmall(x);
  return x > 0 ? 1 - erfc(x) : erfc(-x) - 1;
}

/** Survival function of the standard normal distribution, P(Z > z) (`scipy.stats.norm.sf`). */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return z;
  if (z >= 0) return 0.5 * erfc(z * Math.SQRT1_2);
  return 1 - 0.5 * erfc(-z * Math.SQRT1_2);
}

/** Cumulative distribution function of the standard normal distribution. */
export function normalCdf(z: number): number {
  return normalSf(-z);
}

/** x^a e^{−x} / Γ(a), computed to keep relative accuracy for large a and x. */
function gammaPrefix(a: number, x: number): number {
  if (a < 12) return Math.exp(a * Math.log(x) - x - logGamma(a));
  // x^a e^{−x} / Γ(a) = sqrt(a / 2π) · exp(a (ln(1+d) − d) − stirling(a)), d = (x − a) / a.
  const d = (x - a) / a;
  const l = Math.abs(d) < 0.5 ? a * (Math.log1p(d) - d) : a * Math.log(x / a) + (a - x);
  return Math.sqrt(a / (2 * Math.PI)) * Math.exp(l - stirlingCorrection(a));
}

/**
 * Regularised upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a) for a > 0, x ≥ 0.
 * Series for P when x < a + 1 (then Q = 1 − P is not small), continued fraction for Q otherwise, so the
 * far tail (Q ~ 1e-300) keeps full relative precision.
 */
export function gammaincc(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || !(a > 0) || x < 0) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (a === Number.POSITIVE_INFINITY) return 1;
  if (x < a + 1) return 1 - gammaincSeries(a, x);
  const prefix = gammaPrefix(a, x);
  if (prefix === 0) return 0;
  return prefix * gammaContinuedFraction(a, x);
}

/** Regularised lower incomplete gamma function P(a, x) = 1 − Q(a, x). */
export function gammainc(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || !(a > 0) || x < 0) return Number.NaN;
  if (x === 0) return 0;
  if (x === Number.POSITIVE_INFINITY) return 1;
  if (x < a + 1) return gammaincSeries(a, x);
  return 1 - gammaincc(a, x);
}

function gammaincSeries(a: number, x: number): number {
  const prefix = gammaPrefix(a, x);
  if (prefix === 0) return 0;
  let term = 1;
  let sum = 1;
  for (let n = 1; n < 1_000_000; n++) {
    term *= x / (a + n);
    sum += term;
    if (term < EPS * sum) break;
  }
  return (prefix / a) * sum;
}

/** Continued fraction for Γ(a, x) e^x x^{−a} (modified Lentz), valid and fast for x ≥ a + 1. */
function gammaContinuedFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1_000_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/**
 * Survival function of the chi-square distribution with `df` degrees of freedom
 * (`scipy.stats.chi2.sf(x, df)`, i.e. `scipy.special.chdtrc`). NaN for df ≤ 0.
 */
export function chi2Sf(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return Number.NaN;
  if (x <= 0) return 1;
  return gammaincc(df / 2, x / 2);
}

/** Inverse of a decreasing survival function on [lo, hi] by bisection in log space of the target. */
function invertSf(sf: (x: number) => number, p: number, lo: number, hi: number): number {
  let a = lo;
  let b = hi;
  while (sf(b) > p) b *= 2;
  for (let i = 0; i < 200 && b - a > 1e-12 * Math.max(1, b); i++) {
    const mid = (a + b) / 2;
    if (sf(mid) > p) a = mid;
    else b = mid;
  }
  return (a + b) / 2;
}

/** Inverse survival function of the standard normal, z with P(Z > z) = p (`scipy.stats.norm.isf`), 0 < p < 1. */
export function normalIsf(p: number): number {
  if (!(p > 0 && p < 1)) return Number.NaN;
  if (p > 0.5) return -normalIsf(1 - p);
  return invertSf(normalSf, p, 0, 8);
}

/** Inverse survival function of the chi-square distribution (`scipy.stats.chi2.isf(p, df)`), 0 < p < 1. */
export function chi2Isf(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return Number.NaN;
  return invertSf((x) => chi2Sf(x, df), p, 0, df + 10);
}
