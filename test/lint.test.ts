/** Lint, format and type checks are tests, so CI's one summary line covers them. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function run(cmd: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    cwd: new URL('..', import.meta.url).pathname,
    maxBuffer: 64 << 20,
  });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

describe('code quality', () => {
  it('biome finds no lint or format problems', () => {
    const r = run('npx', ['biome', 'check', '.']);
    expect(r.output).not.toMatch(/Found \d+ error/);
    expect(r.status, r.output).toBe(0);
  });

  it('TypeScript compiles the exporter, tests and benchmarks with strict settings', () => {
    const r = run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
    expect(r.status, r.output).toBe(0);
  });
});
