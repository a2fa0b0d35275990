import { cleanClose } from '../case-builders.js';
import type { ConformanceCase } from '../conformance-case.js';

/** One message of a compression case. */
export interface EchoMessage {
  opcode: number;
  payload: Buffer;
  /** Cut the compressed payload into frames of this many bytes (auto-fragmentation). */
  fragmentSize?: number;
}

/** What a compression case is: the offer, the messages, and what declining the offer earns. */
export interface CompressedEchoSpec {
  id: string;
  category: string;
  description: string;
  /** The `Sec-WebSocket-Extensions` offer of the opening handshake. */
  offer: string;
  messages: readonly EchoMessage[];
  /** OK where declining is the expected answer, INFORMATIONAL where it only skips the test. */
  onDecline: 'OK' | 'INFORMATIONAL';
  /**
   * How long to wait for each echo (ms); default 5000. Generous: a server that inflates every
   * 256-octet fragment on its own (ws does, through the zlib thread pool) takes a while for
   * 128 KiB under CONFORMANCE_FULL's load, and a right server never makes a case wait this long.
   */
  echoTimeoutMs?: number;
}

const EXPECTATION =
  'The server accepts the offer with an answer RFC 7692 allows for it, or declines it (no ' +
  'extension). Every message comes back as sent (compressed or not); compressed echoes set RSV1 ' +
  'on their first frame only and inflate with the agreed window and context takeover. Clean ' +
  'close with normal code.';

/**
 * A case of 12.x / 13.x: offers permessage-deflate, then sends each message (compressed with
 * what was agreed, or plain if the offer was declined) after the echo of the previous one.
 */
export function compressedEchoCase(spec: CompressedEchoSpec): ConformanceCase {
  const echoTimeoutMs = spec.echoTimeoutMs ?? 5000;
  return {
    id: spec.id,
    category: spec.category,
    description: spec.description,
    expectation: EXPECTATION,
    handshake: { extensions: spec.offer },
    expect: {
      outcomes: [
        {
          verdict: 'OK',
          events: spec.messages.map((message) => ({
            kind: 'message',
            opcode: message.opcode,
            payload: message.payload,
          })),
        },
      ],
      close: cleanClose(),
      compression: { onDecline: spec.onDecline },
    },
    timeoutMs: 10_000 + spec.messages.length * echoTimeoutMs,
    run: async (session) => {
      for (const [i, message] of spec.messages.entries()) {
        session.sendMessage(message.opcode, message.payload, {
          fragmentSize: message.fragmentSize,
        });
        await session.waitEvents(i + 1, echoTimeoutMs);
        if (session.serverGone || session.observation.events.length <= i) return;
      }
    },
  };
}
