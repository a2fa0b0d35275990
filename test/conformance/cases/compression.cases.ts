import type { ConformanceCase } from '../conformance-case.js';

/**
 * A permessage-deflate offer (RFC 7692) the client makes in its opening handshake, e.g.
 * `{ id: 'client_max_window_bits', header: 'permessage-deflate; client_max_window_bits' }`.
 */
export interface ExtensionOffer {
  /** Short name used in case descriptions and the report. */
  id: string;
  /** The `Sec-WebSocket-Extensions` header value. */
  header: string;
}

/**
 * Hook for Autobahn's 12.x (compressed echo of growing messages) and 13.x (the same under every
 * combination of window-bits and no-context-takeover offers), to be written once the runtime
 * negotiates permessage-deflate. Each case will set `handshake.extensions` to its offer's header;
 * the raw client already sends it and records the 101's `Sec-WebSocket-Extensions`. What is left:
 * let `MessageAssembler` accept RSV1 when the answer negotiated it (its `allowedRsv`) and inflate
 * such messages, and deflate what the cases send. Until then: no cases.
 */
export function compressionCases(offers: readonly ExtensionOffer[]): ConformanceCase[] {
  void offers;
  return [];
}
