#!/usr/bin/env node
// npm run stack [-- options]: the modelwatch stack without Docker, on 127.0.0.1 only.
// Runs `npx modelwatch demo` (an exporter with simulated traffic), Debian's `prometheus` and
// `prometheus-alertmanager` with temporary copies of provisioning/prometheus/prometheus.yml,
// alert-rules/*.yml and alert-rules/alertmanager.yml (compose host names rewritten to local ports,
// data in a temporary directory), prints the URLs, and stops everything on Ctrl+C / SIGTERM.
// The implementation is shared with the end-to-end test: test/helpers/stack.ts.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();
const { startStack } = await import('../test/helpers/stack.ts');

const USAGE = `Usage: npm run stack -- [options]

  --exporter-port <n>        demo exporter port (default 9793; 0 picks a free port)
  --prometheus-port <n>      Prometheus port (default 9090)
  --alertmanager-port <n>    Alertmanager port (default 9093)
  --drift-after <duration>   inject drift after this long (default 30s)
  --fast-alerts              shorten alert "for:" (warnings 10s, critical 30s), scrape and
                             evaluate every 5s, so alerts show within a minute or two of drift
  --slack-api-url-file <f>   send real Slack notifications (with --pagerduty-routing-key-file);
  --pagerduty-routing-key-file <f>
                             without both, notifications are printed here instead
  --keep                     keep the working directory (configs, data, logs) on exit
  -h, --help`;

let args;
try {
  args = parseArgs({
    options: {
      'exporter-port': { type: 'string', default: '9793' },
      'prometheus-port': { type: 'string', default: '9090' },
      'alertmanager-port': { type: 'string', default: '9093' },
      'drift-after': { type: 'string', default: '30s' },
      'fast-alerts': { type: 'boolean', default: false },
      'slack-api-url-file': { type: 'string' },
      'pagerduty-routing-key-file': { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (err) {
  process.stderr.write(`${err.message}\n\n${USAGE}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

function port(name) {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    process.stderr.write(`--${name}: expected a port number, got ${args[name]}\n`);
    process.exit(2);
  }
  return value;
}
const ports = {
  exporter: port('exporter-port'),
  prometheus: port('prometheus-port'),
  alertmanager: port('alertmanager-port'),
};

const slack = args['slack-api-url-file'];
const pagerduty = args['pagerduty-routing-key-file'];
if (Boolean(slack) !== Boolean(pagerduty)) {
  process.stderr.write('--slack-api-url-file and --pagerduty-routing-key-file go together\n');
  process.exit(2);
}

// Without real secrets, Alertmanager's Slack/PagerDuty receivers post here and we print them.
let sink = null;
if (!slack) {
  sink = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        const payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const a of payload.alerts ?? []) {
          const where = ['model', 'feature', 'attribute', 'metric', 'check', 'instance']
            .filter((k) => a.labels?.[k])
            .map((k) => `${k}=${a.labels[k]}`)
            .join(' ');
          process.stdout.write(
            `[alert → ${payload.receiver}] ${String(a.status).toUpperCase()} ${a.labels?.alertname} (${a.labels?.severity}) ${where}: ${a.annotations?.summary ?? ''}\n`,
          );
        }
      } catch {
        // not a webhook payload
      }
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
}

const fast = args['fast-alerts'];
let stack;
try {
  stack = await startStack({
    ports,
    driftAfter: args['drift-after'],
    keepDir: args.keep,
    notifications: sink
      ? { url: `http://127.0.0.1:${sink.address().port}/notifications` }
      : { slackApiUrlFile: slack, pagerdutyRoutingKeyFile: pagerduty },
    ...(fast
      ? {
          scrapeInterval: '5s',
          evaluationInterval: '5s',
          alertFor: (rule) => (rule.labels.severity === 'critical' ? '30s' : '10s'),
          alertmanagerTimings: { groupWait: '5s', groupInterval: '10s' },
        }
      : {}),
  });
} catch (err) {
  process.stderr.write(`modelwatch stack: ${err.message}\n`);
  sink?.close();
  process.exit(1);
}

const { urls, logs, dir } = stack;
process.stdout.write(
  [
    `modelwatch stack (no Docker), working directory ${dir}${args.keep ? ' (kept)' : ''}`,
    `  exporter (demo)  ${urls.exporter}/metrics   ${urls.exporter}/api/v1/models`,
    `  Prometheus       ${urls.prometheus}/alerts   ${urls.prometheus}/rules`,
    `  Alertmanager     ${urls.alertmanager}`,
    '  Grafana          not part of this stack: `docker compose up` runs it with the dashboards',
    `  logs             ${Object.values(logs).join('  ')}`,
    sink
      ? `Notifications are printed here (Slack and PagerDuty are not configured).${fast ? '' : ' Alerts wait for their for: durations (15-30 min); --fast-alerts shortens them.'}`
      : 'Notifications go to Slack and PagerDuty.',
    'Press Ctrl+C to stop.',
    '',
  ].join('\n'),
);

let stopping = false;
async function shutdown(code, why) {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\nstopping (${why})…\n`);
  await stack.stop();
  await new Promise((resolve) => (sink ? sink.close(resolve) : resolve()));
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0, 'SIGINT'));
process.once('SIGTERM', () => void shutdown(0, 'SIGTERM'));
stack.exited.then(
  (e) => void shutdown(1, `${e.name} exited with ${e.signal ?? e.code}; see ${logs[e.name]}`),
);
