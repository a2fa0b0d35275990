import {
  expectEcho,
  expectFailure,
  fragmentFrames,
  OP,
  serverFails,
  split,
  textEvent,
} from '../case-builders.js';
import type { ConformanceCase, Expectation } from '../conformance-case.js';

const CATEGORY = '6 UTF-8 Handling';
const INVALID =
  'The connection is failed immediately (1007), since the payload is not valid UTF-8.';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const KOSME = hex('ce ba e1 bd b9 cf 83 ce bc ce b5'); // κόσμε
const MIXED = Buffer.from('Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!', 'utf8');
/** κόσμε, then U+D800 (a surrogate: invalid), then "edited". */
const KOSME_EDITED = Buffer.concat([KOSME, hex('ed a0 80'), Buffer.from('edited')]);

/** A test sequence of 6.5-6.23: the bytes, and whether they are valid UTF-8. */
type Sequence = [valid: boolean, bytes: Buffer];

/** The families of Markus Kuhn's UTF-8 decoder stress test, as Autobahn groups them. */
function sequenceGroups(): { title: string; sequences: Sequence[] }[] {
  const valid = (...items: string[]): Sequence[] => items.map((item) => [true, hex(item)]);
  const invalid = (...items: string[]): Sequence[] => items.map((item) => [false, hex(item)]);
  const withSpaces = (from: number, to: number): Sequence => {
    const bytes: number[] = [];
    for (let b = from; b <= to; b++) bytes.push(b, 0x20);
    return [false, Buffer.from(bytes)];
  };
  const continuation: number[] = [];
  for (let b = 0x80; b <= 0xbf; b++) continuation.push(b);
  const missingLast = [
    'c0',
    'e0 80',
    'f0 80 80',
    'f8 80 80 80',
    'fc 80 80 80 80',
    'df',
    'ef bf',
    'f7 bf bf',
    'fb bf bf bf',
    'fd bf bf bf bf',
  ];
  const nonCharacters: string[] = ['ef bf be', 'ef bf bf'];
  for (let plane = 1; plane <= 16; plane++) {
    for (const low of [0xfffe, 0xffff]) {
      nonCharacters.push(Buffer.from(String.fromCodePoint(plane * 0x10000 + low)).toString('hex'));
    }
  }
  const prefixes: Sequence[] = [];
  for (let length = 1; length <= KOSME.length; length++) {
    const prefix = KOSME.subarray(0, length);
    prefixes.push([[2, 5, 7, 9, 11].includes(length), Buffer.from(prefix)]);
  }
  return [
    {
      title: 'Some valid UTF-8 sequences',
      sequences: [
        [true, KOSME],
        [true, Buffer.from('hello$world')],
        [true, Buffer.from('hello\u00a2world')],
        [true, Buffer.from('hello\u20acworld')],
        [true, Buffer.from('hello\u{24b62}world')],
      ],
    },
    {
      title: 'All prefixes of a valid UTF-8 string that contains multi-byte code points',
      sequences: prefixes,
    },
    {
      title: 'First possible sequence of a certain length',
      sequences: valid('00', 'c2 80', 'e0 a0 80', 'f0 90 80 80'),
    },
    {
      title: 'First possible sequence length 5/6 (invalid codepoints)',
      sequences: invalid('f8 88 80 80 80', 'fc 84 80 80 80 80'),
    },
    {
      title: 'Last possible sequence of a certain length',
      sequences: valid('7f', 'df bf', 'ef bf bf', 'f4 8f bf bf'),
    },
    {
      title: 'Last possible sequence length 4/5/6 (invalid codepoints)',
      sequences: invalid('f7 bf bf bf', 'fb bf bf bf bf', 'fd bf bf bf bf bf'),
    },
    {
      title: 'Other boundary conditions',
      sequences: [
        ...valid('ed 9f bf', 'ee 80 80', 'ef bf bd', 'f4 8f bf bf'),
        ...invalid('f4 90 80 80'),
      ],
    },
    {
      title: 'Unexpected continuation bytes',
      sequences: [
        ...invalid(
          '80',
          'bf',
          '80 bf',
          '80 bf 80',
          '80 bf 80 bf',
          '80 bf 80 bf 80',
          '80 bf 80 bf 80 bf',
        ),
        [false, Buffer.from(continuation)],
      ],
    },
    {
      title: 'Lonely start characters',
      sequences: [
        withSpaces(0xc0, 0xdf),
        withSpaces(0xe0, 0xef),
        withSpaces(0xf0, 0xf7),
        withSpaces(0xf8, 0xfb),
        withSpaces(0xfc, 0xfd),
      ],
    },
    { title: 'Sequences with last continuation byte missing', sequences: invalid(...missingLast) },
    {
      title: 'Concatenation of incomplete sequences',
      sequences: [[false, hex(missingLast.join(''))]],
    },
    { title: 'Impossible bytes', sequences: invalid('fe', 'ff', 'fe fe ff ff') },
    {
      title: 'Examples of an overlong ASCII character',
      sequences: invalid('c0 af', 'e0 80 af', 'f0 80 80 af', 'f8 80 80 80 af', 'fc 80 80 80 80 af'),
    },
    {
      title: 'Maximum overlong sequences',
      sequences: invalid('c1 bf', 'e0 9f bf', 'f0 8f bf bf', 'f8 87 bf bf bf', 'fc 83 bf bf bf bf'),
    },
    {
      title: 'Overlong representation of the NUL character',
      sequences: invalid('c0 80', 'e0 80 80', 'f0 80 80 80', 'f8 80 80 80 80', 'fc 80 80 80 80 80'),
    },
    {
      title: 'Single UTF-16 surrogates',
      sequences: invalid(
        'ed a0 80',
        'ed ad bf',
        'ed ae 80',
        'ed af bf',
        'ed b0 80',
        'ed be 80',
        'ed bf bf',
      ),
    },
    {
      title: 'Paired UTF-16 surrogates',
      sequences: invalid(
        'ed a0 80 ed b0 80',
        'ed a0 80 ed bf bf',
        'ed ad bf ed b0 80',
        'ed ad bf ed bf bf',
        'ed ae 80 ed b0 80',
        'ed ae 80 ed bf bf',
        'ed af bf ed b0 80',
        'ed af bf ed bf bf',
      ),
    },
    { title: 'Non-character code points (valid UTF-8)', sequences: valid(...nonCharacters) },
    {
      title: 'Unicode specials (i.e. replacement char)',
      sequences: valid(
        'ef bf b9',
        'ef bf ba',
        'ef bf bb',
        'ef bf bc',
        'ef bf bd',
        'ef bf be',
        'ef bf bf',
      ),
    },
  ];
}

/** A fail-fast expectation: failing once the invalid part is in is OK, at the end NON-STRICT. */
function failFast(): Expectation {
  return {
    outcomes: [{ verdict: 'OK', events: [] }],
    close: serverFails([1007]),
    failFast: { ok: ['part 2 sent'], nonStrict: ['part 3 sent'] },
  };
}

/** 6.1-6.23: empty fragments, valid and invalid UTF-8 in every shape, fail-fast. */
export function utf8Cases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const push = (c: Omit<ConformanceCase, 'category'>): void =>
    void cases.push({ ...c, category: CATEGORY });

  // 6.1 Valid UTF-8 with zero payload fragments.
  push({
    id: '6.1.1',
    description: 'Send text message of length 0.',
    expectation: 'A message is echoed back to us (with empty payload). Clean close.',
    expect: expectEcho(textEvent('')),
    run: (session) => session.sendFrame(OP.text, ''),
  });
  push({
    id: '6.1.2',
    description: 'Send fragmented text message, 3 fragments each of length 0.',
    expectation: 'A message is echoed back to us (with empty payload). Clean close.',
    expect: expectEcho(textEvent('')),
    run: async (session) =>
      session.send(
        ...fragmentFrames(session, OP.text, [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)]),
      ),
  });
  push({
    id: '6.1.3',
    description:
      'Send fragmented text message, 3 fragments, first and last of length 0, middle non-empty.',
    expectation:
      'A message is echoed back to us (with payload = payload of middle fragment). Clean close.',
    expect: expectEcho(textEvent('middle frame payload')),
    run: async (session) =>
      session.send(
        ...fragmentFrames(session, OP.text, [
          Buffer.alloc(0),
          Buffer.from('middle frame payload'),
          Buffer.alloc(0),
        ]),
      ),
  });

  // 6.2 Valid UTF-8 unfragmented, fragmented on code points and within code points.
  const validShapes: [string, Buffer, Buffer[]][] = [
    ['Send a valid UTF-8 text message in one fragment.', MIXED, [MIXED]],
    [
      'Send a valid UTF-8 text message in two fragments, fragmented on UTF-8 code point boundary.',
      MIXED,
      [Buffer.from('Hello-\u00b5@\u00df\u00f6\u00e4'), Buffer.from('\u00fc\u00e0\u00e1-UTF-8!!')],
    ],
    [
      'Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.',
      MIXED,
      split(MIXED, 1),
    ],
    [
      'Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.',
      KOSME,
      split(KOSME, 1),
    ],
  ];
  validShapes.forEach(([description, message, pieces], i) =>
    push({
      id: `6.2.${i + 1}`,
      description,
      expectation: 'The message is echoed back to us. Clean close.',
      expect: expectEcho(textEvent(message)),
      run: async (session) => session.send(...fragmentFrames(session, OP.text, pieces)),
    }),
  );

  // 6.3 Invalid UTF-8 differently fragmented.
  push({
    id: '6.3.1',
    description: 'Send invalid UTF-8 text message unfragmented.',
    expectation: INVALID,
    expect: expectFailure(1007),
    run: (session) => session.sendFrame(OP.text, KOSME_EDITED),
  });
  push({
    id: '6.3.2',
    description: 'Send invalid UTF-8 text message in fragments of 1 octet.',
    expectation: INVALID,
    expect: expectFailure(1007),
    run: async (session) =>
      session.send(...fragmentFrames(session, OP.text, split(KOSME_EDITED, 1))),
  });

  // 6.4 Fail-fast on invalid UTF-8: three parts with a wait after each.
  const failFastParts: [string, Buffer[]][] = [
    [
      'Send invalid UTF-8 text message in 3 fragments (frames). First frame payload is valid, then wait, then 2nd frame which contains the payload making the sequence invalid (U+110000 in 4 bytes), then wait, then 3rd frame with rest.',
      [KOSME, hex('f4 90 80 80'), Buffer.from('edited')],
    ],
    [
      'Same as 6.4.1, but in 2nd frame, we send only up to and including the octet making the complete payload invalid.',
      [
        Buffer.concat([KOSME, hex('f4')]),
        hex('90'),
        Buffer.concat([hex('80 80'), Buffer.from('edited')]),
      ],
    ],
  ];
  const expectation =
    'The first part is accepted; the connection is failed (1007) as soon as the part making the payload invalid arrives (OK), or at the latest after the last part (NON-STRICT).';
  failFastParts.forEach(([description, parts], i) => {
    push({
      id: `6.4.${i + 1}`,
      description,
      expectation,
      expect: failFast(),
      run: async (session) => {
        const frames = fragmentFrames(session, OP.text, parts);
        for (const [at, frame] of frames.entries()) {
          session.send(frame);
          session.mark(`part ${at + 1} sent`);
          await session.pause();
        }
      },
    });
    push({
      id: `6.4.${i + 3}`,
      description: `Same as 6.4.${i + 1}, but we send message not in 3 frames, but in 3 chops of the same message frame.`,
      expectation,
      expect: failFast(),
      run: async (session) => {
        const frame = session.frame(OP.text, Buffer.concat(parts));
        const header = frame.length - Buffer.concat(parts).length;
        const first = header + parts[0].length;
        const chops = [
          frame.subarray(0, first),
          frame.subarray(first, first + parts[1].length),
          frame.subarray(first + parts[1].length),
        ];
        for (const [at, chop] of chops.entries()) {
          session.send(chop);
          session.mark(`part ${at + 1} sent`);
          await session.pause();
        }
      },
    });
  });

  // 6.5-6.23 The UTF-8 decoder stress test, one message per sequence.
  sequenceGroups().forEach(({ title, sequences }, group) => {
    sequences.forEach(([valid, bytes], i) => {
      push({
        id: `6.${group + 5}.${i + 1}`,
        description: `${title}: send a text message with payload ${bytes.toString('hex')}, which is ${valid ? '' : 'not '}valid UTF-8, in one fragment.`,
        expectation: valid ? 'The message is echoed back to us. Clean close.' : INVALID,
        expect: valid ? expectEcho(textEvent(bytes)) : expectFailure(1007),
        run: (session) => session.sendFrame(OP.text, bytes),
      });
    });
  });
  return cases.sort((a, b) => compareIds(a.id, b.id));
}

function compareIds(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
