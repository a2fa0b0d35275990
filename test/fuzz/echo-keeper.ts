import WebSocket from 'ws';

/**
 * A well-formed `ws` client that echoes continuously while the fuzzer runs: it sends a
 * message, waits for its echo (at most `replyTimeoutMs`), and so on until stopped. Any
 * missing, wrong or late echo, or an unexpected close, is recorded as a failure.
 */
export class EchoKeeper {
  readonly failures: string[] = [];
  roundTrips = 0;
  private running = true;
  private loop: Promise<void> = Promise.resolve();

  private constructor(private readonly ws: WebSocket) {
    ws.on('error', (error) => this.failures.push(`client error: ${error.message}`));
    ws.on('close', (code) => {
      if (this.running) this.failures.push(`closed during the run with ${code}`);
    });
  }

  static async start(url: string, replyTimeoutMs = 3000): Promise<EchoKeeper> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const keeper = new EchoKeeper(ws);
    keeper.loop = keeper.run(replyTimeoutMs);
    return keeper;
  }

  private async run(replyTimeoutMs: number): Promise<void> {
    let counter = 0;
    while (this.running && this.ws.readyState === WebSocket.OPEN) {
      const binary = counter % 3 === 2;
      const text = `keeper-${++counter}-${'x'.repeat(counter % 200)}`;
      const reply = new Promise<Buffer | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), replyTimeoutMs);
        this.ws.once('message', (data: Buffer) => {
          clearTimeout(timer);
          resolve(data);
        });
      });
      this.ws.send(binary ? Buffer.from(text) : text);
      const data = await reply;
      if (data === null) {
        this.failures.push(`no echo of message ${counter} within ${replyTimeoutMs} ms`);
        return;
      }
      if (data.toString() !== text) {
        this.failures.push(`wrong echo of message ${counter}`);
        return;
      }
      this.roundTrips++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Stops echoing and closes cleanly. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close(1000);
    await closed;
  }
}
