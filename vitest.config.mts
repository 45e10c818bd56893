import { defineConfig } from 'vitest/config';

// One vitest run covers every package; each package is a project so it can pick its own environment.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'exporter',
          include: ['exporter/src/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'cross-package',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
