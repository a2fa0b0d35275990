import { afterEach, describe, expect, it } from '@jest/globals';
import { WsClient } from '../../src/client/ws-client.js';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import { captureLogger, delay, waitUntil } from './support/wait.js';

describe('WsClient backpressure: a fast server cannot grow client memory without bound', () => {
  let server: WsServer | undefined;
  let client: WsClient | undefined;

  afterEach(async () => {
    await client?.close();
    await server?.shutdown(500);
    server = client = undefined;
  });

  it('stops reading above maxQueuedMessages, resumes when drained, loses nothing', async () => {
    server = new WsServer(
      { host: '127.0.0.1', port: 0, settings: { buffer_output_size: 256 * 1024 } },
      captureLogger().logger,
    );
    let fd = 0;
    server.on('open', (request) => (fd = request.fd));
    server.on('message', () => undefined);
    await server.start();
    client = await WsClient.connect(`ws://127.0.0.1:${server.port}/`, { maxQueuedMessages: 100 });
    await waitUntil(() => fd !== 0, 3000, 'the connection');

    // The server pushes 1 KiB messages whenever its output buffer has room. The client does not
    // read: its queue fills and it pauses, then the kernel's buffers fill, then the server's.
    const live = server;
    let pushed = 0;
    const payload = 'x'.repeat(1000);
    const pump = (): boolean => {
      let accepted = false;
      while (live.push(fd, `${pushed}:${payload}`)) {
        pushed++;
        accepted = true;
      }
      return accepted;
    };
    let quietRounds = 0;
    const deadline = Date.now() + 15_000;
    while (quietRounds < 5) {
      if (Date.now() > deadline) throw new Error('the server was never held back');
      quietRounds = pump() ? 0 : quietRounds + 1;
      await delay(50);
    }
    const heldAt = client.queuedMessages;
    // One socket read (64 KiB) can come in after the pause: the bound is soft by that much.
    expect(heldAt).toBeGreaterThan(100);
    expect(heldAt).toBeLessThan(100 + 200);
    await delay(200);
    expect(client.queuedMessages).toBe(heldAt);
    expect(pump()).toBe(false);
    // Far more was pushed than the client holds: the rest waits in TCP and the server's buffer.
    expect(pushed).toBeGreaterThan(heldAt * 2);

    // Reading drains the queue; the socket resumes and everything arrives, in order.
    for (let i = 0; i < pushed; i++) {
      const frame = await client.recv(5000);
      expect(frame && (frame.data as string).split(':')[0]).toBe(String(i));
    }
    expect(await client.recv(100)).toBe(false);
    expect(client.connected).toBe(true);
  }, 30_000);
});
