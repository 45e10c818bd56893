/**
 * A bounded autocannon run in its own process (so the load generator's own event loop is not shared
 * with the benchmark's ingest loop): GET `--url` over `--connections` connections for `--seconds`.
 * Prints one JSON line: latencies of the 2xx answers in ms (exact, from every response, not autocannon's
 * whole-millisecond histogram), requests per second, errors.
 * Usage: node --import tsx bench/lib/cannon.ts --url http://127.0.0.1:PORT/metrics --connections 2 --seconds 20
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { percentile } from './report';

export interface CannonResult {
  requests: number;
  per_second: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  bytes_per_response: number;
  seconds: number;
  connections: number;
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    connections: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '20' },
    /** Requests per second over all connections (0: as fast as the server answers). */
    rate: { type: 'string', default: '0' },
  },
});
if (!values.url) throw new Error('--url is required');

const latencies: number[] = [];
let bytes = 0;
const started = performance.now();
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon(
    {
      url: values.url!,
      connections: Number(values.connections),
      duration: Number(values.seconds),
      pipelining: 1,
      timeout: 10,
      ...(Number(values.rate) > 0 ? { overallRate: Number(values.rate) } : {}),
    },
    (err, r) => (err ? reject(err) : resolve(r)),
  );
  instance.on('response', (_client, statusCode, resBytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) {
      latencies.push(responseTime);
      bytes += resBytes;
    }
  });
});
const seconds = (performance.now() - started) / 1000;
const out: CannonResult = {
  requests: latencies.length,
  per_second: latencies.length / seconds,
  p50_ms: percentile(latencies, 50),
  p90_ms: percentile(latencies, 90),
  p99_ms: percentile(latencies, 99),
  max_ms: latencies.length > 0 ? latencies.reduce((a, b) => Math.max(a, b)) : Number.NaN,
  mean_ms: latencies.reduce((a, b) => a + b, 0) / latencies.length,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  bytes_per_response: latencies.length > 0 ? bytes / latencies.length : 0,
  seconds,
  connections: Number(values.connections),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
