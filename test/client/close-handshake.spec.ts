import { describe, expect, it } from '@jest/globals';
import {
  CloseHandshake,
  type ClosingConnection,
  isValidCloseRequest,
} from '../../src/client/close-handshake.js';
import { WsConnectionError } from '../../src/client/ws-connection.error.js';
import { delay, withTimeout } from '../e2e/support/wait.js';

/** A connection that records what the handshake asks of it, in order. */
class RecordingConnection implements ClosingConnection {
  readonly calls: string[] = [];
  readonly destroyed: Promise<void>;
  private markDestroyed: () => void = () => undefined;

  constructor() {
    this.destroyed = new Promise((resolve) => (this.markDestroyed = resolve));
  }

  writeClose(code: number | undefined, reason: string): void {
    this.calls.push(`writeClose ${String(code)} ${JSON.stringify(reason)}`);
  }
  closingStarted(): void {
    this.calls.push('closingStarted');
  }
  stopReceiving(): void {
    this.calls.push('stopReceiving');
  }
  endWhenWritten(): void {
    this.calls.push('endWhenWritten');
  }
  destroy(): void {
    this.calls.push('destroy');
    this.markDestroyed();
  }
}

/** A handshake whose timer never fires during a test unless the test asks for it. */
function setup(closeTimeout = 60_000): {
  connection: RecordingConnection;
  closing: CloseHandshake;
} {
  const connection = new RecordingConnection();
  return { connection, closing: new CloseHandshake(connection, closeTimeout) };
}

describe('CloseHandshake', () => {
  it('starts open, with no outcome and no error', () => {
    const { closing } = setup();
    expect(closing.state).toBe('open');
    expect(closing.outcome).toBeNull();
    expect(closing.error).toBeUndefined();
    expect(closing.sentClose).toBe(false);
  });

  it("sends our close frame, then reads on, and completes cleanly on the server's answer", () => {
    const { connection, closing } = setup();
    closing.request(1000, 'bye');
    expect(closing.state).toBe('closing');
    expect(closing.sentClose).toBe(true);
    expect(connection.calls).toEqual(['writeClose 1000 "bye"', 'closingStarted']);

    closing.received(1000, 'bye');
    expect(connection.calls).toHaveLength(2); // our close frame is out already
    expect(closing.finish()).toBe(true);
    expect(closing.state).toBe('closed');
    expect(closing.outcome).toEqual({ code: 1000, reason: 'bye', clean: true });
  });

  it('sends 1005 as a close frame without a code', () => {
    const { connection, closing } = setup();
    closing.request(1005, '');
    expect(connection.calls[0]).toBe('writeClose undefined ""');
  });

  it("answers the server's close frame with its code and no reason", () => {
    const { connection, closing } = setup();
    closing.received(1001, 'going away');
    expect(connection.calls).toEqual(['writeClose 1001 ""', 'closingStarted']);
    closing.finish();
    expect(closing.outcome).toEqual({ code: 1001, reason: 'going away', clean: true });
  });

  it('answers a close frame without a code with one without a code', () => {
    const { connection, closing } = setup();
    closing.received(1005, '');
    expect(connection.calls[0]).toBe('writeClose undefined ""');
    closing.finish();
    expect(closing.outcome).toEqual({ code: 1005, reason: '', clean: true });
  });

  it('ends with 1006 when the connection went without a close frame', () => {
    const { closing } = setup();
    expect(closing.finish()).toBe(true);
    expect(closing.outcome).toEqual({ code: 1006, reason: '', clean: false });
    expect(closing.finish()).toBe(false);
  });

  it('fails the connection: stops reading, sends the code, ends once written', () => {
    const { connection, closing } = setup();
    closing.fail(1002, 'bad frame');
    expect(connection.calls).toEqual([
      'stopReceiving',
      'writeClose 1002 "bad frame"',
      'closingStarted',
      'endWhenWritten',
    ]);
    expect(closing.error).toBeInstanceOf(WsConnectionError);
    expect(closing.error?.code).toBe('PROTOCOL_ERROR');
    expect(closing.error?.closeCode).toBe(1002);

    closing.fail(1007, 'second'); // the first failure stands
    closing.received(1000, ''); // a close frame after a failure is not the outcome
    expect(connection.calls).toHaveLength(4);
    closing.finish();
    expect(closing.outcome).toEqual({ code: 1002, reason: 'bad frame', clean: false });
  });

  it('fails without a second close frame when ours is out', () => {
    const { connection, closing } = setup();
    closing.request(1000, '');
    closing.fail(1009, 'too big');
    expect(connection.calls).toEqual([
      'writeClose 1000 ""',
      'closingStarted',
      'stopReceiving',
      'endWhenWritten',
    ]);
  });

  it('does nothing on a failure once closed', () => {
    const { connection, closing } = setup();
    closing.finish();
    closing.fail(1002, 'late');
    expect(connection.calls).toEqual([]);
    expect(closing.error).toBeUndefined();
  });

  it('keeps a socket error only while open', () => {
    const open = setup().closing;
    const reset = new Error('read ECONNRESET');
    open.socketFailed(reset);
    expect(open.error?.code).toBe('SOCKET_ERROR');
    expect(open.error?.cause).toBe(reset);

    const { closing } = setup();
    closing.request(1000, '');
    closing.socketFailed(reset);
    expect(closing.error).toBeUndefined();
  });

  it('drops the socket when the server does not finish within closeTimeout, and is not clean', async () => {
    const { connection, closing } = setup(20);
    closing.request(1000, '');
    closing.received(1000, '');
    await withTimeout(connection.destroyed, 5000, 'the close timeout');
    closing.finish();
    expect(closing.outcome).toEqual({ code: 1000, reason: '', clean: false });
  });

  it('stops the close timer once closed', async () => {
    const { connection, closing } = setup(20);
    closing.request(1000, '');
    closing.finish();
    await delay(200);
    expect(connection.calls).not.toContain('destroy');
  });
});

describe('isValidCloseRequest', () => {
  it.each([
    { code: 1000, reason: '', what: 'no reason' },
    { code: 1000, reason: 'x'.repeat(123), what: 'a reason of 123 bytes' },
    { code: 1003, reason: 'unsupported', what: 'a reason' },
    { code: 3000, reason: '', what: 'no reason' },
    { code: 4999, reason: 'app', what: 'a reason' },
    { code: 1005, reason: '', what: 'no reason (a close frame without a code)' },
  ])('accepts $code with $what', ({ code, reason }) => {
    expect(isValidCloseRequest(code, reason)).toBe(true);
  });

  it.each([
    { code: 1000, reason: 'x'.repeat(124), what: 'a reason of 124 bytes' },
    { code: 1000, reason: '\u00e9'.repeat(62), what: 'a reason of 62 characters, 124 bytes' },
    { code: 1005, reason: 'why', what: 'a reason but no code' },
    { code: 1006, reason: '', what: 'a code never sent on the wire' },
    { code: 1015, reason: '', what: 'a code never sent on the wire' },
    { code: 999, reason: '', what: 'a code below the range' },
    { code: 5000, reason: '', what: 'a code above the range' },
    { code: 1000.5, reason: '', what: 'a code that is no integer' },
  ])('refuses $code with $what', ({ code, reason }) => {
    expect(isValidCloseRequest(code, reason)).toBe(false);
  });

  it('refuses a reason that is not a string', () => {
    expect(isValidCloseRequest(1000, 42 as unknown as string)).toBe(false);
  });
});
