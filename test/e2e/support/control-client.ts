import WebSocket from 'ws';
import { waitUntil, withTimeout } from './wait.js';

/** A reply of the cluster fixture's control gateway. */
export interface ControlReply {
  id: string;
  result?: unknown;
  ms?: number;
  fd?: number;
  owner?: number;
  [key: string]: unknown;
}

/** A `ws` client of the cluster fixture: commands with replies, other messages counted. */
export class ControlClient {
  /** Messages that are not replies (pushes and broadcasts), in arrival order. */
  readonly received: string[] = [];
  closed: { code: number; reason: string } | undefined;
  fd = 0;
  owner = 0;
  private readonly replies = new Map<string, ControlReply>();
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      const reply = parseReply(text);
      if (reply) this.replies.set(reply.id, reply);
      else this.received.push(text);
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString('utf8') };
    });
  }

  /** Connects and asks `whoami`, so `fd` and `owner` are known. */
  static async connect(port: number): Promise<ControlClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const client = new ControlClient(ws);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      }),
      5000,
      'the WebSocket to open',
    );
    const me = await client.call('whoami');
    client.fd = Number(me.fd);
    client.owner = Number(me.owner);
    return client;
  }

  /** Sends a command and waits for its reply. */
  async call(command: string, ms = 5000): Promise<ControlReply> {
    const id = String(this.nextId++);
    this.ws.send(`${id} ${command}`);
    await waitUntil(
      () => this.replies.has(id) || this.closed !== undefined,
      ms,
      `the reply to "${command}"`,
    );
    const reply = this.replies.get(id);
    if (!reply) throw new Error(`connection closed before the reply to "${command}"`);
    this.replies.delete(id);
    return reply;
  }

  /** How many received messages equal `text`. */
  count(text: string): number {
    return this.received.filter((message) => message === text).length;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws.terminate();
  }
}

function parseReply(text: string): ControlReply | null {
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && 'id' in value
      ? (value as ControlReply)
      : null;
  } catch {
    return null;
  }
}
