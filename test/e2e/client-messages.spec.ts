import { afterEach, describe, expect, it } from '@jest/globals';
import { WsClient } from '../../src/client/ws-client.js';
import {
  SWOOLE_WEBSOCKET_FLAG_FIN,
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/index.js';
import { CloseFrame, Frame } from '../../src/protocol/frame.js';
import { PEER_SERVERS, type PeerServer } from '../client/support/peer-servers.js';

const MIB = 1024 * 1024;

describe.each(PEER_SERVERS)('WsClient against %s', (_name, startServer) => {
  let server: PeerServer | undefined;
  const clients: WsClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await server?.close();
    server = undefined;
  });

  async function connect(options: Parameters<typeof WsClient.connect>[1] = {}, path = '/') {
    const client = await WsClient.connect((server as PeerServer).url(path), options);
    clients.push(client);
    return client;
  }

  async function nextFrame(client: WsClient): Promise<Frame> {
    const frame = await client.recv(5000);
    if (frame === false) throw new Error(`no message (close code ${client.closeCode})`);
    return frame;
  }

  it('connects: status 101, headers, no subprotocol, no extensions', async () => {
    server = await startServer();
    const client = await connect();
    expect(client.statusCode).toBe(101);
    expect(client.headers.upgrade?.toLowerCase()).toBe('websocket');
    expect(client.protocol).toBe('');
    expect(client.extensions).toBe('');
    expect(client.connected).toBe(true);
    expect(client.closeCode).toBeUndefined();
  });

  it('agrees on a subprotocol the server supports', async () => {
    server = await startServer({ subprotocol: 'chat.v2' });
    const client = await connect({ subprotocols: ['chat.v1', 'chat.v2'] });
    expect(client.protocol).toBe('chat.v2');
  });

  it('sends and receives text (as a string) and binary (as a Buffer)', async () => {
    server = await startServer();
    const client = await connect();
    const connection = await server.connection();
    expect(client.push('héllo wörld ✓')).toBe(true);
    const text = await nextFrame(client);
    expect(text.opcode).toBe(WEBSOCKET_OPCODE_TEXT);
    expect(text.data).toBe('héllo wörld ✓');
    expect(text.finish).toBe(true);
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe]);
    expect(client.push(bytes, WEBSOCKET_OPCODE_BINARY)).toBe(true);
    const binary = await nextFrame(client);
    expect(binary.opcode).toBe(WEBSOCKET_OPCODE_BINARY);
    expect(Buffer.isBuffer(binary.data)).toBe(true);
    expect(binary.data).toEqual(bytes);
    expect((await connection.messages.next()).data.toString()).toBe('héllo wörld ✓');
    expect(await connection.messages.next()).toMatchObject({ binary: true, data: bytes });
  });

  it('pushes a Frame with its own opcode, and empty messages', async () => {
    server = await startServer();
    const client = await connect();
    const frame = new Frame();
    frame.opcode = WEBSOCKET_OPCODE_BINARY;
    frame.data = Buffer.from('framed');
    expect(client.push(frame, WEBSOCKET_OPCODE_TEXT)).toBe(true);
    expect(await nextFrame(client)).toMatchObject({
      opcode: WEBSOCKET_OPCODE_BINARY,
      data: Buffer.from('framed'),
    });
    expect(client.push('')).toBe(true);
    expect((await nextFrame(client)).data).toBe('');
  });

  it('merges messages the server sends in fragments', async () => {
    server = await startServer({ echo: false });
    const client = await connect();
    const connection = await server.connection();
    connection.sendFragments(['frag1-', 'κόσμε-', 'frag3'], false);
    connection.sendFragments([Buffer.from([1, 2]), Buffer.alloc(0), Buffer.from([3])], true);
    const text = await nextFrame(client);
    expect(text.data).toBe('frag1-κόσμε-frag3');
    const binary = await nextFrame(client);
    expect(binary.opcode).toBe(WEBSOCKET_OPCODE_BINARY);
    expect(binary.data).toEqual(Buffer.from([1, 2, 3]));
  });

  it('sends a message in fragments, even cutting a code point in two', async () => {
    server = await startServer();
    const client = await connect();
    const connection = await server.connection();
    const euro = Buffer.from('€'); // e2 82 ac
    expect(client.push('price: ', WEBSOCKET_OPCODE_TEXT, 0)).toBe(true);
    expect(client.push(euro.subarray(0, 1), WEBSOCKET_OPCODE_CONTINUATION, 0)).toBe(true);
    expect(client.push(euro.subarray(1), WEBSOCKET_OPCODE_CONTINUATION, 0)).toBe(true);
    expect(client.push('5', WEBSOCKET_OPCODE_CONTINUATION)).toBe(true);
    expect((await connection.messages.next()).data.toString()).toBe('price: €5');
    expect((await nextFrame(client)).data).toBe('price: €5');
  });

  it('carries a 16 MiB message each way (limits raised)', async () => {
    server = await startServer({ maxPayload: 17 * MIB });
    const client = await connect({ maxPayload: 17 * MIB });
    const connection = await server.connection();
    const payload = Buffer.alloc(16 * MIB);
    for (let i = 0; i < payload.length; i += 4096) payload[i] = (i / 4096) & 0xff;
    expect(client.push(payload, WEBSOCKET_OPCODE_BINARY)).toBe(true);
    const received = await connection.messages.next(20_000);
    expect(received.data.equals(payload)).toBe(true);
    const echoed = await client.recv(20_000);
    expect(echoed).not.toBe(false);
    expect((echoed as Frame).payload.equals(payload)).toBe(true);
  }, 60_000);

  it('pings the server and resolves on the pong', async () => {
    server = await startServer();
    const client = await connect();
    expect(await client.ping('are you there?', 5000)).toBe(true);
    expect(await client.ping(Buffer.from([0, 1, 2]), 5000)).toBe(true);
    expect(await client.ping()).toBe(true);
  });

  it("answers the server's pings with pongs carrying the same payload", async () => {
    server = await startServer();
    const client = await connect();
    const connection = await server.connection();
    connection.ping('ping from the server');
    expect((await connection.pongs.next(5000)).toString()).toBe('ping from the server');
    expect(client.connected).toBe(true);
  });

  it('closes with a code and a reason: the server gets them and answers', async () => {
    server = await startServer();
    const client = await connect();
    const connection = await server.connection();
    expect(await client.close(4001, 'client says bye')).toBe(true);
    expect(await connection.closeFrame).toEqual({ code: 4001, reason: 'client says bye' });
    expect(client.closeCode).toBe(4001);
    expect(client.wasClean).toBe(true);
    expect(client.connected).toBe(false);
    expect(client.error).toBeUndefined();
    expect(await client.recv()).toBe(false);
  });

  it('answers a close the server starts, and ends async iteration', async () => {
    server = await startServer({ echo: false });
    const client = await connect();
    const connection = await server.connection();
    connection.send('last words');
    connection.close(4002, 'server says bye');
    const seen: string[] = [];
    for await (const frame of client) seen.push(frame.data as string);
    expect(seen).toEqual(['last words']);
    expect(client.closeCode).toBe(4002);
    expect(client.closeReason).toBe('server says bye');
    expect(client.wasClean).toBe(true);
    await connection.gone;
  });

  it('keeps messages received before the close readable, then recv is false', async () => {
    server = await startServer({ echo: false });
    const client = await connect();
    const connection = await server.connection();
    connection.send('one');
    connection.send('two');
    connection.close(1000, '');
    await connection.gone;
    expect(await client.close()).toBe(true);
    expect((await nextFrame(client)).data).toBe('one');
    expect((await nextFrame(client)).data).toBe('two');
    expect(await client.recv()).toBe(false);
    expect(client.closeCode).toBe(1000);
  });

  it('recv gives false on timeout and the connection stays open', async () => {
    server = await startServer();
    const client = await connect();
    expect(await client.recv(50)).toBe(false);
    expect(await client.recv(0)).toBe(false);
    expect(client.connected).toBe(true);
    client.push('still here');
    expect((await nextFrame(client)).data).toBe('still here');
  });

  it('pushing a CloseFrame starts the closing handshake with its code and reason', async () => {
    server = await startServer();
    const client = await connect();
    const connection = await server.connection();
    const frame = new CloseFrame();
    frame.code = 4100;
    frame.reason = 'from a frame';
    expect(client.push(frame)).toBe(true);
    expect(client.push(frame)).toBe(false);
    expect(await connection.closeFrame).toEqual({ code: 4100, reason: 'from a frame' });
    expect(await client.close()).toBe(true);
    expect(client.closeCode).toBe(4100);
  });

  it('push refuses a frame that would take the output buffer past maxOutputBuffer', async () => {
    server = await startServer({ echo: false });
    const client = await connect({ maxOutputBuffer: 64 * 1024 });
    expect(client.push(Buffer.alloc(64 * 1024 + 1), WEBSOCKET_OPCODE_BINARY)).toBe(false);
    expect(client.bufferedAmount).toBe(0);
    // An idle connection takes one frame of up to the limit; what follows must fit beside it
    // until the socket has written it out.
    expect(client.push(Buffer.alloc(64 * 1024), WEBSOCKET_OPCODE_BINARY)).toBe(true);
    expect(client.bufferedAmount).toBeGreaterThan(0);
    expect(client.push(Buffer.alloc(64 * 1024), WEBSOCKET_OPCODE_BINARY)).toBe(false);
    const connection = await server.connection();
    expect((await connection.messages.next()).data).toHaveLength(64 * 1024);
  });

  it('push refuses what a correct client must not send, and sends nothing', async () => {
    server = await startServer();
    const client = await connect();
    const connection = await server.connection();
    expect(client.push('x'.repeat(126), WEBSOCKET_OPCODE_PING)).toBe(false);
    expect(client.push('x', WEBSOCKET_OPCODE_CONTINUATION)).toBe(false);
    expect(client.push(Buffer.from([0xc3, 0x28]))).toBe(false);
    expect(client.push('x', 3)).toBe(false);
    expect(client.push('x', WEBSOCKET_OPCODE_TEXT, 1.5)).toBe(false);
    expect(client.push(42 as unknown as string)).toBe(false);
    expect(client.push('start', WEBSOCKET_OPCODE_TEXT, 0)).toBe(true);
    expect(client.push('new message inside a fragmented one')).toBe(false);
    expect(client.push('pong', WEBSOCKET_OPCODE_PONG)).toBe(true);
    expect(client.push(' end', WEBSOCKET_OPCODE_CONTINUATION, SWOOLE_WEBSOCKET_FLAG_FIN)).toBe(
      true,
    );
    expect((await connection.messages.next()).data.toString()).toBe('start end');
    expect(await client.ping('x'.repeat(126))).toBe(false);
    expect(await client.close(1006)).toBe(false);
    expect(await client.close(1005, 'a reason needs a code')).toBe(false);
    expect(await client.close(1000, 'x'.repeat(124))).toBe(false);
    expect(client.connected).toBe(true);
    await client.close();
    expect(client.push('after close')).toBe(false);
    expect(await client.ping()).toBe(false);
  });
});
