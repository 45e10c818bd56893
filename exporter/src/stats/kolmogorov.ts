/**
 * Distribution of the two-sided one-sample Kolmogorov–Smirnov statistic D_n for finite n, as scipy's
 * `kstwo` computes it (scipy/stats/_ksstats.py, Simard & L'Ecuyer 2011): the algorithm choice per
 * (n, x) region — Ruben–Gambino closed forms, the Durbin matrix in the Marsaglia–Tsang–Wang form,
 * Pomeranz's recursion, the Pelz–Good asymptotic series and Smirnov's one-sided formula — follows
 * scipy so results agree to rounding. Used for the asymptotic branch of the two-sample test.
 */
import { ldexp } from './numeric';
import { polyval, STIRLING_COEFFS, stirlingCorrection } from './special';

const E128 = 128;
const EP128 = 2 ** 128;
const EM128 = 2 ** -128;
const SQRT2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const MIN_LOG = -708;
const SQRT3 = Math.sqrt(3);
const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;
/** scipy's cephes MINLOG (built with denormals) = log(2^-1075). */
const CEPHES_MINLOG = -745.1332191019412;

function clip01(p: number): number {
  if (Number.isNaN(p)) return p;
  return p < 0 ? 0 : Math.min(p, 1);
}

/** log(n! / n^n) by Stirling's series with n log n removed up front. */
function logNFactorialDivNPowN(n: number): number {
  const rn = 1 / n;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * polyval(STIRLING_COEFFS, rn / n);
}

/** Square matrix product c = a · b (row-major, size m × m). */
function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const ci = i * m;
    for (let k = 0; k < m; k++) {
      const aik = a[ci + k]!;
      if (aik === 0) continue;
      const bk = k * m;
      for (let j = 0; j < m; j++) c[ci + j]! += aik * b[bk + j]!;
    }
  }
  return c;
}

/** Pr(D_n ≤ d) by the Durbin matrix algorithm (Marsaglia, Tsang & Wang 2003). */
export function kolmognDurbinCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    v[j - 1] = 1 - h ** j;
    w[j - 1] = fac;
    fac /= j;
    v[j - 1]! *= fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;

  let H = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    // H[i-1:, i] = w[:m-i+1]
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - (i - 1)]!;
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  let Hpwr = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1;
  let nn = n;
  let expnt = 0;
  let Hexpnt = 0;
  const kk = (k - 1) * m + (k - 1);
  while (nn > 0) {
    if (nn % 2) {
      Hpwr = matmul(Hpwr, H, m);
      expnt += Hexpnt;
    }
    H = matmul(H, H, m);
    Hexpnt *= 2;
    if (Math.abs(H[kk]!) > EP128) {
      for (let i = 0; i < H.length; i++) H[i]! /= EP128;
      Hexpnt += E128;
    }
    nn = Math.floor(nn / 2);
  }

  let p = Hpwr[kk]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      expnt -= E128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return clip01(p);
}

function pomeranzJ1J2(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Pr(D_n ≤ x) by Pomeranz's recursion (Pomeranz 1974), for small n. */
export function kolmognPomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  let expnt = 0;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1]! * gOverN) / m;
    twogpower[m] = (twogpower[m - 1]! * twoGOverN) / m;
    onem2gpower[m] = (onem2gpower[m - 1]! * oneMinusTwoGOverN) / m;
  }

  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzJ1J2(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    const tmp = V0;
    V0 = V1;
    V1 = tmp;
    const tmps = V0s;
    V0s = V1s;
    V1s = tmps;
    V1.fill(0);
    [j1, j2] = pomeranzJ1J2(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // conv = np.convolve(V0[k1 - V0s : k1 - V0s + ln2], pwrs[:ln2]); numpy slices stop at the end.
      const aStart = k1 - V0s;
      const aLen = Math.max(0, Math.min(ln2, npwrs - aStart));
      const bLen = Math.min(ln2, npwrs);
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      let maxV = Number.NEGATIVE_INFINITY;
      for (let q = 0; q < convLen; q++) {
        const kIdx = convStart + q;
        let s = 0;
        const lo = Math.max(0, kIdx - bLen + 1);
        const hi = Math.min(aLen - 1, kIdx);
        for (let r = lo; r <= hi; r++) s += V0[aStart + r]! * pwrs[kIdx - r]!;
        V1[q] = s;
      }
      for (let q = 0; q < npwrs; q++) if (V1[q]! > maxV) maxV = V1[q]!;
      if (maxV > 0 && maxV < EM128) {
        for (let q = 0; q < npwrs; q++) V1[q]! *= EP128;
        expnt -= E128;
      }
      V1s = V0s + j1 - k1;
    }
  }

  let ans = V1[n - V1s] ?? 0;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > EP128) {
      ans *= EM128;
      expnt += E128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans = ldexp(ans, expnt);
  return clip01(ans);
}

/** Pelz–Good approximation to Pr(D_n ≤ x) (Pelz & Good 1976), for large n. */
export function kolmognPelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const zsquared = z ** 2;
  const zthree = z ** 3;
  const zfour = z ** 4;
  const zsix = z ** 6;
  const qlog = -PI_SQUARED / 8 / zsquared;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);

  const k1a = -zsquared;
  const k1b = PI_SQUARED / 4;
  const k2a = 6 * zsix + 2 * zfour;
  const k2b = ((2 * zfour - 5 * zsquared) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * zsquared)) / 16;
  const k3d = (PI_SIX * (5 - 30 * zsquared)) / 64;
  const k3c = (PI_FOUR * (-60 * zsquared + 212 * zfour)) / 16;
  const k3b = (PI_SQUARED * (135 * zfour - 96 * zsix)) / 4;
  const k3a = -30 * zsix - 90 * z ** 8;

  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const msquared = m ** 2;
    const mfour = m ** 4;
    const msix = m ** 6;
    const qpower = q ** (8 * k);
    const coeffs = [
      1,
      k1a + k1b * msquared,
      k2a + k2b * msquared + k2c * mfour,
      k3a + k3b * msquared + k3c * mfour + k3d * msix,
    ];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qpower + coeffs[i]!;
  }
  const divisors = [z, 6 * zfour, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / divisors[i]!;

  q = Math.exp(-PI_SQUARED / 2 / zsquared);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = SQRT3 * z;
  for (let k = maxk; k > 0; k--) {
    const ksq = k * k;
    const qp = q ** ksq;
    const kspi = Math.PI * k;
    k2extra += ksq * qp;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp;
  }
  k2extra *= (PI_SQUARED * SQRT2PI) / (-36 * zthree);
  k3extra *= (PI_SQUARED * SQRT2PI) / (216 * zsix);
  K[2]! += k2extra;
  K[3]! += k3extra;
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i]! / n ** (i / 2);
  return sum;
}

/** floor(n·x) computed exactly (Dekker product), and whether n·x is an exact integer. */
function floorNX(n: number, x: number): { floor: number; exact: boolean } {
  const hi = n * x;
  // Error-free transformation of the product: n·x = hi + lo exactly.
  const split = 134217729; // 2^27 + 1
  const an = split * n;
  const nh = an - (an - n);
  const nl = n - nh;
  const ax = split * x;
  const xh = ax - (ax - x);
  const xl = x - xh;
  const lo = nh * xh - hi + nh * xl + nl * xh + nl * xl;
  let fl = Math.floor(hi);
  if (hi === fl && lo < 0) fl -= 1;
  const exact = hi === Math.floor(hi) && lo === 0;
  return { floor: fl, exact };
}

/**
 * Smirnov's one-sided survival function Pr(D_n^+ > x) (`scipy.special.smirnov(n, x)`), via the
 * Birnbaum–Tingey sum with every term positive, evaluated in log space. The algorithm-selection edges
 * (x ≤ 1/n, x ≥ 1 − 1/n, underflow, n > 10^6) follow cephes.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const { floor: nxfl, exact } = floorNX(n, x);
  if (nxfl === 0 || (nxfl === 1 && exact)) {
    const cdf = x * (1 + x) ** (n - 1);
    return clip01(1 - cdf);
  }
  if (-2 * n * x * x < CEPHES_MINLOG) return 0;
  if (nxfl >= n - 1) return clip01((1 - x) ** n);
  if (n > 1_000_000) {
    // cephes: approximation for very large n, p ≈ exp(−(6nx + 1)² / 18n).
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    return clip01(logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp));
  }
  // sf = x Σ_{v=0}^{V} C(n, v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v), V = n − floor(nx) − 1 (the last v
  // with 1 − x − v/n > 0). With a = x + v/n and b = 1 − a, term v is dbinom(v; n, a) / a, evaluated in
  // logs with Loader's saddle-point form so no large cancelling quantities appear. All terms are
  // positive: sum them scaled by the largest.
  const vMax = n - nxfl - 1;
  const logs = new Float64Array(vMax + 1);
  const last = birnbaumTingeyLogTerms(n, x, vMax, logs);
  const maxLog = peakLog[0]!;
  return clip01(x * sumExp(logs, last, maxLog) * Math.exp(maxLog));
}

/** Σ exp(logs[v] − shift) for v = 0 … last, in order. */
function sumExp(logs: Float64Array, last: number, shift: number): number {
  let s = 0;
  for (let v = 0; v <= last; v++) s += Math.exp(logs[v]! - shift);
  return s;
}

/** birnbaumTingeyLogTerms' second result (a number out, not an object: nothing to allocate per call). */
const peakLog = new Float64Array(1);

/**
 * The parts of smirnovSf's term v that depend on n and v only, not on x (a column's KS p-values all share
 * one n, so they are computed once per n): `fixed[v]` = stirlingCorrection(n) − stirlingCorrection(v) −
 * stirlingCorrection(n − v) and `half[v]` = ½(ln 2π + ln v + ln(1 − v/n)), for v = 1 … filled − 1, as far
 * as a call has needed. The term's expression evaluates left to right, so splitting it there leaves it
 * bit for bit (drift.golden.test). Half the work per term: ~3 ms a call at n = 50,000 against ~6 ms.
 */
interface TermTable {
  n: number;
  fixed: Float64Array;
  half: Float64Array;
  filled: number;
}

/** The tables of the last TERM_TABLES_KEPT n (most recent last): 16 bytes per term, 16 MB at n = 10^6 (the largest n summed). */
const termTables: TermTable[] = [];
const TERM_TABLES_KEPT = 2;

/** n's table, filled up to v = upTo at least. */
function termTable(n: number, upTo: number): TermTable {
  const at = termTables.findIndex((t) => t.n === n);
  let table: TermTable;
  if (at === -1) {
    table = { n, fixed: new Float64Array(0), half: new Float64Array(0), filled: 1 };
    if (termTables.length === TERM_TABLES_KEPT) termTables.shift();
  } else {
    table = termTables[at]!;
    termTables.splice(at, 1);
  }
  termTables.push(table);
  if (upTo >= table.filled) {
    if (upTo >= table.fixed.length) {
      const length = Math.min(n, Math.max(upTo + 1, 2 * table.fixed.length));
      const fixed = new Float64Array(length);
      const half = new Float64Array(length);
      fixed.set(table.fixed);
      half.set(table.half);
      table.fixed = fixed;
      table.half = half;
    }
    fillTermTable(table, upTo);
  }
  return table;
}

/** termTable's loop: a function of its own so V8 compiles it once (docs/benchmarks.md). */
function fillTermTable(table: TermTable, upTo: number): void {
  const { n, fixed, half } = table;
  const stirN = stirlingCorrection(n);
  for (let v = table.filled; v <= upTo; v++) {
    fixed[v] = stirN - stirlingCorrection(v) - stirlingCorrection(n - v);
    half[v] = 0.5 * (LOG_2PI + Math.log(v) + Math.log1p(-v / n));
  }
  table.filled = upTo + 1;
}

/**
 * The logs of smirnovSf's terms v = 0 … into `logs`, up to the first one past the single peak that is 60
 * nats below it (the rest cannot reach 1e-16 of the sum): returns that index, and the peak in peakLog[0].
 * The parts that do not depend on x come from termTable.
 * A function of its own so V8 compiles this loop once (docs/benchmarks.md).
 */
function birnbaumTingeyLogTerms(n: number, x: number, vMax: number, logs: Float64Array): number {
  const nx = n * x;
  const { fixed, half } = termTable(n, vMax);
  let maxLog = n * Math.log1p(-x) - Math.log(x); // v = 0
  logs[0] = maxLog;
  let v = 1;
  for (; v <= vMax; v++) {
    const np = nx + v; // n·a
    const nq = n - v - nx; // n·b
    const l = fixed[v]! - bd0(v, np) - bd0(n - v, nq) - half[v]! - Math.log(np / n);
    logs[v] = l;
    // Both comparisons run on every term (the test before the peak is updated), so the loop's code has
    // its type feedback before V8 compiles it mid-loop.
    const past = l < maxLog - 60;
    if (l > maxLog) maxLog = l;
    else if (past) break;
  }
  peakLog[0] = maxLog;
  return Math.min(v, vMax);
}

/**
 * Loader's deviance term bd0(x, np) = x·ln(x/np) + np − x, computed without cancellation when x ≈ np
 * (C. Loader, "Fast and accurate computation of binomial probabilities", 2000).
 */
function bd0(x: number, np: number): number {
  if (Math.abs(x - np) < 0.1 * (x + np)) {
    let v = (x - np) / (x + np);
    let s = (x - np) * v;
    let ej = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      ej *= v;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log(x / np) + np - x;
}

/**
 * Survival function of the two-sided one-sample KS statistic, Pr(D_n ≥ x) (`scipy.stats.kstwo.sf(x, n)`).
 */
export function kstwoSf(x: number, n: number): number {
  if (Number.isNaN(x) || !(n >= 1) || n !== Math.round(n)) return Number.NaN;
  // rv_continuous support [0.5/n, 1]: at or below the lower end the survival probability is 1.
  if (x <= 0.5 / n) return 1;
  if (x >= 1) return 0;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1;
      const inv = 1 / n;
      const f = 2 * t - 1;
      for (let i = 1; i <= n; i++) prob *= i * inv * f;
    } else {
      prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - prob);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));

  const nxsquared = t * x;
  if (n <= 140) {
    if (nxsquared <= 0.754693) return clip01(1 - kolmognDurbinCdf(n, x));
    if (nxsquared <= 4) return clip01(1 - kolmognPomeranzCdf(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nxsquared >= 370) return 0;
  if (nxsquared >= 2.2) return clip01(2 * smirnovSf(n, x));
  let cdf: number;
  if (n <= 100000 && n * x ** 1.5 <= 1.4) cdf = kolmognDurbinCdf(n, x);
  else cdf = kolmognPelzGoodCdf(n, x);
  return clip01(1 - cdf);
}
