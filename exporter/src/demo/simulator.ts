/**
 * A simulated credit-scoring classifier for the demo: numeric, discrete and categorical features,
 * protected attributes, a calibrated score, a predicted label, and a true label. After `driftAt`
 * the applicant population shifts (covariate drift in half of the features) and the relationship
 * between features and default changes (concept drift), so data drift, prediction drift and
 * performance degradation all show. Seeded: the same seed gives the same stream.
 */
import { mulberry32 } from '../stats/multivariate';

export const DEMO_MODEL = 'credit-risk';

export interface Applicant {
  features: {
    age: number;
    income: number;
    credit_amount: number;
    duration_months: number;
    employment_years: number;
    open_credit_lines: number;
    purpose: string;
    housing: string;
  };
  attributes: { sex: string; age_group: string; region: string };
  score: number;
  prediction: number;
  label: number;
  latency_seconds: number;
}

export class Simulator {
  private readonly random: () => number;
  private spare: number | null = null;

  constructor(seed = 42) {
    this.random = mulberry32(seed);
  }

  private normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  private pick<T>(items: readonly T[], weights: readonly number[]): T {
    const total = weights.reduce((a, b) => a + b, 0);
    let x = this.random() * total;
    for (let i = 0; i < items.length; i++) {
      x -= weights[i]!;
      if (x <= 0) return items[i]!;
    }
    return items[items.length - 1]!;
  }

  private poisson(lambda: number): number {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.random();
    while (p > limit) {
      k++;
      p *= this.random();
    }
    return k;
  }

  /** One applicant; `drifted` switches to the shifted population and relationship. */
  next(drifted: boolean): Applicant {
    const age = Math.round(Math.min(90, Math.max(18, 41 + 12 * this.normal() + (drifted ? 9 : 0))));
    const income = Math.round(Math.exp(10.6 + 0.45 * this.normal() + (drifted ? -0.35 : 0)));
    const creditAmount = Math.round(Math.exp(8.6 + 0.7 * this.normal()));
    const duration = this.pick(
      [6, 12, 18, 24, 36, 48, 60],
      drifted ? [2, 8, 8, 16, 26, 24, 16] : [8, 22, 18, 24, 16, 8, 4],
    );
    const employment = Math.max(0, Math.round((Math.max(0, age - 20) * 0.4 + 3 * this.normal()) * 10) / 10);
    const lines = Math.min(15, this.poisson(3));
    const purpose = this.pick(
      ['car', 'furniture', 'education', 'business', 'repairs', 'vacation'],
      drifted ? [18, 10, 10, 42, 10, 10] : [32, 22, 12, 14, 12, 8],
    );
    const housing = this.pick(['own', 'rent', 'free'], [55, 35, 10]);
    const sex = this.pick(['female', 'male'], [48, 52]);
    const region = this.pick(['north', 'south', 'east', 'west'], [30, 25, 25, 20]);
    const ageGroup = age < 30 ? '18-29' : age < 50 ? '30-49' : '50+';

    // The model the bank trained (fixed) …
    const z =
      -1.2 +
      0.9 * Math.log(creditAmount / 5000) -
      1.1 * Math.log(income / 40_000) +
      0.025 * (duration - 24) -
      0.04 * (employment - 8) +
      0.08 * (lines - 3) +
      (purpose === 'business' ? 0.5 : purpose === 'car' ? -0.2 : 0) +
      (housing === 'rent' ? 0.25 : 0);
    const score = 1 / (1 + Math.exp(-z));
    // … and the world: identical before the drift, different afterwards (concept drift).
    const zTrue = drifted ? z + 0.9 + (purpose === 'business' ? 0.8 : 0) - 0.03 * (age - 50) : z;
    const pTrue = 1 / (1 + Math.exp(-zTrue));
    const label = this.random() < pTrue ? 1 : 0;
    const latency = Math.exp(Math.log(0.018) + 0.5 * this.normal());
    return {
      features: {
        age,
        income,
        credit_amount: creditAmount,
        duration_months: duration,
        employment_years: employment,
        open_credit_lines: lines,
        purpose,
        housing,
      },
      attributes: { sex, age_group: ageGroup, region },
      score: Math.round(score * 1e6) / 1e6,
      prediction: score >= 0.5 ? 1 : 0,
      label,
      latency_seconds: Math.round(latency * 1e5) / 1e5,
    };
  }
}

/** Reference data set (training-time sample with labels) as NDJSON lines. */
export function referenceNdjson(rows: number, seed: number): string {
  const sim = new Simulator(seed);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const a = sim.next(false);
    lines.push(
      JSON.stringify({
        features: a.features,
        attributes: a.attributes,
        prediction: a.prediction,
        score: a.score,
        label: a.label,
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}
