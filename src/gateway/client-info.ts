import type { WsConnection } from './ws-connection.js';

/** Swoole's `getClientInfo()` fields. Times are Unix seconds. */
export interface WsClientInfo {
  websocket_status: number;
  server_port: number;
  server_fd: number;
  socket_fd: number;
  socket_type: number;
  remote_ip: string;
  remote_port: number;
  reactor_id: number;
  worker_id: number;
  connect_time: number;
  last_time: number;
  last_recv_time: number;
  last_send_time: number;
  recv_queued_bytes: number;
  send_queued_bytes: number;
}

/** Swoole's SWOOLE_SOCK_TCP. */
const SOCK_TCP = 1;

/** A connection's `getClientInfo()`; `ownerId` is the worker or node, `port` the server's. */
export function clientInfoOf(
  connection: WsConnection,
  ownerId: number,
  port: number,
): WsClientInfo {
  const socket = connection.socket;
  return {
    websocket_status: connection.status,
    server_port: socket.localPort ?? port,
    server_fd: 0,
    socket_fd: connection.fd,
    socket_type: SOCK_TCP,
    remote_ip: normalizeAddress(socket.remoteAddress),
    remote_port: socket.remotePort ?? 0,
    reactor_id: 0,
    worker_id: ownerId,
    connect_time: connection.connectTime,
    last_time: Math.floor(connection.lastTime / 1000),
    last_recv_time: Math.floor(connection.lastRecvTime / 1000),
    last_send_time: Math.floor(connection.lastSendTime / 1000),
    recv_queued_bytes: 0,
    send_queued_bytes: connection.bufferedAmount,
  };
}

/** An IPv4 address without its IPv6-mapped prefix, as Swoole reports it. */
function normalizeAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
