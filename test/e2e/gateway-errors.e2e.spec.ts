import { afterEach, describe, expect, it } from '@jest/globals';
import { Harness } from './support/harness.js';
import { captureLogger, waitUntil } from './support/wait.js';

const harness = new Harness();
afterEach(() => harness.cleanup());

describe('errors in handlers', () => {
  it('a message handler that throws is logged and the connection keeps working', async () => {
    const { logger, entries } = captureLogger();
    const server = await harness.server(
      {},
      (s) =>
        s.on('message', (frame) => {
          if (frame.data === 'throw') throw new Error('sync failure');
          s.push(frame.fd, frame.data);
        }),
      logger,
    );
    const client = await harness.open(server);
    client.ws.send('throw');
    await waitUntil(() => entries.length === 1);
    expect(entries[0].level).toBe('error');
    expect(entries[0].message).toContain('message');
    expect((entries[0].error as Error).message).toBe('sync failure');
    await client.roundTrip();
    expect(client.close).toBeUndefined();
  });

  it('a message handler that returns a rejected promise is logged and the connection keeps working', async () => {
    const { logger, entries } = captureLogger();
    const server = await harness.server(
      {},
      (s) =>
        s.on('message', async (frame) => {
          if (frame.data === 'reject') throw new Error('async failure');
          s.push(frame.fd, frame.data);
        }),
      logger,
    );
    const client = await harness.open(server);
    client.ws.send('reject');
    await waitUntil(() => entries.length === 1);
    expect(entries[0].level).toBe('error');
    expect((entries[0].error as Error).message).toBe('async failure');
    await client.roundTrip();
    await client.roundTrip();
    expect(entries).toHaveLength(1);
  });

  it('throwing open, close and beforeHandshakeResponse handlers are logged; connections still work', async () => {
    const { logger, entries } = captureLogger();
    const server = await harness.server(
      {},
      (s) => {
        s.on('beforeHandshakeResponse', () => {
          throw new Error('before failure');
        });
        s.on('open', () => Promise.reject(new Error('open failure')));
        s.on('close', () => {
          throw new Error('close failure');
        });
      },
      logger,
    );
    const client = await harness.open(server);
    await client.roundTrip();
    client.ws.close();
    await client.waitClose();
    await waitUntil(() => entries.length === 3);
    expect(entries.map((entry) => (entry.error as Error).message).sort()).toEqual([
      'before failure',
      'close failure',
      'open failure',
    ]);
    await harness.expectServes(server);
  });

  it('a throwing request handler gets 500 and is logged', async () => {
    const { logger, entries } = captureLogger();
    const server = await harness.server(
      {},
      (s) =>
        s.on('request', () => {
          throw new Error('request failure');
        }),
      logger,
    );
    const response = await harness.http(server);
    expect(response.status).toBe(500);
    expect((entries[0].error as Error).message).toBe('request failure');
    await harness.expectServes(server);
  });
});
