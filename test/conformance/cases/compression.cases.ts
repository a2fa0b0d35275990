import { compressedEchoCase, type EchoMessage } from './compressed-echo.js';
import {
  BITMAP_BINARY,
  HTML_TEXT,
  JSON_TEXT,
  type PayloadKind,
  PROSE_TEXT,
  RANDOM_BINARY,
} from './compression-payloads.js';
import type { ConformanceCase } from '../conformance-case.js';

const CATEGORY = '12 WebSocket Compression (different payloads)';

/** The default offer: no parameters. */
export const DEFAULT_OFFER = 'permessage-deflate';

/** 12.1-12.5: one payload kind each, in the order of Autobahn's data files. */
const FAMILIES: readonly PayloadKind[] = [
  JSON_TEXT,
  BITMAP_BINARY,
  PROSE_TEXT,
  HTML_TEXT,
  RANDOM_BINARY,
];

/** 12.x.1-12.x.10: one frame per message. */
const SIZES = [16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072];

/** 12.x.11-12.x.18: message size and the frame size the compressed payload is cut into. */
const FRAGMENTED: readonly (readonly [size: number, fragment: number])[] = [
  [8192, 256],
  [16384, 256],
  [32768, 256],
  [65536, 256],
  [131072, 256],
  [32768, 4096],
  [65536, 4096],
  [131072, 4096],
];

/** Run by default: every unfragmented size, and the first and last fragmented variant. */
const CI_FRAGMENTED = new Set([11, 18]);

/** Messages per case: 1 by default, more with CONFORMANCE_FULL=1 (Autobahn sends 1000). */
const FULL_MESSAGES = 10;

/**
 * 12.x: compressed echo with the default offer, per payload kind (12.1-12.5) and size
 * (x.1-x.10 in one frame, x.11-x.18 auto-fragmented), with context takeover across the
 * messages of a case.
 */
export function compressionCases(options: { full: boolean }): {
  cases: ConformanceCase[];
  skipped: string[];
} {
  const cases: ConformanceCase[] = [];
  const skipped: string[] = [];
  const count = options.full ? FULL_MESSAGES : 1;
  FAMILIES.forEach((kind, f) => {
    const variants = [
      ...SIZES.map((size) => ({ size, fragment: undefined as number | undefined })),
      ...FRAGMENTED.map(([size, fragment]) => ({ size, fragment })),
    ];
    variants.forEach(({ size, fragment }, v) => {
      const id = `12.${f + 1}.${v + 1}`;
      if (fragment !== undefined && !options.full && !CI_FRAGMENTED.has(v + 1)) {
        skipped.push(id);
        return;
      }
      const messages: EchoMessage[] = Array.from({ length: count }, (_, i) => ({
        opcode: kind.opcode,
        payload: kind.make(size, (f + 1) * 1_000_003 + size + i),
        fragmentSize: fragment,
      }));
      const framing =
        fragment === undefined ? 'in one frame' : `auto-fragmented to ${fragment} octets`;
      const what = kind.opcode === 0x1 ? 'text' : 'binary';
      cases.push(
        compressedEchoCase({
          id,
          category: CATEGORY,
          description: `Send ${count} compressed ${what} message${count > 1 ? 's' : ''} (${kind.name}) of ${size} octets each, ${framing}. Use the default permessage-deflate offer.`,
          offer: DEFAULT_OFFER,
          messages,
          onDecline: 'INFORMATIONAL',
        }),
      );
    });
  });
  return { cases, skipped };
}
