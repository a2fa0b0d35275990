import { afterEach, describe, expect, it } from '@jest/globals';
import { WsClient } from '../../src/client/ws-client.js';
import type { WsClientOptions } from '../../src/client/ws-client-options.interface.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
  WEBSOCKET_CLOSE_MESSAGE_TOO_BIG,
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/index.js';
import type { Frame } from '../../src/protocol/frame.js';
import {
  PEER_SERVERS,
  type PeerConnection,
  type PeerServer,
  type PeerServerOptions,
  startOurServer,
} from '../client/support/peer-servers.js';

const COMPRESS = SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS;

/** Text that compresses well and repeats across messages (so context takeover matters). */
function chatty(i: number): string {
  return `{"user":"someone","message":"the same words again and again #${i}","padding":"${'abc'.repeat(400)}"}`;
}

/**
 * A binary payload with some structure: compressible even within a 9-bit window (zlib's
 * matches reach at most 250 bytes back there), every byte value present.
 */
function structured(length: number): Buffer {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = (i % 61) ^ ((i >> 10) & 0xff);
  return data;
}

interface Variant {
  title: string;
  server?: PeerServerOptions['compression'];
  client: WsClientOptions['compression'];
  /** Parameters the agreed `Sec-WebSocket-Extensions` must contain. */
  agreed: string[];
}

const VARIANTS: Variant[] = [
  {
    title: 'the default offer (context takeover both ways)',
    client: true,
    agreed: ['permessage-deflate'],
  },
  {
    title: 'server_no_context_takeover asked by the client',
    client: { serverNoContextTakeover: true },
    agreed: ['server_no_context_takeover'],
  },
  {
    title: 'client_no_context_takeover promised by the client',
    client: { clientNoContextTakeover: true },
    agreed: ['client_no_context_takeover'],
  },
  {
    title: 'client_no_context_takeover asked by the server',
    server: { clientNoContextTakeover: true },
    client: true,
    agreed: ['client_no_context_takeover'],
  },
  {
    title: 'server_no_context_takeover chosen by the server',
    server: { serverNoContextTakeover: true },
    client: true,
    agreed: ['server_no_context_takeover'],
  },
  {
    title: 'server_max_window_bits=10 asked by the client',
    client: { serverMaxWindowBits: 10 },
    agreed: ['server_max_window_bits=10'],
  },
  {
    title: 'a smaller server window chosen by the server (11)',
    server: { serverMaxWindowBits: 11 },
    client: true,
    agreed: ['server_max_window_bits=11'],
  },
  {
    title: 'client_max_window_bits=9 limited by the client',
    client: { clientMaxWindowBits: 9 },
    agreed: ['client_max_window_bits=9'],
  },
  {
    title: 'everything at once',
    client: {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 12,
      clientMaxWindowBits: 11,
    },
    agreed: [
      'server_no_context_takeover',
      'client_no_context_takeover',
      'server_max_window_bits=12',
      'client_max_window_bits=11',
    ],
  },
];

describe.each(PEER_SERVERS)('WsClient compression against %s', (name, startServer) => {
  let server: PeerServer | undefined;
  const clients: WsClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await server?.close();
    server = undefined;
  });

  async function open(
    serverCompression: PeerServerOptions['compression'],
    clientCompression: WsClientOptions['compression'],
    echo = true,
  ): Promise<{ client: WsClient; connection: PeerConnection }> {
    server = await startServer({ compression: serverCompression ?? {}, echo });
    const client = await WsClient.connect(server.url(), { compression: clientCompression });
    clients.push(client);
    return { client, connection: await server.connection() };
  }

  async function nextFrame(client: WsClient): Promise<Frame> {
    const frame = await client.recv(5000);
    if (frame === false) throw new Error(`no message (closed with ${client.closeCode})`);
    return frame;
  }

  it.each(VARIANTS)('$title: messages compress both ways', async (variant) => {
    const { client, connection } = await open(variant.server, variant.client);
    for (const parameter of variant.agreed) expect(client.extensions).toContain(parameter);
    const before = connection.bytesRead();
    let sent = 0;
    for (let i = 0; i < 6; i++) {
      const text = chatty(i);
      sent += text.length;
      expect(client.push(text, WEBSOCKET_OPCODE_TEXT, COMPRESS)).toBe(true);
    }
    const binary = structured(100_000);
    sent += binary.length;
    expect(client.push(binary, WEBSOCKET_OPCODE_BINARY, COMPRESS)).toBe(true);
    for (let i = 0; i < 6; i++) {
      const echo = await nextFrame(client);
      expect(echo.data).toBe(chatty(i));
      // Both servers echo compressed: the client inflated it.
      expect(echo.flags & SWOOLE_WEBSOCKET_FLAG_COMPRESS).toBe(SWOOLE_WEBSOCKET_FLAG_COMPRESS);
    }
    const binaryEcho = await nextFrame(client);
    expect(binaryEcho.payload.equals(binary)).toBe(true);
    for (let i = 0; i < 6; i++) {
      const message = await connection.messages.next();
      expect(message.data.toString()).toBe(chatty(i));
      if (name === 'our server') expect(message.compressed).toBe(true);
    }
    expect((await connection.messages.next()).data.equals(binary)).toBe(true);
    // What went over the wire is far smaller than what was sent: it was compressed.
    expect(connection.bytesRead() - before).toBeLessThan(sent / 2);
  });

  it('sends a plain frame without the COMPRESS flag', async () => {
    const { client, connection } = await open(undefined, true);
    const before = connection.bytesRead();
    const text = 'a'.repeat(10_000);
    expect(client.push(text)).toBe(true);
    expect((await connection.messages.next()).data.toString()).toBe(text);
    expect(connection.bytesRead() - before).toBeGreaterThan(10_000);
  });

  it('receives a message the server compressed on its own', async () => {
    const { client, connection } = await open(undefined, true, false);
    connection.send('compressed by the server '.repeat(50), { compress: true });
    connection.send(structured(70_000), { binary: true, compress: true });
    const text = await nextFrame(client);
    expect(text.data).toBe('compressed by the server '.repeat(50));
    expect(text.flags & SWOOLE_WEBSOCKET_FLAG_COMPRESS).toBe(SWOOLE_WEBSOCKET_FLAG_COMPRESS);
    expect((await nextFrame(client)).payload.equals(structured(70_000))).toBe(true);
  });

  it('without an offer, no extension is agreed and COMPRESS sends plain frames', async () => {
    const { client, connection } = await open(undefined, false);
    expect(client.extensions).toBe('');
    expect(client.push('plain', WEBSOCKET_OPCODE_TEXT, COMPRESS)).toBe(true);
    expect((await connection.messages.next()).data.toString()).toBe('plain');
    expect((await nextFrame(client)).flags & SWOOLE_WEBSOCKET_FLAG_COMPRESS).toBe(0);
  });
});

describe('WsClient compression details (our server)', () => {
  let server: PeerServer | undefined;
  const clients: WsClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await server?.close();
    server = undefined;
  });

  it('with client_max_window_bits=8 agreed, sends uncompressed (zlib cannot keep to 8)', async () => {
    server = await startOurServer({ compression: {} });
    const client = await WsClient.connect(server.url(), {
      compression: { clientMaxWindowBits: 8 },
    });
    clients.push(client);
    const connection = await server.connection();
    expect(client.extensions).toContain('client_max_window_bits=8');
    expect(client.push('not compressed', WEBSOCKET_OPCODE_TEXT, COMPRESS)).toBe(true);
    const message = await connection.messages.next();
    expect(message).toMatchObject({ compressed: false });
    expect(message.data.toString()).toBe('not compressed');
    // The server still compresses its echo, and the client inflates it.
    const echo = await client.recv(5000);
    expect(echo && echo.data).toBe('not compressed');
  });

  it('fails with 1009 when a small compressed message inflates past maxPayload', async () => {
    server = await startOurServer({ compression: {}, echo: false });
    const client = await WsClient.connect(server.url(), {
      compression: true,
      maxPayload: 64 * 1024,
    });
    clients.push(client);
    const connection = await server.connection();
    connection.send(Buffer.alloc(1024 * 1024), { binary: true, compress: true });
    expect(await client.recv(5000)).toBe(false);
    expect(client.closeCode).toBe(WEBSOCKET_CLOSE_MESSAGE_TOO_BIG);
    expect(client.error?.code).toBe('PROTOCOL_ERROR');
    expect(client.error?.message).toMatch(/too big/);
    expect((await connection.closeFrame).code).toBe(WEBSOCKET_CLOSE_MESSAGE_TOO_BIG);
  });

  it('keeps the order of compressed and plain messages in both directions', async () => {
    server = await startOurServer({ compression: {} });
    const client = await WsClient.connect(server.url(), { compression: true });
    clients.push(client);
    const expected: string[] = [];
    for (let i = 0; i < 40; i++) {
      const text = `${i}:${'x'.repeat(i * 50)}`;
      expected.push(text);
      client.push(text, WEBSOCKET_OPCODE_TEXT, i % 3 === 0 ? SWOOLE_WEBSOCKET_FLAG_FIN : COMPRESS);
    }
    const received: string[] = [];
    for (let i = 0; i < 40; i++) {
      const frame = await client.recv(5000);
      received.push(frame === false ? '(none)' : (frame.data as string));
    }
    expect(received).toEqual(expected);
  });
});
