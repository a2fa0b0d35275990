import { encodeClosePayload } from '../../../src/protocol/close-payload.js';
import { expectFailure, OP, textEvent } from '../case-builders.js';
import type { CaseSession } from '../case-session.js';
import type { ConformanceCase } from '../conformance-case.js';

const CATEGORY = '3 Reserved Bits';
const HELLO = 'Hello, world!';
const FAIL =
  'The connection is failed immediately (1002), since RSV must be 0 when no extension defining RSV meaning has been negotiated.';
const FAIL_AFTER_ECHO = `Echo for the first message, then: ${FAIL} (Failing before the echo is NON-STRICT.)`;

/** Valid text, then text with RSV bits set, then a ping; in one chop, frame-wise or octet-wise. */
function echoThenReserved(rsv: number, how: 'one' | 'frames' | 'octets') {
  return async (session: CaseSession): Promise<void> => {
    const frames = [
      session.frame(OP.text, HELLO),
      session.frame(OP.text, HELLO, { rsv }),
      session.frame(OP.ping),
    ];
    if (how === 'one') session.send(...frames);
    else if (how === 'frames') await session.sendFramewise(frames);
    else await session.sendChopped(Buffer.concat(frames), 1);
  };
}

/** 3.1-3.7: RSV bits without a negotiated extension, on every frame type. */
export function reservedBitsCases(): ConformanceCase[] {
  return [
    {
      id: '3.1',
      category: CATEGORY,
      description: 'Send small text message with RSV = 1.',
      expectation: FAIL,
      expect: expectFailure(1002),
      run: (session) => session.sendFrame(OP.text, HELLO, { rsv: 1 }),
    },
    {
      id: '3.2',
      category: CATEGORY,
      description: 'Send small text message, then send again with RSV = 2, then send ping.',
      expectation: FAIL_AFTER_ECHO,
      expect: expectFailure(1002, [textEvent(HELLO)]),
      run: echoThenReserved(2, 'one'),
    },
    {
      id: '3.3',
      category: CATEGORY,
      description:
        'Send small text message, then send again with RSV = 3, then send ping. Octets are sent in frame-wise chops.',
      expectation: FAIL_AFTER_ECHO,
      expect: expectFailure(1002, [textEvent(HELLO)]),
      run: echoThenReserved(3, 'frames'),
    },
    {
      id: '3.4',
      category: CATEGORY,
      description:
        'Send small text message, then send again with RSV = 4, then send ping. Octets are sent in octet-wise chops.',
      expectation: FAIL_AFTER_ECHO,
      expect: expectFailure(1002, [textEvent(HELLO)]),
      run: echoThenReserved(4, 'octets'),
    },
    {
      id: '3.5',
      category: CATEGORY,
      description: 'Send small binary message with RSV = 5.',
      expectation: FAIL,
      expect: expectFailure(1002),
      run: (session) =>
        session.sendFrame(
          OP.binary,
          Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]),
          {
            rsv: 5,
          },
        ),
    },
    {
      id: '3.6',
      category: CATEGORY,
      description: 'Send ping with RSV = 6.',
      expectation: FAIL,
      expect: expectFailure(1002),
      run: (session) => session.sendFrame(OP.ping, HELLO, { rsv: 6 }),
    },
    {
      id: '3.7',
      category: CATEGORY,
      description: 'Send close with RSV = 7.',
      expectation: FAIL,
      expect: expectFailure(1002),
      run: (session) => session.sendFrame(OP.close, encodeClosePayload(1000), { rsv: 7 }),
    },
  ];
}
