import WebSocket from 'ws';
import { delay, waitUntil, withTimeout } from '../e2e/support/wait.js';

/** What the healthy client saw while an attack ran. */
export interface ProbeReport {
  sent: number;
  answered: number;
  /** Probes without an echo when the prober stopped (after its grace period). */
  unanswered: number;
  /** The slowest round trip, in milliseconds (an unanswered probe counts as its age). */
  maxLatencyMs: number;
  medianLatencyMs: number;
  /** Set when the healthy connection closed during the attack. */
  closed: { code: number; reason: string } | null;
}

const PROBE_PREFIX = 'probe ';

/**
 * A well-behaved `ws` client on `/echo` beside the attackers: it sends a small text probe every
 * `intervalMs` and times its echo. Messages that are not its probes (broadcasts) are ignored.
 */
export class HealthyProber {
  private readonly sentAt = new Map<number, number>();
  private readonly latencies: number[] = [];
  private next = 1;
  private timer: NodeJS.Timeout | null = null;
  private closed: { code: number; reason: string } | null = null;

  private constructor(private readonly ws: WebSocket) {
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.answered(data.toString('utf8'));
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString('utf8') };
    });
  }

  /** Opens the client, checks one round trip, then probes every `intervalMs`. */
  static async start(port: number, intervalMs = 75): Promise<HealthyProber> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`, { perMessageDeflate: false });
    const prober = new HealthyProber(ws);
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        }),
        5000,
        'the healthy client to open',
      );
      prober.probe();
      await waitUntil(() => prober.latencies.length === 1, 5000, 'the first probe echo');
    } catch (error) {
      ws.terminate();
      throw error;
    }
    prober.timer = setInterval(() => prober.probe(), intervalMs);
    return prober;
  }

  /**
   * Stops probing, gives outstanding probes `graceMs` to come back, closes the client and
   * reports.
   */
  async stop(graceMs: number): Promise<ProbeReport> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const deadline = Date.now() + graceMs;
    while (this.sentAt.size > 0 && this.closed === null && Date.now() < deadline) await delay(10);
    const report = this.report();
    this.ws.terminate();
    return report;
  }

  private probe(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const id = this.next++;
    this.sentAt.set(id, performance.now());
    this.ws.send(`${PROBE_PREFIX}${id}`);
  }

  private answered(text: string): void {
    if (!text.startsWith(PROBE_PREFIX)) return;
    const id = Number(text.slice(PROBE_PREFIX.length));
    const sent = this.sentAt.get(id);
    if (sent === undefined) return;
    this.sentAt.delete(id);
    this.latencies.push(performance.now() - sent);
  }

  private report(): ProbeReport {
    const now = performance.now();
    const waiting = [...this.sentAt.values()].map((sent) => now - sent);
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      sent: this.next - 1,
      answered: this.latencies.length,
      unanswered: this.sentAt.size,
      maxLatencyMs: Math.round(Math.max(0, ...sorted, ...waiting)),
      medianLatencyMs: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
      closed: this.closed,
    };
  }
}
