import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing';
import { parseBytes, parseDuration, parseRate } from './duration';
import { buildConfig, ConfigError, loadConfig, modelConfig } from './load';

describe('durations, rates and sizes', () => {
  it('parses units to seconds', () => {
    expect(parseDuration('500ms')).toBeCloseTo(0.5);
    expect(parseDuration('15s')).toBe(15);
    expect(parseDuration('5m')).toBe(300);
    expect(parseDuration('24h')).toBe(86_400);
    expect(parseDuration('7d')).toBe(604_800);
    expect(parseDuration('30')).toBe(30);
    expect(parseDuration('soon')).toBeNull();
    expect(parseDuration(-1)).toBeNull();
    expect(parseRate('200/s')).toBe(200);
    expect(parseRate('600/m')).toBe(10);
    expect(parseRate('0/s')).toBeNull();
    expect(parseBytes('16mb')).toBe(16 * 1024 * 1024);
    expect(parseBytes('x')).toBeNull();
  });
});

describe('configuration', () => {
  const saved = process.env.MODELWATCH_TOKEN;
  afterEach(() => {
    if (saved === undefined) delete process.env.MODELWATCH_TOKEN;
    else process.env.MODELWATCH_TOKEN = saved;
  });

  it('has a default for every option, binding to 127.0.0.1', () => {
    delete process.env.MODELWATCH_TOKEN;
    const c = buildConfig({});
    expect(c.listen).toEqual({
      host: '127.0.0.1',
      port: 9793,
      allowed_hosts: [],
      max_connections: 1024,
      header_timeout: 10,
      request_timeout: 60,
      shutdown_timeout: 10,
    });
    expect(c.limits.max_window_bytes).toBe(1024 ** 3);
    expect(c.limits.max_clock_skew).toBe(300);
    expect(c.limits.max_webhook_body).toBe(1024 ** 2);
    expect(c.evaluation.interval).toBe(15);
    expect(c.drift.method).toBe('auto');
    expect(c.drift.decision).toBe('calibrated');
    expect(c.drift.false_alarm_run_length).toBe(10_000);
    expect(c.drift.min_effect).toBeUndefined();
    expect(c.thresholds.dataset_drift_share).toBe(0.5);
    expect(c.auth.token).toBeUndefined();
    expect(c.models).toEqual([]);
    expect(modelConfig(c, 'anything').decision_threshold).toBe(0.5);
  });

  it('names the path and the expected value of every error', () => {
    const attempt = () =>
      buildConfig({
        evaluation: { interval: 'soon' },
        models: [{ name: 'a', features: { age: { type: 'num' } } }],
        listen: { port: 70000 },
        unknown_key: 1,
      });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(message).toContain('evaluation.interval: expected a duration');
    expect(message).toContain('models[0].features.age.type');
    expect(message).toContain('"numeric"');
    expect(message).toContain('listen.port');
    expect(message).toContain('unknown_key');
  });

  it('validates the drift decision settings', () => {
    expect(() => buildConfig({ drift: { decision: 'bayes' } })).toThrow(/drift\.decision/);
    expect(() => buildConfig({ drift: { false_alarm_run_length: 0.5 } })).toThrow(
      /drift\.false_alarm_run_length/,
    );
    expect(() => buildConfig({ drift: { min_effect: -1 } })).toThrow(/drift\.min_effect/);
    expect(() => buildConfig({ models: [{ name: 'm', features: { x: { min_effect: 'big' } } }] })).toThrow(
      /models\.0\.features\.x\.min_effect|models\[0\]\.features\.x\.min_effect/,
    );
    const c = buildConfig({
      drift: { decision: 'threshold' },
      models: [{ name: 'm', drift: { decision: 'calibrated', false_alarm_run_length: 100 } }],
    });
    expect(c.drift.decision).toBe('threshold');
    expect(modelConfig(c, 'm').drift).toMatchObject({ decision: 'calibrated', false_alarm_run_length: 100 });
  });

  it('rejects duplicate models and short tokens', () => {
    expect(() => buildConfig({ models: [{ name: 'a' }, { name: 'a' }] })).toThrow(
      /models\[1\]\.name: duplicate/,
    );
    process.env.MODELWATCH_TOKEN = 'short';
    expect(() => buildConfig({})).toThrow(/MODELWATCH_TOKEN/);
    process.env.MODELWATCH_TOKEN = 'a-long-enough-token';
    expect(buildConfig({}).auth.token).toBe('a-long-enough-token');
  });

  it('validates performance windows, intersections and the label thresholds', () => {
    const c = buildConfig({});
    expect(c.performance_windows.map((w) => w.name)).toEqual(['1h', '24h']);
    expect(c.thresholds).toMatchObject({
      min_group_size: 30,
      min_labelled_rows: 500,
      performance_tolerance: 0.1,
    });
    expect(c.limits.max_window_rows).toBe(1_000_000);
    expect(modelConfig(c, 'any').intersections).toEqual([]);
    expect(() =>
      buildConfig({
        performance_windows: [
          { name: 'current', duration: '1h' },
          { name: 'a', rows: 5 },
          { name: 'a', rows: 9 },
        ],
      }),
    ).toThrow(
      /performance_windows\[0\]\.name: "current" is reserved[\s\S]*performance_windows\[2\]\.name: duplicate window "a"/,
    );
    expect(() => buildConfig({ models: [{ name: 'm', intersections: [['sex']] }] })).toThrow(
      /models\[0\]\.intersections/,
    );
    expect(() => buildConfig({ limits: { max_window_rows: 2_000_000 } })).toThrow(/limits\.max_window_rows/);
    expect(
      buildConfig({ models: [{ name: 'm', intersections: [['sex', 'race']] }] }).models[0]!.intersections,
    ).toEqual([['sex', 'race']]);
  });

  it('loads YAML, resolves paths relative to the file and applies CLI overrides', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'modelwatch.yaml');
      writeFileSync(
        file,
        'database:\n  path: data/log.db\nevaluation:\n  interval: 30s\nmodels:\n  - name: credit\n    protected_attributes: [sex]\n    features:\n      age: {type: numeric, method: ks}\n',
      );
      const c = loadConfig(file);
      expect(c.database.path).toBe(join(dir, 'data/log.db'));
      expect(c.evaluation.interval).toBe(30);
      expect(c.models[0]!.features.age).toEqual({ type: 'numeric', method: 'ks' });
      const o = loadConfig(file, { db: 'other.db', port: 1234 });
      expect(o.database.path).toBe('other.db');
      expect(o.listen.port).toBe(1234);
    } finally {
      cleanup();
    }
  });

  it('reports unreadable files and invalid YAML with the file name', () => {
    const { dir, cleanup } = tempDir();
    try {
      expect(() => loadConfig(join(dir, 'missing.yaml'))).toThrow(
        /missing\.yaml: cannot read config file \(ENOENT\)/,
      );
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'models: [\n');
      expect(() => loadConfig(bad)).toThrow(/bad\.yaml: not valid YAML/);
      const list = join(dir, 'list.yaml');
      writeFileSync(list, '- a\n- b\n');
      expect(() => loadConfig(list)).toThrow(/list\.yaml: expected a mapping/);
    } finally {
      cleanup();
    }
  });
});
