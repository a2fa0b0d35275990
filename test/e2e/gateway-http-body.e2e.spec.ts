import { afterEach, describe, expect, it } from '@jest/globals';
import type { WsServer } from '../../src/gateway/ws-server.service.js';
import { Harness } from './support/harness.js';
import { waitUntil } from './support/wait.js';

const harness = new Harness();
afterEach(() => harness.cleanup());

/** A server whose `request` handler answers with the length of the body it received. */
async function uploadServer(settings: Record<string, unknown> = {}): Promise<{
  server: WsServer;
  bodies: number[];
}> {
  const bodies: number[] = [];
  const server = await harness.server({ settings }, (s) =>
    s.on('request', (request, response) => {
      bodies.push(request.rawContent().length);
      response.end(String(request.rawContent().length));
    }),
  );
  return { server, bodies };
}

/** The server closed every connection of the attack and still serves WebSocket and HTTP. */
async function expectRecovered(server: WsServer): Promise<void> {
  await waitUntil(() => server.stats().connection_num === 0, 3000, 'the connections to close');
  await harness.expectServes(server);
  const answer = await harness.http(server, { method: 'POST', path: '/', body: 'hello' });
  expect(answer.status).toBe(200);
  expect(answer.body).toBe('5');
}

describe('HTTP request bodies cut short never reach the process', () => {
  it('a body reset after 1 KB of a declared 100 KB', async () => {
    const { server, bodies } = await uploadServer();
    const raw = await harness.raw(server);
    raw.write('POST /stats HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
    raw.write(Buffer.alloc(1024, 0x61));
    await new Promise((resolve) => setTimeout(resolve, 50));
    raw.socket.resetAndDestroy();
    await expectRecovered(server);
    expect(bodies).toEqual([5]);
  });

  it('a chunked body reset in the middle of a chunk', async () => {
    const { server, bodies } = await uploadServer();
    const raw = await harness.raw(server);
    raw.write('POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    raw.write('400\r\n' + 'a'.repeat(100));
    await new Promise((resolve) => setTimeout(resolve, 50));
    raw.socket.resetAndDestroy();
    await expectRecovered(server);
    expect(bodies).toEqual([5]);
  });

  it('a slow body whose client closes (FIN) before the declared length', async () => {
    const { server, bodies } = await uploadServer();
    const raw = await harness.raw(server);
    raw.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n');
    raw.write('x'.repeat(10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    raw.socket.end();
    await expectRecovered(server);
    expect(bodies).toEqual([5]);
  });

  it('a body over package_max_length gets 413 and the connection is closed', async () => {
    const { server, bodies } = await uploadServer({ package_max_length: 1000 });
    const raw = await harness.raw(server);
    raw.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n');
    raw.write('y'.repeat(2000));
    const response = await raw.readHttpResponse();
    expect(response.status).toBe(413);
    await raw.waitEnded();
    expect(bodies).toEqual([]);
    await expectRecovered(server);
  });

  it('a body that trickles past http_request_timeout gets 408', async () => {
    const { server, bodies } = await uploadServer({ http_request_timeout: 1 });
    const raw = await harness.raw(server);
    raw.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n');
    const trickle = setInterval(() => raw.socket.writable && raw.write('z'), 100);
    try {
      const response = await raw.readHttpResponse(5000);
      expect(response.status).toBe(408);
      await raw.waitEnded(3000);
    } finally {
      clearInterval(trickle);
    }
    expect(bodies).toEqual([]);
    await expectRecovered(server);
  });
});
