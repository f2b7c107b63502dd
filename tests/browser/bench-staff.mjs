// The browser half of `benches/inbox.rs` (not a test): signs in to the staff app of a running,
// seeded service in Debian's Chromium and times how long the inbox and one case page take to
// show. Prints one JSON object on stdout: {inbox_first_ms, inbox_again_ms, case_ms}.
//
// Contract: the service and its intake user come from the environment (BENCH_URL, BENCH_NAME,
// BENCH_PASSWORD, BENCH_TOTP_SECRET as base32, BENCH_CASE a reference the user can open,
// BENCH_MESSAGES how many messages its page must show). Times
// are wall-clock from the action to the moment the rows (or messages) are in the DOM, polled
// every animation frame: `inbox_first_ms` from pressing "sign in" (which includes the
// password's key derivation and the server's Argon2id), `inbox_again_ms` the median of 5
// returns to the first page from another page (one API call and the render), `case_ms` from
// following the link to BENCH_CASE until its messages are shown (detail, every items page,
// receipt check, decryption and render).

import { launchBrowser, newPage } from './harness.mjs';
import { totp } from './staff-reply.mjs';

const { BENCH_URL: url, BENCH_NAME: name, BENCH_PASSWORD: password, BENCH_TOTP_SECRET: secret, BENCH_CASE: caseRef } = process.env;
const messages = Number(process.env.BENCH_MESSAGES ?? '0');
if (!url || !name || !password || !secret || !caseRef) throw new Error('BENCH_URL, BENCH_NAME, BENCH_PASSWORD, BENCH_TOTP_SECRET and BENCH_CASE are required');

const ROWS = '#case-rows tr[data-ref]';

/** Marks the rows shown now, so a wait can tell new rows from old ones. */
async function markRows(page) {
  await page.evaluate((sel) => {
    for (const row of document.querySelectorAll(sel)) row.setAttribute('data-bench-old', '');
  }, ROWS);
}

async function waitForNewRows(page) {
  await page.waitForFunction((sel) => {
    const rows = document.querySelectorAll(sel);
    return rows.length > 0 && ![...rows].some((r) => r.hasAttribute('data-bench-old'));
  }, ROWS, { polling: 'raf', timeout: 60000 });
}

const browser = await launchBrowser();
try {
  const { page } = await newPage(browser);
  await page.goto(`${url}/staff/`);
  await page.fill('#signin-name', name);
  await page.fill('#signin-password', password);
  await page.fill('#signin-totp', totp(secret, Date.now() / 1000 + 30));
  let t = performance.now();
  await page.click('#signin-submit');
  await waitForNewRows(page);
  const inboxFirst = performance.now() - t;

  const again = [];
  for (let i = 0; i < 5; i += 1) {
    await page.evaluate(() => { location.hash = '#/cases?page=2'; });
    await page.waitForFunction(() => /page=2/.test(location.hash));
    await page.waitForTimeout(300);
    await markRows(page);
    t = performance.now();
    await page.evaluate(() => { location.hash = '#/cases'; });
    await waitForNewRows(page);
    again.push(performance.now() - t);
  }
  again.sort((a, b) => a - b);

  t = performance.now();
  await page.evaluate((ref) => { location.hash = `#/case/${encodeURIComponent(ref)}`; }, caseRef);
  await page.waitForFunction((n) => document.querySelectorAll('#conversation li[data-kind="message"]').length >= n
    && document.getElementById('case-report')?.textContent?.trim(), messages, { polling: 'raf', timeout: 120000 });
  const caseMs = performance.now() - t;
  process.stdout.write(`${JSON.stringify({ inbox_first_ms: inboxFirst, inbox_again_ms: again[2], case_ms: caseMs })}\n`);
} finally {
  await browser.close();
}
