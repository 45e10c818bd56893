// Must run before @grafana/runtime is evaluated: its config reads window.grafanaBootData at import time.
(window as unknown as { grafanaBootData: unknown }).grafanaBootData = {
  settings: {
    appSubUrl: '',
    appUrl: 'http://127.0.0.1/',
    buildInfo: { version: '12.4.10', env: 'production' },
    featureToggles: {},
  },
  user: { timezone: 'utc', theme: 'dark' },
  navTree: [],
};
(window as unknown as { __grafana_public_path__: string }).__grafana_public_path__ = '/public/';
