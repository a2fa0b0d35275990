import { expectEcho, expectFailure, OP, pongEvent, textEvent } from '../case-builders.js';
import type { CaseSession } from '../case-session.js';
import type { ConformanceCase } from '../conformance-case.js';

const CATEGORY = '5 Fragmentation';
const NOTHING_TO_CONTINUE =
  'The connection is failed immediately (1002), since there is no message to continue.';

type Chopping = 'one' | 'frames' | 'octets';
const CHOPPING: Record<Chopping, string> = {
  one: 'sent in one chop',
  frames: 'sent in per-frame chops',
  octets: 'sent in octet-wise chops',
};

/** A frame a case sends: opcode, FIN and payload. */
type FrameSpec = [opcode: number, fin: boolean, payload: string];

async function sendFrames(session: CaseSession, specs: readonly FrameSpec[], how: Chopping) {
  const frames = specs.map(([opcode, fin, payload]) => session.frame(opcode, payload, { fin }));
  if (how === 'one') session.send(...frames);
  else if (how === 'frames') await session.sendFramewise(frames);
  else await session.sendChopped(Buffer.concat(frames), 1);
}

/** 5.1-5.20: fragmented control frames, fragmented messages, stray continuations. */
export function fragmentationCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const add = (
    id: string,
    description: string,
    expectation: string,
    expect: ConformanceCase['expect'],
    specs: readonly FrameSpec[],
    how: Chopping,
  ): void => {
    cases.push({
      id,
      category: CATEGORY,
      description,
      expectation,
      expect,
      run: (session) => sendFrames(session, specs, how),
    });
  };

  for (const [id, opcode, name] of [
    ['5.1', OP.ping, 'ping'],
    ['5.2', OP.pong, 'pong'],
  ] as const) {
    add(
      id,
      `Send ${name} fragmented into 2 fragments.`,
      'The connection is failed immediately (1002), since control frames must not be fragmented.',
      expectFailure(1002),
      [
        [opcode, false, 'fragment1'],
        [OP.continuation, true, 'fragment2'],
      ],
      'one',
    );
  }

  const chops: Chopping[] = ['one', 'frames', 'octets'];
  chops.forEach((how, i) => {
    add(
      `5.${3 + i}`,
      `Send text message fragmented into 2 fragments${how === 'one' ? '' : `, ${CHOPPING[how]}`}.`,
      'Message is processed and echoed back to us (in 1 or more frames). Clean close.',
      expectEcho(textEvent('fragment1fragment2')),
      [
        [OP.text, false, 'fragment1'],
        [OP.continuation, true, 'fragment2'],
      ],
      how,
    );
  });
  chops.forEach((how, i) => {
    add(
      `5.${6 + i}`,
      `Send text message fragmented into 2 fragments, one ping with payload in-between${how === 'one' ? '' : `, ${CHOPPING[how]}`}.`,
      'A pong is received, then the message is echoed back to us. Clean close.',
      expectEcho(pongEvent('ping payload'), textEvent('fragment1fragment2')),
      [
        [OP.text, false, 'fragment1'],
        [OP.ping, true, 'ping payload'],
        [OP.continuation, true, 'fragment2'],
      ],
      how,
    );
  });
  chops.forEach((how, i) => {
    add(
      `5.${9 + i}`,
      `Send unfragmented text message after continuation frame with FIN = true, where there is nothing to continue, ${CHOPPING[how]}.`,
      NOTHING_TO_CONTINUE,
      expectFailure(1002),
      [
        [OP.continuation, true, 'non-continuation payload'],
        [OP.text, true, 'Hello, world!'],
      ],
      how,
    );
  });
  chops.forEach((how, i) => {
    add(
      `5.${12 + i}`,
      `Send unfragmented text message after continuation frame with FIN = false, where there is nothing to continue, ${CHOPPING[how]}.`,
      NOTHING_TO_CONTINUE,
      expectFailure(1002),
      [
        [OP.continuation, false, 'non-continuation payload'],
        [OP.text, true, 'Hello, world!'],
      ],
      how,
    );
  });
  add(
    '5.15',
    'Send text message fragmented into 2 fragments, then continuation frame with FIN = false where there is nothing to continue, then unfragmented text message, all sent in one chop.',
    `Echo for the first message, then: ${NOTHING_TO_CONTINUE} (Failing before the echo is NON-STRICT.)`,
    expectFailure(1002, [textEvent('fragment1fragment2')]),
    [
      [OP.text, false, 'fragment1'],
      [OP.continuation, true, 'fragment2'],
      [OP.continuation, false, 'fragment3'],
      [OP.text, true, 'fragment4'],
    ],
    'one',
  );
  for (const [id, fin] of [
    ['5.16', false],
    ['5.17', true],
  ] as const) {
    const round: FrameSpec[] = [
      [OP.continuation, fin, 'fragment1'],
      [OP.text, false, 'fragment2'],
      [OP.continuation, true, 'fragment3'],
    ];
    add(
      id,
      `Repeated 2x: continuation frame with FIN = ${fin} (where there is nothing to continue), then text message fragmented into 2 fragments.`,
      NOTHING_TO_CONTINUE,
      expectFailure(1002),
      [...round, ...round],
      'one',
    );
  }
  add(
    '5.18',
    'Send text message fragmented into 2 fragments, with both frame opcodes set to text, sent in one chop.',
    'The connection is failed immediately (1002), since all data frames after the initial data frame must have opcode 0.',
    expectFailure(1002),
    [
      [OP.text, false, 'fragment1'],
      [OP.text, true, 'fragment2'],
    ],
    'one',
  );
  for (const [id, framewise] of [
    ['5.19', false],
    ['5.20', true],
  ] as const) {
    cases.push({
      id,
      category: CATEGORY,
      description: `Send text message fragmented into 5 fragments, with 2 pings in-between (all frames with payload)${framewise ? ', frame-wise' : ''}, pausing after each ping.`,
      expectation:
        'A pong for each ping as soon as it is received, then the echo of the whole message. Clean close.',
      expect: expectEcho(
        pongEvent('pongme 1!'),
        pongEvent('pongme 2!'),
        textEvent('fragment1fragment2fragment3fragment4fragment5'),
      ),
      run: async (session) => {
        const parts: FrameSpec[][] = [
          [
            [OP.text, false, 'fragment1'],
            [OP.continuation, false, 'fragment2'],
            [OP.ping, true, 'pongme 1!'],
          ],
          [
            [OP.continuation, false, 'fragment3'],
            [OP.continuation, false, 'fragment4'],
            [OP.ping, true, 'pongme 2!'],
          ],
          [[OP.continuation, true, 'fragment5']],
        ];
        for (const [i, part] of parts.entries()) {
          await sendFrames(session, part, framewise ? 'frames' : 'one');
          if (i < parts.length - 1) await session.pause();
        }
      },
    });
  }
  return cases;
}
