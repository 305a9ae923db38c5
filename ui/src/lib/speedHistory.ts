/**
 * The last ten minutes of ↓/↑ rates, one sample a second, per torrent and for the session.
 * Fixed-size ring buffers: memory does not grow with uptime.
 */

export const HISTORY_SECONDS = 600;

export class RateHistory {
  private readonly times = new Float64Array(HISTORY_SECONDS);
  private readonly down = new Float64Array(HISTORY_SECONDS);
  private readonly up = new Float64Array(HISTORY_SECONDS);
  private next = 0;
  private count = 0;

  /** Adds a sample; a second sample within the same second replaces the first. */
  push(unixSeconds: number, downBytesPerSec: number, upBytesPerSec: number): void {
    const t = Math.floor(unixSeconds);
    const last = (this.next - 1 + HISTORY_SECONDS) % HISTORY_SECONDS;
    const slot = this.count > 0 && this.times[last] === t ? last : this.next;
    this.times[slot] = t;
    this.down[slot] = downBytesPerSec;
    this.up[slot] = upBytesPerSec;
    if (slot === this.next) {
      this.next = (this.next + 1) % HISTORY_SECONDS;
      this.count = Math.min(HISTORY_SECONDS, this.count + 1);
    }
  }

  get length(): number {
    return this.count;
  }

  /** Samples no older than `HISTORY_SECONDS` before `now`, oldest first, as uPlot wants them. */
  series(nowUnixSeconds: number): [number[], number[], number[]] {
    const times: number[] = [];
    const down: number[] = [];
    const up: number[] = [];
    const start = (this.next - this.count + HISTORY_SECONDS) % HISTORY_SECONDS;
    for (let k = 0; k < this.count; k += 1) {
      const i = (start + k) % HISTORY_SECONDS;
      const t = this.times[i] ?? 0;
      if (t < nowUnixSeconds - HISTORY_SECONDS) continue;
      times.push(t);
      down.push(this.down[i] ?? 0);
      up.push(this.up[i] ?? 0);
    }
    return [times, down, up];
  }
}
