/**
 * Small numeric building blocks shared by the statistics core. They reproduce numpy's floating-point
 * behaviour where that matters for matching golden vectors (pairwise summation, `np.quantile` linear
 * interpolation, `np.round` half-to-even, `searchsorted`).
 */

type NumArray = ArrayLike<number>;

/**
 * Sum exactly as numpy's `np.sum` does for a contiguous float64 array (pairwise summation with an
 * 8-way unrolled base case of up to 128 elements). Matching numpy's order keeps results bit-identical
 * in most cases, which matters where terms cancel (KL divergence, Jensen–Shannon).
 */
export function pairwiseSum(a: NumArray, start = 0, n: number = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    let r0 = a[start]!;
    let r1 = a[start + 1]!;
    let r2 = a[start + 2]!;
    let r3 = a[start + 3]!;
    let r4 = a[start + 4]!;
    let r5 = a[start + 5]!;
    let r6 = a[start + 6]!;
    let r7 = a[start + 7]!;
    const end = n - (n % 8);
    let i = 8;
    for (; i < end; i += 8) {
      const b = start + i;
      r0 += a[b]!;
      r1 += a[b + 1]!;
      r2 += a[b + 2]!;
      r3 += a[b + 3]!;
      r4 += a[b + 4]!;
      r5 += a[b + 5]!;
      r6 += a[b + 6]!;
      r7 += a[b + 7]!;
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `np.mean` (pairwise sum divided by the count); NaN for an empty array. */
export function mean(a: NumArray): number {
  return pairwiseSum(a) / a.length;
}

/** `np.std(a, ddof=0)`: population standard deviation with numpy's two-pass algorithm. */
export function stdPopulation(a: NumArray): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const m = pairwiseSum(a) / n;
  return Math.sqrt(pairwiseSumSquaredDeviations(a, m, 0, n) / n);
}

/**
 * pairwiseSum of (a[i] − m)², in the same order as numpy sums the array of squares, without
 * materialising it.
 */
function pairwiseSumSquaredDeviations(a: NumArray, m: number, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += squaredDeviation(a, start + i, m);
    return res;
  }
  if (n <= 128) {
    let r0 = squaredDeviation(a, start, m);
    let r1 = squaredDeviation(a, start + 1, m);
    let r2 = squaredDeviation(a, start + 2, m);
    let r3 = squaredDeviation(a, start + 3, m);
    let r4 = squaredDeviation(a, start + 4, m);
    let r5 = squaredDeviation(a, start + 5, m);
    let r6 = squaredDeviation(a, start + 6, m);
    let r7 = squaredDeviation(a, start + 7, m);
    const end = n - (n % 8);
    let i = 8;
    for (; i < end; i += 8) {
      const b = start + i;
      r0 += squaredDeviation(a, b, m);
      r1 += squaredDeviation(a, b + 1, m);
      r2 += squaredDeviation(a, b + 2, m);
      r3 += squaredDeviation(a, b + 3, m);
      r4 += squaredDeviation(a, b + 4, m);
      r5 += squaredDeviation(a, b + 5, m);
      r6 += squaredDeviation(a, b + 6, m);
      r7 += squaredDeviation(a, b + 7, m);
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += squaredDeviation(a, start + i, m);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return (
    pairwiseSumSquaredDeviations(a, m, start, n2) + pairwiseSumSquaredDeviations(a, m, start + n2, n - n2)
  );
}

/** (a[i] − m)²: a function of its own, not a closure per call (which boxed every result; docs/benchmarks.md). */
function squaredDeviation(a: NumArray, i: number, m: number): number {
  const d = a[i]! - m;
  return d * d;
}

/** `np.round` for scalars: round half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; move exact halves that landed on an odd integer back down.
  if (Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/**
 * `np.quantile(sorted, q)` with the default method ("linear", Hyndman & Fan type 7) on values that
 * are already sorted ascending. Reproduces numpy's `_lerp`, including its switch to `b - (b-a)(1-t)`
 * for t ≥ 0.5.
 */
export function quantileSorted(sorted: NumArray, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const virtualIndex = (n - 1) * q;
  if (virtualIndex >= n - 1) return sorted[n - 1]!;
  if (virtualIndex < 0) return sorted[0]!;
  const prev = Math.floor(virtualIndex);
  const a = sorted[prev]!;
  const b = sorted[prev + 1]!;
  const t = virtualIndex - prev;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Number of elements of `sorted` that are ≤ x (`np.searchsorted(sorted, x, side="right")`). */
export function upperBound(sorted: NumArray, x: number, lo = 0, hi: number = sorted.length): number {
  let l = lo;
  let h = hi;
  while (l < h) {
    const mid = (l + h) >>> 1;
    if (sorted[mid]! <= x) l = mid + 1;
    else h = mid;
  }
  return l;
}

/** Number of elements of `sorted` that are < x (`np.searchsorted(sorted, x, side="left")`). */
export function lowerBound(sorted: NumArray, x: number, lo = 0, hi: number = sorted.length): number {
  let l = lo;
  let h = hi;
  while (l < h) {
    const mid = (l + h) >>> 1;
    if (sorted[mid]! < x) l = mid + 1;
    else h = mid;
  }
  return l;
}

/** Greatest common divisor of two non-negative integers. */
export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

/** x · 2^e without intermediate overflow or underflow of 2^e (C `ldexp`, up to double rounding). */
export function ldexp(x: number, e: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  let r = x;
  let k = e;
  while (k > 1023) {
    r *= 2 ** 1023;
    k -= 1023;
    if (!Number.isFinite(r)) return r;
  }
  while (k < -1022) {
    r *= 2 ** -1022;
    k += 1022;
    if (r === 0) return r;
  }
  return r * 2 ** k;
}

/** Copy the finite values of `values` (dropping NaN and ±inf) into a new array. */
export function finiteValues(values: ArrayLike<number>): Float64Array {
  // One pass into an array of the full length, trimmed by a copy only when something was dropped.
  const out = new Float64Array(values.length);
  let j = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) out[j++] = v;
  }
  return j === out.length ? out : out.slice(0, j);
}

/** Finite values of `values`, sorted ascending (one allocation, typed-array sort). */
export function sortedFinite(values: ArrayLike<number>): Float64Array {
  return sortFloat64(finiteValues(values));
}

/**
 * Counts of sorted values per bin of ascending `edges` (bin k: edges[k−1] ≤ v < edges[k]; the first bin
 * below edges[0], the last from the last edge up): the differences of the values' positions below each
 * edge, found by binary search (a few dozen steps instead of a pass over the values).
 */
export function sortedBinCounts(sorted: Float64Array, edges: readonly number[]): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  let below = 0;
  for (let k = 0; k < edges.length; k++) {
    const next = lowerBound(sorted, edges[k]!, below);
    counts[k] = next - below;
    below = next;
  }
  counts[edges.length] = sorted.length - below;
  return counts;
}

/** Number of distinct values in a sorted array (−0 and +0 count as one value, as in `np.unique`). */
export function countDistinctSorted(sorted: NumArray): number {
  if (sorted.length === 0) return 0;
  let d = 1;
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1]) d++;
  return d;
}

interface RadixScratch {
  lo: Uint32Array;
  hi: Uint32Array;
  lo2: Uint32Array;
  hi2: Uint32Array;
  hist: [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
}

let scratch: RadixScratch | null = null;

/**
 * Working memory of sortFloat64, kept between calls (grown as needed, per thread): compare sorts
 * dozens of columns, and fresh buffers each time cost more in garbage collection than the sort.
 */
function radixScratch(n: number): {
  lo: Uint32Array;
  hi: Uint32Array;
  lo2: Uint32Array;
  hi2: Uint32Array;
  hist: RadixScratch['hist'];
} {
  if (scratch === null || scratch.lo.length < n) {
    const size = Math.max(n, Math.ceil((scratch?.lo.length ?? 0) * 1.5));
    scratch = {
      lo: new Uint32Array(size),
      hi: new Uint32Array(size),
      lo2: new Uint32Array(size),
      hi2: new Uint32Array(size),
      hist: [new Uint32Array(65536), new Uint32Array(65536), new Uint32Array(65536), new Uint32Array(65536)],
    };
  }
  return {
    lo: scratch.lo.subarray(0, n),
    hi: scratch.hi.subarray(0, n),
    lo2: scratch.lo2.subarray(0, n),
    hi2: scratch.hi2.subarray(0, n),
    hist: scratch.hist,
  };
}

/** Below this length the built-in sort is as fast as the radix sort. */
const RADIX_MIN = 2048;

// The order-preserving key of a double's high word h is h ^ ((h >> 31) | 0x80000000): every bit flipped
// for negatives, the sign bit for the rest (branch-free, as signs come in any order). Written out in the
// loops below: a call returning a uint32 above 2³¹ would box it.

const HIGH_DIGITS = [
  { shift: 0, mask: 0x7ff },
  { shift: 11, mask: 0x7ff },
  { shift: 22, mask: 0x3ff },
] as const;
const highHist = HIGH_DIGITS.map((d) => new Uint32Array(d.mask + 1));
let highScratch: Float64Array | null = null;

/** Turns a digit's histogram into each bucket's first position (exclusive prefix sums), in place. */
function bucketStarts(counts: Uint32Array): void {
  let sum = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k]!;
    counts[k] = sum;
    sum += c;
  }
}

/** Runs of values sharing their high word up to this length are put in order by insertion. */
const RUN_INSERTION_MAX = 32;

/**
 * Sorts non-NaN doubles ascending in place, in the order `Float64Array.prototype.sort` gives (−0 before
 * +0). An LSD radix sort on the high 32 bits of each double (sign, exponent and 20 bits of mantissa: three
 * digits of 11, 11 and 10 bits, whose histograms come from one pass, skipping a digit every value
 * shares), which moves the doubles themselves; then each run of values sharing their high word (one
 * sign, so compared as numbers) is put in order: by insertion when short, by the full radix sort
 * (radixSort64) or the built-in sort when long, and not at all when its values are all equal (ties).
 * Several times faster than the comparison sort on the 10⁵–10⁶ values of a data set column.
 */
export function sortFloat64(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < RADIX_MIN) return a.sort();
  if (highScratch === null || highScratch.length < n)
    highScratch = new Float64Array(Math.max(n, Math.ceil((highScratch?.length ?? 0) * 1.5)));
  let src = a;
  let dst = highScratch.subarray(0, n);
  const [h0, h1, h2] = highHist as [Uint32Array, Uint32Array, Uint32Array];
  highHistograms(src, h0, h1, h2);
  // Each loop is a function of its own: V8 optimises a long loop's function while it runs, and code
  // after the loop that has not run yet would send it back to the interpreter (a deopt and a second
  // compile per loop, ~60 ms of compiling per thread for this function alone).
  for (let d = 0; d < HIGH_DIGITS.length; d++) {
    const counts = highHist[d]!;
    const shift = HIGH_DIGITS[d]!.shift;
    const mask = HIGH_DIGITS[d]!.mask;
    const h = new Uint32Array(src.buffer, src.byteOffset, 2)[1]!;
    if (counts[((h ^ ((h >> 31) | 0x80000000)) >>> shift) & mask] === n) continue; // every key has this digit
    bucketStarts(counts);
    scatterByHighDigit(src, dst, counts, shift, mask);
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== a) a.set(src);
  orderRuns(a);
  return a;
}

/** The three high-word digit histograms of sortFloat64, in one pass. */
function highHistograms(a: Float64Array, h0: Uint32Array, h1: Uint32Array, h2: Uint32Array): void {
  const n = a.length;
  const words = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  h0.fill(0);
  h1.fill(0);
  h2.fill(0);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + 1]!;
    const key = h ^ ((h >> 31) | 0x80000000);
    h0[key & 0x7ff]!++;
    h1[(key >>> 11) & 0x7ff]!++;
    h2[key >>> 22]!++;
  }
}

/** One LSD pass: moves src's doubles to dst by a digit of their high word's key (`starts`: bucket starts). */
function scatterByHighDigit(
  src: Float64Array,
  dst: Float64Array,
  starts: Uint32Array,
  shift: number,
  mask: number,
): void {
  const n = src.length;
  const words = new Uint32Array(src.buffer, src.byteOffset, 2 * n);
  for (let i = 0; i < n; i++) {
    const w = words[2 * i + 1]!;
    dst[starts[((w ^ ((w >> 31) | 0x80000000)) >>> shift) & mask]!++] = src[i]!;
  }
}

/** Puts in order each run of values sharing their high word (sortFloat64's last step). */
function orderRuns(a: Float64Array): void {
  const n = a.length;
  const words = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && words[2 * i + 1] === words[2 * i - 1]) continue;
    if (i - start > 1) sortRun(a, start, i);
    start = i;
  }
}

/**
 * The k-th smallest (0-based) of non-NaN doubles, rearranging `a` in place so that every value before
 * index k is ≤ a[k] and every value after it ≥ a[k] (Hoare's selection with a median-of-three pivot; a
 * range still long after 2·log₂ n rounds is sorted instead, so the time stays O(n log n) at worst). The
 * value a full sort puts at k, except that −0 and +0 may come out either way. For a median of 10⁵–10⁶
 * values, several times faster than sorting them.
 */
export function selectInPlace(a: Float64Array, k: number): number {
  if (!(k >= 0 && k < a.length)) throw new RangeError(`select: index ${k} outside 0…${a.length - 1}`);
  let lo = 0;
  let hi = a.length - 1;
  let rounds = 2 * Math.ceil(Math.log2(a.length + 1)) + 8;
  while (hi > lo) {
    if (rounds-- === 0) {
      sortFloat64(a.subarray(lo, hi + 1));
      break;
    }
    const mid = lo + ((hi - lo) >>> 1);
    // Median of three: a[lo] ≤ a[mid] ≤ a[hi], the middle one the pivot.
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    // a[lo..j] ≤ pivot ≤ a[i..hi], and whatever lies between equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** Median of non-NaN doubles (the mean of the middle two for an even count; NaN when empty); rearranges `a`. */
export function medianInPlace(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  const upper = selectInPlace(a, mid);
  if (n % 2 === 1) return upper;
  let lower = a[0]!;
  for (let i = 1; i < mid; i++) if (a[i]! > lower) lower = a[i]!;
  return (lower + upper) / 2;
}

/** Puts a[start..end) in order: values of one sign sharing their high word, in input order. */
function sortRun(a: Float64Array, start: number, end: number): void {
  const first = a[start]!;
  let equal = true;
  for (let j = start + 1; j < end && equal; j++) equal = a[j] === first;
  if (equal) return;
  if (end - start > RUN_INSERTION_MAX) {
    const run = a.subarray(start, end);
    if (run.length >= RADIX_MIN) radixSort64(run);
    else run.sort();
    return;
  }
  for (let j = start + 1; j < end; j++) {
    const v = a[j]!;
    let k = j - 1;
    while (k >= start && a[k]! > v) {
      a[k + 1] = a[k]!;
      k--;
    }
    a[k + 1] = v;
  }
}

/**
 * The full LSD radix sort on the IEEE-754 bits (four 16-bit digits whose histograms come from one pass,
 * skipping a digit every value shares), for long runs of values that share their high word.
 */
function radixSort64(a: Float64Array): Float64Array {
  const n = a.length;
  const words = new Uint32Array(a.buffer, a.byteOffset, n * 2);
  const s = radixScratch(n);
  let lo = s.lo;
  let hi = s.hi;
  let lo2 = s.lo2;
  let hi2 = s.hi2;
  const [h0, h1, h2, h3] = s.hist;
  for (const h of s.hist) h.fill(0);
  // Order-preserving keys: flip every bit of negatives, only the sign bit of the rest.
  for (let i = 0; i < n; i++) {
    let l = words[2 * i]!;
    let h = words[2 * i + 1]!;
    if (h & 0x80000000) {
      l = ~l >>> 0;
      h = ~h >>> 0;
    } else h = (h | 0x80000000) >>> 0;
    lo[i] = l;
    hi[i] = h;
    h0[l & 0xffff]!++;
    h1[l >>> 16]!++;
    h2[h & 0xffff]!++;
    h3[h >>> 16]!++;
  }
  for (let d = 0; d < 4; d++) {
    const counts = s.hist[d]!;
    const fromHi = d >= 2;
    const shift = d % 2 === 0 ? 0 : 16;
    const first = ((fromHi ? hi[0]! : lo[0]!) >>> shift) & 0xffff;
    if (counts[first] === n) continue; // every key has this digit
    bucketStarts(counts);
    const src = fromHi ? hi : lo;
    for (let i = 0; i < n; i++) {
      const p = counts[(src[i]! >>> shift) & 0xffff]!++;
      lo2[p] = lo[i]!;
      hi2[p] = hi[i]!;
    }
    const tl = lo;
    lo = lo2;
    lo2 = tl;
    const th = hi;
    hi = hi2;
    hi2 = th;
  }
  for (let i = 0; i < n; i++) {
    const h = hi[i]!;
    if (h & 0x80000000) {
      words[2 * i] = lo[i]!;
      words[2 * i + 1] = (h & 0x7fffffff) >>> 0;
    } else {
      words[2 * i] = ~lo[i]! >>> 0;
      words[2 * i + 1] = ~h >>> 0;
    }
  }
  return a;
}
