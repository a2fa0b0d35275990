import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/chromium.js';
import { WsServer } from '../../src/index.js';
import { AppModule } from '../../sample-app/app.module.js';

describe('sample app in a real browser', () => {
  let app: INestApplicationContext;
  let browser: Browser;
  let base: string;

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

  it('broadcasts a chat message typed in one page to another page', async () => {
    const sender = await browser.newPage();
    const receiver = await browser.newPage();
    for (const page of [sender, receiver]) {
      await page.goto(`${base}/`);
      await page.locator('#status', { hasText: 'connected' }).waitFor();
    }
    await sender.fill('#name', 'ann');
    await sender.fill('#text', 'hello from chromium');
    await sender.click('#send');
    await receiver
      .locator('.message', { hasText: 'ann: hello from chromium' })
      .waitFor({ timeout: 5000 });
    const lines = await receiver.locator('.message').allTextContents();
    expect(lines).toContain('ann: hello from chromium');
    await sender.close();
    await receiver.close();
  }, 30_000);

  it('receives a broadcast triggered over plain HTTP on the same port', async () => {
    const page = await browser.newPage();
    const received = page.waitForEvent('websocket').then((socket) =>
      socket.waitForEvent('framereceived', {
        predicate: (frame) => frame.payload === 'from-http',
      }),
    );
    await page.goto(`${base}/`);
    await page.locator('#status', { hasText: 'connected' }).waitFor();
    const response = await fetch(`${base}/broadcast?message=from-http`);
    expect(await response.json()).toEqual({ delivered: 1 });
    expect((await received).payload).toBe('from-http');
    await page.close();
  }, 30_000);
});
