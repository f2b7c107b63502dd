// DESIGN §11 and G9 in the report form, in real headless Chromium against the real binary:
// before the reporter writes, a unit nobody can read is marked in the list and said so when
// chosen, and cannot be sent; "national desk only" is offered only while a national reader
// exists, and a report sent with it is encrypted to the national readers alone; a directory
// that cannot be verified (here: none signed yet) stops the page with its reason instead of a
// form. axe-core checks the notice and the stopped page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fillReport, launchBrowser, newPage, startServer } from './harness.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let amsterdamOnly; // a reader for amsterdam, none national
let nationalToo; // the harness's default: one national reader
let browser;

before(async () => {
  [amsterdamOnly, nationalToo] = await Promise.all([startServer({ units: ['amsterdam'] }), startServer()]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await amsterdamOnly?.stop();
  await nationalToo?.stop();
});

async function axe(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document));
  assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `${name}: axe violations`);
}

/** Opens the form and waits until the directory is verified (the send button comes alive). */
async function openForm(page, url) {
  await page.goto(`${url}/melden`);
  await page.waitForSelector('#submit:not([disabled])');
}

test('a unit without a reader is said so before writing, and cannot be sent', async () => {
  const { context, page, requests } = await newPage(browser);
  await openForm(page, amsterdamOnly.url);
  assert.match(await page.textContent('#unit option[value="rotterdam"]'), /nu niemand die dit kan lezen/);
  assert.doesNotMatch(await page.textContent('#unit option[value="amsterdam"]'), /niemand/);
  // No national reader: the national-only choice is off, and says why.
  assert.equal(await page.isDisabled('#national_only'), true);
  assert.match(await page.textContent('#national_only-help'), /niemand bij het landelijke meldpunt/);
  await page.selectOption('#unit', 'rotterdam');
  await page.waitForSelector('#unit-readers:not([hidden])');
  assert.match(await page.textContent('#unit-readers'), /kan niemand meldingen over deze eenheid lezen/);
  assert.match(await page.getAttribute('#unit', 'aria-describedby'), /unit-readers/);
  assert.equal(await page.isDisabled('#submit'), true);
  await axe(page, 'form with a unit nobody reads');
  await page.selectOption('#unit', 'amsterdam');
  assert.equal(await page.isHidden('#unit-readers'), true);
  assert.equal(await page.isDisabled('#submit'), false);
  await fillReport(page, { what: 'Een melding over een eenheid met een lezer.', unit: 'amsterdam' });
  await page.click('#submit');
  await page.waitForSelector('#done-view:not([hidden])', { timeout: 60000 });
  assert.equal(requests.filter((r) => r.method === 'POST').length, 1);
  await context.close();
});

test('national desk only: offered with a national reader, and then only they can read it', async () => {
  const { context, page } = await newPage(browser);
  const posted = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && new URL(req.url()).pathname === '/api/v1/reports') posted.push(req.postDataJSON());
  });
  await openForm(page, nationalToo.url);
  assert.equal(await page.isDisabled('#national_only'), false);
  await fillReport(page, { what: 'Een melding over de intake van mijn eigen eenheid.' });
  await page.check('#national_only');
  await page.click('#submit');
  await page.waitForSelector('#done-view:not([hidden])', { timeout: 60000 });
  assert.equal(posted.length, 1);
  assert.equal(posted[0].national_only, true);
  const view = await (await fetch(`${nationalToo.url}/api/v1/directory`)).json();
  const payload = JSON.parse(Buffer.from(JSON.parse(view.directory).payload, 'base64url').toString('utf8'));
  const national = payload.entries.filter((e) => e.units.includes('national')).map((e) => e.kid);
  assert.deepEqual(posted[0].wraps.map((w) => w.to).sort(), ['reporter', ...national].sort());
  await context.close();
});

test('a directory that cannot be verified stops the page, with the reason, before any writing', async () => {
  const { context, page, requests } = await newPage(browser);
  await page.route('**/api/v1/directory', (route) =>
    route.fulfill({ status: 404, json: { error: { code: 'no_directory', message: 'none signed yet' } } }),
  );
  await page.goto(`${nationalToo.url}/melden?lang=en`);
  await page.waitForSelector('#trust-failed:not([hidden])');
  assert.match(await page.textContent('#trust-failed'), /This page has stopped/);
  assert.match(await page.textContent('#trust-failed-text'), /no signed list of people who can read reports/);
  assert.equal(await page.isVisible('#report-form'), false);
  await axe(page, 'stopped page');
  assert.equal(requests.filter((r) => r.method === 'POST').length, 0);
  await context.close();
});
