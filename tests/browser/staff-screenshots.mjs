// Makes the screenshots of the staff web app in docs/screenshots/ (staff-*.png), in Dutch, at
// desktop width (1280) and the inbox and case also at phone width (390), full page. Not a
// test; run it by hand after a change to the staff pages:
// `cargo build && node tests/browser/staff-screenshots.mjs` (MELDPUNT_BIN picks another binary).
//
// The installation is built in the browser as people build it (staff-kit buildWorld): an
// admin, an intake officer and an investigator of Amsterdam, an auditor; a case triaged,
// assigned, acknowledged, answered by the investigator, with a note and the reporter's answer;
// a second-factor reset link and an unused invite; a directory change waiting for the officers.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, launchBrowser } from './harness.mjs';
import { buildWorld, startStaffServer } from './staff-kit.mjs';

const OUT = join(ROOT, 'docs', 'screenshots');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

mkdirSync(OUT, { recursive: true });
const server = await startStaffServer();
const browser = await launchBrowser();

async function shot(page, name) {
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  // No live status line still saying it is busy.
  await page.waitForFunction(() => [...document.querySelectorAll('[aria-live], .verdict')].every((el) => !el.textContent.trim().endsWith('…') || el.closest('[hidden]')));
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
  console.log(`docs/screenshots/${name}.png`);
}

async function go(page, hash, view) {
  await page.evaluate((h) => {
    if (location.hash === h) dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = h;
  }, hash);
  await page.waitForSelector(`#${view}:not([hidden])`);
  await page.evaluate(() => scrollTo(0, 0));
}

try {
  const world = await buildWorld(browser, server, { viewport: DESKTOP });
  const { ctx, links, report } = world;

  const fresh = await browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1 });
  const page = await fresh.newPage();
  await page.goto(`${server.url}/staff/`);
  await page.waitForSelector('#signin-view:not([hidden])');
  await shot(page, 'staff-signin');
  await page.goto(links.enrol);
  await page.waitForSelector('#enrol-form:not([hidden])');
  await page.fill('#enrol-password', 'Paarse-olifant 7 dansen');
  await shot(page, 'staff-enrol');
  await page.goto(links.reset);
  await page.waitForSelector('#reset-form:not([hidden])');
  await shot(page, 'staff-reset');
  await fresh.close();

  const intake = ctx.intake.page;
  await intake.reload();
  await intake.waitForSelector('#unlock-view:not([hidden])');
  await shot(intake, 'staff-unlock');
  await intake.fill('#unlock-password', world.people.intake.password);
  await intake.click('#unlock-submit');
  await intake.waitForSelector('#case-view:not([hidden]), #cases-view:not([hidden])');
  await go(intake, '#/cases', 'cases-view');
  await intake.waitForSelector(`#case-rows tr[data-ref="${report.ref}"]`);
  await shot(intake, 'staff-inbox');

  const inv = ctx.investigator.page;
  await go(inv, `#/case/${report.ref}`, 'case-view');
  await inv.waitForSelector('#case-body:not([hidden])');
  await inv.fill('#reply-text', 'Wij nemen binnenkort weer contact op.\nDank voor uw geduld.');
  await inv.waitForSelector('#reply-preview-box:not([hidden])');
  await shot(inv, 'staff-case');
  await inv.setViewportSize(PHONE);
  await shot(inv, 'staff-case-phone');
  await inv.fill('#reply-text', '');
  await go(inv, '#/admin', 'refused-view');
  await inv.setViewportSize(DESKTOP);
  await shot(inv, 'staff-refused');

  await intake.setViewportSize(PHONE);
  await go(intake, '#/cases', 'cases-view');
  await intake.waitForSelector(`#case-rows tr[data-ref="${report.ref}"]`);
  await shot(intake, 'staff-inbox-phone');

  const admin = ctx.admin.page;
  await go(admin, '#/officers', 'officers-view');
  await go(admin, '#/admin', 'admin-view');
  await admin.waitForFunction(() => document.querySelectorAll('#user-rows tr').length > 0);
  await shot(admin, 'staff-admin');
  await go(admin, '#/officers', 'officers-view');
  await admin.waitForSelector('#proposal-body:not([hidden])');
  await shot(admin, 'staff-officers');

  const auditor = ctx.auditor.page;
  await go(auditor, '#/audit', 'audit-view');
  await auditor.waitForFunction(() => document.querySelectorAll('#audit-rows tr').length > 0);
  await shot(auditor, 'staff-audit');
} finally {
  await browser.close();
  await server.stop();
}
