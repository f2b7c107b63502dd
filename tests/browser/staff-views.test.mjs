// Must-show 2 and 3 of issue 11 for every staff page and view, on an installation populated
// in the browser (staff-kit buildWorld: admin, intake officer, investigator, auditor, a case
// triaged, assigned and answered, a second factor reset, a directory change waiting):
//
// - Authorisation in the pages: each of the four users opens every role-bound view (#/cases,
//   #/case/<ref>, #/admin, #/audit); a view for a role the user lacks shows the refusal and
//   runs none of that view's code: no request to its API is made. The admin, who may never
//   see content, opening the inbox or the case by its reference gets the refusal, no
//   /api/v1/staff/cases… request of the page succeeds (none is even made; one made by hand
//   is refused by the server with 403), and no report text is anywhere in the document. A
//   signed-out visitor gets the sign-in view for every view but the officers'.
// - axe-core (all default rules: WCAG 2.0/2.1 A and AA and best practices) finds nothing on
//   every staff page and view — sign-in (and its error), unlock, enrolment (and its error),
//   second-factor reset, inbox, case, admin (with a link shown), officers (a change waiting),
//   audit and the refusal — in Dutch and in English (?lang=en), at desktop width.
// - At 360 px wide the inbox, the case and the other views have no horizontal scroll (wide
//   tables scroll inside their own region).
//
// axe-core is evaluated through the DevTools protocol as in a11y.test.mjs (the CSP is not
// bypassed).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launchBrowser } from './harness.mjs';
import { WORLD_REPORT, buildWorld, startStaffServer } from './staff-kit.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let server;
let browser;
let world;

before(async () => {
  server = await startStaffServer();
  browser = await launchBrowser();
  const started = Date.now();
  world = await buildWorld(browser, server);
  console.log(`# the installation was built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function axe(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document));
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`);
  assert.deepEqual(found, [], `${name}: axe violations`);
}

/**
 * Goes to `hash` in the staff app of `page` and waits until `view` shows and has settled; when
 * the key is locked (after a reload) and `password` is given, unlocks it first.
 */
async function go(page, hash, view, password) {
  await page.evaluate((h) => {
    if (location.hash === h) dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = h;
  }, hash);
  const shown = await page.waitForSelector(`#${view}:not([hidden])${password ? ', #unlock-view:not([hidden])' : ''}`);
  if ((await shown.getAttribute('id')) === 'unlock-view' && view !== 'unlock-view') {
    await page.fill('#unlock-password', password);
    await page.click('#unlock-submit');
    await page.waitForSelector(`#${view}:not([hidden])`);
  }
  await settle(page);
}

/** Waits until no live status line says it is still busy ("…"). */
async function settle(page) {
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[aria-live], .verdict')].every((el) => !el.textContent.trim().endsWith('…') || el.closest('[hidden]')),
  );
}

const shownViews = (page) => page.$$eval('main section[id$="-view"]:not([hidden])', (ss) => ss.map((s) => s.id));

test('every staff view refuses a user without its role; an admin never sees case content', async () => {
  const ref = world.report.ref;
  const routes = { cases: ['#/cases', 'cases-view'], case: [`#/case/${ref}`, 'case-view'], admin: ['#/admin', 'admin-view'], audit: ['#/audit', 'audit-view'] };
  const allowed = { admin: ['admin'], auditor: ['audit'], intake: ['cases', 'case'], investigator: ['cases', 'case'] };
  const api = { cases: '/api/v1/staff/cases', case: '/api/v1/staff/cases', admin: '/api/v1/staff/users', audit: '/api/v1/staff/audit' };
  for (const [user, may] of Object.entries(allowed)) {
    const { page } = world.ctx[user];
    for (const [route, [hash, view]] of Object.entries(routes)) {
      const calls = [];
      const onRequest = (req) => {
        if (new URL(req.url()).pathname.startsWith(api[route])) calls.push(req.url());
      };
      page.on('request', onRequest);
      if (may.includes(route)) {
        await go(page, hash, view);
        assert.deepEqual(await shownViews(page), [view], `${user} ${hash}`);
        assert.ok(calls.length > 0, `${user} ${hash}: the view asked the server nothing`);
      } else {
        await go(page, hash, 'refused-view');
        assert.deepEqual(await shownViews(page), ['refused-view'], `${user} ${hash}`);
        assert.match(await page.textContent('#refused-text'), /alleen voor de rol/);
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'refused-h', 'the refusal gets the focus');
        await page.waitForTimeout(100);
        assert.deepEqual(calls, [], `${user} ${hash}: the refused view still asked the server`);
      }
      page.off('request', onRequest);
      // The navigation offers only what the user may open.
      const nav = await page.$$eval('#staff-nav li[data-nav-role]:not([hidden])', (lis) => lis.map((li) => li.dataset.navRole));
      assert.deepEqual(nav, ['cases', 'admin', 'officers', 'audit'].filter((r) => r === 'officers' || may.includes(r)), `${user}: navigation`);
    }
  }

  // The admin: no case request ever succeeded, a hand-made one is refused, no content anywhere.
  const admin = world.ctx.admin.page;
  const seen = [];
  admin.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/api/v1/staff/cases')) seen.push(res.status());
  });
  for (const hash of ['#/cases', `#/case/${ref}`, '#/cases?status=received']) {
    await go(admin, hash, 'refused-view');
    const html = await admin.evaluate(() => document.documentElement.outerHTML);
    assert.doesNotMatch(html, /KANARIE/, `${hash}: report text in the admin's page`);
  }
  const byHand = await admin.evaluate(async (r) => (await fetch(`/api/v1/staff/cases/${r}`, { credentials: 'same-origin' })).status, ref);
  assert.equal(byHand, 403);
  assert.ok(seen.every((s) => s >= 400), `a case request succeeded for the admin: ${seen}`);
  assert.equal(await admin.evaluate(() => sessionStorage.getItem('meldpunt.staff.tab')?.includes('KANARIE') ?? false), false);

  // An unknown view is refused too; a signed-out visitor is asked to sign in for every view.
  await go(world.ctx.intake.page, '#/nonsense', 'refused-view');
  assert.match(await world.ctx.intake.page.textContent('#refused-text'), /bestaat niet/);
  const stranger = await browser.newContext();
  const page = await stranger.newPage();
  for (const [hash] of Object.values(routes)) {
    await page.goto(`${server.url}/staff/${hash}`);
    await page.waitForSelector('#signin-view:not([hidden])');
    assert.deepEqual(await shownViews(page), ['signin-view'], hash);
  }
  await page.goto(`${server.url}/staff/#/officers`);
  await page.waitForSelector('#officers-view:not([hidden])');
  await stranger.close();
  // The intake officer goes back to the case (the a11y test below starts there).
  await go(world.ctx.intake.page, `#/case/${ref}`, 'case-view');
});

for (const lang of ['nl', 'en']) {
  test(`axe finds no violations on any staff page or view (${lang})`, async () => {
    const q = lang === 'en' ? '?lang=en' : '';
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await fresh.newPage();
    // Sign-in, empty and with its error.
    await page.goto(`${server.url}/staff/${q}`);
    await page.waitForSelector('#signin-view:not([hidden])');
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    await axe(page, 'sign-in');
    await page.click('#signin-submit');
    await page.waitForSelector('#signin-error:not([hidden])');
    await axe(page, 'sign-in with an error');
    // Enrolment from an unused link, and with its error; the reset page.
    await page.goto(`${world.links.enrol.replace('#', `${q}#`)}`);
    await page.waitForSelector('#enrol-form:not([hidden])');
    await axe(page, 'enrolment');
    await page.fill('#enrol-password', 'kort');
    await page.click('#enrol-submit');
    await page.waitForSelector('#enrol-error:not([hidden])');
    await axe(page, 'enrolment with an error');
    await page.goto(`${world.links.reset.replace('#', `${q}#`)}`);
    await page.waitForSelector('#reset-form:not([hidden])');
    await axe(page, 'second-factor reset');
    // A used link says so.
    await page.goto(`${server.url}/staff/enrol${q}#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
    await page.waitForSelector('#enrol-link-error:not([hidden])');
    await axe(page, 'enrolment with an unknown link');
    await fresh.close();

    // The signed-in views, in each user's own tab: the language switch reloads the page, so
    // the key is unlocked again first (the unlock view).
    for (const [user, hash, view] of [
      ['intake', '#/cases', 'cases-view'],
      ['admin', '#/admin', 'admin-view'],
      ['auditor', '#/audit', 'audit-view'],
      ['investigator', '#/admin', 'refused-view'],
    ]) {
      const { page: p } = world.ctx[user];
      await p.goto(`${server.url}/staff/${q}${hash}`);
      await p.reload(); // a new document even when only the fragment changed
      if (user === 'intake') {
        await p.waitForSelector('#unlock-view:not([hidden])');
        await axe(p, 'unlock');
        await p.fill('#unlock-password', world.people.intake.password);
        await p.click('#unlock-submit');
      }
      await p.waitForSelector(`#${view}:not([hidden])`);
      await settle(p);
      assert.equal(await p.getAttribute('html', 'lang'), lang);
      await axe(p, `${user} ${hash}`);
    }
    const intake = world.ctx.intake.page;
    await go(intake, `#/case/${world.report.ref}`, 'case-view');
    await intake.waitForSelector('#case-body:not([hidden])');
    await intake.fill('#reply-text', 'Een concept.\nMet een tweede regel.');
    await intake.waitForSelector('#reply-preview-box:not([hidden])');
    assert.match(await intake.textContent('#case-report'), /KANARIE-wereld/);
    await axe(intake, 'case with a reply preview');
    await intake.fill('#reply-text', '');
    await go(intake, '#/officers', 'officers-view');
    await intake.waitForSelector('#proposal-body:not([hidden])');
    await axe(intake, 'officers with a change waiting');
    // The admin with an invite link on screen.
    const admin = world.ctx.admin.page;
    await admin.fill('#invite-name', `collega-${lang}`);
    await admin.check('#invite-role-auditor');
    await admin.click('#invite-submit');
    await admin.waitForSelector('#invite-result:not([hidden])');
    await settle(admin);
    await axe(admin, 'admin with an invite link');
  });
}

test('at 360 px wide no staff view scrolls sideways', async () => {
  const checks = [
    ['intake', '#/cases', 'cases-view'],
    ['intake', `#/case/${world.report.ref}`, 'case-view'],
    ['investigator', `#/case/${world.report.ref}`, 'case-view'],
    ['admin', '#/admin', 'admin-view'],
    ['admin', '#/officers', 'officers-view'],
    ['auditor', '#/audit', 'audit-view'],
    ['investigator', '#/audit', 'refused-view'],
  ];
  for (const [user, hash, view] of checks) {
    const { page } = world.ctx[user];
    await page.setViewportSize({ width: 360, height: 780 });
    await go(page, hash, view, world.people[user].password);
    if (view === 'case-view') await page.waitForSelector('#case-body:not([hidden])');
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(scroll <= client, `${user} ${hash}: the page is ${scroll} px wide in a ${client} px window`);
    if (view === 'case-view') assert.match(await page.textContent('#case-report'), new RegExp(WORLD_REPORT.split('\n')[0].slice(0, 30)));
  }
  const fresh = await browser.newContext({ viewport: { width: 360, height: 780 } });
  const page = await fresh.newPage();
  for (const [url, sel] of [
    [`${server.url}/staff/`, '#signin-view:not([hidden])'],
    [world.links.enrol, '#enrol-form:not([hidden])'],
    [world.links.reset, '#reset-form:not([hidden])'],
  ]) {
    await page.goto(url);
    await page.waitForSelector(sel);
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(scroll <= client, `${url}: the page is ${scroll} px wide in a ${client} px window`);
  }
  await fresh.close();
});
