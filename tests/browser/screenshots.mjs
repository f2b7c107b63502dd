// Makes the screenshots of docs/screenshots/: every page of the reporter web app in Dutch, on
// a phone (390×844) and a desktop (1280×900), full page. Not a test; run it by hand after a
// change to the pages: `cargo build && node tests/browser/screenshots.mjs`.
//
// Pages: home, the report form, the form with its error messages, sending (proof of work in
// progress), the access-code screen, the status page's code entry, and an opened case that an
// intake officer acknowledged and answered through the staff CLI. The proof of work runs at 21
// bits here so the sending screen can be caught.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { BINARY, ROOT, fillReport, launchBrowser, newPage, startServer } from './harness.mjs';
import { enrolStaff, inviteStaff, staffReply } from './staff-reply.mjs';

const OUT = join(ROOT, 'docs', 'screenshots');
const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };

mkdirSync(OUT, { recursive: true });
const server = await startServer({ powBits: 21, checkpointSecs: 1, beforeServe: inviteStaff });
const staff = await enrolStaff(server, server.prepared);
const browser = await launchBrowser();
try {
  for (const [size, viewport] of Object.entries(SIZES)) {
    const { context, page } = await newPage(browser, { viewport, deviceScaleFactor: 1 });
    const shot = async (name) => {
      await page.evaluate(() => document.activeElement?.blur());
      await page.screenshot({ path: join(OUT, `${name}-${size}.png`), fullPage: true });
      console.log(`docs/screenshots/${name}-${size}.png`);
    };
    await page.goto(`${server.url}/`);
    await page.waitForSelector('main [data-app]:not([hidden])');
    await shot('home');

    await page.goto(`${server.url}/melden`);
    await page.waitForSelector('#theme option[value="exclusion"]', { state: 'attached' });
    await shot('report-form');
    await page.click('#submit');
    await page.waitForSelector('#error-summary:not([hidden])');
    await shot('report-form-errors');

    await fillReport(page, {
      what: 'Tijdens de briefing maakt een collega al maanden opmerkingen over mijn afkomst. De teamleider lacht mee.',
    });
    await page.click('#submit');
    await page.waitForSelector('#progress-steps li[data-step="pow"].busy');
    await page.waitForTimeout(600);
    await shot('sending');
    await page.waitForSelector('#done-view:not([hidden])', { timeout: 120000 });
    await shot('access-code');
    const code = (await page.textContent('#access-code')).replace(/\s+/g, '');
    const ref = (await page.textContent('#case-ref')).trim();
    await page.check('#saved-code');
    await page.click('#done');
    await page.waitForURL(`${server.url}/`);

    await page.goto(`${server.url}/status`);
    await page.waitForSelector('#code-form');
    await shot('status-code');
    await page.waitForTimeout(1200); // a checkpoint covers the receipt
    await page.fill('#code', code);
    await page.click('#open-case');
    await page.waitForSelector('#case-view:not([hidden])');
    await page.fill('#reply', 'Ik wil graag weten wat de volgende stap is.');
    await page.click('#send-reply');
    await page.waitForFunction(() => document.querySelectorAll('#messages li.message').length === 1);
    // The intake officer acknowledges the report and answers, through the Rust staff CLI.
    execFileSync(BINARY, ['--session', staff.session, 'case', 'status', '--ref', ref, '--set', 'acknowledged']);
    staffReply(server, staff, ref, 'Dank u voor uw melding. Wij hebben die in behandeling genomen. Wilt u iets meer vertellen over wanneer dit begon?');
    await page.click('#close-case');
    await page.fill('#code', code);
    await page.click('#open-case');
    await page.waitForSelector('#case-view:not([hidden])');
    await page.fill('#reply', '');
    await page.evaluate(() => {
      document.getElementById('reply-status').textContent = '';
    });
    await shot('status-case');
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
