import { afterEach, describe, expect, it } from '@jest/globals';
import { SWOOLE_WEBSOCKET_FLAG_COMPRESS } from '../../src/protocol/frame-flag.constants.js';
import { Harness } from './support/harness.js';
import { Inbox } from './support/wait.js';

const harness = new Harness();
afterEach(() => harness.cleanup());

describe('frames sent in one turn', () => {
  it('arrive whole and in order, small and large, data and control, mixed', async () => {
    const opened = new Inbox<number>();
    const server = await harness.server({}, (s) =>
      s.on('open', (request) => opened.push(request.fd)),
    );
    const raw = await harness.rawWebSocket(server);
    const fd = await opened.next();
    const large = Buffer.alloc(70_000, 0x61);
    const sent: Array<{ opcode: number; payload: Buffer }> = [];
    const push = (data: string | Buffer, opcode: number): void => {
      expect(server.push(fd, data, opcode)).toBe(true);
      sent.push({ opcode, payload: Buffer.from(data) });
    };
    // All within one turn: the first frame alone, then many small ones sharing a slab,
    // interrupted by a large frame, a ping and a raw broadcast.
    for (let i = 0; i < 300; i++) push(`message ${i} ${'x'.repeat(i % 40)}`, 0x1);
    push(large, 0x2);
    for (let i = 0; i < 50; i++) push(Buffer.from([i, i, i]), 0x2);
    push('ping-payload', 0x9);
    expect(server.broadcast('to everyone')).toBe(1);
    sent.push({ opcode: 0x1, payload: Buffer.from('to everyone') });
    for (let i = 0; i < 20; i++) push('é'.repeat(500 + i), 0x1);
    for (const expected of sent) {
      const frame = await raw.readFrame();
      expect(frame.opcode).toBe(expected.opcode);
      expect(frame.fin).toBe(true);
      expect(frame.payload.equals(expected.payload)).toBe(true);
    }
    expect(raw.pending.length).toBe(0);
  });

  it('keep their order behind a compressed frame still being produced', async () => {
    const opened = new Inbox<number>();
    const server = await harness.server({ settings: { websocket_compression: true } }, (s) =>
      s.on('open', (request) => opened.push(request.fd)),
    );
    const client = await harness.open(server, '/', [], { perMessageDeflate: true });
    const fd = await opened.next();
    const texts: string[] = [];
    for (let i = 0; i < 40; i++) {
      const text = `m${i} ${'z'.repeat(i * 30)}`;
      texts.push(text);
      server.push(fd, text, 0x1, i % 3 === 0 ? 1 | SWOOLE_WEBSOCKET_FLAG_COMPRESS : 1);
    }
    for (const text of texts) expect((await client.messages.next()).text).toBe(text);
  });
});
