/**
 * The generated monitoring files (provisioning/dashboards/*.json from mixin/dashboards/) are committed
 * as generated: any edit by hand or any source change without `npm run generate` fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generated, REPO_ROOT } from '../mixin/generate';

describe('generated files', () => {
  const files = [...generated()];

  it('cover the six dashboards', () => {
    expect(files.filter(([path]) => path.startsWith('provisioning/dashboards/'))).toHaveLength(6);
  });

  it.each(files.map(([path]) => path))('%s is up to date (npm run generate)', (path) => {
    const committed = readFileSync(join(REPO_ROOT, path), 'utf8');
    expect(committed, `${path} differs from its source: run npm run generate`).toBe(generated().get(path));
  });
});
