import {
  WEBSOCKET_CLOSE_ABNORMAL,
  WEBSOCKET_CLOSE_STATUS_ERROR,
  isValidWireCloseCode,
} from '../protocol/close-code.constants.js';
import { WsConnectionError } from './ws-connection.error.js';

/** A close frame holds 125 bytes: the 2-byte code and at most 123 of reason. */
const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Where a client is: `open` (messages flow both ways), `closing` (a close frame was sent:
 * nothing more can be pushed, messages may still arrive), `closed` (the TCP connection is gone).
 */
export type WsClientState = 'open' | 'closing' | 'closed';

/** How a connection ended: the close code and reason, and whether the handshake completed. */
export interface CloseOutcome {
  code: number;
  reason: string;
  clean: boolean;
}

/** What the closing handshake drives on the client's connection. */
export interface ClosingConnection {
  /** Writes our close frame (no code: an empty payload); nothing may be sent after it. */
  writeClose(code: number | undefined, reason: string): void;
  /** Our close frame is out: the server's must be read even if the application stopped reading. */
  closingStarted(): void;
  /** The connection failed: stop reading, and drop what waits to be handled. */
  stopReceiving(): void;
  /** Ends our side of the TCP connection once every queued frame is written. */
  endWhenWritten(): void;
  /** Drops the TCP connection at once. */
  destroy(): void;
}

/**
 * The client's side of the closing handshake (RFC 6455 sections 5.5.1 and 7): our close frame,
 * the server's, failing the connection on a protocol error, the `closeTimeout` after which the
 * socket is dropped, and the outcome once the TCP connection is gone.
 */
export class CloseHandshake {
  private currentState: WsClientState = 'open';
  private closeSent = false;
  private serverClose: { code: number; reason: string } | null = null;
  private failure: { code: number; reason: string } | null = null;
  private lastError: WsConnectionError | undefined = undefined;
  private closeTimer: NodeJS.Timeout | null = null;
  private forcedClose = false;
  private closedOutcome: CloseOutcome | null = null;

  constructor(
    private readonly connection: ClosingConnection,
    private readonly closeTimeout: number,
  ) {}

  /** `open`, `closing` (our close frame is out, or the server's came), or `closed`. */
  get state(): WsClientState {
    return this.currentState;
  }

  /** Once closed: how the connection ended; null while connected. */
  get outcome(): CloseOutcome | null {
    return this.closedOutcome;
  }

  /** Why the connection failed (a protocol error or a socket error), if it did. */
  get error(): WsConnectionError | undefined {
    return this.lastError;
  }

  /** Whether our close frame is out: nothing may follow it. */
  get sentClose(): boolean {
    return this.closeSent;
  }

  /**
   * The application closes: sends a close frame with `code` and `reason`, checked beforehand
   * with `isValidCloseRequest`. 1005 ("no status code") is sent as an empty close payload, as
   * `CloseFrame` packs it.
   */
  request(code: number, reason: string): void {
    this.sendClose(code === WEBSOCKET_CLOSE_STATUS_ERROR ? undefined : code, reason);
  }

  /**
   * The server's close frame. Answered with the same code if we did not close first; then the
   * server is to close the TCP connection (RFC 6455 section 7.1.1), within `closeTimeout`.
   */
  received(code: number, reason: string): void {
    if (this.failure !== null) return;
    this.serverClose = { code, reason };
    if (!this.closeSent) {
      this.sendClose(code === WEBSOCKET_CLOSE_STATUS_ERROR ? undefined : code, '');
    }
  }

  /**
   * Fails the connection (RFC 6455 section 7.1.7): stop reading, send a close frame with the
   * code (unless ours is out already), end our side once it is written.
   */
  fail(code: number, reason: string): void {
    if (this.failure !== null || this.currentState === 'closed') return;
    this.failure = { code, reason };
    this.lastError ??= new WsConnectionError(
      `${reason}: the client failed the connection with close code ${code}`,
      'PROTOCOL_ERROR',
      { closeCode: code },
    );
    this.connection.stopReceiving();
    if (!this.closeSent) this.sendClose(code, reason);
    this.connection.endWhenWritten();
  }

  /** A socket error. Once closing, a reset is how many servers end; only one while open counts. */
  socketFailed(error: Error): void {
    if (this.currentState !== 'open' || this.lastError !== undefined) return;
    this.lastError = new WsConnectionError(
      `the connection failed: ${error.message}`,
      'SOCKET_ERROR',
      {
        cause: error,
      },
    );
  }

  /**
   * The TCP connection is gone: the state becomes `closed` and the outcome is settled. False
   * when it was closed already (nothing else to do then).
   */
  finish(): boolean {
    if (this.currentState === 'closed') return false;
    this.currentState = 'closed';
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.closedOutcome = this.settle();
    return true;
  }

  /** Sends our close frame: nothing may follow it. The server has `closeTimeout` to finish. */
  private sendClose(code: number | undefined, reason: string): void {
    this.closeSent = true;
    this.currentState = 'closing';
    this.connection.writeClose(code, reason);
    this.armCloseTimer();
    this.connection.closingStarted();
  }

  private armCloseTimer(): void {
    if (this.closeTimer !== null) return;
    this.closeTimer = setTimeout(() => {
      this.forcedClose = true;
      this.connection.destroy();
    }, this.closeTimeout);
    this.closeTimer.unref();
  }

  private settle(): CloseOutcome {
    if (this.failure !== null) return { ...this.failure, clean: false };
    if (this.serverClose !== null) {
      return { ...this.serverClose, clean: this.closeSent && !this.forcedClose };
    }
    return { code: WEBSOCKET_CLOSE_ABNORMAL, reason: '', clean: false };
  }
}

/**
 * Whether the application may close with `code` and `reason`: a code RFC 6455 allows on the
 * wire, or 1005 with no reason (a close frame without a code), and a reason of at most 123
 * bytes of UTF-8.
 */
export function isValidCloseRequest(code: number, reason: string): boolean {
  if (typeof reason !== 'string') return false;
  if (code === WEBSOCKET_CLOSE_STATUS_ERROR) return reason === '';
  return isValidWireCloseCode(code) && Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES;
}
