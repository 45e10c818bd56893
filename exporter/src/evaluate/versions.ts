/**
 * The cardinality guards of one model: `model_version` label values (the first `max` seen, then
 * `__other__`), and what every guard has dropped or folded since start (`cardinality_limited_total`).
 */
import { type ColumnarWindow, OTHER, type WindowBudget } from './window';

/** Caps a hostile or careless client cannot push past (see `limits` in the config). */
export interface MonitorGuards {
  /** Distinct feature (and attribute) columns kept in the window; values of further ones are dropped. */
  maxFeatures?: number;
  /** Distinct `model_version` label values on /metrics; further versions are counted as `__other__`. */
  maxVersions?: number;
  /** Memory shared by every model's window (`limits.max_window_bytes`). */
  windowBudget?: WindowBudget;
}

/** Values the guards dropped or folded, by kind (`cardinality_limited_total{kind}`), cumulative. */
export interface GuardCounts {
  feature: number;
  attribute: number;
  category: number;
  model_version: number;
}

export class VersionLabels {
  private readonly seen = new Set<string>();
  /** Versions counted as `__other__` since start. */
  folded = 0;

  constructor(private readonly max = 20) {}

  /** The version as a label value: the first `max` seen, then `__other__`. */
  label(version: string | null): string | null {
    if (version === null || this.seen.has(version)) return version;
    if (this.seen.size < this.max) {
      this.seen.add(version);
      return version;
    }
    this.folded++;
    return OTHER;
  }
}

/** What the window's guards (features, attributes, categories) and the version guard have dropped or folded. */
export function guardCounts(window: ColumnarWindow, versions: VersionLabels): GuardCounts {
  return {
    feature: window.features.dropped,
    attribute: window.attributes.dropped,
    category: window.folds.values,
    model_version: versions.folded,
  };
}
