import type { ConformanceCase } from '../conformance-case.js';
import { autofragmentationCases } from './autofragmentation.cases.js';
import { closeCases } from './close.cases.js';
import { compressionOfferCases } from './compression-offers.cases.js';
import { compressionCases } from './compression.cases.js';
import { fragmentationCases } from './fragmentation.cases.js';
import { framingCases } from './framing.cases.js';
import { limitCases } from './limits.cases.js';
import { opcodeCases } from './opcodes.cases.js';
import { pingPongCases } from './pings-pongs.cases.js';
import { reservedBitsCases } from './reserved-bits.cases.js';
import { utf8Cases } from './utf8.cases.js';

/** How to build the suite for one server. */
export interface SuiteOptions {
  /** The server's largest message (bytes); bigger ones must be refused with 1009. */
  maxMessageSize: number;
  /** Every size of 9.x (slow), rather than the CI subset. */
  full: boolean;
  /** Add 12.x / 13.x (permessage-deflate), for a server that may negotiate it. */
  compression?: boolean;
}

/** The suite: every case in Autobahn order, and the IDs left out of this run. */
export function buildSuite(options: SuiteOptions): { cases: ConformanceCase[]; skipped: string[] } {
  const limits = limitCases(options);
  const cases = [
    ...framingCases(),
    ...pingPongCases(),
    ...reservedBitsCases(),
    ...opcodeCases(),
    ...fragmentationCases(),
    ...utf8Cases(),
    ...closeCases(),
    ...limits.cases,
    ...autofragmentationCases(),
  ];
  const skipped = [...limits.skipped];
  if (options.compression) {
    const compression = compressionCases(options);
    cases.push(...compression.cases, ...compressionOfferCases(options));
    skipped.push(...compression.skipped);
  }
  return { cases, skipped };
}
