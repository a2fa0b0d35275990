import type { ClusterCommand } from '../cluster/cluster-command.interface.js';
import { isValidWireCloseCode } from '../protocol/close-code.constants.js';
import { WEBSOCKET_OPCODE_CLOSE, isControlOpcode } from '../protocol/opcode.constants.js';
import { WEBSOCKET_STATUS_ACTIVE } from '../protocol/websocket-status.constants.js';
import { BroadcastEncoder } from './broadcast-encoder.js';
import { type WsClientInfo, clientInfoOf } from './client-info.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { isFinal, toBytes, wantsCompression } from './outgoing-frame.js';
import { pathCovers } from './path-scope.util.js';
import type { WsServerStats } from './server-statistics.js';
import type { WsConnection } from './ws-connection.js';

/** A push, checked: see `outgoingFrame`. */
export type PushCommand = Extract<ClusterCommand, { op: 'push' }>;
/** A broadcast to this process's connections. */
export type BroadcastCommand = Extract<ClusterCommand, { op: 'broadcast' }>;
/** A publish to a topic's subscribers here. */
export type PublishCommand = Extract<ClusterCommand, { op: 'publish' }>;
/** A frame as `outgoingFrame` checked it. */
type FrameFields = Pick<PushCommand, 'data' | 'opcode' | 'flags'>;

type Operations = {
  [Op in ClusterCommand['op']]: (command: Extract<ClusterCommand, { op: Op }>) => unknown;
};

/**
 * Swoole's methods on this process's own connections. `execute` is the one dispatcher, keyed
 * by the command's `op`: `WsServer` runs its calls for local fds through it, and the cluster
 * adapter the commands other workers or nodes send for ours.
 */
export class LocalConnections {
  private readonly operations: Operations = {
    push: (command) => this.push(command),
    disconnect: (command) => this.disconnect(command.fd, command.code, command.reason),
    exist: (command) => this.exist(command.fd),
    isEstablished: (command) => this.isEstablished(command.fd),
    getClientInfo: (command) => this.getClientInfo(command.fd),
    broadcast: (command) => this.broadcast(command),
    connections: () => [...this.registry.fdList()],
    stats: () => this.registry.stats(),
    subscribe: (command) => this.subscribe(command.fd, command.topic),
    unsubscribe: (command) => this.unsubscribe(command.fd, command.topic),
    publish: (command) => this.publish(command),
    subscribers: (command) => this.registry.topics.subscribersOf(command.topic).size,
  };

  constructor(
    private readonly registry: ConnectionRegistry,
    /** The server's port, for `getClientInfo` of a socket that no longer knows its own. */
    private readonly port: () => number,
  ) {}

  /** Runs a command on this process's connections. */
  execute(command: ClusterCommand): unknown {
    const operation = this.operations[command.op] as
      ((command: ClusterCommand) => unknown) | undefined;
    if (operation === undefined) throw new Error(`unknown command ${String(command.op)}`);
    return operation(command);
  }

  /** Sends a checked frame to an open WebSocket; a close frame only frames and sends. */
  push(command: PushCommand): boolean {
    const connection = this.registry.get(command.fd);
    if (connection === undefined || connection.status !== WEBSOCKET_STATUS_ACTIVE) return false;
    const { data, opcode } = command;
    if (opcode === WEBSOCKET_OPCODE_CLOSE) return connection.pushClose(toBytes(data));
    return connection.send(opcode, data, isFinal(command), wantsCompression(command));
  }

  /** Closes an open WebSocket with a close frame (arguments already checked). */
  disconnect(fd: number, code: number, reason: string): boolean {
    const connection = this.registry.get(fd);
    if (connection === undefined || connection.status !== WEBSOCKET_STATUS_ACTIVE) return false;
    connection.close(code, reason);
    return true;
  }

  /** `disconnect` with any code valid on the wire (1011 after a server fault, say). */
  closeConnection(fd: number, code: number, reason: string): boolean {
    return isValidWireCloseCode(code) && this.disconnect(fd, code, reason);
  }

  exist(fd: number): boolean {
    return this.registry.has(fd);
  }

  isEstablished(fd: number): boolean {
    return this.registry.get(fd)?.status === WEBSOCKET_STATUS_ACTIVE;
  }

  getClientInfo(fd: number): WsClientInfo | false {
    const connection = this.registry.get(fd);
    return connection === undefined
      ? false
      : clientInfoOf(connection, this.registry.ownerId, this.port());
  }

  /** Raw bytes, no framing. */
  send(fd: number, data: Buffer): boolean {
    return this.registry.get(fd)?.sendRaw(data) ?? false;
  }

  /** Ends a connection's TCP stream (no close frame). */
  close(fd: number): boolean {
    const connection = this.registry.get(fd);
    if (connection === undefined) return false;
    connection.end();
    return true;
  }

  /**
   * Writes one message to every open WebSocket here, or to those `accepts` lets through (or on
   * the command's path): encoded once for all of them. Returns how many took it.
   */
  broadcast(
    command: Omit<BroadcastCommand, 'op'>,
    accepts?: (fd: number, connection: WsConnection) => boolean,
  ): number {
    const path = command.path;
    return this.deliver(this.registry.values(), command, (connection) => {
      if (path !== undefined && !pathCovers(path, connection.path)) return false;
      return accepts === undefined || accepts(connection.fd, connection);
    });
  }

  /** Subscribes an open WebSocket here to a topic (a checked name). */
  subscribe(fd: number, topic: string): boolean {
    const connection = this.registry.get(fd);
    if (connection === undefined || connection.status !== WEBSOCKET_STATUS_ACTIVE) return false;
    return this.registry.topics.subscribe(connection, topic);
  }

  unsubscribe(fd: number, topic: string): boolean {
    const connection = this.registry.get(fd);
    return connection !== undefined && this.registry.topics.unsubscribe(connection, topic);
  }

  isSubscribed(fd: number, topic: string): boolean {
    const connection = this.registry.get(fd);
    return connection !== undefined && this.registry.topics.isSubscribed(connection, topic);
  }

  /** The topics of a connection here, or false for an fd that is not one. */
  topics(fd: number): string[] | false {
    const connection = this.registry.get(fd);
    return connection === undefined ? false : this.registry.topics.topicsOf(connection);
  }

  /**
   * Writes one message to the topic's subscribers here, but `except`: encoded once for all of
   * them, in time proportional to the subscribers. Returns how many took it.
   */
  publish(command: Omit<PublishCommand, 'op'>): number {
    const except = command.except;
    const subscribers = this.registry.topics.subscribersOf(command.topic);
    return this.deliver(subscribers, command, (connection) => connection.fd !== except);
  }

  /** One message to each of `connections` that is open and `accepts` takes, encoded once. */
  private deliver(
    connections: Iterable<WsConnection>,
    frame: FrameFields,
    accepts: (connection: WsConnection) => boolean,
  ): number {
    const payload = toBytes(frame.data);
    const opcode = frame.opcode;
    const threshold = this.registry.settings.compressionThreshold;
    const compress =
      !isControlOpcode(opcode) &&
      (wantsCompression(frame) || (threshold > 0 && payload.length >= threshold));
    const encoder = new BroadcastEncoder(opcode, payload, isFinal(frame), compress);
    let delivered = 0;
    for (const connection of connections) {
      if (connection.status !== WEBSOCKET_STATUS_ACTIVE || !accepts(connection)) continue;
      if (encoder.deliver(connection)) delivered++;
    }
    return delivered;
  }

  stats(): WsServerStats {
    return this.registry.stats();
  }
}
