/**
 * False-alarm budget check for the calibrated decision (docs/detection.md, "Is the budget kept?"):
 * stationary streams at two or more budgets, run length in window turnovers (bench/detection/runlength.ts).
 * Usage: npm run bench:runlength [-- --budgets 10,100 --seeds 20 --window 2000 --evals-per-turnover 10
 *   --reference-rows 5000 --horizon-factor 4]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { measureRunLength } from './detection/runlength';

const { values } = parseArgs({
  options: {
    budgets: { type: 'string', default: '10,100' },
    seeds: { type: 'string', default: '20' },
    window: { type: 'string', default: '2000' },
    'evals-per-turnover': { type: 'string', default: '10' },
    'reference-rows': { type: 'string', default: '5000' },
    'horizon-factor': { type: 'string', default: '4' },
    method: { type: 'string', default: 'auto' },
  },
});
const budgets = values.budgets.split(',').map(Number);
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
const windowRows = Number(values.window);
const rowsPerStep = windowRows / Number(values['evals-per-turnover']);
const started = performance.now();
const load = loadavg()[0]!;
const rows: string[] = [];
for (const budget of budgets) {
  const horizon = Math.ceil(budget * Number(values['horizon-factor']));
  const r = measureRunLength({
    budget,
    seeds,
    windowRows,
    rowsPerStep,
    referenceRows: Number(values['reference-rows']),
    horizonTurnovers: horizon,
    method: values.method,
  });
  process.stderr.write(
    `  budget ${budget}: ${r.alarmed}/${r.runs} runs alarmed within ${horizon} turnovers\n`,
  );
  const seen = r.lengths.filter((x): x is number => x !== null).map((x) => x.toFixed(1));
  rows.push(
    `| ${budget} | ${r.runs} | ${horizon} | ${r.alarmed} | ${(100 * r.alarmedWithinBudget).toFixed(0)}% | ` +
      `≥ ${r.meanLowerBound.toFixed(1)} | ${r.meanLowerBound >= budget ? 'yes' : '**no**'} | ${seen.join(', ') || '—'} |`,
  );
}
console.log(
  [
    `Stationary streams, method ${values.method}, window ${windowRows} rows evaluated ${values['evals-per-turnover']} times per turnover, reference ${values['reference-rows']} rows, 4 features + the score (5 columns).`,
    '',
    '| budget L (turnovers) | runs | horizon (turnovers) | runs with an alarm | alarmed within L | mean run length (censored at the horizon) | ≥ L | run lengths of the runs that alarmed |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Command: \`npm run bench:runlength -- --budgets ${values.budgets} --seeds ${values.seeds}\` — ${((performance.now() - started) / 1000).toFixed(0)} s (load ${load.toFixed(1)} at start).`,
  ].join('\n'),
);
