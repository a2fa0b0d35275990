import { afterEach, describe, expect, it } from '@jest/globals';
import { Harness } from './support/harness.js';
import { Inbox } from './support/wait.js';

const harness = new Harness();
afterEach(() => harness.cleanup());

describe('shutdown()', () => {
  it('closes every client with 1001 and stops listening', async () => {
    const closed = new Inbox<number>();
    const server = await harness.server({}, (s) => s.on('close', closed.push));
    const clients = [await harness.open(server), await harness.open(server)];
    const listener = server.server;
    await server.shutdown();
    for (const client of clients) {
      expect(await client.waitClose()).toEqual({ code: 1001, reason: 'server shutting down' });
    }
    expect(closed.size).toBe(2);
    expect(listener?.listening).toBe(false);
    expect([...server.connections]).toEqual([]);
  });

  it('resolves within its bound when a client never answers the close', async () => {
    const server = await harness.server();
    const polite = await harness.open(server);
    const silent = await harness.rawWebSocket(server);
    // Also an HTTP keep-alive connection and a half-sent request head.
    const idleHttp = await harness.raw(server);
    idleHttp.write('GET /partial HTTP/1.1\r\nHost: x\r\n');
    const started = Date.now();
    await server.shutdown(500);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1500);
    expect((await polite.waitClose()).code).toBe(1001);
    // The silent client got the close frame, never answered, and was dropped.
    const frame = await silent.readFrame();
    expect(frame.closeCode).toBe(1001);
    await silent.waitEnded();
    await idleHttp.waitEnded();
    expect(server.server?.listening).toBe(false);
    expect([...server.connections]).toEqual([]);
  });

  it('with the default bound, resolves in about 2 s despite a silent client', async () => {
    const server = await harness.server();
    const silent = await harness.rawWebSocket(server);
    const started = Date.now();
    await server.shutdown();
    expect(Date.now() - started).toBeLessThan(3000);
    await silent.waitEnded();
  });

  it('a second shutdown() resolves too; a new server can take the port', async () => {
    const server = await harness.server();
    const port = server.port;
    await server.shutdown(200);
    await server.shutdown(200);
    const again = await harness.server({ port });
    expect(again.port).toBe(port);
    await harness.expectServes(again);
  });
});
