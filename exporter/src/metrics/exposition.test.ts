/**
 * The behaviour of prom-client that exposition.ts works around. If prom-client changes it, the first
 * two tests fail: revisit nameCounterFor (maybe drop it) before updating them.
 */
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Exposition } from './exposition';

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
