import { cleanClose, expectEcho, expectFailure, filled, OP, pongEvent } from '../case-builders.js';
import type { ConformanceCase } from '../conformance-case.js';
import type { ExpectedEvent } from '../conformance-case.js';

const CATEGORY = '2 Pings/Pongs';
const SMALL_BINARY = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);

/** 2.1-2.11: pings with payloads, oversized pings, unsolicited pongs, many and chopped pings. */
export function pingPongCases(): ConformanceCase[] {
  const ping = (
    id: string,
    description: string,
    payload: Buffer | string,
    chop?: number,
  ): ConformanceCase => ({
    id,
    category: CATEGORY,
    description,
    expectation: 'Pong (with payload as sent). Clean close with normal code.',
    expect: expectEcho(pongEvent(payload)),
    run: (session) => session.sendFrame(OP.ping, payload, { chop }),
  });
  const tenPings = Array.from({ length: 10 }, (_, i) => `payload-${i}`);
  const pongs: ExpectedEvent[] = tenPings.map((payload) => pongEvent(payload));
  // RFC 6455 5.5.3: an endpoint MAY answer only the most recent of several pending pings.
  const manyPings = {
    outcomes: [
      { verdict: 'OK' as const, events: pongs },
      { verdict: 'NON-STRICT' as const, events: [pongs[pongs.length - 1]] },
    ],
    close: cleanClose(),
  };
  return [
    ping('2.1', 'Send ping without payload.', ''),
    ping('2.2', 'Send ping with small text payload.', 'Hello, world!'),
    ping('2.3', 'Send ping with small binary (non UTF-8) payload.', SMALL_BINARY),
    ping('2.4', 'Send ping with binary payload of 125 octets.', filled(125, 0xfe)),
    {
      id: '2.5',
      category: CATEGORY,
      description: 'Send ping with binary payload of 126 octets.',
      expectation:
        'Connection is failed immediately (1002/Protocol Error), since control frames are only allowed to have payload up to and including 125 octets.',
      expect: expectFailure(1002),
      run: (session) => session.sendFrame(OP.ping, filled(126, 0xfe)),
    },
    ping(
      '2.6',
      'Send ping with binary payload of 125 octets, send in octet-wise chops.',
      filled(125, 0xfe),
      1,
    ),
    {
      id: '2.7',
      category: CATEGORY,
      description: 'Send unsolicited pong without payload. Verify nothing is received.',
      expectation: 'Nothing. Clean close with normal code.',
      expect: expectEcho(),
      run: (session) => session.sendFrame(OP.pong),
    },
    {
      id: '2.8',
      category: CATEGORY,
      description: 'Send unsolicited pong with payload. Verify nothing is received.',
      expectation: 'Nothing. Clean close with normal code.',
      expect: expectEcho(),
      run: (session) => session.sendFrame(OP.pong, 'unsolicited pong payload'),
    },
    {
      id: '2.9',
      category: CATEGORY,
      description:
        'Send unsolicited pong with payload. Send ping with payload. Verify pong for ping is received.',
      expectation:
        'Nothing in reply to the pong; pong with payload as sent for the ping. Clean close.',
      expect: expectEcho(pongEvent('ping payload')),
      run: async (session) => {
        await session.sendFrame(OP.pong, 'unsolicited pong payload');
        await session.sendFrame(OP.ping, 'ping payload');
      },
    },
    {
      id: '2.10',
      category: CATEGORY,
      description: 'Send 10 pings with payload.',
      expectation:
        'Pongs for all pings, in order (answering only the last is allowed by RFC 6455 5.5.3: NON-STRICT). Clean close.',
      expect: manyPings,
      run: async (session) => {
        for (const payload of tenPings) await session.sendFrame(OP.ping, payload);
      },
    },
    {
      id: '2.11',
      category: CATEGORY,
      description: 'Send 10 pings with payload. Send out octets in octet-wise chops.',
      expectation:
        'Pongs for all pings, in order (answering only the last is allowed by RFC 6455 5.5.3: NON-STRICT). Clean close.',
      expect: manyPings,
      run: async (session) => {
        for (const payload of tenPings) await session.sendFrame(OP.ping, payload, { chop: 1 });
      },
    },
  ];
}
