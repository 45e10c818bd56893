/**
 * Ingest benchmark (issue: ≥ 50,000 predictions/s over HTTP and ≥ 0.6 of a raw better-sqlite3 insert).
 * Same rows both ways, measured in the same run, alternating rounds (bench/parts/ingest.ts). Also part
 * of `npm run bench`. Prints a table and writes bench/results/ingest.json.
 * Usage: npm run bench:ingest [-- --rows 200000 --rounds 5 --concurrency 4]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/server';
import { ingestBench } from './parts/ingest';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '4' },
    batch: { type: 'string', default: '1000' },
  },
});

const summary = await ingestBench({
  rows: Number(values.rows),
  rounds: Number(values.rounds),
  concurrency: Number(values.concurrency),
  batch: Number(values.batch),
  log: (line) => console.log(line),
});

console.log('');
const rate = (n: number) => `${Math.round(n).toString().padStart(9)} /s`;
console.log(
  `median of ${summary.rounds.length} rounds, ${summary.rows} predictions x ${summary.features} features, batches of ${summary.batch}, ${summary.concurrency} connections`,
);
console.log('| measure                                   | value        | target  |');
console.log('|-------------------------------------------|--------------|---------|');
console.log(`| raw insert, pre-serialised rows           | ${rate(summary.raw_per_second)} |         |`);
console.log(
  `| raw insert from row objects (+stringify)  | ${rate(summary.raw_from_objects_per_second)} |         |`,
);
console.log(`| HTTP ingest                               | ${rate(summary.http_per_second)} | ≥ 50000 |`);
console.log(
  `| ratio HTTP / raw pre-serialised           | ${summary.ratio.toFixed(3).padStart(12)} | ≥ 0.6   |`,
);
console.log(
  `| ratio HTTP / raw from objects             | ${summary.ratio_vs_objects.toFixed(3).padStart(12)} |         |`,
);
console.log(
  `| raw insert, 50 rows per statement         | ${rate(summary.raw_multi_row_per_second)} |         |`,
);
console.log(
  `| ratio HTTP / raw 50 rows per statement    | ${summary.ratio_vs_multi_row.toFixed(3).padStart(12)} |         |`,
);
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/ingest.json'), `${JSON.stringify(summary, null, 2)}\n`);
