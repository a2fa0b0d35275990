/**
 * Bench server (e): the floor. node:net, the opening handshake by hand, and
 * `floor-frame-echo.ts` for the frames: what any WebSocket server on Node must at least pay
 * (the socket reads and writes and a copy of each payload), as a lower bound for the others.
 * On node:tls when the scenario asks for TLS (the same code: a TLSSocket is a net.Socket).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { echoFrames, type EchoSink } from './floor-frame-echo.js';
import { serverConfig } from './server-config.js';
import { BENCH_HOST, serveControlChannel } from './server-ipc.js';

const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const HEAD_END = Buffer.from('\r\n\r\n');
const KEY_HEADER = /^sec-websocket-key:\s*(\S+)/im;

const sockets = new Set<Socket>();

function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + ACCEPT_GUID)
    .digest('base64');
}

/** Answers the upgrade; returns the offset after the request head, or -1 while incomplete. */
function handshake(socket: Socket, data: Buffer): number {
  const end = data.indexOf(HEAD_END);
  if (end < 0) return -1;
  const key = KEY_HEADER.exec(data.toString('latin1', 0, end))?.[1];
  if (key === undefined) {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    return data.length;
  }
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
  );
  sockets.add(socket);
  return end + HEAD_END.length;
}

/** One write for one piece; cork/uncork turns several into one writev. */
function writeAll(socket: Socket, pieces: Buffer[]): void {
  if (pieces.length === 1) return void socket.write(pieces[0]);
  socket.cork();
  for (const piece of pieces) socket.write(piece);
  socket.uncork();
}

function sinkFor(socket: Socket): EchoSink {
  return {
    write: (pieces) => writeAll(socket, pieces),
    broadcast: (frame) => {
      for (const peer of sockets) peer.write(frame);
    },
    end: (pieces) => {
      sockets.delete(socket);
      writeAll(socket, pieces);
      socket.end();
    },
  };
}

function serve(socket: Socket): void {
  socket.setNoDelay(true);
  const sink = sinkFor(socket);
  let upgraded = false;
  let rest: Buffer | null = null;
  socket.on('data', (chunk: Buffer) => {
    let data = rest === null ? chunk : Buffer.concat([rest, chunk]);
    rest = null;
    if (!upgraded) {
      const headEnd = handshake(socket, data);
      if (headEnd < 0) return void (rest = data);
      upgraded = true;
      data = data.subarray(headEnd);
    }
    const consumed = echoFrames(data, sink);
    if (consumed < data.length) rest = data.subarray(consumed);
  });
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => socket.destroy());
}

function createListener(): Server {
  const { tls } = serverConfig();
  if (!tls) return createServer(serve);
  const options = { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
  return createTlsServer(options, serve).on('tlsClientError', () => undefined);
}

const server = createListener();
server.listen(0, BENCH_HOST, () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  serveControlChannel(address.port);
});
