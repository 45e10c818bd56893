#!/usr/bin/python3
"""Golden end-to-end cases for `modelwatch compare --format json` (docs/compare.md and docs/statistics.md).

Run with Debian's interpreter (scipy 1.10.1, scikit-learn 1.2.1, numpy 1.24.2), not a pyenv python:

    /usr/bin/python3 test/golden/generate_compare.py

It writes small reference/current CSV pairs under test/golden/compare/<dataset>/, then reads those
files back with Python's csv module and computes the expected reports independently of the TypeScript:
the missing tokens and type rule of docs/compare.md, the binning, scipy's ks_2samp / wasserstein_distance /
jensenshannon / chisquare, PSI, KL, Hellinger and the pooled z-test by formula, Evidently's automatic
choice of test written out here, scikit-learn's metrics, Fairlearn's fairness definitions in numpy and
the data-quality shares. test/golden/compare/cases.json lists each case (the CLI arguments and the
files) and test/golden/compare/<case>.expected.json holds the report. test/compare.golden.test.ts runs
the CLI on every case and compares every field.

Conventions of `compare` reproduced here (docs/compare.md): a column's type is decided from the
reference and current values together; columns with a role (target, prediction, score, protected) are
not features unless listed; a default feature missing from one file counts as all-missing there;
prediction drift uses the score column when given; performance uses the rows where the target and
every given output are present; fairness uses current rows with a prediction; NaN and +-inf are
written as null. `reason` and `notes` texts are not written here (the test checks that a feature
without a verdict has a reason).

The JSON is written without arrays and with exponents as Biome prints them, so `biome check` leaves
the files alone. Output is deterministic for a given seed and library versions.
"""
import csv
import json
import math
import os
import platform
import re
import shutil
import sys

import numpy as np
import scipy
import sklearn
from scipy import stats
from scipy.spatial.distance import jensenshannon
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    f1_score,
    log_loss,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
)

SEED = 20261124
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "compare")
rng = np.random.default_rng(SEED)

MISSING = {"", "NA", "NaN", "null"}
DECIMAL = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


# ---------------------------------------------------------------------------------------------
# Writing the data sets

def fmt(v, digits=6):
    """A cell: None -> empty, str as is, numbers with `digits` significant digits."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{float(v):.{digits}g}"


def write_csv(path, columns, digits=6):
    """columns: list of (name, values); values are numbers, strings or None."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    n = len(columns[0][1]) if columns else 0
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([name for name, _ in columns])
        for i in range(n):
            w.writerow([fmt(values[i], digits) for _, values in columns])


def with_missing(values, share, tokens=("", "NA", "NaN", "null")):
    out = list(values)
    idx = rng.choice(len(out), int(round(share * len(out))), replace=False)
    for k, i in enumerate(sorted(idx)):
        out[i] = tokens[k % len(tokens)]
    return out


def credit(n, drift):
    """A credit-scoring data set: numeric, discrete, binary and categorical features, missing values,
    a binary target, prediction and score, two protected attributes."""
    sex = rng.choice(["F", "M"], n, p=[0.45, 0.55])
    race = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]).astype(object)
    age = np.round(rng.normal(40 + 3 * drift, 10, n))
    income = np.round(rng.lognormal(10 + 0.05 * drift, 0.5, n), 0)
    tenure = rng.integers(0, 9 + drift, n)  # 9 values; the current window adds 9
    n_products = rng.choice([1, 2, 3, 4], n, p=[0.4, 0.3, 0.2, 0.1] if not drift else [0.3, 0.3, 0.25, 0.15])
    has_card = (rng.random(n) < (0.6 if not drift else 0.66)).astype(int)
    regions = ["north", "south", "east", "west"] if not drift else ["north", "south", "east", "north, east"]
    region = rng.choice(regions, n, p=[0.4, 0.3, 0.2, 0.1])
    plan = rng.choice(["basic", "premium"], n, p=[0.7, 0.3] if not drift else [0.6, 0.4])
    constant = np.full(n, 7) if not drift else np.where(rng.random(n) < 0.05, 8, 7)
    legacy = np.round(rng.normal(0, 1, n), 3).tolist() if not drift else [None] * n
    logit = -3 + 0.03 * age + 0.3 * n_products - 0.5 * has_card + 0.4 * (sex == "M")
    score = np.round(1 / (1 + np.exp(-(logit + rng.normal(0, 0.3, n)))), 4)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int).tolist()
    pred = (score >= 0.5).astype(int).tolist()
    if drift:
        y = with_missing(y, 0.1, ("", "NA"))  # labels not yet received
        race[rng.choice(n, 4, replace=False)] = None
        pred[3] = None
        score = score.tolist()
        score[5] = None
    return [
        ("age", age.tolist()),
        ("income", with_missing(income.tolist(), 0.05)),
        ("tenure", tenure.tolist()),
        ("n_products", n_products.tolist()),
        ("has_card", has_card.tolist()),
        ("region", region.tolist()),
        ("plan", plan.tolist()),
        ("constant", constant.tolist()),
        ("legacy_score", legacy),
        ("sex", sex.tolist()),
        ("race", list(race)),
        ("y", y),
        ("pred", pred),
        ("score", list(score)),
    ]


def regression(n, drift):
    x1 = rng.normal(0.2 * drift, 1, n)
    x2 = rng.uniform(0, 10 + drift, n)
    x3 = rng.choice([0, 1, 2, 3], n, p=[0.4, 0.3, 0.2, 0.1] if not drift else [0.25, 0.25, 0.25, 0.25])
    cities = [f"c{i}" for i in range(8)] + (["c8"] if drift else [])
    w = np.arange(1, len(cities) + 1, dtype=float)
    city = rng.choice(cities, n, p=w / w.sum())
    flag = rng.choice(["no", "yes"], n, p=[0.8, 0.2])
    y = 3 + 2 * x1 + 0.5 * x2 + x3 + rng.normal(0, 1, n)
    pred = y + rng.normal(0.3 * drift, 1, n)
    return [
        ("x1", [float(f"{v:.4g}") for v in x1]),
        ("x2", [float(f"{v:.4g}") for v in x2]),
        ("x3", x3.tolist()),
        ("city", city.tolist()),
        ("flag", flag.tolist()),
        ("y", [float(f"{v:.5g}") for v in y]),
        ("pred", [float(f"{v:.5g}") for v in pred]),
    ]


def multiclass(n, drift):
    f1 = rng.normal(drift * 0.5, 1, n)
    f2 = rng.choice(["u", "v", "w"], n)
    classes = np.array(["bird", "cat", "dog"])
    k = rng.choice(3, n, p=[0.2, 0.4, 0.4] if not drift else [0.3, 0.3, 0.4])
    pk = np.where(rng.random(n) < 0.7, k, rng.choice(3, n))
    return [
        ("f1", [float(f"{v:.4g}") for v in f1]),
        ("f2", f2.tolist()),
        ("label", classes[k].tolist()),
        ("guess", classes[pk].tolist()),
        ("yk", k.tolist()),
        ("pk", pk.tolist()),
    ]


def mismatch(n, drift):
    a = np.round(rng.normal(drift * 0.3, 1, n), 3).tolist()
    b = rng.choice(["p", "q"], n).tolist()
    code = rng.integers(100, 130, n).astype(object)
    if drift:
        code[[2, 7, 11]] = "unknown"
        cols = [("b", b), ("a", a), ("code", list(code)), ("only_cur", rng.choice(["m", "n"], n).tolist())]
    else:
        cols = [("a", a), ("b", b), ("only_ref", np.round(rng.normal(0, 1, n), 3).tolist()), ("code", list(code))]
    return cols


def write_datasets():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    ref = credit(600, 0)
    cur = credit(400, 1)
    write_csv(os.path.join(OUT, "credit", "reference.csv"), ref)
    write_csv(os.path.join(OUT, "credit", "current.csv"), cur)
    write_csv(os.path.join(OUT, "credit", "current_header_only.csv"), [(name, []) for name, _ in cur])
    write_csv(os.path.join(OUT, "regression", "reference.csv"), regression(1100, 0))
    write_csv(os.path.join(OUT, "regression", "current.csv"), regression(800, 1))
    write_csv(os.path.join(OUT, "multiclass", "reference.csv"), multiclass(300, 0))
    write_csv(os.path.join(OUT, "multiclass", "current.csv"), multiclass(250, 1))
    write_csv(os.path.join(OUT, "mismatch", "reference.csv"), mismatch(60, 0))
    write_csv(os.path.join(OUT, "mismatch", "current.csv"), mismatch(45, 1))


# ---------------------------------------------------------------------------------------------
# Reading them back (docs/compare.md)

def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = [h.strip() for h in rows[0]]
    data = [r for r in rows[1:] if r != []]
    cols = {}
    for j, name in enumerate(header):
        cols[name] = [None if r[j].strip() in MISSING else r[j].strip() for r in data]
    return header, cols, len(data)


def is_number(s):
    if not DECIMAL.match(s):
        return False
    return math.isfinite(float(s))


# ---------------------------------------------------------------------------------------------
# Drift (docs/statistics.md)

LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
STAT_ORDER = ["ks_statistic", "ks_p_value", "wasserstein_normed", "psi", "kl", "jensenshannon", "hellinger",
              "chisquare_statistic", "chisquare_p_value", "ztest_p_value"]
TEST_STATS = {
    "ks": ["ks_statistic", "ks_p_value"],
    "wasserstein": ["wasserstein_normed"],
    "psi": ["psi"],
    "kl": ["kl"],
    "jensenshannon": ["jensenshannon"],
    "hellinger": ["hellinger"],
    "chisquare": ["chisquare_statistic", "chisquare_p_value"],
    "ztest": ["ztest_p_value"],
}
SCORE_OF = {"ks": "ks_p_value", "wasserstein": "wasserstein_normed", "psi": "psi", "kl": "kl",
            "jensenshannon": "jensenshannon", "hellinger": "hellinger", "chisquare": "chisquare_p_value",
            "ztest": "ztest_p_value"}
P_VALUE_TESTS = {"ks", "chisquare", "ztest"}
DEFAULT_THRESHOLD = {"ks": 0.05, "chisquare": 0.05, "ztest": 0.05, "psi": 0.1, "kl": 0.1,
                     "jensenshannon": 0.1, "hellinger": 0.1, "wasserstein": 0.1}
NUMERIC_ONLY = {"ks", "wasserstein"}


def auto_choice(kind, reference_rows, distinct_union):
    """Evidently's defaults."""
    discrete = kind == "categorical" or distinct_union <= 5
    if reference_rows <= 1000:
        if discrete:
            return ("chisquare" if distinct_union > 2 else "ztest"), 0.05
        return "ks", 0.05
    if discrete:
        return "jensenshannon", 0.1
    return "wasserstein", 0.1


def binned(kind, ref, cur):
    if kind == "numeric" and len(np.unique(ref)) > 20:
        edges = np.unique(np.quantile(ref, LEVELS))
        k = len(edges) + 1
        rc = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=k).astype(float)
        cc = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=k).astype(float)
        return rc, cc
    values = sorted(set(ref) | set(cur))
    rc = np.array([np.sum(np.asarray(ref) == v) if len(ref) else 0 for v in values], dtype=float)
    cc = np.array([np.sum(np.asarray(cur) == v) if len(cur) else 0 for v in values], dtype=float)
    return rc, cc


def statistic(name, kind, ref, cur, rc, cc, distinct_union):
    """Values of one test's statistics (dict) on non-empty sides."""
    r = rc / rc.sum()
    c = cc / cc.sum()
    if name == "ks":
        res = stats.ks_2samp(ref, cur)  # method="auto": exact when max(n, m) <= 10000
        return {"ks_statistic": res.statistic, "ks_p_value": res.pvalue}
    if name == "wasserstein":
        return {"wasserstein_normed": stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)}
    r1 = np.where(r == 0, 1e-4, r)
    c1 = np.where(c == 0, 1e-4, c)
    if name == "psi":
        return {"psi": np.sum((c1 - r1) * np.log(c1 / r1))}
    if name == "kl":
        return {"kl": np.sum(r1 * np.log(r1 / c1))}
    if name == "jensenshannon":
        return {"jensenshannon": jensenshannon(r, c)}
    if name == "hellinger":
        return {"hellinger": np.sqrt(0.5 * np.sum((np.sqrt(r) - np.sqrt(c)) ** 2))}
    if name == "chisquare":
        keep = (rc + cc) > 0
        table = np.vstack([rc[keep], cc[keep]])
        if table.shape[1] < 2:
            return {"chisquare_statistic": 0.0, "chisquare_p_value": 1.0}
        stat, p, _, _ = stats.chi2_contingency(table, correction=False)
        return {"chisquare_statistic": stat, "chisquare_p_value": p}
    if name == "ztest":
        if distinct_union > 2:
            return {"ztest_p_value": None}
        if len(rc) == 1:
            return {"ztest_p_value": 1.0}
        n, m = rc.sum(), cc.sum()
        p1, p2 = rc[1] / n, cc[1] / m
        pooled = (p1 * n + p2 * m) / (n + m)
        z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / m))
        return {"ztest_p_value": min(max(2 * stats.norm.sf(abs(z)), 0.0), 1.0)}
    raise ValueError(name)


# Calibrated decision (docs/detection.md), written out independently of the TypeScript.
MIN_EFFECT = {"wasserstein": 0.05, "ks": 0.015, "psi": 0.002, "kl": 0.001, "jensenshannon": 0.015,
              "hellinger": 0.015, "chisquare": 0.01, "ztest": 0.01}


def evaluation_level(run_length, columns):
    """alpha = 1 / (L * F * (1 + u^2)) with u = norm.isf(alpha), as a fixed point."""
    f = max(1, int(columns))
    a = 1 / (run_length * f)
    for _ in range(50):
        u = max(0.0, stats.norm.isf(min(a, 0.5)))
        nxt = 1 / (run_length * f * (1 + u * u))
        if abs(nxt - a) <= 1e-15 * a:
            break
        a = nxt
    return a


def mulberry32(seed):
    """The exporter's seeded generator (uint32 arithmetic), so the simulated null below is the same one."""
    state = [seed & 0xFFFFFFFF]

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def rand():
        state[0] = (state[0] + 0x6D2B79F5) & 0xFFFFFFFF
        t = state[0]
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return rand


def wasserstein_tail_excess(srt, scale, sigma, paths=1000, grid=128, level=0.05, seed=0x5EED):
    """Upper `level` quantile of the Brownian bridge's L1 norm on the reference's quantile grid, minus the
    quantile of its mean-shift component sigma*|N(0,1)| (docs/detection.md)."""
    n = len(srt)
    g = min(grid, n)
    at = [0 if g == 1 else math.floor(j * (n - 1) / (g - 1) + 0.5) for j in range(g)]  # Math.round
    cdf = [(a + 1) / n for a in at]
    width = [(srt[at[j + 1]] - srt[at[j]]) / scale if j + 1 < g else 0.0 for j in range(g)]
    rand = mulberry32(seed)
    spare = []  # Box-Muller gives normals in pairs

    def normal():
        if spare:
            return spare.pop()
        radius = math.sqrt(-2 * math.log(rand() or 5e-324))
        angle = 2 * math.pi * rand()
        spare.append(radius * math.sin(angle))
        return radius * math.cos(angle)

    norms = []
    for _ in range(paths):
        walk, previous, w = 0.0, 0.0, []
        for j in range(g):
            walk += math.sqrt(cdf[j] - previous) * normal()
            previous = cdf[j]
            w.append(walk)
        end = walk + math.sqrt(1 - previous) * normal()
        norms.append(sum(abs(w[j] - cdf[j] * end) * width[j] for j in range(g)))
    norms.sort()
    return max(0.0, norms[math.ceil((1 - level) * paths) - 1] - sigma * stats.norm.isf(level / 2))


def noise_quantile(test, ref, cur, rc, cc, alpha):
    n, m = len(ref), len(cur)
    if test == "wasserstein":
        srt = np.sort(np.asarray(ref, dtype=float))
        if len(srt) < 2:
            return None
        std = np.std(srt)
        scale = max(std, 0.001)
        sigma = min(1.0, std / scale)
        return (sigma * stats.norm.isf(alpha / 2) + wasserstein_tail_excess(srt, scale, sigma)) * math.sqrt(1 / n + 1 / m)
    k = int(np.sum((rc + cc) > 0))
    if k < 2:
        return None
    q = stats.chi2.isf(alpha, k - 1) * (1 / n + 1 / m)
    return {"psi": q, "kl": q / 2, "jensenshannon": math.sqrt(q / 8), "hellinger": math.sqrt(q / 8)}[test]


def drift_column(kind, ref_raw, cur_raw, reference_rows, method="auto", threshold=None, alpha=None):
    if kind == "numeric":
        ref = np.array([float(v) for v in ref_raw if v is not None])
        cur = np.array([float(v) for v in cur_raw if v is not None])
        distinct_union = len(np.union1d(ref, cur))
    else:
        ref = [v for v in ref_raw if v is not None]
        cur = [v for v in cur_raw if v is not None]
        distinct_union = len(set(ref) | set(cur))
    applicable = (["ks", "wasserstein"] if kind == "numeric" else []) + ["psi", "kl", "jensenshannon", "hellinger"]
    if kind == "categorical" or distinct_union <= 5:
        applicable.append("chisquare")
    if distinct_union <= 2:
        applicable.append("ztest")
    empty = len(ref) == 0 or len(cur) == 0
    rc, cc = binned(kind, list(ref), list(cur)) if not empty else (None, None)
    st = {}
    for t in applicable:
        for key in TEST_STATS[t]:
            st[key] = None
        if not empty:
            st.update(statistic(t, kind, ref, cur, rc, cc, distinct_union))
    st = {k: st[k] for k in STAT_ORDER if k in st}
    if method == "auto":
        test, thr = auto_choice(kind, reference_rows, distinct_union)
    else:
        test, thr = method, DEFAULT_THRESHOLD[method]
    if threshold is not None:
        thr = threshold
    if alpha is not None:
        thr = alpha if test in P_VALUE_TESTS else MIN_EFFECT[test]
    out = {"type": kind, "test": test, "score": None, "threshold": thr, "drifted": None}
    if test in NUMERIC_ONLY and kind != "numeric" or empty:
        out["stats"] = st
        return out
    if test not in applicable:
        st.update(statistic(test, kind, ref, cur, rc, cc, distinct_union))
    score = st[SCORE_OF[test]]
    if score is not None and not math.isnan(score):
        out["score"] = score
        if alpha is None:
            out["drifted"] = bool(score < thr) if test in P_VALUE_TESTS else bool(score >= thr)
        elif test in P_VALUE_TESTS:
            r, c = rc / rc.sum(), cc / cc.sum()
            effect = st["ks_statistic"] if test == "ks" else 0.5 * np.sum(np.abs(r - c))
            out["drifted"] = bool(score < alpha and effect >= MIN_EFFECT[test])
            calibration = {"alpha": alpha, "noise": None, "min_effect": MIN_EFFECT[test], "effect": effect}
        else:
            noise = noise_quantile(test, ref, cur, rc, cc, alpha)
            if noise is None:  # no null distribution (a single value): the threshold rule decides, with a note
                out["threshold"] = DEFAULT_THRESHOLD[test]
                out["drifted"] = bool(score >= out["threshold"])
                alpha = None
            else:
                out["threshold"] = max(noise, MIN_EFFECT[test])
                out["drifted"] = bool(score >= out["threshold"])
                calibration = {"alpha": alpha, "noise": noise, "min_effect": MIN_EFFECT[test], "effect": score}
    out["stats"] = st
    if alpha is not None and out["drifted"] is not None:
        out["calibration"] = calibration
    return out


# ---------------------------------------------------------------------------------------------
# Performance (scikit-learn), fairness (Fairlearn definitions), data quality

def ece(y, p, bins=10):
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    edges = np.arange(1, bins) / bins
    idx = np.searchsorted(edges, p, side="left")  # (0, .1], (.1, .2], ..., p = 0 in the first
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += (m.sum() / len(p)) * abs(y[m].mean() - p[m].mean())
    return total


def infer_task(labels, preds, hint):
    values = [v for v in labels + (preds or [])]
    if not values:
        return None
    if hint == "regression":
        return "regression"
    if all(not isinstance(v, str) and v in (0, 1) for v in values):
        return "binary"
    if hint == "classification" or any(isinstance(v, str) for v in values):
        return "multiclass"
    ints = all(float(v).is_integer() for v in values)
    return "multiclass" if ints and len(set(values)) <= 5 else "regression"


def binary_metrics(y, pred, score):
    out = {k: None for k in ["accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "brier", "ece"]}
    if len(y) == 0:
        return out
    y = np.asarray(y, dtype=int)
    if pred is not None:
        pred = np.asarray(pred, dtype=int)
        out["accuracy"] = accuracy_score(y, pred)
        out["precision"] = precision_score(y, pred, pos_label=1, zero_division=0)
        out["recall"] = recall_score(y, pred, pos_label=1, zero_division=0)
        out["f1"] = f1_score(y, pred, pos_label=1, zero_division=0)
    if score is not None:
        s = np.asarray(score, dtype=float)
        out["roc_auc"] = roc_auc_score(y, s) if len(np.unique(y)) == 2 else None
        out["log_loss"] = log_loss(y, s, eps=1e-15, labels=[0, 1])
        out["brier"] = brier_score_loss(y, s, pos_label=1)
        out["ece"] = ece(y, s)
    return out


def multiclass_metrics(y, pred):
    if len(y) == 0:
        return {"accuracy": None, "precision": None, "recall": None, "f1": None}
    return {
        "accuracy": accuracy_score(y, pred),
        "precision": precision_score(y, pred, average="macro", zero_division=0),
        "recall": recall_score(y, pred, average="macro", zero_division=0),
        "f1": f1_score(y, pred, average="macro", zero_division=0),
    }


def regression_metrics(y, pred):
    if len(y) == 0:
        return {"mae": None, "mse": None, "rmse": None, "r2": None, "mape": None}
    y = np.asarray(y, dtype=float)
    pred = np.asarray(pred, dtype=float)
    mse = mean_squared_error(y, pred)
    return {
        "mae": mean_absolute_error(y, pred),
        "mse": mse,
        "rmse": math.sqrt(mse),
        "r2": r2_score(y, pred) if len(y) >= 2 else None,
        "mape": mean_absolute_percentage_error(y, pred),
    }


def fairness(groups, y_pred, y_true):
    """Fairlearn's definitions; y_true entries None when not labelled; every group counts."""
    y_pred = np.asarray(y_pred, dtype=float)
    yt = None if y_true is None else np.array([np.nan if v is None else v for v in y_true], dtype=float)
    keys = np.array(["(missing)" if g is None else g for g in groups], dtype=object)
    out_groups = {}
    sel, tprs, fprs = [], [], []
    for g in sorted(set(keys.tolist())):
        m = keys == g
        entry = {"count": int(m.sum()), "selection_rate": float(y_pred[m].mean()), "tpr": None, "fpr": None}
        if yt is not None:
            t, p = yt[m], y_pred[m]
            if (~np.isnan(t)).any():
                pos, neg = t == 1, t == 0
                entry["tpr"] = float(((p == 1) & pos).sum() / pos.sum()) if pos.sum() else 0.0
                entry["fpr"] = float(((p == 1) & neg).sum() / neg.sum()) if neg.sum() else 0.0
        out_groups[g] = entry
        sel.append(entry["selection_rate"])
        if entry["tpr"] is not None:
            tprs.append(entry["tpr"])
            fprs.append(entry["fpr"])

    def diff(v):
        return max(v) - min(v) if v else None

    def ratio(v):
        return None if not v or max(v) == 0 else min(v) / max(v)

    def worse(a, b, f):
        vals = [x for x in (a, b) if x is not None]
        return f(vals) if vals else None

    dp_ratio = ratio(sel)
    return {
        "groups": out_groups,
        "demographic_parity_difference": diff(sel),
        "demographic_parity_ratio": dp_ratio,
        "equalized_odds_difference": worse(diff(tprs), diff(fprs), max),
        "equalized_odds_ratio": worse(ratio(tprs), ratio(fprs), min),
        "equal_opportunity_difference": diff(tprs),
        "equal_opportunity_ratio": ratio(tprs),
        # four-fifths rule; nobody selected anywhere (ratio 0/0) passes, no group at all is undetermined
        "disparate_impact_passes": None if not sel else (dp_ratio is not None and dp_ratio >= 0.8),
    }


def quality(kind, ref_raw, cur_raw, current_rows):
    out = {"missing_share": None, "out_of_range_share": None, "unseen_category_share": None}
    if current_rows == 0:
        return out
    present = [v for v in cur_raw if v is not None]
    out["missing_share"] = (current_rows - len(present)) / current_rows
    ref = [v for v in ref_raw if v is not None]
    if not present:
        return out
    if kind == "numeric":
        if ref:
            lo, hi = min(float(v) for v in ref), max(float(v) for v in ref)
            out["out_of_range_share"] = sum(1 for v in present if float(v) < lo or float(v) > hi) / len(present)
    else:
        known = set(ref)
        out["unseen_category_share"] = sum(1 for v in present if v not in known) / len(present)
    return out


# ---------------------------------------------------------------------------------------------
# The report

def expected_report(ref_path, cur_path, args):
    _, rcols, n = read_csv(ref_path)
    cur_header, ccols, m = read_csv(cur_path)
    ref_header = list(rcols.keys())
    method = args.get("drift_method", "auto")
    threshold = args.get("threshold")
    decision = args.get("decision", "threshold" if threshold is not None else "calibrated")
    run_length = args.get("false_alarm_run_length", 10000)

    def column(name, cols, rows):
        return cols[name] if name in cols else [None] * rows

    def kind_of(name):
        values = [v for v in column(name, rcols, n) + column(name, ccols, m) if v is not None]
        return "numeric" if all(is_number(v) for v in values) else "categorical"

    roles = set(args.get("protected", []))
    for r in ("target", "prediction", "score"):
        if r in args:
            roles.add(args[r])
    if "features" in args:
        features = args["features"]
    else:
        features = []
        for name in ref_header + cur_header:
            if name not in roles and name not in features:
                features.append(name)

    output = args.get("score", args.get("prediction"))
    # every column tested (features and the model output) shares the false-alarm budget
    alpha = evaluation_level(run_length, len(features) + (output is not None)) if decision == "calibrated" else None

    def drift_of(name):
        return drift_column(kind_of(name), column(name, rcols, n), column(name, ccols, m), n, method, threshold,
                            alpha)

    feats = {name: drift_of(name) for name in features}
    verdicts = [f["drifted"] for f in feats.values() if f["drifted"] is not None]
    count, drifted = len(verdicts), sum(verdicts)
    share = drifted / count if count else 0
    drift = {"method": method, "decision": decision}
    if decision == "calibrated":
        drift["false_alarm_run_length"] = run_length
    drift |= {"feature_count": count, "drifted_count": drifted, "share": share,
             "dataset_drift": bool(count > 0 and share >= 0.5)}
    if len(feats) > count:
        drift["undetermined_count"] = len(feats) - count
    drift["features"] = feats
    report = {"rows": {"reference": n, "current": m}, "drift": drift}

    if output is not None:
        report["prediction_drift"] = {"column": output, **drift_of(output)}

    if "target" in args:
        used = [c for c in (args["target"], args.get("prediction"), args.get("score")) if c is not None]
        # a classifier whose target and prediction columns differ in type is compared on strings
        as_strings = args.get("task") != "regression" and "prediction" in args and (
            kind_of(args["target"]) != kind_of(args["prediction"]))

        def values(name, cols, rows, keep):
            vals = [column(name, cols, rows)[i] for i in keep]
            if as_strings or kind_of(name) == "categorical":
                return vals
            return [int(float(v)) if float(v).is_integer() else float(v) for v in vals]

        sides = {}
        for side, cols, rows in (("reference", rcols, n), ("current", ccols, m)):
            keep = [i for i in range(rows) if all(column(c, cols, rows)[i] is not None for c in used)]
            sides[side] = {
                "y": values(args["target"], cols, rows, keep),
                "pred": values(args["prediction"], cols, rows, keep) if "prediction" in args else None,
                "score": [float(column(args["score"], cols, rows)[i]) for i in keep] if "score" in args else None,
            }
        task = infer_task(sides["reference"]["y"] + sides["current"]["y"],
                          None if "prediction" not in args else sides["reference"]["pred"] + sides["current"]["pred"],
                          args.get("task"))
        perf = {"task": task}
        for side, d in sides.items():
            if task == "binary":
                perf[side] = binary_metrics(d["y"], d["pred"], d["score"])
            elif task == "multiclass":
                perf[side] = multiclass_metrics(d["y"], d["pred"])
            else:
                perf[side] = regression_metrics(d["y"], d["pred"])
        report["performance"] = perf

    if args.get("protected"):
        preds = column(args["prediction"], ccols, m)
        keep = [i for i in range(m) if preds[i] is not None]
        y_pred = [float(preds[i]) for i in keep]
        y_true = None
        if "target" in args:
            t = column(args["target"], ccols, m)
            y_true = [None if t[i] is None else float(t[i]) for i in keep]
        report["fairness"] = {
            a: fairness([column(a, ccols, m)[i] for i in keep], y_pred, y_true) for a in args["protected"]
        }

    report["data_quality"] = {
        name: quality(kind_of(name), column(name, rcols, n), column(name, ccols, m), m) for name in features
    }
    return report


# ---------------------------------------------------------------------------------------------
# JSON as Biome formats it: objects expanded, no arrays, exponents without "+" or leading zeros.

def number(x):
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if not math.isfinite(x):
        return "null"
    s = repr(x)
    if "e" in s:
        mant, exp = s.split("e")
        s = f"{mant}e{int(exp)}"
    return s


def dump(value, indent=0):
    pad = "  " * indent
    if value is None:
        return "null"
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return number(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f'{pad}  {json.dumps(str(k))}: {dump(v, indent + 1)}' for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    raise TypeError(f"cannot write {type(value)} (arrays are avoided on purpose)")


CASES = {
    "credit_auto_full": {
        "data": "credit",
        "note": "reference 600 rows: statistical tests; unseen/vanished categories, a quoted category with a comma, "
                "missing tokens, a constant reference, an all-missing current column, delayed labels, "
                "a missing protected value; Evidently's rule (--decision threshold)",
        "args": {"target": "y", "prediction": "pred", "score": "score", "protected": ["sex", "race"],
                 "decision": "threshold"},
    },
    "credit_auto_calibrated": {
        "data": "credit",
        "note": "the default calibrated decision on the same data: p-value tests at the budget's level, effects",
        "args": {"target": "y", "prediction": "pred", "score": "score"},
    },
    "credit_psi_calibrated_budget": {
        "data": "credit",
        "note": "calibrated PSI with a small budget (100 turnovers): the noise quantile of the binned divergence",
        "args": {"drift_method": "psi", "false_alarm_run_length": 100, "prediction": "pred"},
    },
    "credit_psi_subset": {
        "data": "credit",
        "note": "explicit PSI with a threshold, a feature subset, prediction drift on the 0/1 prediction",
        "args": {"features": ["age", "income", "region", "tenure", "sex"], "prediction": "pred", "target": "y",
                 "protected": ["sex"], "drift_method": "psi", "threshold": 0.2},
    },
    "credit_chisquare_explicit": {
        "data": "credit",
        "note": "explicit chi-square, also on quantile-binned numeric columns",
        "args": {"features": ["age", "n_products", "region", "plan", "constant"], "drift_method": "chisquare"},
    },
    "credit_ks_on_categorical": {
        "data": "credit",
        "note": "explicit KS: categorical features get no verdict",
        "args": {"features": ["age", "income", "region"], "drift_method": "ks", "threshold": 0.01},
    },
    "credit_score_only": {
        "data": "credit",
        "note": "binary performance from scores alone: label metrics null",
        "args": {"features": ["age"], "target": "y", "score": "score"},
    },
    "credit_header_only_current": {
        "data": "credit",
        "current": "current_header_only.csv",
        "note": "header-only current file: null statistics, no verdicts, empty fairness groups",
        "args": {"target": "y", "prediction": "pred", "score": "score", "protected": ["sex"]},
    },
    "regression_auto": {
        "data": "regression",
        "note": "reference 1100 rows: Wasserstein and Jensen-Shannon, calibrated (the default); regression performance",
        "args": {"target": "y", "prediction": "pred"},
    },
    "regression_auto_threshold": {
        "data": "regression",
        "note": "reference 1100 rows: Wasserstein and Jensen-Shannon at Evidently's 0.1",
        "args": {"target": "y", "prediction": "pred", "decision": "threshold"},
    },
    "regression_hellinger": {
        "data": "regression",
        "note": "explicit Hellinger with a threshold",
        "args": {"features": ["x1", "x3", "city"], "drift_method": "hellinger", "threshold": 0.05},
    },
    "multiclass_strings": {
        "data": "multiclass",
        "note": "string class labels: multiclass metrics",
        "args": {"features": ["f1", "f2"], "target": "label", "prediction": "guess"},
    },
    "multiclass_numbers_task_hint": {
        "data": "multiclass",
        "note": "integer classes with --task classification",
        "args": {"features": ["f1"], "target": "yk", "prediction": "pk", "task": "classification",
                 "drift_method": "jensenshannon"},
    },
    "mismatched_columns": {
        "data": "mismatch",
        "note": "columns only in one file, reordered columns, a numeric reference column with text in the current file",
        "args": {},
    },
}

FLAGS = [("features", "--features"), ("target", "--target"), ("prediction", "--prediction"), ("score", "--score"),
         ("task", "--task"), ("protected", "--protected"), ("drift_method", "--drift-method"),
         ("threshold", "--threshold"), ("decision", "--decision"),
         ("false_alarm_run_length", "--false-alarm-run-length")]


def cli_args(args):
    out = []
    for key, flag in FLAGS:
        if key in args:
            v = args[key]
            out.append(f"{flag} {','.join(v) if isinstance(v, list) else v}")
    return " ".join(out)


def main():
    write_datasets()
    manifest = {
        "_generated_by": f"test/golden/generate_compare.py with Python {platform.python_version()}, numpy "
                         f"{np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}",
    }
    for name, case in CASES.items():
        ref = os.path.join(case["data"], "reference.csv")
        cur = os.path.join(case["data"], case.get("current", "current.csv"))
        report = expected_report(os.path.join(OUT, ref), os.path.join(OUT, cur), case["args"])
        with open(os.path.join(OUT, f"{name}.expected.json"), "w") as f:
            f.write(dump(report) + "\n")
        manifest[name] = {"reference": ref, "current": cur, "args": cli_args(case["args"]), "note": case["note"]}
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        f.write(dump(manifest) + "\n")
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {len(CASES)} cases to {OUT} ({total / 1024:.0f} KiB)", file=sys.stderr)


if __name__ == "__main__":
    main()
