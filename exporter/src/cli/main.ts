/**
 * `modelwatch` command line (docs/cli.md). Exit codes: 0 success, 1 runtime failure (e.g. the
 * database cannot be opened), 2 bad input or configuration (message on stderr).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseDuration, parseRate } from '../config/duration';
import { VERSION } from '../version';

/** Thrown by commands for a clean exit with a message (no stack trace). */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const durationArg = (value: string): number => {
  const s = parseDuration(value);
  if (s === null) throw new InvalidArgumentError('expected a duration such as 30s, 5m, 1h');
  return s;
};
export const rateArg = (value: string): number => {
  const r = parseRate(value);
  if (r === null) throw new InvalidArgumentError('expected a rate such as 200/s or 6000/m');
  return r;
};
export const portArg = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
};

/**
 * The command line. `driftMethods` (the registry's, for help) names the drift tests `--drift-method` takes;
 * without them its help says only "a drift test" (main passes them when help is asked for).
 */
export function buildProgram(driftMethods?: readonly string[]): Command {
  const program = new Command('modelwatch')
    .description('Prometheus- and Grafana-native monitoring for machine-learning models')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('serve')
    .description('run the exporter: REST API, evaluation loop and /metrics')
    .option('-c, --config <file>', 'YAML configuration file')
    .option('--db <path>', 'SQLite prediction log (overrides database.path)')
    .option('-p, --port <port>', 'listen port (default 9793)', portArg)
    .option('--host <address>', 'listen address (default 127.0.0.1)')
    .action(async (opts: { config?: string; db?: string; port?: number; host?: string }) => {
      const { serve } = await import('./serve');
      await serve(opts);
    });

  program
    .command('demo')
    .description(
      'run an exporter with a simulated credit-scoring model; drift is injected after --drift-after',
    )
    .option('-p, --port <port>', 'listen port', portArg, 9793)
    .option('--host <address>', 'listen address', '127.0.0.1')
    .addOption(
      new Option('--drift-after <duration>', 'inject drift after this long')
        .argParser(durationArg)
        .default(60, '60s'),
    )
    .addOption(new Option('--rate <rate>', 'predictions per second').argParser(rateArg).default(200, '200/s'))
    .addOption(
      new Option('--label-delay <duration>', 'delay before true labels arrive')
        .argParser(durationArg)
        .default(15, '15s'),
    )
    .addOption(
      new Option('--eval-interval <duration>', 'evaluation interval').argParser(durationArg).default(5, '5s'),
    )
    .option('--db <path>', 'SQLite file (default: a new file in the temp directory)')
    .addOption(
      new Option('--duration <duration>', 'stop after this long (default: run until Ctrl+C)').argParser(
        durationArg,
      ),
    )
    .action(async (opts) => {
      const { demo } = await import('./demo');
      await demo(opts);
    });

  program
    .command('simulate')
    .description('send simulated credit-scoring predictions and delayed labels to a running exporter')
    .requiredOption('--target <url>', 'exporter base URL, e.g. http://127.0.0.1:9793')
    .option('--model <name>', 'model name', 'credit-risk')
    .addOption(new Option('--rate <rate>', 'predictions per second').argParser(rateArg).default(200, '200/s'))
    .addOption(
      new Option('--drift-after <duration>', 'inject drift after this long')
        .argParser(durationArg)
        .default(600, '10m'),
    )
    .addOption(
      new Option('--label-delay <duration>', 'delay before true labels arrive')
        .argParser(durationArg)
        .default(15, '15s'),
    )
    .option('--token <token>', 'bearer token (default: MODELWATCH_TOKEN)')
    .addOption(new Option('--duration <duration>', 'stop after this long').argParser(durationArg))
    .action(async (opts) => {
      const { simulate } = await import('./simulate');
      await simulate(opts);
    });

  {
    // `modelwatch compare` (docs/compare.md); everything else lives in cli/compare.ts and compare/.
    const columns = (value: string): string[] => {
      const items = value.split(',').map((s) => s.trim());
      if (items.some((s) => s === ''))
        throw new InvalidArgumentError('expected comma-separated column names');
      return items;
    };
    const finite = (value: string): number => {
      const n = value.trim() === '' ? Number.NaN : Number(value);
      if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a finite number');
      return n;
    };
    program
      .command('compare')
      .description('compare a current data set with a reference: drift, performance, fairness, data quality')
      .requiredOption(
        '--reference <file>',
        'reference data: CSV/TSV with a header row, Parquet or NDJSON (by extension)',
      )
      .requiredOption(
        '--current <file>',
        'current data: CSV/TSV with a header row, Parquet or NDJSON (by extension)',
      )
      .option(
        '--features <columns>',
        'comma-separated feature columns (default: every column without a role)',
        columns,
      )
      .option('--target <column>', 'ground-truth column (adds performance)')
      .option('--prediction <column>', 'prediction column (prediction drift; needed for fairness)')
      .option('--score <column>', 'score column, probability of class 1 (prediction drift prefers it)')
      .addOption(
        new Option('--task <task>', 'model task (default: inferred from the target)').choices([
          'classification',
          'regression',
        ]),
      )
      .option(
        '--protected <columns>',
        'comma-separated protected attributes (fairness on the current data)',
        columns,
      )
      .option(
        '--drift-method <method>',
        driftMethods === undefined ? 'auto, or a drift test' : ['auto', ...driftMethods].join(', '),
        'auto',
      )
      .addOption(
        new Option(
          '--decision <mode>',
          'how verdicts are reached: calibrated (stated false-alarm budget and smallest change) or threshold (Evidently rule; implied by --threshold)',
        ).choices(['calibrated', 'threshold']),
      )
      .option('--threshold <x>', "threshold-rule drift threshold (default: the method's own)", finite)
      .option(
        '--false-alarm-run-length <turnovers>',
        'calibrated: expected window turnovers per model before a false alarm (default 10000)',
        finite,
      )
      .option(
        '--min-effect <x>',
        "calibrated: smallest change that counts (default: each test's own)",
        finite,
      )
      .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('json'))
      .action(async (opts) => {
        const { compare } = await import('./compare');
        await compare(opts);
      });
  }

  const reference = program.command('reference').description('manage reference profiles');
  reference
    .command('import <file>')
    .description(
      "build a reference profile from a CSV/TSV, Parquet or NDJSON file and make it the model's active reference",
    )
    .requiredOption('-m, --model <name>', 'model the reference belongs to')
    .option('-c, --config <file>', 'YAML configuration file (feature types, attributes)')
    .option('--db <path>', 'SQLite prediction log (overrides database.path)')
    .option('--name <name>', 'reference name', 'default')
    .option('--target <column>', 'ground-truth column (default: label or target)')
    .option('--prediction <column>', 'prediction column', 'prediction')
    .option('--score <column>', 'score column', 'score')
    .action(async (file: string, opts) => {
      const { importReference } = await import('./reference');
      await importReference(file, opts);
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  // The drift-test registry (and the statistics behind it) is loaded for help, which lists the tests,
  // and by the commands that use it; not at every start (`--version` ~5 ms sooner, docs/benchmarks.md).
  const help = argv.slice(2).some((a) => a === 'help' || a === '--help' || a === '-h');
  const program = buildProgram(help ? (await import('../stats/registry')).BUILTIN_DRIFT_METHODS : undefined);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    if (err instanceof CliExit) {
      if (err.message) process.stderr.write(`modelwatch: ${err.message}\n`);
      return err.code;
    }
    // By name, not instanceof: importing their modules (zod, yaml, better-sqlite3) would slow down
    // every start, `--version` included; each command loads what it needs.
    const name = err instanceof Error ? err.name : '';
    if (name === 'ConfigError' || name === 'InputError') {
      process.stderr.write(`modelwatch: ${(err as Error).message}\n`);
      return 2;
    }
    if (name === 'DatabaseOpenError') {
      process.stderr.write(`modelwatch: ${(err as Error).message}\n`);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
      process.stderr.write(`modelwatch: cannot listen: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`modelwatch: ${e.stack ?? String(err)}\n`);
    return 1;
  }
}
