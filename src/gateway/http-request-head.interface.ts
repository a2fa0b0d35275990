import type { Socket } from 'node:net';

/**
 * The parts of an HTTP request the runtime uses: Node's `IncomingMessage` has them, and so does
 * a request head read by the upgrade sniffer without Node's HTTP parser.
 */
export interface HttpRequestHead {
  method?: string;
  url?: string;
  httpVersion: string;
  /** Header names in lower case. */
  headers: Record<string, string | string[] | undefined>;
  socket: Socket;
}
