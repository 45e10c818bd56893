import { Traffic } from '../demo/traffic';
import { sleep } from './demo';
import { CliExit } from './main';
import { untilSignal } from './serve';

export interface SimulateOptions {
  target: string;
  model: string;
  rate: number;
  driftAfter: number;
  labelDelay: number;
  token?: string;
  duration?: number;
}

/** Waits for the exporter to answer /readyz (compose starts both at once). */
async function waitReady(target: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      if ((await fetch(`${target}/readyz`)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new CliExit(1, `exporter at ${target} not ready after ${seconds}s`);
    await sleep(1000);
  }
}

export async function simulate(opts: SimulateOptions): Promise<void> {
  let target: URL;
  try {
    target = new URL(opts.target);
  } catch {
    throw new CliExit(2, `--target: expected a URL such as http://127.0.0.1:9793, got "${opts.target}"`);
  }
  const base = target.toString().replace(/\/$/, '');
  await waitReady(base, 120);
  const token = opts.token ?? process.env.MODELWATCH_TOKEN;
  const traffic = new Traffic({
    target: base,
    model: opts.model,
    rate: opts.rate,
    driftAfter: opts.driftAfter,
    labelDelay: opts.labelDelay,
    ...(token ? { token } : {}),
    onError: (err) => process.stderr.write(`modelwatch simulate: ${err.message}\n`),
  });
  if (await traffic.ensureReference()) process.stdout.write(`uploaded a reference for "${opts.model}"\n`);
  traffic.start();
  process.stdout.write(
    `sending ${opts.rate}/s to ${base} as model "${opts.model}"; drift after ${opts.driftAfter}s\n`,
  );
  const stop = untilSignal();
  await (opts.duration === undefined ? stop : Promise.race([stop, sleep(opts.duration * 1000)]));
  traffic.stop();
  process.stdout.write(
    `sent ${traffic.stats.sent} predictions, ${traffic.stats.labelled} labels, ${traffic.stats.errors} failed requests\n`,
  );
}
