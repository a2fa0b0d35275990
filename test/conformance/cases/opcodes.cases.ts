import { expectFailure, OP, textEvent } from '../case-builders.js';
import type { ConformanceCase } from '../conformance-case.js';

const CATEGORY = '4 Opcodes';
const HELLO = 'Hello, world!';
const FAIL = 'The connection is failed immediately (1002), since a reserved opcode is used.';

/** 4.1 reserved non-control opcodes 3-7 and 4.2 reserved control opcodes 11-15. */
export function opcodeCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const groups = [
    { group: 1, kind: 'non-control', opcodes: [3, 4, 5, 6, 7] },
    { group: 2, kind: 'control', opcodes: [11, 12, 13, 14, 15] },
  ];
  for (const { group, kind, opcodes } of groups) {
    opcodes.forEach((opcode, i) => {
      const withPayload = i !== 0 && i !== 2;
      const payload = withPayload ? 'reserved opcode payload' : '';
      const frameText = `frame with reserved ${kind} opcode = ${opcode}${withPayload ? ' and non-empty payload' : ''}`;
      if (i < 2) {
        cases.push({
          id: `4.${group}.${i + 1}`,
          category: CATEGORY,
          description: `Send ${frameText}.`,
          expectation: FAIL,
          expect: expectFailure(1002),
          run: (session) => session.sendFrame(opcode, payload),
        });
        return;
      }
      cases.push({
        id: `4.${group}.${i + 1}`,
        category: CATEGORY,
        description: `Send small text message, then send ${frameText}, then send ping.`,
        expectation: `Echo for the first message, then: ${FAIL} (Failing before the echo is NON-STRICT.)`,
        expect: expectFailure(1002, [textEvent(HELLO)]),
        run: async (session) => {
          session.send(
            session.frame(OP.text, HELLO),
            session.frame(opcode, payload),
            session.frame(OP.ping),
          );
        },
      });
    });
  }
  return cases;
}
