/** The provisioned dashboards by file name under provisioning/dashboards/. */
import dataQuality from './data-quality';
import drift from './drift';
import exporter from './exporter';
import fairness from './fairness';
import overview from './overview';
import performance from './performance';

export const DASHBOARDS = {
  'overview.json': overview,
  'drift.json': drift,
  'performance.json': performance,
  'data-quality.json': dataQuality,
  'fairness.json': fairness,
  'exporter.json': exporter,
} as const;
