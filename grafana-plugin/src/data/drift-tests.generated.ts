// Generated from exporter/src/stats/registry.ts by `npx tsx scripts/drift-tests-module.ts`; do not edit.
// The exporter's drift tests: name (the `method` label), display name, and whether the score is a p-value.

export interface DriftTestInfo {
  name: string;
  label: string;
  direction: 'p_value' | 'distance';
}

export const DRIFT_TESTS: readonly DriftTestInfo[] = [
  { name: 'ks', label: 'KS', direction: 'p_value' },
  { name: 'wasserstein', label: 'Wasserstein', direction: 'distance' },
  { name: 'psi', label: 'PSI', direction: 'distance' },
  { name: 'kl', label: 'KL', direction: 'distance' },
  { name: 'jensenshannon', label: 'Jensen–Shannon', direction: 'distance' },
  { name: 'hellinger', label: 'Hellinger', direction: 'distance' },
  { name: 'chisquare', label: 'χ²', direction: 'p_value' },
  { name: 'ztest', label: 'z-test', direction: 'p_value' },
];
