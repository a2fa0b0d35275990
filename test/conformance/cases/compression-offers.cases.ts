import { compressedEchoCase, type EchoMessage } from './compressed-echo.js';
import {
  BITMAP_BINARY,
  HTML_TEXT,
  JSON_TEXT,
  PROSE_TEXT,
  RANDOM_BINARY,
  windowProbe,
} from './compression-payloads.js';
import { DEFAULT_OFFER } from './compression.cases.js';
import type { ConformanceCase } from '../conformance-case.js';

const CATEGORY = '13 WebSocket Compression (different parameters)';
const PMD = DEFAULT_OFFER;

/** Rounds of the message set per case: 1 by default, more with CONFORMANCE_FULL=1. */
const FULL_ROUNDS = 5;

/**
 * The message set of every 13.x case: empty text (one 0x00 octet compressed), small JSON,
 * prose twice (the repeat is one back-reference with context takeover, and a server without it
 * must not refer to the first copy), a bitmap, the window probe (repeats at distances just
 * beyond each window size), fragmented HTML, and incompressible random bytes.
 */
function messageSet(round: number): EchoMessage[] {
  const seed = 7 + round * 101;
  const prose = PROSE_TEXT.make(1024, seed);
  return [
    { opcode: 0x1, payload: Buffer.alloc(0) },
    { opcode: 0x1, payload: JSON_TEXT.make(16, seed) },
    { opcode: 0x1, payload: prose },
    { opcode: 0x1, payload: prose },
    { opcode: 0x2, payload: BITMAP_BINARY.make(4096, seed) },
    { opcode: 0x2, payload: windowProbe(seed) },
    { opcode: 0x1, payload: HTML_TEXT.make(16384, seed), fragmentSize: 1024 },
    { opcode: 0x2, payload: RANDOM_BINARY.make(1024, seed) },
  ];
}

/** An offer, and whether declining it is the expected answer (a window zlib cannot honour). */
interface OfferSpec {
  header: string;
  declineOk?: boolean;
  note?: string;
}

const WINDOWS = [8, 9, 10, 11, 12, 13, 14, 15];

/** 13.1-13.7: the offers, grouped as the categories describe them. */
const GROUPS: readonly (readonly OfferSpec[])[] = [
  // 13.1: the plain offer.
  [{ header: PMD }],
  // 13.2: the client will not keep its context.
  [{ header: `${PMD}; client_no_context_takeover` }],
  // 13.3: client windows; 8 may be declined or accepted (the server only inflates).
  [
    { header: `${PMD}; client_max_window_bits` },
    ...WINDOWS.map((bits) => ({
      header: `${PMD}; client_max_window_bits=${bits}`,
      declineOk: bits === 8,
    })),
  ],
  // 13.4: server windows; 8 cannot be deflated by zlib, so declining it is right.
  WINDOWS.map((bits) => ({
    header: `${PMD}; server_max_window_bits=${bits}`,
    declineOk: bits === 8,
  })),
  // 13.5: the server must not keep its context.
  [
    { header: `${PMD}; server_no_context_takeover` },
    { header: `${PMD}; server_no_context_takeover; client_no_context_takeover` },
  ],
  // 13.6: several parameters in one offer.
  [
    { header: `${PMD}; server_no_context_takeover; server_max_window_bits=8`, declineOk: true },
    { header: `${PMD}; server_no_context_takeover; server_max_window_bits=15` },
    { header: `${PMD}; client_max_window_bits; server_max_window_bits=10` },
    {
      header: `${PMD}; client_no_context_takeover; client_max_window_bits=9; server_max_window_bits=9`,
    },
    {
      header: `${PMD}; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=11`,
    },
    { header: `${PMD}; client_max_window_bits=8; server_max_window_bits=8`, declineOk: true },
  ],
  // 13.7: several offers in one header; the server takes one it can honour (the first).
  [
    {
      header: `${PMD}; server_no_context_takeover; server_max_window_bits=8, ${PMD}; server_no_context_takeover, ${PMD}`,
    },
    { header: `${PMD}; server_max_window_bits=10; client_max_window_bits=10, ${PMD}` },
    {
      header: `${PMD}; server_max_window_bits=8, ${PMD}; client_max_window_bits=8; server_max_window_bits=8`,
      declineOk: true,
    },
    { header: `x-conformance-unknown; level=3, ${PMD}; client_no_context_takeover` },
    {
      header: `${PMD}; client_max_window_bits=9, ${PMD}; server_no_context_takeover; client_no_context_takeover`,
    },
  ],
];

/**
 * 13.x: the same message set under every kind of offer (window sizes, no context takeover,
 * combinations, several offers). The 101's answer is checked against the offer; what was
 * agreed decides how the client compresses and how strictly it inflates.
 */
export function compressionOfferCases(options: { full: boolean }): ConformanceCase[] {
  const rounds = options.full ? FULL_ROUNDS : 1;
  const messages = Array.from({ length: rounds }, (_, round) => messageSet(round)).flat();
  return GROUPS.flatMap((offers, g) =>
    offers.map((offer, o) =>
      compressedEchoCase({
        id: `13.${g + 1}.${o + 1}`,
        category: CATEGORY,
        description: `Offer "${offer.header}", then send ${messages.length} messages (0 to 76200 octets, text and binary, one fragmented), each after the previous echo.${offer.declineOk ? ' Declining the offer is fine.' : ''}`,
        offer: offer.header,
        messages,
        onDecline: offer.declineOk ? 'OK' : 'INFORMATIONAL',
      }),
    ),
  );
}
