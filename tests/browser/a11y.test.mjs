// Must-show 3 of issue 5: axe-core finds no violations on any page, in Dutch and English —
// home, the report form (empty and with its error messages), the sending progress, the
// access-code screen, the status page (code entry, a refused code, and the opened case), and
// the message for a browser without WebCrypto X25519.
//
// axe-core is read from node_modules and evaluated through the DevTools protocol
// (page.evaluate), which the page's CSP does not govern; it is not a request the page makes.
// page.addScriptTag would add an inline <script>, which the CSP (rightly) blocks, so no
// bypassCSP is needed or used. All of axe's default rules run (WCAG 2.0/2.1 A and AA plus best
// practices), not only a subset.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fillReport, launchBrowser, newPage, startServer } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let server;
let browser;

before(async () => {
  server = await startServer({ powBits: 0 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function check(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document));
  const found = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`,
  );
  assert.deepEqual(found, [], `${name}: axe violations`);
  return result.passes.length;
}

for (const lang of ['nl', 'en']) {
  const q = lang === 'en' ? '?lang=en' : '';
  test(`axe finds no violations on any page (${lang})`, async () => {
    const { context, page } = await newPage(browser, { viewport: { width: 390, height: 844 } });
    await page.goto(`${server.url}/${q}`);
    await page.waitForSelector('main [data-app]:not([hidden])');
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    await check(page, 'home');

    await page.goto(`${server.url}/melden${q}`);
    await page.waitForSelector('#theme option[value="exclusion"]', { state: 'attached' });
    await check(page, 'form');
    await page.click('#submit');
    await page.waitForSelector('#error-summary:not([hidden])');
    await check(page, 'form with errors');

    await fillReport(page, { what: 'Een beschrijving van wat er gebeurde, voor de toegankelijkheidstest.' });
    // Hold the submission (test side) so the sending screen can be checked while it shows.
    let release;
    const held = new Promise((r) => {
      release = r;
    });
    await page.route('**/api/v1/reports', async (route) => {
      await held;
      await route.continue();
    });
    await page.click('#submit');
    await page.waitForSelector('#progress-steps li[data-step="submit"].busy');
    await check(page, 'sending');
    release();
    await page.waitForSelector('#done-view:not([hidden])', { timeout: 60000 });
    await check(page, 'access-code screen');
    const code = (await page.textContent('#access-code')).replace(/\s+/g, '');
    await page.check('#saved-code');
    await check(page, 'access-code screen, confirmed');
    await page.click('#done');
    await page.waitForURL(/\/(\?lang=en)?$/);

    await page.goto(`${server.url}/status${q}`);
    await page.waitForSelector('#code-form');
    await check(page, 'status: code entry');
    await page.fill('#code', `${code.slice(0, -1)}${code.endsWith('0') ? '1' : '0'}`);
    await page.click('#open-case');
    await page.waitForSelector('#code-error:not([hidden])');
    await check(page, 'status: typo message');
    await page.fill('#code', code);
    await page.click('#open-case');
    await page.waitForSelector('#case-view:not([hidden])');
    await page.fill('#reply', 'Een bericht voor de test.');
    await page.click('#send-reply');
    await page.waitForFunction(() => document.querySelectorAll('#messages li.message').length === 1);
    await check(page, 'status: case with a message');
    await context.close();
  });

  test(`axe finds no violations on the unsupported-browser message (${lang})`, async () => {
    const { context, page } = await newPage(browser);
    await page.addInitScript(() => {
      crypto.subtle.generateKey = () => Promise.reject(new DOMException('unsupported', 'NotSupportedError'));
    });
    await page.goto(`${server.url}/melden${q}`);
    await page.waitForSelector('#unsupported:not([hidden])');
    await check(page, 'unsupported browser');
    await context.close();
  });
}
