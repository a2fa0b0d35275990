import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.js';
import { eventually } from './support/cluster-process.js';
import { WsServer } from '../../src/index.js';
import { AppModule } from '../../sample-app/app.module.js';

describe('sample app in a real browser', () => {
  let app: INestApplicationContext;
  let browser: Browser;
  let base: string;

  /** Opens the chat page (at `/`, or `/?room=...`) and waits until it is in its room. */
  async function openChat(room?: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(room === undefined ? `${base}/` : `${base}/?room=${room}`);
    await page.locator('#status', { hasText: `connected to #${room ?? 'lobby'} as #` }).waitFor();
    return page;
  }

  async function say(page: Page, name: string, text: string): Promise<void> {
    await page.fill('#name', name);
    await page.fill('#text', text);
    await page.click('#send');
  }

  const lines = (page: Page) => page.locator('.message').allTextContents();

  /** A number of the stats panel's total row: `connections`, `in` or `out`. */
  const total = async (page: Page, column: string) =>
    Number(await page.locator(`#total-${column}`).textContent());

  beforeAll(async () => {
    process.env.PORT = '0';
    process.env.HOST = '127.0.0.1';
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    base = `http://127.0.0.1:${app.get(WsServer).port}`;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    delete process.env.PORT;
    delete process.env.HOST;
  });

  it('sends a chat message typed in one page to another page of the same room', async () => {
    const sender = await openChat();
    const receiver = await openChat();
    await say(sender, 'ann', 'hello from chromium');
    await receiver
      .locator('.message', { hasText: 'ann: hello from chromium' })
      .waitFor({ timeout: 5000 });
    expect(await lines(receiver)).toContain('ann: hello from chromium');
    await sender.close();
    await receiver.close();
  }, 30_000);

  it('keeps each room to itself, and the room picker moves a page to another room', async () => {
    const lobby = await openChat();
    const blue = await openChat('blue');
    // This one starts in the lobby and moves to "blue" with the picker.
    const mover = await openChat();
    await mover.fill('#room', 'blue');
    await mover.click('#join');
    await mover.locator('#status', { hasText: 'connected to #blue as #' }).waitFor();
    expect(new URL(mover.url()).searchParams.get('room')).toBe('blue');
    await mover.locator('#members', { hasText: '2 here' }).waitFor({ timeout: 5000 });

    await say(blue, 'bob', 'only for blue');
    await mover.locator('.message', { hasText: 'bob: only for blue' }).waitFor({ timeout: 5000 });
    await say(lobby, 'ann', 'only for the lobby');
    await lobby.locator('.message', { hasText: 'ann: only for the lobby' }).waitFor();
    // The server wrote both messages before it answered anything later: one more round trip
    // (a message of the mover, seen by blue) and the lobby message would be here if it came.
    await say(mover, 'cy', 'last in blue');
    await blue.locator('.message', { hasText: 'cy: last in blue' }).waitFor({ timeout: 5000 });

    expect(await lines(lobby)).not.toContain('bob: only for blue');
    expect(await lines(lobby)).not.toContain('cy: last in blue');
    for (const page of [blue, mover]) {
      expect(await lines(page)).not.toContain('ann: only for the lobby');
    }
    for (const page of [lobby, blue, mover]) await page.close();
  }, 30_000);

  it('shows live stats: connections and messages per second', async () => {
    const watcher = await openChat();
    const talker = await openChat();
    await watcher.locator('#stats tbody tr').first().waitFor({ timeout: 5000 });
    await eventually(
      async () => (await total(watcher, 'connections')) === 2,
      5000,
      'the panel to count both pages',
    );
    const before = await watcher.locator('#stats tbody tr').count();
    expect(before).toBe(1);
    const cells = await watcher.locator('#stats tbody tr td').allTextContents();
    expect(cells).toHaveLength(4);
    expect(cells.slice(1).every((cell) => /^\d+$/.test(cell))).toBe(true);

    for (let i = 0; i < 5; i++) await say(talker, 'dee', `message ${i}`);
    // The report whose second holds those messages counts them.
    await eventually(
      async () => (await total(watcher, 'in')) >= 1 && (await total(watcher, 'out')) >= 1,
      5000,
      'the panel to count messages in and out',
    );
    await watcher.close();
    await talker.close();
  }, 30_000);

  it('receives a broadcast triggered over plain HTTP on the same port', async () => {
    const page = await browser.newPage();
    const received = page.waitForEvent('websocket').then((socket) =>
      socket.waitForEvent('framereceived', {
        predicate: (frame) => frame.payload === 'from-http',
      }),
    );
    await page.goto(`${base}/`);
    await page.locator('#status', { hasText: 'connected to #lobby' }).waitFor();
    const response = await fetch(`${base}/broadcast?message=from-http`);
    expect(await response.json()).toEqual({ delivered: 1 });
    expect((await received).payload).toBe('from-http');
    await page.locator('.message', { hasText: '> from-http' }).waitFor({ timeout: 5000 });
    await page.close();
  }, 30_000);
});
