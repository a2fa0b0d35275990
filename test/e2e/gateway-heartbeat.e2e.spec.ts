import { afterEach, describe, expect, it } from '@jest/globals';
import { Harness } from './support/harness.js';
import { delay, Inbox } from './support/wait.js';

const harness = new Harness();
afterEach(() => harness.cleanup());

describe('heartbeat_check_interval + heartbeat_idle_time', () => {
  it('closes an idle WebSocket with 1001 and keeps an active one', async () => {
    const closed = new Inbox<number>();
    const server = await harness.server(
      { settings: { heartbeat_check_interval: 1, heartbeat_idle_time: 1 } },
      (s) => s.on('close', closed.push),
    );
    const idle = await harness.open(server);
    const active = await harness.open(server);
    const started = Date.now();
    const chatter = setInterval(() => active.ws.send('tick'), 200);
    try {
      expect(await idle.waitClose(3500)).toEqual({ code: 1001, reason: 'idle timeout' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      await closed.next();
      expect(active.ws.readyState).toBe(active.ws.OPEN);
    } finally {
      clearInterval(chatter);
    }
    await harness.expectServes(server);
  });

  it('drops an idle plain HTTP keep-alive connection (disconnect fires)', async () => {
    const disconnected = new Inbox<number>();
    const requests = new Inbox<number>();
    const server = await harness.server(
      { settings: { heartbeat_check_interval: 1, heartbeat_idle_time: 1 } },
      (s) => {
        s.on('request', (request, response) => {
          requests.push(request.fd);
          response.end('ok');
        });
        s.on('disconnect', disconnected.push);
      },
    );
    const raw = await harness.raw(server);
    raw.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await raw.readHttpResponse()).status).toBe(200);
    const fd = await requests.next();
    await raw.waitEnded(3500);
    expect(await disconnected.next()).toBe(fd);
  });
});

describe('heartbeat_ping', () => {
  it('pings a quiet client, whose pong keeps it open past the idle time', async () => {
    const server = await harness.server({
      settings: { heartbeat_check_interval: 1, heartbeat_idle_time: 3, heartbeat_ping: true },
    });
    const client = await harness.open(server);
    const started = Date.now();
    // The ws client answers pings with pongs by itself and sends nothing else.
    const ping = await client.pings.next(2500);
    expect(ping.length).toBe(0);
    await delay(3300 - (Date.now() - started));
    expect(client.close).toBeUndefined();
    await client.roundTrip();
  });
});
