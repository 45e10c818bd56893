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
          // the CLI tests spawn exporter/bin/modelwatch.mjs, which runs exporter/dist: build it fresh
          globalSetup: ['test/helpers/build-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'grafana-plugin',
          root: 'grafana-plugin',
          include: ['src/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          setupFiles: ['tests/setupJsdom.ts'],
          // @grafana/* ship ESM that imports CommonJS named exports (moment-timezone): let vite transform them
          server: { deps: { inline: [/@grafana\//] } },
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'grafana-plugin-browser',
          root: 'grafana-plugin',
          include: ['tests/**/*.test.ts'],
          environment: 'node',
          server: { deps: { inline: [/@grafana\//] } },
          // one file at a time, so the printed render times are not measured next to the type-check
          fileParallelism: false,
          // builds dist/ (webpack) when missing or stale, and the harness page
          globalSetup: ['tests/globalSetup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
