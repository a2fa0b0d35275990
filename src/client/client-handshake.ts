import { randomBytes } from 'node:crypto';
import {
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { formatExtensionHeader } from '../protocol/extension-header.parser.js';
import { WEBSOCKET_VERSION } from '../protocol/handshake-validator.js';
import type { DeflateParams } from '../protocol/permessage-deflate.negotiator.js';
import { buildDeflateOffer } from '../protocol/permessage-deflate.offer.js';
import { validateUpgradeResponse } from '../protocol/upgrade-response.validator.js';
import type { ResolvedClientOptions } from './client-options.resolver.js';
import { WsConnectionError } from './ws-connection.error.js';

/** A completed opening handshake: the socket, the bytes read past the 101, and the agreement. */
export interface ClientHandshake {
  socket: Socket;
  /** Bytes the server sent right after the 101 (the first frames, possibly). */
  head: Buffer;
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The agreed subprotocol, `''` for none. */
  protocol: string;
  /** The server's `Sec-WebSocket-Extensions`, `''` for none. */
  extensions: string;
  deflate: DeflateParams | null;
}

/**
 * Performs the client's opening handshake (RFC 6455 section 4.1) over HTTP(S) and checks the
 * answer. `open` is called synchronously with the upgraded socket, so whoever takes it over has
 * its listeners attached before any byte or error can be missed; its result is what the
 * promise resolves with. Rejects with a `WsConnectionError` on every failure: connection error,
 * timeout, a status other than 101, an invalid 101.
 */
export function performHandshake<T>(
  options: ResolvedClientOptions,
  open: (handshake: ClientHandshake) => T,
): Promise<T> {
  const key = randomBytes(16).toString('base64');
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let request: ClientRequest | undefined;
    const fail = (error: WsConnectionError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request?.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () =>
        fail(
          new WsConnectionError(
            `the opening handshake timed out after ${options.handshakeTimeout} ms`,
            'HANDSHAKE_TIMEOUT',
          ),
        ),
      options.handshakeTimeout,
    );
    try {
      request = sendRequest(options, key);
    } catch (error) {
      fail(
        new WsConnectionError(`invalid request: ${(error as Error).message}`, 'INVALID_OPTIONS'),
      );
      return;
    }
    request.on('error', (error: Error) => fail(connectionError(options, error)));
    request.on('response', (response: IncomingMessage) => {
      // The body is not read: discard it, and let its end (or abortion) pass quietly.
      response.on('error', () => undefined);
      response.resume();
      fail(refusal(response, key, options));
    });
    request.on('upgrade', (response: IncomingMessage, socket: Socket, head: Buffer) => {
      if (settled) {
        socket.destroy();
        return;
      }
      const check = validateUpgradeResponse(response, {
        key,
        subprotocols: options.subprotocols,
        deflate: options.deflate,
      });
      if (!check.ok) {
        socket.destroy();
        fail(new WsConnectionError(check.reason, 'INVALID_HANDSHAKE'));
        return;
      }
      settled = true;
      clearTimeout(timer);
      try {
        resolve(
          open({
            socket,
            head,
            statusCode: 101,
            headers: response.headers,
            protocol: check.protocol,
            extensions: check.extensions,
            deflate: check.deflate,
          }),
        );
      } catch (error) {
        socket.destroy();
        reject(error);
      }
    });
  });
}

/** Sends the upgrade request (throws on headers Node refuses). */
function sendRequest(options: ResolvedClientOptions, key: string): ClientRequest {
  const headers: Record<string, string | string[]> = {
    ...options.headers,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Version': WEBSOCKET_VERSION,
  };
  if (options.subprotocols.length > 0) {
    headers['Sec-WebSocket-Protocol'] = options.subprotocols.join(', ');
  }
  if (options.deflate !== null) {
    headers['Sec-WebSocket-Extensions'] = formatExtensionHeader([
      buildDeflateOffer(options.deflate),
    ]);
  }
  const common = {
    host: options.host,
    port: options.port,
    path: options.path,
    method: 'GET',
    headers,
    // A fresh connection for each client: an upgraded socket never goes back to a pool.
    agent: false as const,
  };
  const request = options.secure
    ? httpsRequest({ ...common, ...options.tls })
    : httpRequest(common);
  request.end();
  return request;
}

/** A non-upgrade answer: a status other than 101, or a 101 without the upgrade headers. */
function refusal(
  response: IncomingMessage,
  key: string,
  options: ResolvedClientOptions,
): WsConnectionError {
  const check = validateUpgradeResponse(response, {
    key,
    subprotocols: options.subprotocols,
    deflate: options.deflate,
  });
  const reason = check.ok ? 'the server did not switch protocols' : check.reason;
  const status = response.statusCode ?? 0;
  return status === 101
    ? new WsConnectionError(reason, 'INVALID_HANDSHAKE')
    : new WsConnectionError(reason, 'UNEXPECTED_RESPONSE', { statusCode: status });
}

function connectionError(options: ResolvedClientOptions, error: Error): WsConnectionError {
  const where = `${options.secure ? 'wss' : 'ws'}://${options.host}:${options.port}`;
  return new WsConnectionError(
    `could not connect to ${where}: ${error.message}`,
    'CONNECTION_FAILED',
    {
      cause: error,
    },
  );
}
