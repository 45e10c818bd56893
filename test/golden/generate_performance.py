#!/usr/bin/python3
"""Golden vectors for exporter/src/stats/{performance,fairness,quality,estimation}.ts.

Run with Debian's interpreter (python3-sklearn 1.2.1, scipy 1.10.1, numpy 1.24.2), not a pyenv python:

    /usr/bin/python3 test/golden/generate_performance.py      # writes test/golden/performance.json

Reference values:
- performance: scikit-learn (accuracy_score, precision/recall/f1_score with zero_division=0, roc_auc_score,
  log_loss with eps=1e-15 and labels=[0, 1], brier_score_loss, MAE/MSE/R2/MAPE); ECE from its definition
  in numpy (docs/statistics.md: 10 bins (0, .1], ..., (.9, 1], p = 0 in the first, edges the doubles k/10).
- fairness: Fairlearn's definitions written out in numpy here (Fairlearn is not installable on these
  machines), independently of the TypeScript.
- quality: docs/statistics.md definitions in numpy.
- isotonic: sklearn IsotonicRegression(out_of_bounds="clip") fitted thresholds and predictions.
- cbpe: NannyML's estimate_* formulas (expected confusion matrix; ROC AUC by trapezoid over the expected
  cumulative TP/FP along descending scores, without NannyML's 5-decimal rounding), and the same after an
  sklearn isotonic calibrator fitted on a labelled reference.
Values that are NaN/undefined are written as null. Keep the file small: a few hundred rows per case.
"""
import json
import math
import os
import platform
import sys

import numpy as np
import scipy
import sklearn
from sklearn.isotonic import IsotonicRegression
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

SEED = 20261123
rng = np.random.default_rng(SEED)


def num(x):
    """JSON number or null (NaN/inf → null)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def floats(a):
    return [num(v) for v in np.asarray(a, dtype=float)]


def ints(a):
    return [int(v) for v in a]


# ----------------------------------------------------------------------------------------------------
# Performance

def ece_by_definition(y, p, bins=10):
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    edges = np.arange(1, bins) / bins  # the doubles k/10; bin = number of edges strictly below p
    idx = np.searchsorted(edges, p, side="left")
    total = 0.0
    for b in range(bins):
        m = idx == b
        nb = int(m.sum())
        if nb == 0:
            continue
        total += (nb / len(p)) * abs(y[m].mean() - p[m].mean())
    return total


def binary_case(name, y, pred, score):
    y = np.asarray(y, dtype=int)
    pred = np.asarray(pred, dtype=int)
    exp = {
        "accuracy": accuracy_score(y, pred),
        "precision": precision_score(y, pred, pos_label=1, zero_division=0),
        "recall": recall_score(y, pred, pos_label=1, zero_division=0),
        "f1": f1_score(y, pred, pos_label=1, zero_division=0),
        "roc_auc": None,
        "log_loss": None,
        "brier": None,
        "ece": None,
    }
    if score is not None:
        score = np.asarray(score, dtype=float)
        exp["roc_auc"] = roc_auc_score(y, score) if len(np.unique(y)) == 2 else None
        exp["log_loss"] = log_loss(y, score, eps=1e-15, labels=[0, 1])
        exp["brier"] = brier_score_loss(y, score, pos_label=1)
        exp["ece"] = ece_by_definition(y, score)
    return {
        "name": name,
        "y_true": ints(y),
        "y_pred": ints(pred),
        "score": None if score is None else floats(score),
        "expected": {k: num(v) for k, v in exp.items()},
    }


def binary_cases():
    cases = []
    n = 150
    s = rng.random(n)
    y = (rng.random(n) < s).astype(int)
    cases.append(binary_case("random_scores", y, (s >= 0.5).astype(int), s))

    s = np.round(rng.random(n), 1)  # heavy ties, values exactly on the ECE edges, 0.0 and 1.0
    y = (rng.random(n) < s).astype(int)
    cases.append(binary_case("tied_scores_on_bin_edges", y, (s >= 0.5).astype(int), s))

    s = rng.random(40)
    cases.append(binary_case("single_class_positive", np.ones(40, int), (s >= 0.5).astype(int), s))
    cases.append(binary_case("single_class_negative_no_predicted_positives", np.zeros(40, int), np.zeros(40, int), s * 0.4))

    y = (rng.random(60) < 0.4).astype(int)
    s = np.where(y == 1, 0.0, 1.0)  # confidently wrong: exercises the 1e-15 clipping of log loss
    cases.append(binary_case("all_wrong_extreme_scores", y, 1 - y, s))

    n = 300
    s = rng.beta(2, 2, n)
    y = (rng.random(n) < s).astype(int)
    cases.append(binary_case("calibrated_scores", y, (s >= 0.5).astype(int), s))
    cases.append(binary_case("badly_calibrated_scores", y, (s >= 0.5).astype(int), s ** 3))

    y = (rng.random(50) < 0.5).astype(int)
    cases.append(binary_case("labels_only_no_scores", y, (rng.random(50) < 0.5).astype(int), None))
    return cases


def multiclass_case(name, y, pred):
    return {
        "name": name,
        "y_true": list(y),
        "y_pred": list(pred),
        "expected": {
            "accuracy": num(accuracy_score(y, pred)),
            "precision": num(precision_score(y, pred, average="macro", zero_division=0)),
            "recall": num(recall_score(y, pred, average="macro", zero_division=0)),
            "f1": num(f1_score(y, pred, average="macro", zero_division=0)),
        },
    }


def multiclass_cases():
    labels = np.array(["cat", "dog", "fish", "bird"])
    y = labels[rng.integers(0, 4, 120)]
    pred = np.where(rng.random(120) < 0.6, y, labels[rng.integers(0, 3, 120)])
    pred = np.where(pred == "bird", "cat", pred)  # "bird" never predicted
    cases = [multiclass_case("strings_class_absent_from_predictions", [str(v) for v in y], [str(v) for v in pred])]
    y = rng.choice([0, 1, 2, 3], 90)
    pred = np.where(rng.random(90) < 0.5, y, rng.choice([0, 1, 2, 7], 90))  # 7 only predicted
    cases.append(multiclass_case("numbers_class_only_in_predictions", [int(v) for v in y], [int(v) for v in pred]))
    return cases


def regression_case(name, y, pred):
    y = np.asarray(y, dtype=float)
    pred = np.asarray(pred, dtype=float)
    r2 = r2_score(y, pred) if len(y) >= 2 else float("nan")
    return {
        "name": name,
        "y_true": floats(y),
        "y_pred": floats(pred),
        "expected": {
            "mae": num(mean_absolute_error(y, pred)),
            "mse": num(mean_squared_error(y, pred)),
            "rmse": num(mean_squared_error(y, pred, squared=False)),
            "r2": num(r2),
            "mape": num(mean_absolute_percentage_error(y, pred)),
        },
    }


def regression_cases():
    y = rng.normal(50, 10, 120)
    cases = [regression_case("random", y, y + rng.normal(0, 3, 120))]
    y = rng.normal(0, 2, 80)
    y[::7] = 0.0
    cases.append(regression_case("zeros_in_truth_mape", y, y + rng.normal(0, 0.5, 80)))
    cases.append(regression_case("constant_truth_perfect", np.full(12, 2.5), np.full(12, 2.5)))
    cases.append(regression_case("constant_truth_imperfect", np.full(12, 2.5), 2.5 + rng.normal(0, 1, 12)))
    cases.append(regression_case("single_row", [3.0], [4.5]))
    return cases


# ----------------------------------------------------------------------------------------------------
# Fairness (Fairlearn definitions, written out here)

def rate(num_, den):
    return num_ / den if den > 0 else 0.0  # Fairlearn: 0/0 → 0


def fairness_expected(groups, y_true, y_pred, min_size, threshold=0.8):
    groups = np.asarray(groups, dtype=object)
    y_pred = np.asarray(y_pred, dtype=float)
    y_true = None if y_true is None else np.array([np.nan if v is None else v for v in y_true], dtype=float)
    out_groups, excluded = {}, {}
    sel, tprs, fprs = [], [], []
    for g in sorted(set(groups.tolist())):
        m = groups == g
        count = int(m.sum())
        entry = {"count": count, "selection_rate": float(y_pred[m].mean()), "tpr": None, "fpr": None}
        if y_true is not None:
            yt, yp = y_true[m], y_pred[m]
            labelled = ~np.isnan(yt)
            if labelled.any():
                pos, neg = yt == 1, yt == 0
                entry["tpr"] = rate(float(((yp == 1) & pos).sum()), float(pos.sum()))
                entry["fpr"] = rate(float(((yp == 1) & neg).sum()), float(neg.sum()))
        out_groups[g] = entry
        if count < min_size:
            excluded[g] = f"{count} rows, below the minimum group size of {min_size}"
            continue
        sel.append(entry["selection_rate"])
        if entry["tpr"] is not None:
            tprs.append(entry["tpr"])
            fprs.append(entry["fpr"])

    def diff(v):
        return max(v) - min(v) if v else None

    def ratio(v):
        if not v or max(v) == 0:
            return None
        return min(v) / max(v)

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
        "disparate_impact_passes": None if not sel else (dp_ratio is not None and dp_ratio >= threshold),
        "excluded_groups": excluded,
    }


def fairness_case(name, groups, y_true, y_pred, min_size, extra=None):
    case = {
        "name": name,
        "groups": [str(g) for g in groups],
        "y_true": None if y_true is None else [None if v is None else int(v) for v in y_true],
        "y_pred": ints(y_pred),
        "min_group_size": min_size,
        "expected": fairness_expected(groups, y_true, y_pred, min_size),
    }
    if extra:
        case.update(extra)
    return case


def fairness_cases():
    cases = []
    n = 200
    g = np.where(rng.random(n) < 0.45, "F", "M")
    y = (rng.random(n) < 0.4).astype(int)
    p = (rng.random(n) < np.where(g == "F", 0.3, 0.5)).astype(int)
    cases.append(fairness_case("two_groups", g, y, p, 10))

    g = rng.choice(["a", "b", "c"], n)
    y = np.where(g == "c", 0, (rng.random(n) < 0.5).astype(int))  # group c has no positives: TPR 0/0 → 0
    p = (rng.random(n) < 0.4).astype(int)
    cases.append(fairness_case("three_groups_one_without_positives", g, y, p, 10))

    g = np.concatenate([rng.choice(["w", "x", "y"], 150), ["z"] * 3])  # z below the minimum size
    y = (rng.random(153) < 0.5).astype(int)
    p = (rng.random(153) < np.where(g == "z", 0.9, 0.45)).astype(int)
    cases.append(fairness_case("four_groups_small_group_excluded", g, y, p, 10))
    cases.append(fairness_case("every_group_below_minimum", g, y, p, 1000))

    g = rng.choice(["u", "v"], 60)
    cases.append(fairness_case("nobody_selected", g, (rng.random(60) < 0.5).astype(int), np.zeros(60, int), 5))

    g = rng.choice(["p", "q", "r"], 90)
    y = [None if (gi == "r" or rng.random() < 0.3) else int(rng.random() < 0.5) for gi in g]  # r: no labels yet
    p = (rng.random(90) < 0.5).astype(int)
    cases.append(fairness_case("partly_unlabelled_group_without_labels", g, y, p, 5))

    sex = rng.choice(["F", "M"], 160)
    race = rng.choice(["black", "white", "asian"], 160)
    inter = np.array([f"{a}|{b}" for a, b in zip(sex, race)], dtype=object)
    y = (rng.random(160) < 0.5).astype(int)
    p = (rng.random(160) < 0.5).astype(int)
    cases.append(
        fairness_case("intersectional_sex_race", inter, y, p, 8, {"sex": list(map(str, sex)), "race": list(map(str, race))})
    )
    return cases


# ----------------------------------------------------------------------------------------------------
# Data quality (docs/statistics.md definitions)

def quality_cases():
    ref = rng.normal(0, 1, 200)
    cur = rng.normal(0.5, 1.2, 100)
    cur[::9] = np.nan
    cur[5] = np.inf
    finite = cur[np.isfinite(cur)]
    numeric = {
        "name": "numeric",
        "type": "numeric",
        "reference_min": num(ref.min()),
        "reference_max": num(ref.max()),
        "reference_count": len(ref),
        "current": floats(cur),  # NaN and inf → null in JSON; the test maps null back to NaN
        "current_inf_at": [5],
        "expected": {
            "missing_share": num((~np.isfinite(cur)).sum() / len(cur)),
            "out_of_range_share": num(((finite < ref.min()) | (finite > ref.max())).sum() / len(finite)),
            "unseen_category_share": None,
        },
    }
    ref_counts = {"a": 50, "b": 30, "c": 20}
    cur_counts = {"a": 40, "b": 25, "d": 7, "e": 3}
    missing = 5
    present = sum(cur_counts.values())
    categorical = {
        "name": "categorical",
        "type": "categorical",
        "reference_counts": sorted(ref_counts.items()),
        "current_counts": sorted(cur_counts.items()),
        "current_missing": missing,
        "expected": {
            "missing_share": missing / (present + missing),
            "out_of_range_share": None,
            "unseen_category_share": sum(v for k, v in cur_counts.items() if k not in ref_counts) / present,
        },
    }
    return [numeric, categorical]


# ----------------------------------------------------------------------------------------------------
# Isotonic regression

def isotonic_case(name, x, y, t, w=None):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    t = np.asarray(t, dtype=float)
    iso = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(x, y, sample_weight=w)
    return {
        "name": name,
        "x": floats(x),
        "y": floats(y),
        "weight": None if w is None else floats(w),
        "t": floats(t),
        "expected": {
            "x_thresholds": floats(iso.X_thresholds_),
            "y_thresholds": floats(iso.y_thresholds_),
            "x_min": num(iso.X_min_),
            "x_max": num(iso.X_max_),
            "predictions": floats(iso.predict(t)),
        },
    }


def isotonic_cases():
    probe = np.concatenate([np.linspace(-0.2, 1.2, 29), [0.25, 0.5, 0.75]])
    x = rng.random(60)
    y = (rng.random(60) < x ** 2).astype(float)
    cases = [isotonic_case("binary_labels", x, y, np.concatenate([probe, x[:10]]))]
    x = np.round(rng.random(80), 1)
    cases.append(isotonic_case("duplicate_x_continuous_y", x, rng.normal(x, 0.3), probe))
    x = rng.random(50)
    w = rng.random(50) * 3
    w[::6] = 0.0
    cases.append(isotonic_case("weighted_with_zero_weights", x, (rng.random(50) < x).astype(float), probe, w))
    cases.append(isotonic_case("single_distinct_x", np.full(5, 0.4), [0, 1, 1, 0, 1], probe))
    base = np.array([0.1, 0.2, np.nextafter(0.2, 1.0), 0.2 + 1e-12, 0.3, 0.3, 0.35])
    # 0.2 and its next double are pooled (closer than 1e-15); 0.2 + 1e-12 is not.
    cases.append(isotonic_case("x_closer_than_resolution", base, [0, 0.2, 0.6, 0.5, 0.7, 0.9, 1.0], probe))
    x = np.linspace(0, 1, 20)
    cases.append(isotonic_case("decreasing_y_pools_to_one_block", x, 1 - x, probe))
    return cases


# ----------------------------------------------------------------------------------------------------
# CBPE (NannyML formulas)

def cbpe_expected(calibrated, y_pred, score):
    p = np.asarray(calibrated, dtype=float)
    yp = np.asarray(y_pred)
    tp = np.sum(np.where(yp == 1, p, 0))
    fp = np.sum(np.where(yp == 1, 1 - p, 0))
    fn = np.sum(np.where(yp == 0, p, 0))
    tn = np.sum(np.where(yp == 0, 1 - p, 0))
    order = np.argsort(np.asarray(score))[::-1]
    ps = p[order]
    tps = np.r_[0, np.cumsum(ps)]
    fps = np.r_[0, 1 + np.arange(len(ps)) - np.cumsum(ps)]
    tpr, fpr = tps / tps[-1], fps / fps[-1]
    auc = np.trapz(tpr, fpr)
    return {
        "tp": tp, "fp": fp, "tn": tn, "fn": fn,
        "accuracy": (tp + tn) / len(p),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": tp / (tp + 0.5 * (fp + fn)) if tp + 0.5 * (fp + fn) else 0.0,
        "roc_auc": auc,
    }


def cbpe_cases():
    s = rng.random(150)  # distinct scores: NannyML's argsort order equals the tie-free ordering
    pred = (s >= 0.5).astype(int)
    cases = [{
        "name": "calibrated_scores_no_calibrator",
        "score": floats(s),
        "y_pred": ints(pred),
        "expected": {k: num(v) for k, v in cbpe_expected(s, pred, s).items()},
    }]
    ref_s = rng.random(200)
    ref_y = (rng.random(200) < ref_s ** 2).astype(int)  # scores overconfident: s² is the true probability
    iso = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(ref_s, ref_y)
    cur_s = rng.random(120) * 0.9 + 0.05
    cur_pred = (cur_s >= 0.5).astype(int)
    cal = iso.predict(cur_s)
    # Ties in calibrated values do not matter; ties in raw scores are absent (continuous draws).
    cases.append({
        "name": "isotonic_calibrator_from_reference",
        "reference_score": floats(ref_s),
        "reference_y_true": ints(ref_y),
        "score": floats(cur_s),
        "y_pred": ints(cur_pred),
        "expected": {k: num(v) for k, v in cbpe_expected(cal, cur_pred, cur_s).items()},
    })
    return cases


def main():
    out = {
        "meta": {
            "generator": "test/golden/generate_performance.py",
            "python": platform.python_version(),
            "executable": sys.executable,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "sklearn": sklearn.__version__,
            "seed": SEED,
            "tolerance": "1e-9 relative",
        },
        "binary": binary_cases(),
        "multiclass": multiclass_cases(),
        "regression": regression_cases(),
        "fairness": fairness_cases(),
        "quality": quality_cases(),
        "isotonic": isotonic_cases(),
        "cbpe": cbpe_cases(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "performance.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
