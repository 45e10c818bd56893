/**
 * One progress line on stderr for commands that run longer than about 2 s (compare, reference import):
 * nothing for quick runs; after the delay the current step, updated in place on a terminal and one line
 * per step otherwise (CI logs).
 */
export class ProgressLine {
  private text = '';
  private shown = false;
  private lastPrinted = '';
  private readonly timer: NodeJS.Timeout;
  private readonly started = performance.now();

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly delayMs = 2000,
  ) {
    this.timer = setTimeout(() => {
      this.shown = true;
      this.render();
    }, delayMs);
    this.timer.unref();
  }

  /** The current step, e.g. "reading current.parquet: 40%". */
  update(text: string): void {
    this.text = text;
    // Work that holds this thread (a CSV parsed here) keeps the timer from firing: so the clock is read here too.
    if (!this.shown && performance.now() - this.started >= this.delayMs) this.shown = true;
    if (this.shown) this.render();
  }

  /** Ends the line (when one was shown) with a closing note. */
  done(note: string): void {
    clearTimeout(this.timer);
    if (!this.shown) return;
    const seconds = ((performance.now() - this.started) / 1000).toFixed(1);
    if (this.stream.isTTY) this.stream.write(`\r\x1b[K${note} in ${seconds} s\n`);
    else this.stream.write(`${note} in ${seconds} s\n`);
  }

  private render(): void {
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[K${this.text}`);
      return;
    }
    // Without a terminal: one line per step, not per percentage.
    const step = this.text.replace(/:.*$/, '');
    if (step === this.lastPrinted) return;
    this.lastPrinted = step;
    this.stream.write(`${this.text}\n`);
  }
}
