/**
 * Sends simulated predictions to an exporter over its HTTP API at a steady rate, and their true
 * labels after a delay (labels arrive late in real life). Used by `modelwatch demo` (against its own
 * embedded exporter) and `modelwatch simulate` (against any exporter, e.g. in docker-compose).
 */
import { DEMO_MODEL, referenceNdjson, Simulator } from './simulator';

export interface TrafficOptions {
  target: string;
  model?: string;
  /** Predictions per second. */
  rate: number;
  /** Seconds after start when drift is injected (Infinity: never). */
  driftAfter: number;
  /** Seconds until a prediction's label is sent. */
  labelDelay?: number;
  /** Share of predictions that ever get a label. */
  labelShare?: number;
  token?: string;
  seed?: number;
  /** Called on a failed request (default: ignore; the next tick retries new data). */
  onError?: (err: Error) => void;
}

export interface TrafficStats {
  sent: number;
  labelled: number;
  errors: number;
  drifting: boolean;
}

const TICK_MS = 250;

export class Traffic {
  readonly stats: TrafficStats = { sent: 0, labelled: 0, errors: 0, drifting: false };
  private readonly sim: Simulator;
  private readonly model: string;
  private readonly pending: { due: number; id: string; label: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private last = 0;
  private carry = 0;
  private seq = 0;
  private busy = false;

  constructor(private readonly options: TrafficOptions) {
    this.sim = new Simulator(options.seed ?? 7);
    this.model = options.model ?? DEMO_MODEL;
  }

  private headers(contentType: string): Record<string, string> {
    const h: Record<string, string> = { 'content-type': contentType };
    if (this.options.token) h.authorization = `Bearer ${this.options.token}`;
    return h;
  }

  /** Uploads a pre-drift reference (5,000 labelled rows) unless the model already has one. */
  async ensureReference(force = false): Promise<boolean> {
    const url = `${this.options.target}/api/v1/models/${encodeURIComponent(this.model)}/reference`;
    if (!force) {
      const existing = await fetch(url, { headers: this.headers('application/json') });
      if (existing.ok) return false;
    }
    const response = await fetch(`${url}?name=training`, {
      method: 'PUT',
      headers: this.headers('application/x-ndjson'),
      body: referenceNdjson(5000, 1234),
    });
    if (!response.ok) throw new Error(`reference upload failed: ${response.status} ${await response.text()}`);
    return true;
  }

  start(): void {
    this.started = Date.now();
    this.last = this.started;
    this.timer = setInterval(() => void this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = Date.now();
      this.carry += ((now - this.last) / 1000) * this.options.rate;
      this.last = now;
      const n = Math.floor(this.carry);
      this.carry -= n;
      const drifting = (now - this.started) / 1000 >= this.options.driftAfter;
      this.stats.drifting = drifting;
      if (n > 0) await this.sendPredictions(n, drifting, now);
      await this.sendDueLabels(now);
    } catch (err) {
      this.stats.errors++;
      this.options.onError?.(err as Error);
    } finally {
      this.busy = false;
    }
  }

  private async sendPredictions(n: number, drifting: boolean, now: number): Promise<void> {
    const lines: string[] = [];
    const labelDelay = (this.options.labelDelay ?? 15) * 1000;
    const labelShare = this.options.labelShare ?? 0.8;
    const batchLabels: { due: number; id: string; label: number }[] = [];
    for (let i = 0; i < n; i++) {
      const a = this.sim.next(drifting);
      const id = `${this.started.toString(36)}-${(this.seq++).toString(36)}`;
      lines.push(
        JSON.stringify({
          model: this.model,
          model_version: 'v1',
          prediction_id: id,
          ts: now / 1000,
          features: a.features,
          attributes: a.attributes,
          prediction: a.prediction,
          score: a.score,
          latency_seconds: a.latency_seconds,
        }),
      );
      if ((this.seq * 0.6180339887) % 1 < labelShare)
        batchLabels.push({ due: now + labelDelay, id, label: a.label });
    }
    const response = await fetch(`${this.options.target}/api/v1/predictions`, {
      method: 'POST',
      headers: this.headers('application/x-ndjson'),
      body: lines.join('\n'),
    });
    if (response.status !== 202)
      throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
    this.stats.sent += n;
    this.pending.push(...batchLabels);
  }

  private async sendDueLabels(now: number): Promise<void> {
    let k = 0;
    while (k < this.pending.length && this.pending[k]!.due <= now) k++;
    if (k === 0) return;
    const due = this.pending.slice(0, k);
    const body = due
      .map((p) => JSON.stringify({ model: this.model, prediction_id: p.id, label: p.label }))
      .join('\n');
    const response = await fetch(`${this.options.target}/api/v1/feedback`, {
      method: 'POST',
      headers: this.headers('application/x-ndjson'),
      body,
    });
    if (response.status !== 202)
      throw new Error(`feedback answered ${response.status}: ${await response.text()}`);
    this.pending.splice(0, k);
    this.stats.labelled += k;
  }
}
