import { describe, expect, it } from '@jest/globals';
import {
  clientCanCompress,
  createClientDeflateCodec,
} from '../../src/client/client-deflate.codec.js';
import { PerMessageDeflateCodec } from '../../src/protocol/permessage-deflate.codec.js';
import type { DeflateParams } from '../../src/protocol/permessage-deflate.negotiator.js';

const compress = (codec: PerMessageDeflateCodec, data: Buffer): Promise<Buffer> =>
  new Promise((resolve) => codec.compress(data, resolve));

const decompress = (codec: PerMessageDeflateCodec, data: Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    codec.decompress(data, (failure, inflated) =>
      failure ? reject(new Error(failure.reason)) : resolve(inflated as Buffer),
    ),
  );

const AGREEMENTS: DeflateParams[] = [
  {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: 15,
    clientMaxWindowBits: 15,
  },
  {
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
    serverMaxWindowBits: 10,
    clientMaxWindowBits: 9,
  },
  {
    serverNoContextTakeover: false,
    clientNoContextTakeover: true,
    serverMaxWindowBits: 12,
    clientMaxWindowBits: 11,
  },
];

describe('createClientDeflateCodec', () => {
  it.each(AGREEMENTS)(
    'talks with the server codec of the same agreement both ways (%j)',
    async (agreed) => {
      const client = createClientDeflateCodec(agreed, 1 << 20);
      const server = new PerMessageDeflateCodec(agreed, 1 << 20);
      const messages = [0, 1, 2, 3].map((i) =>
        Buffer.from(`message ${i}: ${'repeat '.repeat(50)}`),
      );
      for (const message of messages) {
        expect(await decompress(server, await compress(client, message))).toEqual(message);
        expect(await decompress(client, await compress(server, message))).toEqual(message);
      }
      client.release();
      server.release();
    },
  );

  it('without context takeover each client message inflates on its own', async () => {
    const agreed = { ...AGREEMENTS[0], clientNoContextTakeover: true };
    const client = createClientDeflateCodec(agreed, 1 << 20);
    const message = Buffer.from('hello hello hello hello');
    await compress(client, message);
    const second = await compress(client, message);
    // A fresh server codec (no history) can inflate the second message: no back-reference.
    const fresh = new PerMessageDeflateCodec(agreed, 1 << 20);
    expect(await decompress(fresh, second)).toEqual(message);
    client.release();
    fresh.release();
  });

  it('compresses within a 9-bit window when 8 is agreed, but says not to compress', () => {
    const agreed = { ...AGREEMENTS[0], clientMaxWindowBits: 8 };
    expect(clientCanCompress(agreed)).toBe(false);
    expect(clientCanCompress({ ...agreed, clientMaxWindowBits: 9 })).toBe(true);
    const codec = createClientDeflateCodec(agreed, 1000);
    expect(codec.params.serverMaxWindowBits).toBe(9);
    codec.release();
  });
});
