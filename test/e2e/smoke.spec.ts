import { describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { WsServer } from '../../src/gateway/ws-server.service.js';

describe('smoke', () => {
  it('echoes', async () => {
    const server = new WsServer({ host: '127.0.0.1', port: 0 });
    server.on('message', (frame) => server.push(frame.fd, frame.data, frame.opcode));
    await server.start();
    const client = new WebSocket(`ws://127.0.0.1:${server.port}/`);
    await new Promise((r) => client.once('open', r));
    client.send('hello');
    const [data, isBinary] = await new Promise<[Buffer, boolean]>((r) =>
      client.once('message', (d: Buffer, b: boolean) => r([d, b])),
    );
    expect(data.toString()).toBe('hello');
    expect(isBinary).toBe(false);
    const closed = new Promise<number>((r) => client.once('close', (code: number) => r(code)));
    await server.shutdown();
    expect(await closed).toBe(1001);
  });
});
