#!/usr/bin/env python3
"""Times scipy.stats.ks_2samp, scipy.stats.wasserstein_distance and a numpy PSI on the arrays that
bench/parts/evaluation.ts wrote (float64 little-endian, [feature][reference|current][row]) and prints
one JSON object: the statistics per feature and the seconds each pass over all features took.

Usage: python3 bench/eval_scipy.py DATA_FILE ROWS FEATURES REPEATS
"""
import json
import sys
import time

import numpy as np
import scipy
from scipy import stats

EMPTY_BIN_PROPORTION = 1e-4


def psi(ref, cur, bins=10):
    """docs/statistics.md: edges = distinct reference quantiles at 1/B..(B-1)/B (linear), bin = #edges <= x."""
    edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1) / len(ref)
    c = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1) / len(cur)
    r = np.where(r == 0, EMPTY_BIN_PROPORTION, r)
    c = np.where(c == 0, EMPTY_BIN_PROPORTION, c)
    return float(np.sum((c - r) * np.log(c / r)))


def main():
    path, rows, features, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    data = np.fromfile(path, dtype="<f8").reshape(features, 2, rows)
    columns = [(np.ascontiguousarray(data[f, 0]), np.ascontiguousarray(data[f, 1])) for f in range(features)]

    def ks():
        return [stats.ks_2samp(r, c) for r, c in columns]

    def wasserstein():
        return [stats.wasserstein_distance(r, c) for r, c in columns]

    def psis():
        return [psi(r, c) for r, c in columns]

    out = {"python": sys.version.split()[0], "scipy": scipy.__version__, "numpy": np.__version__, "times": {}}
    results = {}
    for name, fn in (("ks", ks), ("wasserstein", wasserstein), ("psi", psis)):
        results[name] = fn()  # warm-up, and the values compared
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        out["times"][name] = times
    out["stats"] = {
        "ks_statistic": [float(r.statistic) for r in results["ks"]],
        "ks_p_value": [float(r.pvalue) for r in results["ks"]],
        "wasserstein": [float(w) for w in results["wasserstein"]],
        "psi": results["psi"],
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
