/**
 * The monitor as an anonymous viewer and as an admin, against the real stack: the viewer
 * searches, sees stats, a live replication probe figure (the API probes by itself) and the key
 * browser on the cache and catalog key spaces only, with no admin action enabled; the admin
 * probes on demand and browses every key space.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ADMIN_TOKEN, adminPost, type Stack, startStack, waitFor } from './stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PUBLIC_KEY = /^(data:|cache:query:|db:)/;

let stack: Stack;
let browser: Browser;
const consoleErrors: string[] = [];

async function openMonitor(token: string | null): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'en-US' });
  if (token) {
    await context.addInitScript((t) => sessionStorage.setItem('monitor.adminToken', t), token);
  }
  const page = await context.newPage();
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  await page.goto(stack.baseUrl);
  await page.waitForSelector('[data-testid=stream-state][data-state=open]', { timeout: 20_000 });
  return page;
}

async function listedKeys(page: Page, pattern: string): Promise<string[]> {
  const scanned = () => page.waitForResponse((r) => r.url().includes('/api/cache/keys'));
  let answer = scanned();
  await page.fill('[data-testid=keys-pattern]', pattern);
  await page.press('[data-testid=keys-pattern]', 'Enter');
  // Every page of the scan, so "nothing outside" covers the whole key space.
  for (let i = 0; i < 100; i++) {
    await answer;
    await page.waitForFunction(() => !document.querySelector('[data-testid=keys-more][disabled]'));
    const more = page.locator('[data-testid=keys-more]');
    if ((await more.count()) === 0) break;
    answer = scanned();
    await more.click();
  }
  return page.locator('[data-testid=keys-table] td.key-cell').allTextContents();
}

describe('monitor: anonymous viewer and admin', () => {
  beforeAll(async () => {
    stack = await startStack(inject('webDistDir'));
    // Queue keys exist (an admin enqueued a job): the anonymous browser must not see them.
    expect((await adminPost(stack.baseUrl, '/api/jobs/warm-all', {})).status).toBe(202);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('anonymous: search, stats, a live probe figure without probing, cache and catalog keys only', async () => {
    const page = await openMonitor(null);
    await page.fill('[data-testid=search-input]', 'prod2');
    await page.press('[data-testid=search-input]', 'Enter');
    await page.waitForSelector('[data-testid=search-result]');
    await page.press('[data-testid=search-input]', 'Enter');
    await page.waitForSelector('[data-testid=source-badge]:has-text("cache")');
    await waitFor('the hit counter', async () => {
      const hits = Number((await page.textContent('[data-testid=hits]'))?.replace(/\D/g, ''));
      return hits > 0;
    });

    // The API's periodic probe reaches the viewer through the stream; the button is an admin's.
    expect(await page.isDisabled('[data-testid=probe]')).toBe(true);
    await page.waitForSelector('[data-testid=replication-table] td:has-text("ms")', { timeout: 15_000 });

    const all = await listedKeys(page, '*');
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((k) => !PUBLIC_KEY.test(k))).toEqual([]);
    expect(all).toContain('data:prod2');
    expect(await listedKeys(page, 'bull:*')).toEqual([]);
    expect(await page.isVisible('[data-testid=keys-scope]')).toBe(true);
    await page.context().close();
  });

  it('admin: probes on demand and browses every key space', async () => {
    const page = await openMonitor(ADMIN_TOKEN);
    expect(await page.isDisabled('[data-testid=probe]')).toBe(false);
    const probe = page.waitForResponse((r) => r.url().endsWith('/api/replication/probe'));
    await page.click('[data-testid=probe]');
    expect((await probe).status()).toBe(200);
    const queue = await listedKeys(page, 'bull:*');
    expect(queue.length).toBeGreaterThan(0);
    expect(await page.isVisible('[data-testid=keys-scope]')).toBe(false);
    await page.context().close();
  });

  it('logged no page errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
