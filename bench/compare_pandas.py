#!/usr/bin/env python3
"""The script a user would write instead of `modelwatch compare`: read two CSV files with pandas and,
for every numeric column, compute the statistics compare reports (docs/statistics.md) with scipy and numpy:
KS statistic and p-value (scipy.stats.ks_2samp), normed Wasserstein distance, PSI, KL and
Jensen-Shannon over the reference's decile bins. Prints one JSON object {column: {stat: value}}.

Usage: python3 bench/compare_pandas.py REFERENCE.csv CURRENT.csv
"""
import json
import sys

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

EMPTY_BIN_PROPORTION = 1e-4


def binned(ref, cur, bins=10):
    """Edges = distinct reference quantiles at 1/B..(B-1)/B (linear); bin of x = #edges <= x."""
    edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1) / len(ref)
    c = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1) / len(cur)
    return r, c


def main():
    reference = pd.read_csv(sys.argv[1])
    current = pd.read_csv(sys.argv[2])
    out = {}
    for name in reference.columns:
        ref = reference[name].to_numpy(dtype=float)
        cur = current[name].to_numpy(dtype=float)
        ref = ref[np.isfinite(ref)]
        cur = cur[np.isfinite(cur)]
        ks = stats.ks_2samp(ref, cur)
        w = stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)
        r, c = binned(ref, cur)
        js = float(jensenshannon(r, c))
        r0 = np.where(r == 0, EMPTY_BIN_PROPORTION, r)
        c0 = np.where(c == 0, EMPTY_BIN_PROPORTION, c)
        out[name] = {
            "ks_statistic": float(ks.statistic),
            "ks_p_value": float(ks.pvalue),
            "wasserstein_normed": float(w),
            "psi": float(np.sum((c0 - r0) * np.log(c0 / r0))),
            "kl": float(np.sum(r0 * np.log(r0 / c0))),
            "jensenshannon": js,
        }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
