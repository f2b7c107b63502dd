// Shared steps of the staff web app's browser tests (staff-*.test.mjs, staff-screenshots.mjs):
// a server with staff-friendly settings, the first admin's printed link, and enrolment and
// sign-in done in a page the way a person does them, with TOTP codes computed here from the
// secret the page shows (what an authenticator app does with the QR code).
//
// Contract: `startStaffServer(opts)` is startServer with MELDPUNT_STAFF_COOKIE_SECURE=false
// (plain-HTTP loopback), MELDPUNT_STAFF_KDF_ITERATIONS=1000 (fast PBKDF2) and
// MELDPUNT_FIRST_ADMIN_NAME. `firstAdminLink(server)` reads the link the first `serve` wrote
// to keys/first-admin-link.txt. `enrolInPage(page, link, password)` opens the link, fills the
// form, reads the secret from the page and confirms with a code; resolves a Person {name,
// password, secret, lastStep}. `signInInPage(page, url, person)` signs in on /staff/ with the
// next unused code. TOTP: a code works once per user and the server accepts one step of skew
// either way, so `nextCode(person)` takes the oldest step still accepted that is newer than the
// person's last one, and waits (documented in the log) only when three codes in one 30 s step
// were already used.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from './harness.mjs';
import { totp } from './staff-reply.mjs';

export const PASSWORD = 'Paarse-olifant 7 dansen op het dak';
export const ADMIN_NAME = 'beheer-anna';

/** A server for the staff tests (see the module contract). */
export function startStaffServer(options = {}) {
  return startServer({
    ...options,
    env: {
      MELDPUNT_STAFF_COOKIE_SECURE: 'false',
      MELDPUNT_STAFF_KDF_ITERATIONS: '1000',
      MELDPUNT_FIRST_ADMIN_NAME: ADMIN_NAME,
      ...(options.env ?? {}),
    },
  });
}

/** The first admin's enrolment link, as `serve` wrote it into the keys folder. */
export function firstAdminLink(server) {
  const text = readFileSync(join(server.dir, 'keys', 'first-admin-link.txt'), 'utf8');
  const link = text.match(/https?:\/\/\S+\/staff\/enrol#\S+/)?.[0];
  if (!link) throw new Error(`no link in first-admin-link.txt: ${text}`);
  return link;
}

const STEP = 30;

/** The next code for `person` (see the module contract); marks its step used. */
export async function nextCode(person) {
  for (;;) {
    const now = Date.now() / 1000;
    const current = Math.floor(now / STEP);
    const into = now - current * STEP;
    // The previous step only while more than 3 s of this one remain (it expires with it).
    const oldest = into < STEP - 3 ? current - 1 : current;
    const step = Math.max(person.lastStep + 1, oldest);
    if (step <= current + 1) {
      person.lastStep = step;
      return totp(person.secret, step * STEP);
    }
    const wait = (step - 1) * STEP - now + 0.5;
    console.log(`# waiting ${wait.toFixed(1)} s for a fresh TOTP step for ${person.name}`);
    await new Promise((r) => setTimeout(r, wait * 1000));
  }
}

/** Enrols from `link` in `page` (see the module contract). */
export async function enrolInPage(page, link, password = PASSWORD) {
  await page.goto(link);
  await page.waitForSelector('#enrol-form:not([hidden])');
  const name = (await page.textContent('#enrol-name')).trim();
  const secret = (await page.textContent('#enrol-secret')).replace(/\s+/g, '');
  await page.fill('#enrol-password', password);
  await page.fill('#enrol-password2', password);
  const person = { name, password, secret, lastStep: -1 };
  await page.fill('#enrol-totp', await nextCode(person));
  await page.click('#enrol-submit');
  await page.waitForSelector('#enrol-done:not([hidden])', { timeout: 30000 });
  return person;
}

/** Signs `person` in on the staff app at `url` in `page`; resolves when the sign-in view is gone. */
export async function signInInPage(page, url, person, hash = '') {
  const at = new URL(page.url());
  if (at.origin !== url || at.pathname !== '/staff/') await page.goto(`${url}/staff/${hash}`);
  await page.waitForSelector('#signin-view:not([hidden])');
  await page.fill('#signin-name', person.name);
  await page.fill('#signin-password', person.password);
  await page.fill('#signin-totp', await nextCode(person));
  await page.click('#signin-submit');
  await page.waitForSelector('#user-bar:not([hidden])', { timeout: 30000 });
}

/** Invites `name` with `roles` (and `unit`) in the admin view shown in `page`; resolves the link shown. */
export async function inviteInPage(page, { name, roles, unit = '' }) {
  await page.waitForSelector('#admin-view:not([hidden])');
  await page.fill('#invite-name', name);
  for (const role of roles) await page.check(`#invite-role-${role}`);
  await page.selectOption('#invite-unit', unit);
  await page.click('#invite-submit');
  await page.waitForFunction((n) => document.getElementById('invite-result-text').textContent.includes(n), name);
  const link = await page.inputValue('#invite-link');
  // The users table is reloaded after the invite: wait for the new row.
  await page.waitForFunction((n) => [...document.querySelectorAll('#user-rows th')].some((th) => th.textContent === n), name);
  return link;
}

/**
 * Has both development officers sign the waiting directory change in the officers view of
 * `page` (the key files chosen in the file input, as an officer does), and waits until the
 * new version is in a cosigned checkpoint.
 */
export async function signDirectoryInPage(page, server, { seq } = {}) {
  const { officerKeys, waitForLoggedDirectory } = await import('./harness.mjs');
  await page.goto(`${server.url}/staff/#/officers`);
  await page.waitForSelector('#proposal-body:not([hidden])');
  const statuses = [];
  for (const key of officerKeys(server.dir)) {
    await page.setInputFiles('#officer-key-file', key);
    await page.waitForSelector('#officer-sign-form:not([hidden])');
    await page.check('#officer-confirm');
    await page.click('#officer-sign');
    await page.waitForFunction(() => /[0-9]/.test(document.getElementById('officer-sign-status').textContent));
    statuses.push((await page.textContent('#officer-sign-status')).trim());
  }
  const view = await waitForLoggedDirectory(server.url, seq);
  return { statuses, view };
}

/** Sends a report with `what` from the reporter page in `page`; resolves {code, ref}. */
export async function reportInPage(page, url, what, { unit = 'amsterdam' } = {}) {
  const { fillReport } = await import('./harness.mjs');
  await page.goto(`${url}/melden`);
  await page.waitForSelector('#theme option[value="exclusion"]', { state: 'attached' });
  await fillReport(page, { what, unit });
  await page.click('#submit');
  await page.waitForSelector('#done-view:not([hidden])', { timeout: 60000 });
  const code = (await page.textContent('#access-code')).replace(/\s+/g, '');
  const ref = (await page.textContent('#case-ref')).trim();
  return { code, ref };
}

/** Opens case `ref` from the inbox shown in `page` and waits until it is decrypted. */
export async function openCaseInPage(page, ref) {
  await page.waitForSelector(`#case-rows a[data-case-link="${ref}"]`);
  await page.click(`#case-rows a[data-case-link="${ref}"]`);
  await page.waitForSelector('#case-body:not([hidden])');
}

/** Triages the open case with `outcome` and `reason` in `page`. */
export async function triageInPage(page, outcome, reason) {
  await page.selectOption('#triage-outcome', outcome);
  await page.fill('#triage-reason', reason);
  await page.click('#triage-submit');
  await page.waitForSelector('#triage-form', { state: 'hidden' });
  await page.waitForFunction(() => document.getElementById('case-triage').textContent.includes('('));
}

/** Assigns the open case to the investigator named `name` in `page`. */
export async function assignInPage(page, name) {
  await page.waitForFunction((n) => [...document.querySelectorAll('#assign-user option')].some((o) => o.textContent.startsWith(n)), name);
  const value = await page.$eval('#assign-user', (s, n) => [...s.options].find((o) => o.textContent.startsWith(n)).value, name);
  await page.selectOption('#assign-user', value);
  await page.click('#assign-submit');
  await page.waitForFunction((n) => document.getElementById('case-assigned').textContent.includes(n), name);
}

/** Every request and response of a browser context, for the privacy checks of the staff pages. */
export function recordContext(context) {
  const requests = [];
  const responses = [];
  context.on('request', (req) => requests.push({ url: req.url(), method: req.method(), type: req.resourceType(), postData: req.postData() }));
  context.on('response', (res) => responses.push(res));
  return { requests, responses };
}

/**
 * Instruments every page of `context` (before any of its scripts run) to report the secret
 * keys it makes to the test: the 32 private bytes of every X25519 key imported (PKCS #8; the
 * staff key when enrolling and unlocking, HPKE's ephemeral keys when wrapping), the raw bytes
 * of every AES-GCM key imported for both encrypt and decrypt (the password's wrap key), the
 * `extractable` flag of each resulting CryptoKey and of every X25519 key used in deriveBits,
 * and every exportKey call. Nothing is changed for the page: the real methods do the work.
 * Resolves the array the records are pushed to.
 */
export async function instrumentKeys(context) {
  const records = [];
  await context.exposeBinding('__meldpuntKeyRecord', (_source, record) => {
    records.push(record);
  });
  await context.addInitScript(() => {
    const proto = Object.getPrototypeOf(crypto.subtle);
    const { importKey, deriveBits, exportKey, wrapKey } = proto;
    const report = (record) => globalThis.__meldpuntKeyRecord({ ...record, page: location.pathname });
    const hex = (data) => {
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    };
    const nameOf = (algorithm) => (typeof algorithm === 'string' ? algorithm : algorithm?.name);
    proto.importKey = async function (format, data, algorithm, extractable, usages) {
      const name = nameOf(algorithm);
      // Copied before the call: the page wipes its buffers once the key is made.
      let record = null;
      if (format === 'pkcs8' && name === 'X25519') record = { kind: 'x25519-private', hex: hex(data).slice(-64) };
      else if (format === 'raw' && name === 'AES-GCM' && usages.includes('encrypt') && usages.includes('decrypt')) record = { kind: 'wrap-key', hex: hex(data) };
      const key = await importKey.call(this, format, data, algorithm, extractable, usages);
      if (record) report({ ...record, extractable: key.extractable, type: key.type });
      return key;
    };
    proto.deriveBits = async function (algorithm, key, length) {
      if (nameOf(algorithm) === 'X25519') report({ kind: 'x25519-use', extractable: key.extractable, type: key.type });
      return deriveBits.call(this, algorithm, key, length);
    };
    proto.exportKey = async function (format, key) {
      report({ kind: 'export', format, algorithm: key.algorithm?.name, type: key.type });
      return exportKey.call(this, format, key);
    };
    proto.wrapKey = async function (format, key, wrappingKey, algorithm) {
      report({ kind: 'export', format, algorithm: key.algorithm?.name, type: key.type, wrapped: true });
      return wrapKey.call(this, format, key, wrappingKey, algorithm);
    };
  });
  return records;
}

/** `hex` bytes in every text form a page could send them in: hex, base64 and base64url. */
export function encodings(hex) {
  const bytes = Buffer.from(hex, 'hex');
  const b64 = bytes.toString('base64');
  return [hex, hex.toUpperCase(), b64, b64.replace(/=+$/, ''), bytes.toString('base64url')];
}

export const WORLD_REPORT = 'Tijdens de briefing maakt een collega al maanden opmerkingen over mijn afkomst.\nDe teamleider lacht mee. KANARIE-wereld-5b2a';
export const WORLD_REPLY = 'Dank u voor uw melding. Wij hebben die in behandeling genomen.\nWilt u iets meer vertellen over wanneer dit begon?';
export const WORLD_NOTE = 'Teamleider nog niet inlichten; eerst het rooster van die weken opvragen.';
export const WORLD_ANSWER = 'Het begon vorig voorjaar, na de reorganisatie.';

/**
 * A populated staff installation for the view, accessibility and screenshot tests, built the
 * way people build it, in the browser: the first admin enrols and signs in and invites an
 * intake officer and an investigator (Amsterdam), an auditor, a spare auditor and two more
 * colleagues; the first four enrol in their own contexts; the officers sign; two reports come
 * in (one from Amsterdam); the intake officer triages and assigns the Amsterdam one, the
 * investigator answers it and writes a note, the reporter answers back; the auditor signs in.
 * Then the admin resets the spare's second factor (its link in `links.reset`), one more
 * investigator enrols so a directory change waits for the officers, and `links.enrol` is an
 * invite nobody used. Every context is left signed in on its own view.
 * Resolves {people, ctx: {name: {context, page}}, links, report: {ref, code}, other}.
 */
export async function buildWorld(browser, server, { viewport = { width: 1280, height: 900 } } = {}) {
  const ctx = {};
  const open = async (name) => {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    ctx[name] = { context, page };
    return page;
  };
  const people = {};
  const links = {};
  const admin = await open('admin');
  people.admin = await enrolInPage(admin, firstAdminLink(server));
  await signInInPage(admin, server.url, people.admin);
  const invites = [
    ['intake', 'intake-iris', ['intake'], 'amsterdam'],
    ['investigator', 'onderzoeker-olaf', ['investigator'], 'amsterdam'],
    ['auditor', 'toezicht-tessa', ['auditor'], ''],
    ['spare', 'reserve-rik', ['auditor'], ''],
    ['late', 'onderzoeker-noor', ['investigator'], 'national'],
    ['enrol', 'nieuw-nina', ['intake'], 'rotterdam'],
  ];
  for (const [key, name, roles, unit] of invites) links[key] = await inviteInPage(admin, { name, roles, unit });
  for (const key of ['intake', 'investigator', 'auditor']) people[key] = await enrolInPage(await open(key), links[key]);
  const spare = await open('spare');
  people.spare = await enrolInPage(spare, links.spare);
  const officer = await open('officer');
  await signDirectoryInPage(officer, server);
  const reporter = await open('reporter');
  const report = await reportInPage(reporter, server.url, WORLD_REPORT);
  const other = await reportInPage(reporter, server.url, 'Een melding over een andere eenheid. KANARIE-ander-77e0', { unit: 'rotterdam' });

  const intake = ctx.intake.page;
  await signInInPage(intake, server.url, people.intake);
  await openCaseInPage(intake, report.ref);
  await triageInPage(intake, 'internal_investigation', 'Ernstig en herhaald; onderzoek door de eenheid Amsterdam.');
  await assignInPage(intake, 'onderzoeker-olaf');
  await intake.selectOption('#status-next', 'acknowledged');
  await intake.click('#status-submit');
  await intake.waitForFunction(() => document.getElementById('status-status').textContent.includes('gewijzigd'));

  const inv = ctx.investigator.page;
  await signInInPage(inv, server.url, people.investigator);
  await openCaseInPage(inv, report.ref);
  await inv.fill('#reply-text', WORLD_REPLY);
  await inv.click('#reply-send');
  await inv.waitForFunction(() => document.getElementById('reply-status').textContent.includes('verstuurd'));
  await inv.fill('#note-text', WORLD_NOTE);
  await inv.click('#note-add');
  await inv.waitForFunction(() => document.getElementById('note-status').textContent.includes('toegevoegd'));

  await reporter.goto(`${server.url}/status`);
  await reporter.fill('#code', report.code);
  await reporter.click('#open-case');
  await reporter.waitForSelector('#case-view:not([hidden])', { timeout: 30000 });
  await reporter.fill('#reply', WORLD_ANSWER);
  await reporter.click('#send-reply');
  await reporter.waitForFunction(() => document.getElementById('reply-status').textContent.includes('is verstuurd'));

  await signInInPage(ctx.auditor.page, server.url, people.auditor);
  await ctx.auditor.page.waitForSelector('#audit-view:not([hidden])');

  // The spare's second factor is reset (its link is for the reset page).
  await admin.evaluate(() => {
    location.hash = '#/officers';
  });
  await admin.waitForSelector('#officers-view:not([hidden])');
  await admin.click('a[data-route="admin"]');
  const spareRow = admin.locator('#user-rows tr', { hasText: 'reserve-rik' });
  await spareRow.locator('button[data-action="reset"]').click();
  await admin.waitForSelector('#reset-result:not([hidden])');
  links.reset = await admin.inputValue('#reset-link');
  // One more investigator enrols: a directory change now waits for the officers.
  people.late = await enrolInPage(spare, links.late);
  return { people, ctx, links, report, other };
}
