import { afterEach, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { WsServer } from '../../src/gateway/ws-server.service.js';

const servers: WsServer[] = [];
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  for (const server of servers.splice(0)) await server.shutdown(200);
});

async function start(): Promise<WsServer> {
  const server = new WsServer({ host: '127.0.0.1', port: 0 });
  server.on('message', () => undefined);
  await server.start();
  servers.push(server);
  return server;
}

async function connect(server: WsServer, path: string): Promise<string[]> {
  const client = new WebSocket(`ws://127.0.0.1:${server.port}${path}`);
  clients.push(client);
  const received: string[] = [];
  client.on('message', (data: Buffer) => received.push(data.toString()));
  await new Promise((resolve) => client.once('open', resolve));
  return received;
}

describe('broadcast with a { path } filter', () => {
  it('reaches the connections on that path and below it, and no others', async () => {
    const server = await start();
    const chat = await connect(server, '/chat');
    const room = await connect(server, '/chat/room?x=1');
    const chatter = await connect(server, '/chatter');
    const echo = await connect(server, '/echo');
    expect(server.broadcast('to chat', undefined, undefined, { path: '/chat' })).toBe(2);
    expect(server.broadcast('to all')).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(chat).toEqual(['to chat', 'to all']);
    expect(room).toEqual(['to chat', 'to all']);
    expect(chatter).toEqual(['to all']);
    expect(echo).toEqual(['to all']);
  });

  it('a function filter still works, and { path: "/" } reaches everyone', async () => {
    const server = await start();
    const first = await connect(server, '/a');
    const second = await connect(server, '/b');
    const [firstFd] = [...server.connections];
    expect(server.broadcast('one', undefined, undefined, (fd) => fd === firstFd)).toBe(1);
    expect(server.broadcast('root', undefined, undefined, { path: '/' })).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(first).toEqual(['one', 'root']);
    expect(second).toEqual(['root']);
  });
});
