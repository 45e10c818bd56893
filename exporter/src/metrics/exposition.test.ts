/**
 * The behaviour of prom-client that exposition.ts works around. If prom-client changes it, the first
 * two tests fail: revisit nameCounterFor (maybe drop it) before updating them.
 */
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../evaluate/engine';
import type { ModelMonitor } from '../evaluate/monitor';
import type { Handles } from './catalog';
import { Exposition } from './exposition';
import type { Collector } from './family';
import { Metrics } from './registry';

function counter(): Counter<'model'> {
  const c = new Counter({ name: 'x_requests_total', help: 'h', labelNames: ['model'], registers: [] });
  c.inc({ model: 'm' }, 2);
  return c;
}

function openMetricsRegistry(c: Counter<'model'>): Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE> {
  const r = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
  r.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  r.registerMetric(c);
  return r;
}

describe('prom-client behaviour worked around in exposition.ts', () => {
  it('an OpenMetrics registry writes counter samples as <object name>_total and keys metrics by registered name', async () => {
    const c = counter();
    const om = openMetricsRegistry(c);
    expect(om.getSingleMetric('x_requests_total')).toBe(c);
    expect(om.getSingleMetric('x_requests')).toBeUndefined();
    // Without renaming the object first the suffix is doubled.
    expect(await om.getSingleMetricAsString('x_requests_total')).toContain(
      'x_requests_total_total{model="m"} 2',
    );
  });

  it('metrics() renames the counter object in place, so a text registry sharing it loses the suffix', async () => {
    const c = counter();
    const om = openMetricsRegistry(c);
    const text = new Registry();
    text.registerMetric(c);
    expect(await om.metrics()).toContain('x_requests_total{model="m"} 2');
    expect((c as unknown as { name: string }).name).toBe('x_requests');
    expect(await text.metrics()).toContain('\nx_requests{model="m"} 2');
  });
});

describe('Exposition', () => {
  it('names counters right in both formats, whatever the order of the scrapes', async () => {
    const e = new Exposition();
    e.register(counter());
    for (const om of [true, false, true, false]) {
      const out = await e.render(om);
      expect(out).toContain('x_requests_total{model="m"} 2');
      expect(out).not.toContain('x_requests_total_total');
      expect(out).toContain(om ? '# TYPE x_requests counter' : '# TYPE x_requests_total counter');
    }
  });
});

describe('Metrics collectors', () => {
  it('run each on its own: one that throws is reported, the others still write their series', async () => {
    const monitor = (name: string) => ({ name, predictions: { latencyCount: 0 } }) as unknown as ModelMonitor;
    const engine = {
      monitors: new Map([
        ['a', monitor('a')],
        ['b', monitor('b')],
      ]),
      unmonitored: { total: 0 },
      generation: 1,
    } as unknown as Engine;
    const failing: Collector<Handles> = {
      name: 'failing',
      model(_h, m) {
        if (m.name === 'a') throw new Error('boom');
      },
    };
    const status: Collector<Handles> = {
      name: 'status',
      model(h, m) {
        h.modelwatch_model_status.set({ model: m.name }, 2);
      },
    };
    const errors: [string, string | null, string][] = [];
    const metrics = new Metrics({
      collectors: [failing, status],
      onCollectorError: (collector, model, err) => errors.push([collector, model, (err as Error).message]),
    });
    metrics.attach(engine);
    const text = (await metrics.render(undefined)).body.toString();
    expect(errors).toEqual([['failing', 'a', 'boom']]);
    expect(text).toContain('modelwatch_model_status{model="a"} 2');
    expect(text).toContain('modelwatch_model_status{model="b"} 2');
  });
});
