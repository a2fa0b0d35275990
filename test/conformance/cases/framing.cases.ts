import { binaryEvent, expectEcho, filled, OP, textEvent } from '../case-builders.js';
import type { ConformanceCase } from '../conformance-case.js';

const CATEGORY = '1 Framing';
const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536];

/** 1.1 text and 1.2 binary messages of every length class (7-bit, 16-bit, 64-bit), then chopped. */
export function framingCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const kinds = [
    { group: 1, name: 'text', opcode: OP.text, byte: 0x2a, event: textEvent },
    { group: 2, name: 'binary', opcode: OP.binary, byte: 0xfe, event: binaryEvent },
  ];
  for (const kind of kinds) {
    LENGTHS.forEach((length, i) => {
      const payload = filled(length, kind.byte);
      cases.push({
        id: `1.${kind.group}.${i + 1}`,
        category: CATEGORY,
        description: `Send ${kind.name} message with payload of length ${length}.`,
        expectation: `Receive echoed ${kind.name} message (with payload as sent). Clean close with normal code.`,
        expect: expectEcho(kind.event(payload)),
        run: (session) => session.sendFrame(kind.opcode, payload),
      });
    });
    const payload = filled(65536, kind.byte);
    cases.push({
      id: `1.${kind.group}.8`,
      category: CATEGORY,
      description: `Send ${kind.name} message with payload of length 65536. Sent out data in chops of 997 octets.`,
      expectation: `Receive echoed ${kind.name} message (with payload as sent). Clean close with normal code.`,
      expect: expectEcho(kind.event(payload)),
      run: (session) => session.sendFrame(kind.opcode, payload, { chop: 997 }),
    });
  }
  return cases;
}
