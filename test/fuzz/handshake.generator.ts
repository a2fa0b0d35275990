import type { FuzzCase, FuzzProfile, HandshakeExpectation } from './fuzz-case.js';
import type { SeededRandom } from './seeded-random.js';
import { chunkWrites } from './write-chunker.js';

/** An opening handshake request as fields, so mutations can work on it before rendering. */
export interface HandshakeRequest {
  method: string;
  target: string;
  version: string;
  headers: Array<[string, string]>;
  lineEnd: string;
  key: string;
}

/** A valid opening handshake for the profile; `deflate` offers permessage-deflate. */
export function validHandshake(
  rng: SeededRandom,
  profile: FuzzProfile,
  deflate: boolean,
): HandshakeRequest {
  const key = rng.bytes(16).toString('base64');
  const headers: Array<[string, string]> = [
    ['Host', '127.0.0.1'],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', key],
    ['Sec-WebSocket-Version', '13'],
  ];
  if (deflate) {
    // server_no_context_takeover: every server message inflates on its own (see the oracle).
    headers.push([
      'Sec-WebSocket-Extensions',
      'permessage-deflate; server_no_context_takeover; client_max_window_bits',
    ]);
  }
  return {
    method: 'GET',
    target: profile.path,
    version: 'HTTP/1.1',
    headers,
    lineEnd: '\r\n',
    key,
  };
}

export function renderHandshake(request: HandshakeRequest): Buffer {
  const { lineEnd } = request;
  const lines = [`${request.method} ${request.target} ${request.version}`];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  return Buffer.from(lines.join(lineEnd) + lineEnd + lineEnd, 'latin1');
}

type Effect =
  | { kind: 'keeps' }
  | { kind: 'refuse'; statuses: readonly number[] }
  | { kind: 'any'; maySilentlyClose?: boolean };

type Mutation = (rng: SeededRandom, request: HandshakeRequest, profile: FuzzProfile) => Effect;

const KEEPS: Effect = { kind: 'keeps' };
const ANY: Effect = { kind: 'any' };

function headerIndex(request: HandshakeRequest, name: string): number {
  return request.headers.findIndex(([header]) => header.toLowerCase() === name.toLowerCase());
}

function randomCase(rng: SeededRandom, text: string): string {
  return [...text].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
}

function garbageValue(rng: SeededRandom): string {
  switch (rng.int(0, 4)) {
    case 0:
      return '';
    case 1:
      return rng.ascii(rng.int(1, 60));
    case 2:
      // Raw bytes, latin1: control characters and high bytes (CR/LF excluded).
      return [...rng.bytes(rng.int(1, 40))]
        .map((b) => String.fromCharCode(b === 10 || b === 13 ? 0x41 : b))
        .join('');
    case 3:
      return 'websocket, upgrade, 13, ' + rng.ascii(8);
    default:
      return ' '.repeat(rng.int(1, 5)) + rng.ascii(3) + '\t';
  }
}

/** The mutations, each with what it does to the handshake's validity. */
export const HANDSHAKE_MUTATIONS: Record<string, Mutation> = {
  'delete-header': (rng, request, profile) => {
    const name = rng.pick([
      'Upgrade',
      'Connection',
      'Sec-WebSocket-Key',
      'Sec-WebSocket-Version',
      'Host',
    ]);
    const at = headerIndex(request, name);
    if (at >= 0) request.headers.splice(at, 1);
    if (name === 'Upgrade' || name === 'Connection')
      return { kind: 'refuse', statuses: [profile.plainStatus] };
    if (name === 'Sec-WebSocket-Version') return { kind: 'refuse', statuses: [426] };
    if (name === 'Host') return { kind: 'any' };
    return { kind: 'refuse', statuses: [400] };
  },
  'duplicate-header': (rng, request) => {
    const [name, value] = rng.pick(request.headers);
    request.headers.splice(rng.int(0, request.headers.length), 0, [
      name,
      rng.chance(0.5) ? value : garbageValue(rng),
    ]);
    return ANY;
  },
  'garbage-value': (rng, request) => {
    const entry = rng.pick(request.headers);
    entry[1] = garbageValue(rng);
    return ANY;
  },
  'header-name-case': (rng, request) => {
    for (const entry of request.headers) entry[0] = randomCase(rng, entry[0]);
    return KEEPS;
  },
  'token-case': (rng, request) => {
    for (const name of ['Upgrade', 'Connection']) {
      const at = headerIndex(request, name);
      if (at >= 0) request.headers[at][1] = randomCase(rng, request.headers[at][1]);
    }
    return KEEPS;
  },
  'connection-list': (rng, request) => {
    const at = headerIndex(request, 'Connection');
    if (at >= 0)
      request.headers[at][1] = rng.pick([
        'keep-alive, Upgrade',
        'Upgrade, keep-alive',
        'upgrade,foo',
      ]);
    return KEEPS;
  },
  'extra-headers': (rng, request) => {
    const count = rng.int(1, rng.chance(0.2) ? 300 : 8);
    for (let i = 0; i < count; i++)
      request.headers.push([
        `X-Fuzz-${i}-${rng.ascii(3).replace(/[^A-Za-z0-9]/g, 'a')}`,
        rng.ascii(rng.int(0, 20)),
      ]);
    return KEEPS;
  },
  'huge-header': (rng, request) => {
    request.headers.push(['X-Huge', 'h'.repeat(rng.int(17_000, 40_000))]);
    return { kind: 'refuse', statuses: [431] };
  },
  method: (rng, request) => {
    request.method = rng.pick([
      'POST',
      'PUT',
      'HEAD',
      'DELETE',
      'OPTIONS',
      'PATCH',
      'CONNECT',
      'FOO',
      'get',
      'G ET',
      '',
    ]);
    // Node's parser drops CONNECT (no `connect` listener) without a response.
    return {
      kind: 'refuse',
      statuses: [400],
      ...(request.method === 'CONNECT' ? { kind: 'any', maySilentlyClose: true } : {}),
    } as Effect;
  },
  'http-version': (rng, request) => {
    request.version = rng.pick([
      'HTTP/1.0',
      'HTTP/2.0',
      'HTTP/0.9',
      'HTTP/1.2',
      'HTTP/9.9',
      'HTTP/1',
      'HTTPS/1.1',
      'http/1.1',
      rng.ascii(8),
    ]);
    return ANY;
  },
  path: (rng, request, profile) => {
    request.target = rng.pick([
      '/',
      '/echo/sub',
      '/nope',
      `/${rng.ascii(rng.int(0, 30)).replace(/ /g, '%20')}`,
      '*',
      'http://127.0.0.1/echo',
      '/echo?x=1',
      '//',
      '/%00',
    ]);
    return profile.unknownPathStatus === undefined ? ANY : { kind: 'any' };
  },
  'bad-key': (rng, request) => {
    const at = headerIndex(request, 'Sec-WebSocket-Key');
    if (at >= 0)
      request.headers[at][1] = rng.pick([
        rng.bytes(rng.int(0, 15)).toString('base64'),
        rng.bytes(17).toString('base64'),
        'not base64!!',
        rng.ascii(24),
      ]);
    return { kind: 'refuse', statuses: [400] };
  },
  'bad-version': (rng, request) => {
    const at = headerIndex(request, 'Sec-WebSocket-Version');
    if (at >= 0) request.headers[at][1] = rng.pick(['8', '14', '0', 'abc', '13, 8', '1३']);
    return { kind: 'refuse', statuses: [426, 400] };
  },
  extensions: (rng, request) => {
    request.headers.push([
      'Sec-WebSocket-Extensions',
      rng.pick([
        'permessage-deflate; client_max_window_bits=8',
        'permessage-deflate; server_max_window_bits=99',
        'permessage-deflate;;',
        'x-foo, permessage-deflate; a=b',
        garbageValue(rng),
        'permessage-deflate; server_max_window_bits="10"',
      ]),
    ]);
    return ANY;
  },
  subprotocol: (rng, request) => {
    request.headers.push([
      'Sec-WebSocket-Protocol',
      rng.pick(['chat', 'a, b', ',,', 'a b', garbageValue(rng)]),
    ]);
    return ANY;
  },
  'bare-lf': (_rng, request) => {
    request.lineEnd = '\n';
    return ANY;
  },
  'space-before-colon': (rng, request) => {
    const entry = rng.pick(request.headers);
    entry[0] = `${entry[0]} `;
    return ANY;
  },
};

/** A handshake case: a valid request with 0-3 mutations, sent in random pieces. */
export function generateHandshakeCase(
  rng: SeededRandom,
  profile: FuzzProfile,
  index: number,
): FuzzCase {
  const request = validHandshake(rng, profile, profile.compression && rng.chance(0.5));
  const description: string[] = [];
  const effects: Effect[] = [];
  const count = rng.chance(0.15) ? 0 : rng.int(1, 3);
  const names = Object.keys(HANDSHAKE_MUTATIONS);
  for (let i = 0; i < count; i++) {
    const name = rng.pick(names);
    description.push(name);
    effects.push(HANDSHAKE_MUTATIONS[name](rng, request, profile));
  }
  let bytes = renderHandshake(request);
  const truncated = rng.chance(0.03);
  let endAfterWrites = false;
  if (truncated) {
    bytes = bytes.subarray(0, rng.int(1, bytes.length - 3));
    endAfterWrites = rng.chance(0.5);
    description.push(`truncated-head${endAfterWrites ? '+fin' : ''}`);
  }
  const writes = chunkWrites(rng, bytes, description);
  const keyIntact = !description.some((name) =>
    ['bad-key', 'duplicate-header', 'garbage-value'].includes(name),
  );
  return {
    index,
    kind: 'handshake',
    description,
    writes,
    endAfterWrites,
    key: keyIntact ? request.key : undefined,
    handshake: truncated ? { kind: 'stall' } : combine(effects),
  };
}

/** Several mutations: any "anything" wins, then refusals (their statuses pooled), else valid. */
function combine(effects: Effect[]): HandshakeExpectation {
  const any = effects.filter((effect) => effect.kind === 'any');
  if (any.length > 0) {
    return {
      kind: 'any',
      maySilentlyClose: any.some(
        (effect) => effect.kind === 'any' && effect.maySilentlyClose === true,
      ),
    };
  }
  const statuses = new Set<number>();
  for (const effect of effects)
    if (effect.kind === 'refuse') effect.statuses.forEach((s) => statuses.add(s));
  if (statuses.size > 0) return { kind: 'refuse', statuses: [...statuses] };
  return { kind: 'upgrade' };
}
