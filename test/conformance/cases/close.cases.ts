import { cleanClose, fragmentFrames, OP, textEvent } from '../case-builders.js';
import type { CaseSession } from '../case-session.js';
import type { ConformanceCase, ExpectedEvent, Expectation } from '../conformance-case.js';

const CATEGORY = '7 Close Handling';
const KOSME_EDITED = Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex');

/** Codes RFC 6455 7.4.1 defines for use, and the ranges for libraries (3000-3999) and apps. */
const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
/**
 * Codes that may not appear on the wire, as Autobahn's current list has them: 1012-1014 were
 * dropped from it once IANA registered them (Service Restart, Try Again Later, Bad Gateway), and
 * 1015 with them (it is still reserved, see the local case 7.9.1015).
 */
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];

/** The client closes (in `run`) and the server must answer with one of `codes`. */
function answered(
  codes: readonly number[],
  requireClean = true,
  events: readonly ExpectedEvent[] = [],
): Expectation {
  return { outcomes: [{ verdict: 'OK', events }], close: { ...cleanClose(codes), requireClean } };
}

/** 7.1 close after traffic, 7.3 close payload lengths, 7.5 UTF-8 reasons, 7.7/7.9/7.13 codes. */
export function closeCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const push = (c: Omit<ConformanceCase, 'category'>): void =>
    void cases.push({ ...c, category: CATEGORY });

  // 7.1 Basic close behaviour (fuzzer initiated).
  push({
    id: '7.1.1',
    description: 'Send a message followed by a close frame.',
    expectation: 'Echoed message followed by clean close with normal code.',
    expect: answered([1000], true, [textEvent('Hello World!')]),
    run: async (session) => {
      await session.sendFrame(OP.text, 'Hello World!');
      session.sendClose(1000);
    },
  });
  push({
    id: '7.1.2',
    description: 'Send two close frames.',
    expectation: 'Clean close with normal code. Second close frame ignored.',
    expect: answered([1000]),
    run: async (session) => {
      session.sendClose(1000);
      session.sendClose(1000);
    },
  });
  push({
    id: '7.1.3',
    description: 'Send a ping after close message.',
    expectation: 'Clean close with normal code, no pong.',
    expect: answered([1000]),
    run: async (session) => {
      session.sendClose(1000);
      await session.sendFrame(OP.ping);
    },
  });
  push({
    id: '7.1.4',
    description: 'Send text message after sending a close frame.',
    expectation: 'Clean close with normal code. Text message ignored.',
    expect: answered([1000]),
    run: async (session) => {
      session.sendClose(1000);
      await session.sendFrame(OP.text, 'Hello World!');
    },
  });
  push({
    id: '7.1.5',
    description: 'Send message fragment 1 followed by close then fragment 2.',
    expectation: 'Clean close with normal code; the unfinished message is not echoed.',
    expect: answered([1000]),
    run: async (session) => {
      const [first, second] = fragmentFrames(session, OP.text, [
        Buffer.from('fragment1'),
        Buffer.from('fragment2'),
      ]);
      session.send(first);
      session.sendClose(1000);
      session.send(second);
    },
  });
  const big = Buffer.alloc(26 * 1024 * 10, 'BAsd7&jh23');
  push({
    id: '7.1.6',
    description: 'Send 256K message followed by close then a ping.',
    expectation:
      'Implementation defined: the close may be processed before the echo of the large message is written, so the echo may be missing or partial. Clean close with normal code.',
    expect: { ...answered([1000]), informational: true },
    run: async (session) => {
      session.send(session.frame(OP.text, big));
      session.sendClose(1000);
      session.send(session.frame(OP.ping, 'ping payload'));
    },
  });

  // 7.3 Close frame structure: payload length (fuzzer initiated).
  const reason123 = Buffer.alloc(123, '*');
  const structure: [string, string, Expectation, (session: CaseSession) => void][] = [
    [
      'Send a close frame with payload length 0 (no close code, no close reason).',
      'Clean close with normal code (or an empty close frame).',
      answered([1000, 1005]),
      (s) => s.sendClose(),
    ],
    [
      'Send a close frame with payload length 1.',
      'Clean close with protocol error code or drop TCP.',
      answered([1002], false),
      (s) => s.sendClose(undefined, '', Buffer.from([0x03])),
    ],
    [
      'Send a close frame with payload length 2 (regular close with a code).',
      'Clean close with normal code.',
      answered([1000]),
      (s) => s.sendClose(1000),
    ],
    [
      'Send a close frame with close code and close reason.',
      'Clean close with normal code.',
      answered([1000]),
      (s) => s.sendClose(1000, 'Ok, I am done'),
    ],
    [
      'Send a close frame with close code and close reason of maximum length (123).',
      'Clean close with normal code.',
      answered([1000]),
      (s) => s.sendClose(1000, reason123),
    ],
    [
      'Send a close frame with close code and close reason which is too long (124) - total frame payload 126 octets.',
      'Clean close with protocol error code or dropped TCP connection.',
      answered([1002], false),
      (s) => s.sendClose(1000, Buffer.alloc(124, '*')),
    ],
  ];
  structure.forEach(([description, expectation, expect, send], i) =>
    push({
      id: `7.3.${i + 1}`,
      description,
      expectation,
      expect,
      run: async (session) => send(session),
    }),
  );

  // 7.5 Close frame payload: UTF-8.
  push({
    id: '7.5.1',
    description: 'Send a close frame with invalid UTF-8 payload.',
    expectation: 'Clean close with invalid payload error code (1007) or drop TCP.',
    expect: answered([1007], false),
    run: async (session) => session.sendClose(1000, KOSME_EDITED),
  });

  // 7.7 Valid close codes, 7.9 invalid ones, 7.13 codes above 4999.
  VALID_CODES.forEach((code, i) =>
    push({
      id: `7.7.${i + 1}`,
      description: `Send close with valid close code ${code}.`,
      expectation: 'Clean close with normal or echoed code.',
      expect: answered([1000, code]),
      run: async (session) => session.sendClose(code),
    }),
  );
  INVALID_CODES.forEach((code, i) =>
    push({
      id: `7.9.${i + 1}`,
      description: `Send close with invalid close code ${code}.`,
      expectation: 'Clean close with protocol error code or drop TCP.',
      expect: answered([1002], false),
      run: async (session) => session.sendClose(code),
    }),
  );
  [5000, 65535].forEach((code, i) =>
    push({
      id: `7.13.${i + 1}`,
      description: `Send close with close code ${code} (not defined by RFC 6455).`,
      expectation:
        'Implementation defined; RFC 6455 defines no code above 4999. Clean close with normal or protocol error code (or drop TCP).',
      expect: { ...answered([1000, 1002], false), informational: true },
      run: async (session) => session.sendClose(code),
    }),
  );

  // Local additions (not in Autobahn's list): the codes registered with IANA after RFC 6455.
  [1012, 1013, 1014].forEach((code) =>
    push({
      id: `7.7.${code}`,
      description: `(local) Send close with close code ${code}, registered with IANA after RFC 6455.`,
      expectation: 'Clean close with normal or echoed code.',
      expect: answered([1000, code]),
      run: async (session) => session.sendClose(code),
    }),
  );
  push({
    id: '7.9.1015',
    description:
      '(local) Send close with close code 1015, reserved: it "MUST NOT be set as a status code in a Close control frame" (RFC 6455 7.4.1).',
    expectation: 'Clean close with protocol error code or drop TCP.',
    expect: answered([1002], false),
    run: async (session) => session.sendClose(1015),
  });
  return cases;
}
