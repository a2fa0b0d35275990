import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { EchoGateway } from '../../sample-app/echo/echo.gateway.js';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import type { WsServerSettings } from '../../src/gateway/ws-server-options.interface.js';
import { captureLogger, type LoggedEntry } from '../e2e/support/wait.js';
import { quietLogger, startApp } from '../e2e/module-support.js';
import type { FuzzProfile } from './fuzz-case.js';

/** Short timeouts so stalled cases end within a case deadline; a 100 kB message limit. */
export const FUZZ_SETTINGS: WsServerSettings = {
  handshake_timeout: 2,
  heartbeat_check_interval: 1,
  heartbeat_idle_time: 4,
  websocket_close_timeout: 1,
  package_max_length: 100_000,
};

const TIMEOUTS = { handshakeTimeoutMs: 2000, idleTimeoutMs: 4000, closeTimeoutMs: 1000 };

/** A running server under test. */
export interface FuzzTarget {
  profile: FuzzProfile;
  server: WsServer;
  /** Errors the server (or Nest) logged. */
  errors: () => string[];
  stop(): Promise<void>;
}

/** A bare `WsServer` echoing every message (its handler answers synchronously). */
export async function startEchoServer(): Promise<FuzzTarget> {
  const { logger, entries } = captureLogger();
  const server = new WsServer({ host: '127.0.0.1', port: 0, settings: FUZZ_SETTINGS }, logger);
  server.on('message', (frame) => server.push(frame.fd, frame.data, frame.opcode));
  await server.start();
  return {
    server,
    errors: () =>
      entries.filter((entry: LoggedEntry) => entry.level === 'error').map(describeEntry),
    stop: () => server.shutdown(500),
    profile: {
      name: 'WsServer echo',
      path: '/',
      compression: false,
      maxPayload: FUZZ_SETTINGS.package_max_length as number,
      refusalStatuses: [400, 408, 426, 431],
      plainStatus: 400,
      unknownPathStatus: undefined,
      echoesMayBeCut: false,
      ...TIMEOUTS,
    },
  };
}

/** The sample app's `EchoGateway` on `/echo` through the Nest module, permessage-deflate on. */
export async function startNestEcho(): Promise<FuzzTarget> {
  const quiet = quietLogger();
  let app: INestApplicationContext;
  try {
    ({ app } = await startApp(
      { providers: [EchoGateway] },
      { settings: { ...FUZZ_SETTINGS, websocket_compression: true } },
    ));
  } catch (error) {
    quiet.restore();
    throw error;
  }
  const server = app.get(WsServer);
  return {
    server,
    errors: () => [...quiet.errors],
    stop: async () => {
      await app.close();
      quiet.restore();
    },
    profile: {
      name: 'Nest EchoGateway (deflate)',
      path: '/echo',
      compression: true,
      maxPayload: FUZZ_SETTINGS.package_max_length as number,
      refusalStatuses: [400, 404, 408, 426, 431],
      // No @OnRequest in the app: the module registers no `request` handler, so plain HTTP gets 400.
      plainStatus: 400,
      unknownPathStatus: 404,
      echoesMayBeCut: true,
      ...TIMEOUTS,
    },
  };
}

function describeEntry(entry: LoggedEntry): string {
  const error = entry.error instanceof Error ? ` ${entry.error.stack ?? entry.error.message}` : '';
  return `${entry.message}${error}`;
}
