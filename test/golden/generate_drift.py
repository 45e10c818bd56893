#!/usr/bin/python3
"""Golden vectors for modelwatch's drift statistics (exporter/src/stats, docs/statistics.md).

Run with Debian's interpreter (scipy 1.10.1, numpy 1.24.2), not a pyenv/virtualenv python:

    /usr/bin/python3 test/golden/generate_drift.py            # writes test/golden/drift.json

Everything is computed here with numpy/scipy, independently of the TypeScript code: the cleaning
(missing, NaN, +-inf dropped), the binning (deciles of the reference with numpy's default linear
interpolation when the reference has > 20 distinct values, else one bin per value over the union),
the statistics and the automatic choice of test. Data are rounded to a few significant digits before
anything is computed, so the JSON holds exactly the inputs the expectations were computed from.
The output is deterministic for a given seed and library versions.
"""
import json
import math
import os
import platform
import sys

import numpy as np
import scipy
import scipy.special as sc
from scipy import stats
from scipy.spatial.distance import jensenshannon
from scipy.stats._stats_py import _attempt_exact_2kssamp

if (scipy.__version__, np.__version__) != ("1.10.1", "1.24.2") and "--any-version" not in sys.argv:
    sys.exit(f"generate_drift.py: expected scipy 1.10.1 / numpy 1.24.2 (Debian's /usr/bin/python3), found "
             f"scipy {scipy.__version__} / numpy {np.__version__} from {sys.executable}; "
             "pass --any-version to generate anyway")

SEED = 20261123
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "drift.json")
rng = np.random.default_rng(SEED)


# ---------------------------------------------------------------------------------------------
# JSON helpers: NaN -> null, +-inf -> "Infinity"/"-Infinity" strings (JSON has no such numbers).

def enc(x):
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, str):
        return x
    x = float(x)
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def round_sig(a, digits):
    """Round to `digits` significant digits, through the decimal string the JSON will hold."""
    return np.array([float(f"{v:.{digits}g}") for v in np.asarray(a, dtype=float)])


# ---------------------------------------------------------------------------------------------
# docs/statistics.md, written with numpy/scipy.

LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def clean_numeric(raw):
    a = np.array([np.nan if v is None else float(v) for v in raw], dtype=float)
    return a[np.isfinite(a)]


def clean_categorical(raw):
    return [v for v in raw if v is not None and v.strip() not in ("", "NA", "NaN", "null")]


def bins_numeric(ref, cur):
    distinct_ref = np.unique(ref)
    if len(distinct_ref) > 20:
        edges = np.unique(np.quantile(ref, LEVELS))
        k = len(edges) + 1
        rc = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=k).astype(float)
        cc = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=k).astype(float)
        return "quantile", edges, rc, cc, None
    values = np.union1d(ref, cur)
    rc = np.array([np.sum(ref == v) for v in values], dtype=float)
    cc = np.array([np.sum(cur == v) for v in values], dtype=float)
    return "value", None, rc, cc, values


def bins_categorical(ref, cur):
    cats = sorted(set(ref) | set(cur))
    rc = np.array([ref.count(c) for c in cats], dtype=float)
    cc = np.array([cur.count(c) for c in cats], dtype=float)
    return cats, rc, cc


def proportions(counts):
    total = counts.sum()
    return counts / total if total > 0 else np.zeros_like(counts)


def psi_kl(r, c):
    r1 = np.where(r == 0, 1e-4, r)
    c1 = np.where(c == 0, 1e-4, c)
    psi = np.sum((c1 - r1) * np.log(c1 / r1))
    kl = np.sum(r1 * np.log(r1 / c1))
    return psi, kl


def hellinger(r, c):
    return np.sqrt(0.5 * np.sum((np.sqrt(r) - np.sqrt(c)) ** 2))


def chisquare(rc, cc):
    """2 x k contingency test of homogeneity, as chi2_contingency(correction=False); columns empty on
    both sides are left out (scipy refuses a zero expected count); one value gives statistic 0, p 1."""
    keep = (rc + cc) > 0
    table = np.vstack([rc[keep], cc[keep]])
    if table.shape[1] < 2:
        return 0.0, 1.0
    stat, p, dof, _ = stats.chi2_contingency(table, correction=False)
    return stat, p


def ztest(rc, cc):
    """Evidently's pooled two-proportion z-test (proportion of the second value), p = 2 * norm.sf(|z|)."""
    if len(rc) == 1:
        return 1.0
    n, m = rc.sum(), cc.sum()
    p1 = rc[1] / n
    p2 = cc[1] / m
    pooled = (p1 * n + p2 * m) / (n + m)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / m))
    return min(max(2 * stats.norm.sf(abs(z)), 0.0), 1.0)


def ks_method(n1, n2, d):
    if max(n1, n2) > 10000:
        return "asymp"
    g = math.gcd(n1, n2)
    success, _, _ = _attempt_exact_2kssamp(n1, n2, g, d, "two-sided")
    return "exact" if success else "asymp"


def auto_choice(kind, reference_rows, distinct_union):
    discrete = kind == "categorical" or distinct_union <= 5
    if reference_rows <= 1000:
        if discrete:
            return ("chisquare" if distinct_union > 2 else "ztest"), 0.05, "p_value"
        return "ks", 0.05, "p_value"
    if discrete:
        return "jensenshannon", 0.1, "distance"
    return "wasserstein", 0.1, "distance"


SCORE_KEY = {
    "ks": "ks_p_value",
    "wasserstein": "wasserstein_normed",
    "jensenshannon": "jensenshannon",
    "chisquare": "chisquare_p_value",
    "ztest": "ztest_p_value",
}


def expected_for(kind, ref_raw, cur_raw):
    out = {}
    st = {}
    if kind == "numeric":
        ref = clean_numeric(ref_raw)
        cur = clean_numeric(cur_raw)
        n, m = len(ref), len(cur)
        binning, edges, rc, cc, values = bins_numeric(ref, cur)
        distinct_union = len(np.union1d(ref, cur))
        ks = stats.ks_2samp(ref, cur)  # method="auto"
        st["ks_statistic"] = ks.statistic
        st["ks_p_value"] = ks.pvalue
        out["ks_method"] = ks_method(n, m, ks.statistic)
        w = stats.wasserstein_distance(ref, cur)
        std = np.std(ref)
        out["wasserstein"] = w
        out["reference_std"] = std
        st["wasserstein_normed"] = w / max(std, 0.001)
        out["binning"] = binning
        out["edges"] = None if edges is None else [enc(e) for e in edges]
        out["values"] = None if values is None else [enc(v) for v in values]
    else:
        ref = clean_categorical(ref_raw)
        cur = clean_categorical(cur_raw)
        n, m = len(ref), len(cur)
        cats, rc, cc = bins_categorical(ref, cur)
        distinct_union = len(cats)
        out["binning"] = "category"
        out["categories"] = cats
    r, c = proportions(rc), proportions(cc)
    st["psi"], st["kl"] = psi_kl(r, c)
    st["jensenshannon"] = jensenshannon(r, c)
    st["hellinger"] = hellinger(r, c)
    if kind == "categorical" or distinct_union <= 5:
        st["chisquare_statistic"], st["chisquare_p_value"] = chisquare(rc, cc)
    if distinct_union <= 2:
        st["ztest_p_value"] = ztest(rc, cc)
    out["rows"] = {"reference": n, "current": m}
    out["distinct_union"] = distinct_union
    out["reference_counts"] = [int(x) for x in rc]
    out["current_counts"] = [int(x) for x in cc]
    out["stats"] = {k: enc(v) for k, v in st.items()}
    test, threshold, direction = auto_choice(kind, len(ref_raw), distinct_union)
    score = st[SCORE_KEY[test]]
    drifted = None
    if score is not None and not math.isnan(score):
        drifted = bool(score < threshold) if direction == "p_value" else bool(score >= threshold)
    out["auto"] = {"test": test, "threshold": threshold, "score": enc(score), "drifted": drifted}
    return out


# ---------------------------------------------------------------------------------------------
# Cases.

CASES = []


def numeric_case(name, ref, cur, digits=10, note=""):
    ref = [None if v is None else float(v) for v in (round_sig(ref, digits) if not isinstance(ref, list) else ref)]
    cur = [None if v is None else float(v) for v in (round_sig(cur, digits) if not isinstance(cur, list) else cur)]
    CASES.append({"name": name, "type": "numeric", "note": note, "reference": ref, "current": cur})


def categorical_case(name, ref, cur, note=""):
    CASES.append({"name": name, "type": "categorical", "note": note, "reference": list(ref), "current": list(cur)})


def norm(n, loc=0.0, scale=1.0):
    return rng.normal(loc, scale, n)


# Small and medium samples, exact KS.
numeric_case("normal_50_vs_40_shift", norm(50), norm(40, 0.5))
numeric_case("normal_7_vs_13", norm(7), norm(13, 0.3))
numeric_case("normal_3_vs_100", norm(3), norm(100))
numeric_case("normal_1_vs_5", norm(1), norm(5, 1.0))
numeric_case("normal_1_vs_1", norm(1), norm(1, 2.0))
numeric_case("normal_200_vs_200_square", norm(200), norm(200, 0.3))
numeric_case("normal_500_vs_500_nodrift", norm(500), norm(500))
numeric_case("normal_300_vs_300_scale", norm(300), norm(300, 0.0, 2.0))
same = norm(400)
numeric_case("identical_400", same, same.copy())
numeric_case("normal_2000_vs_1500_shift", norm(2000), norm(1500, 0.1))
numeric_case("lognormal_3000_vs_2500", rng.lognormal(0, 1, 3000), rng.lognormal(0.15, 1.1, 2500))
numeric_case("cauchy_1000_vs_1200", rng.standard_cauchy(1000), rng.standard_cauchy(1200) + 0.3)
numeric_case("t2_4000_vs_4000_square", rng.standard_t(2, 4000), rng.standard_t(2, 4000) * 1.05)
numeric_case("exact_tiny_p_square_1000", norm(1000), norm(1000, 1.0), note="exact KS, p far below 1e-12")
numeric_case("exact_tiny_p_band_900_vs_700", norm(900), norm(700, 1.5), note="exact KS, p far below 1e-12")
numeric_case("exact_band_moderate_p_640_vs_480", norm(640), norm(480, 0.15))
# Around the exact/asymptotic switch (max(n, m) <= 10000 exact).
numeric_case("exact_9990_vs_7000", norm(9990), norm(7000, 0.04), digits=8)
numeric_case("asymp_10010_vs_7000", norm(10010), norm(7000, 0.04), digits=8, note="n_eff 4119")
numeric_case("exact_10000_vs_10000_square", norm(10000), norm(10000, 0.03), digits=8)
numeric_case("asymp_10010_vs_10010_nodrift", norm(10010), norm(10010), digits=8, note="n_eff 5005, DMTW/Pelz-Good region")
ref_10010 = norm(10010)
numeric_case("asymp_10010_vs_100_nodrift", ref_10010, norm(100, 0.0), digits=8, note="n_eff 99: n <= 140 branch")
numeric_case("asymp_10010_vs_100_moderate", ref_10010, norm(100, 0.25), digits=8, note="n_eff 99")
numeric_case("asymp_10010_vs_100_strong", ref_10010, norm(100, 1.2), digits=8, note="n_eff 99: Smirnov branch")
numeric_case("asymp_10500_vs_60", norm(10500), norm(60, 0.4), digits=8, note="n_eff 60")
numeric_case("asymp_12000_vs_11000_tiny_p", norm(12000), norm(11000, 0.2), digits=7, note="Smirnov branch, p ~ 1e-30")
numeric_case("asymp_12000_vs_11000_zero_p", norm(12000), norm(11000, 1.0), digits=7, note="n x^2 >= 370: p = 0")
# Ties, discrete values, constants.
numeric_case("ties_integers_800_vs_600", np.round(norm(800, 15, 5)), np.round(norm(600, 16, 5)))
numeric_case("discrete_4_values_500_vs_300", rng.choice([1, 2, 3, 4], 500, p=[0.1, 0.2, 0.3, 0.4]).astype(float),
             rng.choice([1, 2, 3, 4], 300, p=[0.25, 0.25, 0.25, 0.25]).astype(float))
numeric_case("binary_300_vs_250", rng.binomial(1, 0.3, 300).astype(float), rng.binomial(1, 0.4, 250).astype(float))
numeric_case("binary_5000_vs_4000", rng.binomial(1, 0.3, 5000).astype(float), rng.binomial(1, 0.33, 4000).astype(float))
numeric_case("binary_tiny_p_1000", rng.binomial(1, 0.2, 1000).astype(float), rng.binomial(1, 0.8, 1000).astype(float),
             note="z-test and chi-square p ~ 1e-150")
numeric_case("new_value_binary_to_3", rng.binomial(1, 0.5, 400).astype(float),
             rng.choice([0.0, 1.0, 2.0], 300, p=[0.45, 0.45, 0.1]), note="unseen value: chi-square statistic inf")
numeric_case("int_values_shifted_2000_vs_1500", rng.integers(0, 10, 2000).astype(float),
             rng.integers(3, 15, 1500).astype(float), note="value bins, unseen and vanished values")
numeric_case("constant_reference", np.full(100, 3.0), norm(100, 3.0, 0.1), note="std 0: 0.001 floor")
numeric_case("constant_both", np.full(60, 1.5), np.full(40, 1.5))
numeric_case("constant_reference_large", np.full(1500, 2.0), np.full(1200, 2.0) + rng.binomial(1, 0.01, 1200))
raw_ref = list(round_sig(norm(300, 10, 2), 10))
for i in rng.choice(300, 25, replace=False):
    raw_ref[i] = None
raw_ref[5] = math.inf
raw_ref[17] = -math.inf
raw_cur = list(round_sig(norm(200, 10.5, 2), 10))
for i in rng.choice(200, 10, replace=False):
    raw_cur[i] = math.nan
numeric_case("missing_nan_inf", raw_ref, raw_cur, note="None/NaN/inf dropped")
numeric_case("all_missing_current_values", norm(50), [None] * 3 + [norm(1)[0]], note="one current value left")

# Categorical.
def cats(labels, n, p):
    return list(rng.choice(labels, n, p=p))


categorical_case("cat_basic_600_vs_500", cats(["a", "b", "c", "d"], 600, [0.4, 0.3, 0.2, 0.1]),
                 cats(["a", "b", "c", "d"], 500, [0.3, 0.3, 0.25, 0.15]))
categorical_case("cat_unseen_800_vs_700", cats(["a", "b", "c", "d"], 800, [0.4, 0.3, 0.2, 0.1]),
                 cats(["a", "b", "c", "d", "e"], 700, [0.38, 0.3, 0.2, 0.1, 0.02]), note="chi-square inf, p 0")
categorical_case("cat_vanished_2000_vs_1500", cats(["x", "y", "z"], 2000, [0.5, 0.3, 0.2]),
                 cats(["x", "y"], 1500, [0.6, 0.4]))
categorical_case("cat_binary_400_vs_300", cats(["no", "yes"], 400, [0.7, 0.3]), cats(["no", "yes"], 300, [0.62, 0.38]))
categorical_case("cat_binary_3000_vs_2000", cats(["F", "M"], 3000, [0.5, 0.5]), cats(["F", "M"], 2000, [0.45, 0.55]))
many = [f"c{i:02d}" for i in range(30)]
w = np.arange(1, 31, dtype=float)
categorical_case("cat_many_5000_vs_4000", cats(many, 5000, w / w.sum()), cats(many, 4000, w[::-1] / w.sum()))
categorical_case("cat_many_800_vs_900", cats(many, 800, w / w.sum()), cats(many, 900, w / w.sum()))
categorical_case("cat_single_value", ["only"] * 50, ["only"] * 60)
categorical_case("cat_tiny_p_5000", cats(["a", "b", "c"], 5000, [0.6, 0.3, 0.1]), cats(["a", "b", "c"], 5000, [0.45, 0.32, 0.23]),
                 note="chi-square p ~ 1e-230")
ref_m = cats(["red", "green", "blue"], 300, [0.5, 0.3, 0.2])
for i in range(0, 300, 17):
    ref_m[i] = None
ref_m[3] = "NA"
cur_m = cats(["red", "green", "blue"], 250, [0.4, 0.4, 0.2])
cur_m[0] = ""
cur_m[1] = "null"
categorical_case("cat_missing_tokens", ref_m, cur_m, note="None, '', NA, null are missing")
categorical_case("cat_binary_tiny_p_1000", cats(["n", "y"], 1000, [0.9, 0.1]), cats(["n", "y"], 1000, [0.4, 0.6]))

for case in CASES:
    case["reference_rows"] = len(case["reference"])
    case["expected"] = expected_for(case["type"], case["reference"], case["current"])
    case["reference"] = [enc(v) for v in case["reference"]]
    case["current"] = [enc(v) for v in case["current"]]


# ---------------------------------------------------------------------------------------------
# Special functions and building blocks on grids that reach every branch.

def kstwo_table():
    rows = []
    ns = [1, 2, 3, 5, 10, 37, 99, 140, 141, 300, 1000, 4119, 5005, 33333, 100000, 100001, 250000]
    for n in ns:
        ds = [0.4 / n, 0.5 / n, 0.75 / n, 1.0 / n, 1.5 / n, 2.5 / n]
        ds += [math.sqrt(c / n) for c in (0.05, 0.2, 0.5, 0.754, 0.76, 1, 1.5, 2.19, 2.21, 3, 3.99, 4.01, 6, 10,
                                           30, 100, 300, 369, 371)]
        ds += [0.3, 0.5, 0.75, 0.99, 1 - 0.5 / n, 1.0]
        for d in sorted(set(d for d in ds if 0 < d <= 1)):
            rows.append([n, d, enc(stats.kstwo.sf(d, n))])
    return rows


def smirnov_table():
    rows = []
    for n in [2, 5, 10, 50, 140, 141, 1000, 5000, 50000]:
        for x in [0.5 / n, 1.0 / n, 1.5 / n, math.sqrt(0.5 / n), math.sqrt(2.2 / n), math.sqrt(5 / n),
                  math.sqrt(30 / n), math.sqrt(300 / n), 0.3, 0.5, 0.8, 1 - 1.0 / n, 1 - 0.5 / n]:
            if 0 < x < 1:
                rows.append([n, x, enc(sc.smirnov(n, x))])
    return rows


def ks_exact_table():
    """scipy's exact two-sided branch for (n1, n2, D): success flag, rounded D, probability; plus what
    ks_2samp returns (the asymptotic p-value when the exact attempt fails)."""
    rows = []
    pairs = [(1, 1), (1, 5), (5, 5), (7, 7), (10, 10), (3, 7), (50, 80), (97, 101), (100, 100), (60, 60),
             (1000, 1000), (1000, 1500), (2000, 6000), (640, 480), (9990, 10000), (10000, 9999), (10000, 10000)]
    for n1, n2 in pairs:
        g = math.gcd(n1, n2)
        for d in [1.0 / max(n1, n2), 2.0 / max(n1, n2), 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0]:
            if d > 1 or (n1 != n2 and n1 * n2 > 10**7 and d > 0.1):
                continue  # O(n1 n2) each in the TypeScript tests; the data cases cover large D
            success, d2, prob = _attempt_exact_2kssamp(n1, n2, g, d, "two-sided")
            if success:
                final = prob
            else:
                m, n = sorted([float(n1), float(n2)], reverse=True)
                final = np.clip(stats.kstwo.sf(d2, np.round(m * n / (m + n))), 0, 1)
            rows.append([n1, n2, d, bool(success), enc(d2), enc(prob), enc(final)])
    return rows


def check_fallback_against_ks_2samp():
    """The exact attempt fails for n = 5, D = 1/5 (2P rounds to 1.0000000000000002): confirm that
    ks_2samp then reports the asymptotic p-value, as the table above assumes."""
    a = np.arange(5.0)
    b = a + 0.5
    res = stats.ks_2samp(a, b)
    success, d2, _ = _attempt_exact_2kssamp(5, 5, 5, 0.2, "two-sided")
    assert not success
    assert res.pvalue == np.clip(stats.kstwo.sf(d2, np.round(2.5)), 0, 1), res


def chi2_table():
    rows = []
    for df in [1, 2, 3, 4, 5, 9, 10, 29, 99, 100, 999, 1000, 9999]:
        xs = [df * f for f in (0.01, 0.1, 0.5, 0.9, 1, 1.1, 1.5, 2, 3, 5, 10)]
        xs += [1e-3, 0.5, 1, 5, 20, 50, 100, 300, 700, 1000, 1300, 1400]
        for x in sorted(set(xs)):
            rows.append([df, x, enc(stats.chi2.sf(x, df))])
    return rows


def gammaincc_table():
    rows = []
    for a in [0.1, 0.5, 1, 2.5, 7, 11.5, 12, 30, 100, 1000, 1e4, 1e5]:
        for x in sorted(set([a * f for f in (0.01, 0.5, 0.9, 1, 1.1, 2, 5)] + [a + k * math.sqrt(a) for k in (-3, 3, 10)]
                            + [1e-3, 1, 10, 100, 700])):
            if x >= 0:
                rows.append([a, x, enc(sc.gammaincc(a, x)), enc(sc.gammainc(a, x))])
    return rows


def norm_table():
    zs = list(np.linspace(-8, 8, 33)) + [0.1, 1e-5, 10, 15, 20, 25, 30, 35, 37, 37.5, 38, 38.5]
    return [[float(z), enc(stats.norm.sf(z))] for z in zs]


def erfc_table():
    xs = list(np.linspace(-3, 6, 37)) + [0.49, 0.5, 0.51, 2.49, 2.5, 2.51, 8, 10, 15, 20, 26, 27]
    return [[float(x), enc(sc.erfc(x))] for x in xs]


def gammaln_table():
    xs = [0.1, 0.5, 1, 1.5, 2, 2.5, 3, 7.3, 11.9, 12, 12.1, 50, 1000, 1e6]
    return [[x, enc(sc.gammaln(x))] for x in xs]


def quantile_table():
    rows = []
    for n in [1, 2, 3, 10, 11, 101, 1000]:
        data = np.sort(round_sig(rng.normal(0, 1, n), 10))
        rows.append({"data": [float(v) for v in data], "levels": LEVELS,
                     "quantiles": [float(q) for q in np.quantile(data, LEVELS)]})
    return rows


def bh_table():
    rows = []
    for p in ([0.01, 0.04, 0.03, 0.005, 0.2, 0.5, 0.04], [0.5], [1e-10, 0.9, 0.9, 0.02], list(rng.uniform(0, 0.2, 15))):
        p = np.asarray(p, dtype=float)
        m = len(p)
        order = np.argsort(p, kind="mergesort")
        ranked = p[order] * m / np.arange(1, m + 1)
        adj = np.minimum(1, np.minimum.accumulate(ranked[::-1])[::-1])
        out = np.empty(m)
        out[order] = adj
        rows.append({"p": [float(v) for v in p], "adjusted": [float(v) for v in out]})
    return rows


def multivariate_table():
    """stats/multivariate.ts on full data (no subsampling, so no dependence on the PRNG): MMD^2 and its
    median-heuristic bandwidth in numpy, and the domain classifier's full-data logistic fit against
    scikit-learn's LogisticRegression(C=1) on the same standardised features."""
    from sklearn.linear_model import LogisticRegression

    rows = []
    specs = [
        ("mean_shift_2d", 120, 90, lambda n: rng.normal(0, 1, (n, 2)), lambda n: rng.normal([0.8, 0], 1, (n, 2))),
        ("correlation_change_3d", 150, 150,
         lambda n: rng.multivariate_normal([0, 0, 0], np.eye(3), n),
         lambda n: rng.multivariate_normal([0, 0, 0], [[1, 0.9, 0], [0.9, 1, 0], [0, 0, 1]], n)),
        ("same_distribution_2d", 100, 100, lambda n: rng.normal(0, 1, (n, 2)), lambda n: rng.normal(0, 1, (n, 2))),
    ]
    for name, n, m, gen_ref, gen_cur in specs:
        ref = round_sig(gen_ref(n).ravel(), 10).reshape(n, -1)
        cur = round_sig(gen_cur(m).ravel(), 10).reshape(m, -1)
        mu = ref.mean(axis=0)
        sd = ref.std(axis=0)
        sd[sd == 0] = 1
        zr = (ref - mu) / sd
        zc = (cur - mu) / sd
        pooled = np.vstack([zr, zc])
        sq = ((pooled[:, None, :] - pooled[None, :, :]) ** 2).sum(axis=2)
        iu = np.triu_indices(len(pooled), 1)
        bandwidth = np.median(sq[iu])
        K = np.exp(-sq / (2 * bandwidth))
        kxx = K[:n, :n]
        kyy = K[n:, n:]
        kxy = K[:n, n:]
        mmd2 = ((kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                - 2 * kxy.mean())
        y = np.r_[np.zeros(n), np.ones(m)]
        # newton-cholesky converges to the optimum; lbfgs stops ~1e-6 short of it.
        clf = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(pooled, y)
        rows.append({
            "name": name,
            "reference": [[float(v) for v in col] for col in ref.T],
            "current": [[float(v) for v in col] for col in cur.T],
            "mmd2": float(mmd2),
            "bandwidth": float(bandwidth),
            "logistic_intercept": float(clf.intercept_[0]),
            "logistic_coefficients": [float(v) for v in clf.coef_[0]],
        })
    return rows


check_fallback_against_ks_2samp()

golden = {
    "generator": {
        "script": "test/golden/generate_drift.py",
        "python": platform.python_version(),
        "executable": sys.executable,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": __import__("sklearn").__version__,
        "seed": SEED,
        "notes": "null = NaN/undefined; 'Infinity'/'-Infinity' strings stand for IEEE infinities.",
    },
    "cases": CASES,
    "special": {
        "kstwo_sf": kstwo_table(),
        "smirnov": smirnov_table(),
        "ks_exact": ks_exact_table(),
        "chi2_sf": chi2_table(),
        "gammaincc": gammaincc_table(),
        "norm_sf": norm_table(),
        "erfc": erfc_table(),
        "gammaln": gammaln_table(),
        "quantile": quantile_table(),
        "benjamini_hochberg": bh_table(),
        "multivariate": multivariate_table(),
    },
}

with open(OUT, "w") as f:
    json.dump(golden, f, separators=(",", ":"), allow_nan=False)
    f.write("\n")
print(f"wrote {OUT}: {len(CASES)} cases, {os.path.getsize(OUT) / 1e6:.2f} MB "
      f"(numpy {np.__version__}, scipy {scipy.__version__})")
