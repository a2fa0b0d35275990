import { afterEach, describe, expect, it } from '@jest/globals';
import { type AddressInfo, connect, createServer } from 'node:net';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import { Harness } from './support/harness.js';
import { Inbox } from './support/wait.js';

/** Whether a new TCP connection to the port is refused (nothing listens there any more). */
function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

const harness = new Harness();
afterEach(() => harness.cleanup());

describe('shutdown()', () => {
  it('closes every client with 1001 and stops listening', async () => {
    const closed = new Inbox<number>();
    const server = await harness.server({}, (s) => s.on('close', closed.push));
    const clients = [await harness.open(server), await harness.open(server)];
    const port = server.port;
    expect(await refusesConnections(port)).toBe(false);
    await server.shutdown();
    for (const client of clients) {
      expect(await client.waitClose()).toEqual({ code: 1001, reason: 'server shutting down' });
    }
    expect(closed.size).toBe(2);
    expect(await refusesConnections(port)).toBe(true);
    expect([...server.connections]).toEqual([]);
  });

  it('resolves within its bound when a client never answers the close', async () => {
    const server = await harness.server();
    const polite = await harness.open(server);
    const silent = await harness.rawWebSocket(server);
    // Also an HTTP keep-alive connection and a half-sent request head.
    const idleHttp = await harness.raw(server);
    idleHttp.write('GET /partial HTTP/1.1\r\nHost: x\r\n');
    const port = server.port;
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
    expect(await refusesConnections(port)).toBe(true);
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

  it('a second, concurrent shutdown() resolves only once the first has drained', async () => {
    const server = await harness.server();
    await harness.rawWebSocket(server); // never answers the close
    const first = server.shutdown(400);
    let firstDone = false;
    void first.then(() => (firstDone = true));
    await server.shutdown(400);
    expect(firstDone).toBe(true);
    expect([...server.connections]).toEqual([]);
  });

  it('a failed listen releases everything: a retry of the same server succeeds', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const server = harness.track(new WsServer({ host: '127.0.0.1', port }, harness.logger));
    server.on('message', (frame) => server.push(frame.fd, frame.data, frame.opcode));
    await expect(server.start()).rejects.toThrow(/EADDRINUSE/);
    await new Promise((resolve) => blocker.close(resolve));
    await server.start();
    expect(server.port).toBe(port);
    await harness.expectServes(server);
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
