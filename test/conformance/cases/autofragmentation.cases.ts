import {
  asciiPayload,
  expectEcho,
  fragmentFrames,
  OP,
  split,
  textEvent,
} from '../case-builders.js';
import type { ConformanceCase } from '../conformance-case.js';

const CATEGORY = '10 Misc';

/** 10.1.1: a 64 KiB text message sent in 1300-byte frames must come back whole. */
export function autofragmentationCases(): ConformanceCase[] {
  const payload = asciiPayload(65536);
  return [
    {
      id: '10.1.1',
      category: CATEGORY,
      description:
        'Send text message with payload of length 65536 auto-fragmented with autoFragmentSize = 1300.',
      expectation:
        'Receive echoed text message (with payload as sent, reassembled). Clean close with normal code.',
      expect: expectEcho(textEvent(payload)),
      run: async (session) =>
        session.send(...fragmentFrames(session, OP.text, split(payload, 1300))),
    },
  ];
}
