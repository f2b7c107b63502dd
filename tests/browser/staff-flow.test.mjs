// Must-show 1 and 2 of issue 11, in real headless Chromium against the real binary, all in the
// staff web app: the first admin enrols from the link the first `serve` wrote (password, TOTP
// code computed here from the secret the page shows), signs in, and invites an intake officer
// (Amsterdam) and an investigator (Amsterdam) online; each enrols in a browser context of its
// own from the link the admin page showed; both development officers sign the directory change
// in the officers view, with their key files; two reports come in through the reporter page;
// the intake officer signs in and sees both in the inbox. Then the server process is stopped
// (SIGTERM) and started again on the same folders and port, and every signed-in context is
// still signed in: the admin's view loads again without a sign-in, the intake officer triages
// (outcome and reason) and assigns the first report without signing in again, and after a
// reload only unlocks the key (no sign-in, no code). The investigator signs in, sees only the
// assigned case (the other one is refused), reads the report, replies in several lines (the
// preview shows what the reporter will see) and adds a note; the reporter sees the reply on
// the status page and answers; the investigator, after a reload and unlock, sees the answer
// marked as the reporter's with its date, and its own message with its name and role.
//
// Privacy (must-show 2), over everything the staff contexts did: every request went to the
// page's origin; every staff page came with a CSP without 'unsafe-inline'; the session cookie
// is HttpOnly and no script can read it; the instrumented WebCrypto (staff-kit instrumentKeys)
// saw the user's own X25519 private key and the password's wrap key, and neither appears in
// any request (body or address) in hex, base64 or base64url, nor in sessionStorage or
// localStorage; every X25519 private key was imported non-extractable, every one used is,
// and none was ever exported.
//
// TOTP: a code works once per user, with one step of skew; each user here needs two codes
// (enrolment, sign-in), which staff-kit's nextCode takes from the steps already accepted, so
// the test never waits for a new step.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { launchBrowser } from './harness.mjs';
import {
  ADMIN_NAME,
  assignInPage,
  encodings,
  enrolInPage,
  firstAdminLink,
  instrumentKeys,
  inviteInPage,
  openCaseInPage,
  recordContext,
  reportInPage,
  signDirectoryInPage,
  signInInPage,
  startStaffServer,
  triageInPage,
} from './staff-kit.mjs';

const CANARY = 'Mijn teamleider noemt mij steeds bij een bijnaam over mijn afkomst.\nGisteren deed hij het weer. KANARIE-staff-9f3e';
const OTHER = 'Een tweede melding die de onderzoeker niet mag zien. KANARIE-ander-4c1d';
const REPLY = 'Dank voor uw melding.\nWij willen graag meer weten over wanneer dit begon.\n\nMet vriendelijke groet';
const NOTE = 'Melder alleen via dit kanaal benaderen; teamleider nog niet inlichten.';
const ANSWER = 'Het begon vorig voorjaar, na de reorganisatie.';

let server;
let browser;
/** name → {context, page, requests, responses, errors, keys} */
const who = {};

/** A browser context of its own for `name`, instrumented and recorded. */
async function person(name, { instrument = true } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const keys = instrument ? await instrumentKeys(context) : [];
  const { requests, responses } = recordContext(context);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  who[name] = { context, page, requests, responses, errors, keys };
  return who[name];
}

/** The views of the staff app that show in `page`. */
const shownViews = (page) => page.$$eval('main section[id$="-view"]:not([hidden])', (ss) => ss.map((s) => s.id));

/** Responses of `p` to `path` (exact, or a prefix ending in /) since index `from`. */
function answers(p, path, from = 0) {
  return p.responses.slice(from).filter((r) => {
    const at = new URL(r.url()).pathname;
    return path.endsWith('/') ? at.startsWith(path) : at === path;
  });
}

before(async () => {
  server = await startStaffServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('staff enrol, invite, sign the directory, triage, assign, reply, restart, and the reporter answers', async (t) => {
  const people = {};
  let link;

  await t.test('the link the first serve wrote opens the enrolment page; the admin enrols', async () => {
    link = firstAdminLink(server);
    assert.ok(link.startsWith(`${server.url}/staff/enrol#`), link);
    const admin = await person('admin');
    await admin.page.goto(link);
    await admin.page.waitForSelector('#enrol-form:not([hidden])');
    assert.equal(await admin.page.getAttribute('html', 'lang'), 'nl');
    assert.equal((await admin.page.textContent('#enrol-name')).trim(), ADMIN_NAME);
    assert.equal((await admin.page.textContent('#enrol-roles')).trim(), 'beheerder');
    // The QR code is drawn in the page (an SVG of dark modules), the secret is shown to type over.
    assert.ok((await admin.page.locator('#enrol-qr svg').count()) === 1, 'no QR code');
    assert.match(await admin.page.getAttribute('#enrol-qr svg', 'aria-label'), /QR/i);
    assert.match((await admin.page.textContent('#enrol-secret')).replace(/\s+/g, ''), /^[A-Z2-7]{32}$/);
    // A weak password is refused in the page before anything is sent.
    const posts = admin.requests.filter((r) => r.method === 'POST').length;
    await admin.page.fill('#enrol-password', 'wachtwoord12');
    assert.match(await admin.page.textContent('#enrol-strength-text'), /zwak|kort/i);
    await admin.page.fill('#enrol-password2', 'wachtwoord12');
    await admin.page.fill('#enrol-totp', '123456');
    await admin.page.click('#enrol-submit');
    await admin.page.waitForSelector('#enrol-error:not([hidden])');
    assert.equal(await admin.page.getAttribute('#enrol-password', 'aria-invalid'), 'true');
    assert.equal(admin.requests.filter((r) => r.method === 'POST').length, posts, 'a weak password was sent');

    people.admin = await enrolInPage(admin.page, link);
    assert.equal(people.admin.name, ADMIN_NAME);
    assert.match(await admin.page.textContent('#enrol-done'), new RegExp(ADMIN_NAME));
    assert.equal(await admin.page.inputValue('#enrol-password'), '', 'the password stays in the form');
    const enrolPost = admin.requests.find((r) => r.method === 'POST' && new URL(r.url).pathname.startsWith('/api/v1/staff/enrol/'));
    const body = JSON.parse(enrolPost.postData);
    assert.deepEqual(Object.keys(body).sort(), ['auth_hash', 'public_key', 'totp_code', 'wrapped_private_key']);
    assert.ok(!enrolPost.postData.includes(people.admin.password), 'the password was sent');
    people.admin.publicKey = body.public_key;
  });

  await t.test('the admin signs in with password and code and lands in the admin view', async () => {
    const { page } = who.admin;
    await page.click('#enrol-signin');
    await page.waitForURL(`${server.url}/staff/`);
    await signInInPage(page, server.url, people.admin);
    await page.waitForSelector('#admin-view:not([hidden])');
    assert.equal(new URL(page.url()).hash, '#/admin');
    assert.equal((await page.textContent('#staff-user-name')).trim(), ADMIN_NAME);
    assert.deepEqual(await shownViews(page), ['admin-view']);
    assert.equal(await page.inputValue('#signin-password'), '', 'the password stays in the form');
    // Admins see no case work in the navigation.
    assert.equal(await page.isHidden('li[data-nav-role="cases"]'), true);
  });

  const links = {};
  await t.test('the admin invites an intake officer and an investigator online', async () => {
    const { page } = who.admin;
    const pid = server.child.pid;
    links.intake = await inviteInPage(page, { name: 'intake-iris', roles: ['intake'], unit: 'amsterdam' });
    links.investigator = await inviteInPage(page, { name: 'onderzoeker-olaf', roles: ['investigator'], unit: 'amsterdam' });
    for (const l of Object.values(links)) assert.match(l, new RegExp(`^${server.url}/staff/enrol#[A-Za-z0-9_-]{43}$`));
    assert.notEqual(links.intake, links.investigator);
    const row = page.locator('#user-rows tr', { hasText: 'intake-iris' });
    assert.match(await row.textContent(), /Uitgenodigd/);
    assert.match(await row.textContent(), /Eenheid Amsterdam/);
    assert.equal(server.child.pid, pid, 'the server was restarted');
  });

  await t.test('each enrols in a browser context of its own from the link the admin page showed', async () => {
    for (const name of ['intake', 'investigator']) {
      const p = await person(name);
      people[name] = await enrolInPage(p.page, links[name]);
      const enrolPost = p.requests.find((r) => r.method === 'POST' && new URL(r.url).pathname.startsWith('/api/v1/staff/enrol/'));
      people[name].publicKey = JSON.parse(enrolPost.postData).public_key;
    }
    assert.equal(people.intake.name, 'intake-iris');
    assert.equal(people.investigator.name, 'onderzoeker-olaf');
    // The admin view shows both as active, and a directory change waiting for the officers.
    const { page } = who.admin;
    await page.click('a[data-route="officers"]');
    await page.waitForSelector('#officers-view:not([hidden])');
    await page.click('a[data-route="admin"]');
    await page.waitForFunction(() => document.querySelectorAll('#user-rows tr[data-status="active"]').length === 3);
    await page.waitForFunction(() => document.getElementById('directory-status').classList.contains('pending'));
    assert.match(await page.textContent('#directory-status'), /0 van de 2/);
  });

  await t.test('the officers sign the directory change in the browser with their key files', async () => {
    const officer = await person('officer', { instrument: false });
    await officer.page.goto(`${server.url}/staff/#/officers`);
    await officer.page.waitForSelector('#proposal-body:not([hidden])');
    // The review lists the two new keys, each under its user.
    const added = await officer.page.$$eval('#proposal-rows tr[data-change="added"]', (rows) => rows.map((r) => r.textContent));
    assert.equal(added.length, 2, added.join('\n'));
    assert.ok(added.some((r) => r.includes('intake-iris') && r.includes('Eenheid Amsterdam')), added.join('\n'));
    assert.ok(added.some((r) => r.includes('onderzoeker-olaf')), added.join('\n'));
    const { statuses, view } = await signDirectoryInPage(officer.page, server, { seq: 2 });
    assert.match(statuses[0], /1 van de 2/);
    assert.match(statuses[1], /versie 2 van de lijst is gepubliceerd/);
    assert.equal(view.seq, 2);
    await officer.page.waitForFunction(() => document.getElementById('proposal-state').classList.contains('ok'));
    await officer.page.click('#officer-forget');
    assert.equal(await officer.page.isHidden('#officer-key-actions'), true);
  });

  let report;
  let other;
  await t.test('two reports come in through the reporter page', async () => {
    const reporter = await person('reporter', { instrument: false });
    report = await reportInPage(reporter.page, server.url, CANARY);
    other = await reportInPage(reporter.page, server.url, OTHER);
    assert.match(report.ref, /^MP-/);
    assert.notEqual(report.ref, other.ref);
  });

  await t.test('the intake officer signs in and sees both reports in the inbox, new and unassigned', async () => {
    const { page } = who.intake;
    await signInInPage(page, server.url, people.intake);
    await page.waitForSelector('#cases-view:not([hidden])');
    assert.equal(new URL(page.url()).hash, '#/cases');
    await page.waitForSelector(`#case-rows tr[data-ref="${report.ref}"]`);
    const refs = await page.$$eval('#case-rows tr', (rows) => rows.map((r) => r.dataset.ref));
    assert.deepEqual(refs.sort(), [report.ref, other.ref].sort());
    const row = await page.textContent(`#case-rows tr[data-ref="${report.ref}"]`);
    for (const text of ['Uitsluiting', 'Eenheid Amsterdam', 'Ontvangen', 'Bevestigen vóór', 'Nieuw', 'Niemand']) assert.ok(row.includes(text), `${text} in ${row}`);
    assert.match((await page.textContent('#staff-user-roles')).trim(), /intake · Eenheid Amsterdam/);
    await openCaseInPage(page, report.ref);
    assert.match(await page.textContent('#case-report'), /KANARIE-staff-9f3e/);
    assert.match(await page.textContent('#case-report'), /Gisteren deed hij het weer/);
    assert.equal(await page.isVisible('#triage-form'), true);
  });

  await t.test('the server restarts (SIGTERM, same folders and port); everyone stays signed in', async () => {
    const pid = server.child.pid;
    const mark = Object.fromEntries(Object.entries(who).map(([k, v]) => [k, v.responses.length]));
    await server.restart();
    assert.notEqual(server.child.pid, pid);
    // The admin, without reloading: the view loads its data again.
    const admin = who.admin;
    await admin.page.click('a[data-route="officers"]');
    await admin.page.waitForSelector('#officers-view:not([hidden])');
    await admin.page.click('a[data-route="admin"]');
    await admin.page.waitForFunction(() => document.querySelectorAll('#user-rows tr').length === 3);
    assert.deepEqual(await shownViews(admin.page), ['admin-view']);
    assert.deepEqual(answers(admin, '/api/v1/staff/users', mark.admin).map((r) => r.status()), [200]);
    // The admin, after a reload: still signed in (the tab keeps the session; the cookie lives).
    await admin.page.reload();
    await admin.page.waitForSelector('#admin-view:not([hidden])');
    await admin.page.waitForFunction(() => document.querySelectorAll('#user-rows tr').length === 3);
    assert.deepEqual(answers(admin, '/api/v1/staff/me', mark.admin).map((r) => r.status()), [200]);
    // Every signed-in context: no sign-in view, and its session answers (the intake officer
    // keeps working in the open case in the next step, without signing in again).
    for (const name of ['admin', 'intake']) {
      const { page } = who[name];
      assert.equal(await page.isHidden('#signin-view'), true, `${name} sees the sign-in view`);
      const status = await page.evaluate(async () => (await fetch('/api/v1/staff/me', { credentials: 'same-origin' })).status);
      assert.equal(status, 200, `${name}'s session did not survive the restart`);
    }
  });

  await t.test('after the restart the intake officer triages (outcome and reason) and assigns', async () => {
    const intake = who.intake;
    const mark = intake.responses.length;
    assert.deepEqual(await shownViews(intake.page), ['case-view']);
    // Nothing is sent for a triage without a reason.
    await intake.page.selectOption('#triage-outcome', 'internal_investigation');
    await intake.page.click('#triage-submit');
    await intake.page.waitForSelector('#triage-error:not([hidden])');
    assert.match(await intake.page.textContent('#triage-error'), /reden/i);
    assert.equal(answers(intake, `/api/v1/staff/cases/${report.ref}/triage`, mark).length, 0);
    await triageInPage(intake.page, 'internal_investigation', 'Ernstig en herhaald; onderzoek door de eenheid.');
    assert.deepEqual(answers(intake, `/api/v1/staff/cases/${report.ref}/triage`, mark).map((r) => r.status()), [204]);
    assert.match(await intake.page.textContent('#case-triage'), /Intern onderzoek/);
    // The reason is the first internal note, by its author.
    assert.match(await intake.page.textContent('#notes'), /intake-iris \(intake\).*Ernstig en herhaald/s);
    await assignInPage(intake.page, 'onderzoeker-olaf');
    assert.deepEqual(answers(intake, `/api/v1/staff/cases/${report.ref}/assign`, mark).map((r) => r.status()), [204]);
    // Nobody is left to assign to: a note says so instead of an empty choice.
    await intake.page.waitForSelector('#assign-none:not([hidden])');
    assert.equal(await intake.page.isHidden('#assign-error'), true);
    // A reload asks only for the password to unlock the key again: no sign-in, no code.
    await intake.page.reload();
    await intake.page.waitForSelector('#unlock-view:not([hidden])');
    assert.deepEqual(await shownViews(intake.page), ['unlock-view']);
    await intake.page.fill('#unlock-password', people.intake.password);
    await intake.page.click('#unlock-submit');
    await intake.page.waitForSelector('#case-body:not([hidden])');
    assert.match(await intake.page.textContent('#case-assigned'), /onderzoeker-olaf/);
  });

  await t.test('the investigator signs in and sees only the assigned case', async () => {
    const inv = who.investigator;
    await signInInPage(inv.page, server.url, people.investigator);
    await inv.page.waitForSelector(`#case-rows tr[data-ref="${report.ref}"]`);
    const refs = await inv.page.$$eval('#case-rows tr', (rows) => rows.map((r) => r.dataset.ref));
    assert.deepEqual(refs, [report.ref]);
    // The other case, asked for by its reference, is refused by the server and shows nothing.
    const mark = inv.responses.length;
    await inv.page.evaluate((ref) => {
      location.hash = `#/case/${ref}`;
    }, other.ref);
    await inv.page.waitForSelector('#case-error:not([hidden])');
    assert.deepEqual(answers(inv, `/api/v1/staff/cases/${other.ref}`, mark).map((r) => r.status()), [403]);
    assert.equal(await inv.page.isHidden('#case-body'), true);
    assert.doesNotMatch(await inv.page.evaluate(() => document.body.innerText), /KANARIE-ander/);
  });

  await t.test('the investigator reads the report, replies in several lines with a preview, and adds a note', async () => {
    const { page } = who.investigator;
    await page.click('#back-to-cases');
    await openCaseInPage(page, report.ref);
    assert.match(await page.textContent('#case-report'), /KANARIE-staff-9f3e/);
    assert.match(await page.textContent('#case-report'), /Wat is er gebeurd\?/);
    assert.match(await page.textContent('#notes'), /Ernstig en herhaald/, 'the triage note is readable after assignment');
    assert.equal(await page.isHidden('#triage-form'), true, 'investigators do not triage');
    assert.equal(await page.isHidden('#reply-preview-box'), true);
    await page.fill('#reply-text', REPLY);
    await page.waitForSelector('#reply-preview-box:not([hidden])');
    // The preview is what the reporter will see: "Meldpunt", never the name; the lines kept.
    assert.equal(await page.textContent('#reply-preview-text'), REPLY);
    assert.match((await page.textContent('#reply-preview')).trim(), /^Meldpunt · /);
    assert.doesNotMatch(await page.textContent('#reply-preview'), /olaf/);
    const lines = await page.$eval('#reply-preview-text', (el) => el.getClientRects()[0].height / parseFloat(getComputedStyle(el).lineHeight));
    assert.ok(lines >= 3.5, `the preview shows ${lines} lines`);
    await page.click('#reply-send');
    await page.waitForFunction(() => document.getElementById('reply-status').textContent.includes('verstuurd'));
    const mine = page.locator('#conversation li[data-from="staff"]');
    assert.equal(await mine.count(), 1);
    assert.equal(await mine.locator('.message-text').textContent(), REPLY);
    assert.match(await mine.locator('.sender').textContent(), /onderzoeker-olaf \(onderzoeker\)/);
    assert.equal(await page.inputValue('#reply-text'), '');
    await page.fill('#note-text', NOTE);
    await page.click('#note-add');
    await page.waitForFunction(() => document.getElementById('note-status').textContent.includes('toegevoegd'));
    const note = page.locator('#notes li', { hasText: NOTE });
    assert.match(await note.locator('.sender').textContent(), /onderzoeker-olaf \(onderzoeker\)/);
  });

  await t.test('the reporter sees the reply, from "Meldpunt", and answers', async () => {
    const { page } = who.reporter;
    await page.goto(`${server.url}/status`);
    await page.fill('#code', report.code);
    await page.click('#open-case');
    await page.waitForSelector('#case-view:not([hidden])', { timeout: 30000 });
    const theirs = page.locator('#messages li.theirs');
    assert.equal(await theirs.count(), 1);
    assert.match(await theirs.textContent(), /Meldpunt/);
    assert.doesNotMatch(await theirs.textContent(), /olaf|onderzoeker/);
    assert.match(await theirs.textContent(), /Wij willen graag meer weten over wanneer dit begon/);
    await page.fill('#reply', ANSWER);
    await page.click('#send-reply');
    await page.waitForFunction(() => document.getElementById('reply-status').textContent.includes('is verstuurd'));
  });

  await t.test('the investigator, after a reload and unlock, sees the answer with sender and date', async () => {
    const inv = who.investigator;
    await inv.page.reload();
    await inv.page.waitForSelector('#unlock-view:not([hidden])');
    await inv.page.fill('#unlock-password', people.investigator.password);
    await inv.page.click('#unlock-submit');
    await inv.page.waitForSelector('#case-body:not([hidden])');
    const entries = await inv.page.$$eval('#conversation li', (ls) =>
      ls.map((l) => ({ from: l.dataset.from, sender: l.querySelector('.sender')?.textContent, when: l.querySelector('.when')?.textContent, text: l.querySelector('.message-text')?.textContent })),
    );
    const today = new Intl.DateTimeFormat('nl-NL', { day: 'numeric', month: 'long', year: 'numeric' }).format(new Date());
    assert.deepEqual(entries, [
      { from: 'staff', sender: 'onderzoeker-olaf (onderzoeker)', when: today, text: REPLY },
      { from: 'reporter', sender: 'Melder', when: today, text: ANSWER },
    ]);
    // The signed timeline: receipt, the staff message and the reporter's, each verified.
    assert.equal(await inv.page.locator('#statement-timeline li[data-verified="true"]').count(), 3);
    assert.match(await inv.page.textContent('#chain-state'), /klopt/);
  });

  await t.test('every request stayed on the origin; CSP without unsafe-inline; HttpOnly session cookie', async () => {
    for (const [name, p] of Object.entries(who)) {
      assert.ok(p.requests.length > 0, `${name} made no requests`);
      for (const r of p.requests) {
        const u = new URL(r.url);
        const ok = u.origin === server.url || (u.protocol === 'blob:' && r.url.startsWith(`blob:${server.url}/`));
        assert.ok(ok, `${name}: a request left the origin: ${r.method} ${r.url}`);
      }
      const documents = p.responses.filter((res) => res.request().resourceType() === 'document');
      assert.ok(documents.length > 0, `${name}: no documents`);
      for (const res of documents) {
        const csp = (await res.allHeaders())['content-security-policy'] ?? '';
        assert.match(csp, /script-src 'self'/, `${res.url()} has no strict CSP`);
        assert.match(csp, /style-src 'self'/, `${res.url()} allows other styles`);
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${res.url()} allows inline code`);
      }
    }
    const staffDocs = ['admin', 'intake', 'investigator', 'officer'].flatMap((n) => who[n].responses.filter((r) => r.request().resourceType() === 'document').map((r) => new URL(r.url()).pathname));
    assert.ok(staffDocs.includes('/staff/') && staffDocs.includes('/staff/enrol'), staffDocs.join());
    for (const name of ['admin', 'intake', 'investigator']) {
      const cookies = await who[name].context.cookies();
      assert.equal(cookies.length, 1, `${name}: ${JSON.stringify(cookies)}`);
      assert.equal(cookies[0].name, 'meldpunt_staff');
      assert.equal(cookies[0].httpOnly, true);
      assert.equal(cookies[0].sameSite, 'Strict');
      assert.equal(cookies[0].path, '/api/v1/staff');
      assert.equal(await who[name].page.evaluate(() => document.cookie), '', 'a script can read the cookie');
    }
    assert.deepEqual(await who.reporter.context.cookies(), [], 'the reporter got a cookie');
    assert.deepEqual(await who.officer.context.cookies(), [], 'the officer got a cookie');
  });

  await t.test('the private key and the wrap key never leave the page, and the key is non-extractable', async () => {
    for (const name of ['admin', 'intake', 'investigator']) {
      const p = who[name];
      const privates = p.keys.filter((k) => k.kind === 'x25519-private');
      const wraps = p.keys.filter((k) => k.kind === 'wrap-key');
      // The instrumentation saw the user's own private key: the one whose public key was enrolled.
      const own = privates.filter((k) => {
        const der = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), Buffer.from(k.hex, 'hex')]);
        const pub = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' }).x;
        return pub === people[name].publicKey;
      });
      assert.ok(own.length >= 2, `${name}: the own private key was imported ${own.length} times (enrolment, unlock)`);
      assert.ok(wraps.length >= 2, `${name}: ${wraps.length} wrap keys seen (enrolment, sign-in)`);
      const secrets = [...new Set([...privates, ...wraps].map((k) => k.hex))];
      const forms = secrets.flatMap(encodings);
      for (const r of p.requests) {
        for (const form of forms) {
          assert.ok(!(r.postData ?? '').includes(form), `${name}: a secret key went out in ${r.method} ${r.url}`);
          assert.ok(!r.url.includes(form), `${name}: a secret key is in ${r.url}`);
        }
      }
      const stored = await p.page.evaluate(() => JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)]));
      assert.ok(stored.includes('meldpunt.staff.tab'), `${name}: the tab keeps no session: ${stored.slice(0, 200)}`);
      for (const form of forms) assert.ok(!stored.includes(form), `${name}: a secret key is in the browser's storage`);
      assert.ok(!stored.includes(people[name].password), `${name}: the password is stored`);
      // Every X25519 private key was imported non-extractable, every one used is, none exported.
      assert.deepEqual([...new Set(privates.map((k) => `${k.type} ${k.extractable}`))], ['private false']);
      assert.deepEqual([...new Set(wraps.map((k) => `${k.type} ${k.extractable}`))], ['secret false']);
      const uses = p.keys.filter((k) => k.kind === 'x25519-use');
      assert.ok(uses.length > 0, `${name}: no X25519 key was used`);
      assert.deepEqual([...new Set(uses.map((k) => `${k.type} ${k.extractable}`))], ['private false']);
      assert.deepEqual(p.keys.filter((k) => k.kind === 'export'), [], `${name}: a key was exported`);
    }
    // After the unlock, the key that opened the case was non-extractable (the last uses).
    const lastUse = who.investigator.keys.filter((k) => k.kind === 'x25519-use').at(-1);
    assert.equal(lastUse.extractable, false);
  });

  await t.test('no unexpected errors in the pages', async () => {
    for (const [name, p] of Object.entries(who)) {
      // 404: no directory change waiting (asked on purpose); 403: the refused case above.
      const unexpected = p.errors.filter((e) => !/status of (404|403)/.test(e));
      assert.deepEqual(unexpected, [], `${name}: errors in the page`);
    }
  });

  for (const p of Object.values(who)) await p.context.close();
});
