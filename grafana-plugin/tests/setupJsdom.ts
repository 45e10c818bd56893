// jsdom lacks a few browser APIs that @grafana/ui touches at import or render time (as in create-plugin's jest setup).
Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => undefined,
    removeListener: () => undefined,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    dispatchEvent: () => false,
  }),
});

class NoopObserver {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
  takeRecords(): [] {
    return [];
  }
}
const w = window as unknown as Record<string, unknown>;
w.ResizeObserver ??= NoopObserver;
w.IntersectionObserver ??= NoopObserver;
// No 2D canvas in jsdom: the heatmap skips drawing when getContext returns null.
HTMLCanvasElement.prototype.getContext = (() => null) as unknown as HTMLCanvasElement['getContext'];
