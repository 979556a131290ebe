import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { extraProducts } from './catalog.js';
import { measureContrast } from './contrast.js';
import { glassStyles, sampleBlur } from './glass.js';
import {
  ADMIN_TOKEN,
  adminPost,
  CACHE_TTL_JITTER,
  CACHE_TTL_SECONDS,
  ORIGIN_DELAY_MS,
  type Stack,
  startStack,
  waitFor,
} from './stack.js';

const screenshots = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const shot = (name: string) => path.join(screenshots, `${name}.png`);

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

let stack: Stack;
let browser: Browser;
let page: Page;
const WCAG_TIMEOUT_MS = 420_000;
const consoleErrors: string[] = [];
/** Every answer of 400 or more the page got (Chromium's console line does not name the URL). */
const failedResponses: string[] = [];
/** What had failed when the first fault was injected (a replica killed): "while everything was up". */
let whileUp: { consoleErrors: string[]; failedResponses: string[]; apiErrors: string[] } | undefined;

/** The API's access-log lines of 5xx answers (error level), to say why a request failed. */
const apiErrorLines = () =>
  stack.logs.api
    .join('')
    .split('\n')
    .filter((line) => line.includes('"level":50'));

async function remainingTtlMs(p: Page): Promise<number> {
  return Number(await p.getAttribute('[data-testid=ttl-value]', 'data-remaining-ms'));
}

async function search(p: Page, id: string) {
  await p.fill('[data-testid=search-input]', id);
  await p.press('[data-testid=search-input]', 'Enter');
}

describe('monitor against the real stack', () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    stack = await startStack(inject('webDistDir'));
    for (const product of extraProducts) {
      const res = await adminPost(stack.baseUrl, '/api/db/add', product);
      expect(res.status, await res.clone().text()).toBeLessThan(300);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, locale: 'fr-FR' });
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
    page.on('response', (res) => {
      if (res.status() >= 400)
        failedResponses.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
    });
    await page.goto(stack.baseUrl);
    await page.waitForSelector('[data-testid=stream-state][data-state=open]', { timeout: 20_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('opens live, in French, with the origin delay banner', async () => {
    expect(await page.textContent('h1')).toBe('Moniteur de cache Redis');
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    const banner = await page.textContent('[data-testid=origin-delay-banner]');
    expect(banner).toContain(`${ORIGIN_DELAY_MS} ms`);
  });

  it('draws real glass: every panel has a backdrop-filter, and it blurs what lies behind', async () => {
    const glass = await glassStyles(page);
    expect(glass.length, '.glass elements').toBeGreaterThanOrEqual(8);
    expect(glass.filter((g) => g.backdropFilter === 'none')).toEqual([]);
    await page.evaluate(() => window.scrollTo(0, 0));
    const blur = await sampleBlur(page, '#search');
    // Stripes seen through the tint alone spread the luminance; an 18 px blur evens it out.
    expect(blur.withoutBlur, 'stripes visible without the blur').toBeGreaterThan(30);
    expect(blur.withPageCss, 'stripes left under the built glass').toBeLessThan(blur.withoutBlur / 5);
  });

  it('searches an id twice: database first, then cache with a TTL that counts down', async () => {
    await search(page, 'prod1');
    await page.waitForSelector('[data-testid=source-badge]:has-text("base de données")');
    expect(await page.textContent('[data-testid=search-result]')).toContain('Smartphone Premium');
    const dbTime = await page.textContent('[data-testid=response-time]');
    expect(Number.parseFloat(dbTime!.replace(',', '.'))).toBeGreaterThanOrEqual(ORIGIN_DELAY_MS);

    await search(page, 'prod1');
    await page.waitForSelector('[data-testid=source-badge]:has-text("cache")');
    const first = await remainingTtlMs(page);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(CACHE_TTL_SECONDS * (1 + CACHE_TTL_JITTER) * 1000);
    // It counts down: more than a second off, once the page's 250 ms ticker has run (a starved
    // browser may run it late, so this waits for it rather than for a fixed 1.5 s), and never
    // more than the time that went by.
    const waitStarted = Date.now();
    await page.waitForFunction(
      (below) =>
        Number(document.querySelector('[data-testid=ttl-value]')?.getAttribute('data-remaining-ms')) < below,
      first - 1000,
      { timeout: 15_000 },
    );
    const later = await remainingTtlMs(page);
    expect(later).toBeLessThan(first - 1000);
    expect(first - later).toBeLessThanOrEqual(Date.now() - waitStarted + 1000);
    expect(await page.textContent('[data-testid=ttl-value]')).toMatch(/\d+([,.]\d)? s|\d+:\d\d/);
  });

  it('suggests products by name while typing', async () => {
    await page.fill('[data-testid=search-input]', '');
    await page.type('[data-testid=search-input]', 'Lapt', { delay: 30 });
    await page.waitForSelector('[role=option]:has-text("Laptop Pro 14")');
    await page.press('[data-testid=search-input]', 'ArrowDown');
    await page.press('[data-testid=search-input]', 'Enter');
    await page.waitForSelector('[data-testid=search-result]:has-text("Laptop")');
  });

  it('moves the hit ratio as cache hits come in', async () => {
    const ratio = async () => Number(await page.getAttribute('[data-testid=gauge-total]', 'data-value'));
    await waitFor('a first hit ratio', async () => (await ratio()) > 0);
    const before = await ratio();
    for (let i = 0; i < 12; i += 1) await fetch(`${stack.baseUrl}/api/data/prod1`);
    await waitFor('the hit ratio to rise', async () => (await ratio()) > before, 10_000);
    // Counters are flushed in batches by the API: they catch up within a few ticks.
    const hits = async () => Number((await page.textContent('[data-testid=hits]'))!.replace(/\D/g, ''));
    await waitFor('the 12 hits to be counted', async () => (await hits()) >= 12, 10_000);
    // The history panel lists the searches, most searched first.
    await page.waitForSelector('[data-testid=history-top] li:first-child:has-text("prod1")', {
      timeout: 10_000,
    });
  });

  it('takes an admin token in the settings and runs a warm job to 100 %', async () => {
    await page.click('[data-testid=settings-toggle]');
    await page.fill('[data-testid=token-input]', ADMIN_TOKEN);
    await page.click('[data-testid=token-save]');
    await page.click('[data-testid=settings-toggle]');
    expect(await page.evaluate(() => sessionStorage.getItem('monitor.adminToken'))).toBe(ADMIN_TOKEN);

    await page.waitForSelector('[data-testid=worker-status][data-state=alive]', { timeout: 15_000 });
    await page.click('[data-testid=warm-all]');
    const done = page.locator('[data-testid=job-list] li[data-state=completed]').first();
    await done.waitFor({ timeout: 30_000 });
    expect(await done.locator('[role=progressbar]').getAttribute('aria-valuenow')).toBe('100');
    expect(await done.locator('[data-testid=job-progress]').textContent()).toContain('100');
  });

  it('browses cache keys with SCAN and probes replication', async () => {
    await page.fill('[data-testid=keys-pattern]', 'data:*');
    await page.press('[data-testid=keys-pattern]', 'Enter');
    // SCAN pages cover slices of the whole keyspace: follow the cursor ("load more") until found.
    const prod1Key = page.locator('[data-testid=keys-table] td', { hasText: /^data:prod1$/ });
    await waitFor(
      'data:prod1 in the key browser',
      async () => {
        if ((await prod1Key.count()) > 0) return true;
        const more = page.locator('[data-testid=keys-more]:not([disabled])');
        if ((await more.count()) > 0) await more.click();
        return false;
      },
      15_000,
      300,
    );
    const row = page.locator('[data-testid=keys-table] tr', {
      has: page.locator('td', { hasText: /^data:prod1$/ }),
    });
    const typeCell = row.locator('td').nth(1);
    expect(await typeCell.textContent()).toBe('string');
    await page.click('[data-testid=probe]');
    await page.waitForSelector('[data-testid=replication-table] td:has-text("ms")', { timeout: 10_000 });
    expect(await page.getAttribute('[data-role=replica]', 'data-health')).toBe('ok');
  });

  it('saves a screenshot of each panel and of the whole monitor', async () => {
    await page.waitForSelector('[data-testid=products-table]');
    // Let the response-time chart collect a few seconds of traffic.
    for (let i = 0; i < 6; i += 1) {
      await fetch(`${stack.baseUrl}/api/data/prod1`);
      await fetch(`${stack.baseUrl}/api/data/${extraProducts[i]!.id}`);
      await page.waitForTimeout(300);
    }
    await page.waitForSelector('#times canvas', { timeout: 10_000 });
    await search(page, 'prod1');
    await page.waitForSelector('[data-testid=source-badge]:has-text("cache")');
    await page.waitForTimeout(1200);
    // Panel pictures without the sticky header drawn over their top edge.
    const unstick = await page.addStyleTag({ content: '.header{position:static!important}' });
    for (const panel of ['search', 'times', 'stats', 'history', 'replication', 'jobs', 'products', 'keys']) {
      await page.locator(`#${panel}`).screenshot({ path: shot(panel) });
    }
    await unstick.evaluate((el) => (el as Element).remove());
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shot('monitor'), fullPage: true });

    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
      isMobile: true,
    });
    await phone.goto(stack.baseUrl);
    await phone.waitForSelector('[data-testid=stream-state][data-state=open]');
    await search(phone, 'prod1');
    await phone.waitForSelector('[data-testid=source-badge]');
    await phone.waitForTimeout(1500);
    // Nothing may stick out sideways on a phone.
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: shot('monitor-mobile'), fullPage: true });
    await phone.close();
  });

  // A machine bound: hundreds of text boxes measured over software-rendered blurs took 116 s in a
  // fresh-clone CI run beside another one, and ran past 180 s at load average 14 on 2 cores.
  it(
    'meets WCAG AA on a desktop and on a phone: axe rules, and measured text contrast',
    async () => {
      for (const viewport of [
        { width: 1440, height: 1000 },
        { width: 390, height: 844 },
      ]) {
        // Its own context: axe is injected as a script, which the API's CSP rightly forbids.
        const context = await browser.newContext({ viewport, bypassCSP: true });
        const audited = await context.newPage();
        await audited.goto(stack.baseUrl);
        await audited.evaluate((token) => sessionStorage.setItem('monitor.adminToken', token), ADMIN_TOKEN);
        await audited.reload();
        await audited.waitForSelector('[data-testid=stream-state][data-state=open]');
        await search(audited, 'prod1');
        await audited.waitForSelector('[data-testid=source-badge]');
        await audited.waitForSelector('[data-testid=products-table]');
        await audited.waitForTimeout(1200);

        await audited.evaluate(axeSource);
        const violations = await audited.evaluate(async () => {
          const axe = (
            window as unknown as {
              axe: {
                run: (
                  ctx: Document,
                  opts: object,
                ) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }>;
              };
            }
          ).axe;
          const result = await axe.run(document, {
            runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
          });
          return result.violations.map(
            (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
          );
        });
        expect(violations, `axe at ${viewport.width}px`).toEqual([]);
        const contrast = await measureContrast(audited);
        console.log(
          `contrast at ${viewport.width} px: ${contrast.checked} text boxes measured, ${contrast.moved} left out (moved or restyled)`,
        );
        expect(contrast.checked, 'text boxes measured').toBeGreaterThan(100);
        expect(contrast.moved, 'text boxes that moved while measuring').toBeLessThan(contrast.checked / 10);
        // A capture can pair text with pixels of another layout when the live page changes under
        // a starved browser (seen once under load: every text below the jobs panel at 1.0-4.5).
        // A colour that fails the ratio fails in every capture: a failure counts only if a second,
        // independent capture finds it too.
        let failures = contrast.failures;
        if (failures.length > 0) {
          const again = await measureContrast(audited);
          const seen = new Set(again.failures.map((f) => `${f.selector}|${f.text}`));
          const transient = failures.filter((f) => !seen.has(`${f.selector}|${f.text}`));
          console.log(
            `contrast at ${viewport.width} px: ${transient.length} failure(s) not found again in a second capture`,
          );
          failures = failures.filter((f) => seen.has(`${f.selector}|${f.text}`));
        }
        expect(failures, `contrast at ${viewport.width}px`).toEqual([]);
        await context.close();
      }
    },
    WCAG_TIMEOUT_MS,
  );

  it('switches to English and remembers it after a reload', async () => {
    await page.click('[data-testid=lang-en]');
    expect(await page.textContent('h1')).toBe('Redis Cache Monitor');
    await page.reload();
    await page.waitForSelector('h1');
    expect(await page.textContent('h1')).toBe('Redis Cache Monitor');
    await page.click('[data-testid=lang-fr]');
    expect(await page.textContent('h1')).toBe('Moniteur de cache Redis');
    await page.waitForSelector('[data-testid=stream-state][data-state=open]');
  });

  it('turns a replica red within 2 s of it going down', async () => {
    await page.waitForSelector('[data-role=replica][data-health=ok]');
    whileUp = {
      consoleErrors: [...consoleErrors],
      failedResponses: [...failedResponses],
      apiErrors: apiErrorLines(),
    };
    await stack.redis.replicas[0]!.kill();
    const killedAt = Date.now();
    // Red as the eye sees it: the node's computed fill, after its colour transition.
    await page.waitForFunction(
      () => {
        const circle = document.querySelector('[data-role=replica][data-health=down] circle');
        return circle !== null && getComputedStyle(circle).fill === 'rgb(220, 38, 38)';
      },
      undefined,
      { timeout: 2000, polling: 50 },
    );
    const redAfterMs = Date.now() - killedAt;
    console.log(`replica red ${redAfterMs} ms after the kill`);
    expect(redAfterMs).toBeLessThanOrEqual(2000);
    expect(await page.textContent('[data-role=replica]')).toContain('hors ligne');
    await page.waitForTimeout(300);
    const unstick = await page.addStyleTag({ content: '.header{position:static!important}' });
    await page.locator('#replication').screenshot({ path: shot('replication-down') });
    await unstick.evaluate((el) => (el as Element).remove());
  });

  // Up to the replica's kill (the first fault): a read in flight on a killed node may fail by design.
  it('logged no errors in the browser console while everything was up', () => {
    const up = whileUp ?? { consoleErrors, failedResponses, apiErrors: apiErrorLines() };
    expect(
      { consoleErrors: up.consoleErrors, failedResponses: up.failedResponses },
      `the API's 5xx lines: ${up.apiErrors.join('\n') || 'none'}`,
    ).toEqual({ consoleErrors: [], failedResponses: [] });
  });

  it('says so when Redis is down instead of freezing', async () => {
    await stack.redis.master.kill();
    await page.waitForSelector('[data-testid=banner-redis-down]', { timeout: 15_000 });
    // Still a working page: a search is answered or refused with a message, never a hang.
    await search(page, 'prod2');
    await page.waitForSelector('[data-testid=search-result], [data-testid=search-error]', {
      timeout: 10_000,
    });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shot('redis-down') });
  });

  it('says so when the API is down, and shows the stream reconnecting', async () => {
    const exited = new Promise((resolve) => stack.api.once('exit', resolve));
    process.kill(stack.api.pid!, 'SIGTERM');
    await exited;
    await page.waitForSelector('[data-testid=stream-state][data-state=reconnecting]', { timeout: 10_000 });
    await page.waitForSelector('[data-testid=banner-api-down]', { timeout: 10_000 });
    expect(await page.textContent('[data-testid=stream-state]')).toContain('Reconnexion…');
  });
});
