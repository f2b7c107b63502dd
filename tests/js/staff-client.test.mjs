// web/js/staff-client.js and web/js/staff-case.js against an in-memory stand-in for the staff
// API, layered over the reporter mock (mock-server.mjs) so the case is a real submission from
// web/js/reporter.js: enrolment and sign-in (the private key never in a request body nor in
// the tab's storage, non-extractable once unlocked), reading a case with every check, reply,
// triage, note, assignment to a colleague who then reads it all, the refusals (a thread key
// the receipt does not commit to, an internal key that does not open the triage note, a
// colleague key the directory does not list, a kid that is not the key's, a changed pin),
// CSRF and credentials on every request, the tab state across a reload, sign-out; and the
// pure parts (timeline assembly, query strings, the export file).
import test from 'node:test';
import assert from 'node:assert/strict';
import { Api, ApiError } from '../../web/js/api.js';
import { b64uDecode, b64uEncode, concat, randomBytes, toHex, utf8 } from '../../web/js/crypto/b64.js';
import { deriveStaffKeyBytes } from '../../web/js/crypto/staff-keys.js';
import { aesGcmOpen } from '../../web/js/crypto/primitives.js';
import { sealCaseKey, x25519Kid } from '../../web/js/crypto/wrap.js';
import { ReporterClient } from '../../web/js/reporter.js';
import { DEVICE_KEY, PINS_KEY, StaffClient, TAB_KEY, assembleTimeline, caseQuery, isTabState } from '../../web/js/staff-client.js';
import { ReceiptError } from '../../web/js/submission.js';
import { startMock } from './mock-server.mjs';

const realFetch = globalThis.fetch;
test.after(() => {
  globalThis.fetch = realFetch;
});

/** A Storage stand-in. */
class MemoryStorage {
  constructor() {
    this.map = new Map();
  }
  getItem(k) {
    return this.map.has(k) ? this.map.get(k) : null;
  }
  setItem(k, v) {
    this.map.set(k, String(v));
  }
  removeItem(k) {
    this.map.delete(k);
  }
  dump() {
    return JSON.stringify([...this.map]);
  }
}

/** An Api that names its browser to the mock (Node's fetch keeps no cookies). */
class BrowserApi extends Api {
  constructor(who) {
    super('http://mock');
    this.who = who;
  }
  request(path, options = {}) {
    return super.request(path, { ...options, extraHeaders: { ...(options.extraHeaders ?? {}), 'X-Test-Browser': this.who } });
  }
}

const json = (status, body) =>
  status === 204 ? new Response(null, { status }) : new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const error = (status, code) => json(status, { error: { code, message: code } });

/**
 * The staff routes over `mock`. `faults`: swapThread (the caller's thread wrap holds a key of
 * the server's choosing), badInternal (the internal wrap to the caller holds another key),
 * liarAuthor (an author name on the reporter's message).
 */
function staffServer(mock, faults = {}) {
  const server = {
    users: new Map(), // name → account
    sessions: new Map(), // browser → {user, csrf}
    requests: [], // {path, method, body, headers, credentials}
    invites: new Map(),
    resets: new Map(),
    notes: new Map(), // case ref → triage/outcome
    authors: [],
    internal: new Map(), // kid → wrap
    faults,
    invite(name, roles, unit) {
      const token = b64uEncode(randomBytes(32));
      const account = { id: b64uEncode(randomBytes(16)), name, roles, unit, salt: b64uEncode(randomBytes(16)), iterations: 1000 };
      server.invites.set(token, account);
      return token;
    },
    theCase() {
      return [...mock.cases.values()][0];
    },
  };
  const publicKeyOf = (kid) => {
    for (const v of [...mock.versions].reverse()) {
      const e = v.entries.find((x) => x.kid === kid);
      if (e) return e.public_key;
    }
    return null;
  };
  const detailFor = (c, user) => {
    const triage = server.notes.get(c.ref);
    const holders = [...new Set(c.wraps.filter((w) => w.purpose === 'thread' && w.to !== 'reporter').map((w) => w.to))].map((kid) => ({
      kid,
      public_key: publicKeyOf(kid),
    }));
    let wraps = c.wraps.filter((w) => w.to === user.kid);
    return {
      ref: c.ref,
      theme: c.theme,
      unit: c.unit,
      relation: c.relation ?? null,
      status: 'received',
      received_hour: 1700002800,
      deadlines: { acknowledge_by: 1700607600 },
      overdue: false,
      due_soon: false,
      assigned: c.assigned ?? [],
      ...(triage ? { triage } : {}),
      unread: 0,
      case_id: c.case_id,
      wraps,
      report: c.items[0],
      statements: c.statements,
      holders,
      submitted_to: c.submitted_to,
      authors: server.authors,
      next_statuses: ['acknowledged'],
    };
  };
  const staff = async (url, init) => {
    const { pathname, searchParams } = new URL(url);
    const method = init.method ?? 'GET';
    const body = init.body ? JSON.parse(init.body) : undefined;
    server.requests.push({ path: pathname + (searchParams.size ? `?${searchParams}` : ''), method, body, headers: init.headers, credentials: init.credentials });
    const browser = init.headers['X-Test-Browser'];
    const enrol = pathname.match(/^\/api\/v1\/staff\/enrol\/([^/]+)$/);
    if (enrol) {
      const account = server.invites.get(enrol[1]);
      if (!account) return error(404, 'invite_invalid');
      if (method === 'GET') {
        return json(200, {
          name: account.name, roles: account.roles, unit: account.unit, user_id: account.id,
          kdf: { salt: account.salt, iterations: account.iterations },
          totp: { secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', uri: `otpauth://totp/Meldpunt:${account.name}?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Meldpunt` },
        });
      }
      if (!/^\d{6}$/.test(body.totp_code)) return error(400, 'totp_invalid');
      Object.assign(account, { authHash: body.auth_hash, public_key: body.public_key, wrapped: body.wrapped_private_key, kid: await x25519Kid(b64uDecode(body.public_key, 32)) });
      server.invites.delete(enrol[1]);
      server.users.set(account.name, account);
      return json(201, { user_id: account.id, name: account.name, kid: account.kid, device_token: `device-${account.name}` });
    }
    if (pathname === '/api/v1/staff/prelogin') {
      const account = server.users.get(body.name);
      return json(200, { kdf: account ? { salt: account.salt, iterations: account.iterations } : { salt: b64uEncode(new Uint8Array(16)), iterations: 1000 } });
    }
    if (pathname === '/api/v1/staff/login') {
      const account = server.users.get(body.name);
      if (!account || account.authHash !== body.auth_hash || !/^\d{6}$/.test(body.totp_code)) return error(401, 'login_failed');
      const csrf = b64uEncode(randomBytes(16));
      server.sessions.set(browser, { user: account, csrf });
      const user = { id: account.id, name: account.name, roles: account.roles, unit: account.unit, kid: account.kid, public_key: account.public_key };
      return json(200, { user, wrapped_private_key: account.wrapped, csrf_token: csrf, device_token: `device-${account.name}` });
    }
    const resetLink = pathname.match(/^\/api\/v1\/staff\/reset\/([^/]+)$/);
    if (resetLink) {
      const account = server.resets.get(resetLink[1]);
      if (!account) return error(404, 'invite_invalid');
      if (method === 'GET') return json(200, { name: account.name, user_id: account.id, kdf: { salt: account.salt, iterations: account.iterations }, totp: { secret: 'X', uri: 'otpauth://totp/x' } });
      if (body.auth_hash !== account.authHash) return error(401, 'login_failed');
      server.resets.delete(resetLink[1]);
      return json(204);
    }
    const session = server.sessions.get(browser);
    if (!session) return error(401, 'unauthorized');
    if (method === 'POST' && init.headers['X-CSRF-Token'] !== session.csrf) return error(403, 'csrf_failed');
    const user = session.user;
    if (pathname === '/api/v1/staff/logout' || pathname === '/api/v1/staff/logout-all') {
      server.sessions.delete(browser);
      return json(204);
    }
    if (pathname === '/api/v1/staff/me') {
      return json(200, { id: user.id, name: user.name, roles: user.roles, unit: user.unit, kid: user.kid, public_key: user.public_key });
    }
    if (pathname === '/api/v1/staff/units') {
      const units = ['amsterdam', 'zwolle', 'utrecht'].map((unit) => ({ unit, readers: unit === 'utrecht' ? 1 : 2 }));
      return json(200, { units, directory_seq: 2, directory_current: true, proposal_waiting: false });
    }
    if (pathname === '/api/v1/staff/counts') return json(200, { total: 1, by_status: { received: 1 }, by_theme: { exclusion: 1 } });
    const reset = pathname.match(/^\/api\/v1\/staff\/users\/([^/]+)\/reset-totp$/);
    if (reset && method === 'POST') {
      const account = [...server.users.values()].find((u) => u.id === reset[1]);
      const token = b64uEncode(randomBytes(32));
      server.resets.set(token, account);
      return json(201, { link: `http://mock/staff/reset#${token}`, expires: 1700100000 });
    }
    if (pathname === '/api/v1/staff/users' && method === 'GET') {
      return json(200, { users: [...server.users.values()].map((u) => ({ id: u.id, name: u.name, roles: u.roles, unit: u.unit, kid: u.kid, status: 'active' })) });
    }
    const c = server.theCase();
    const m = pathname.match(/^\/api\/v1\/staff\/cases\/([^/]+)(?:\/(\w+))?$/);
    if (pathname === '/api/v1/staff/cases') {
      return json(200, { cases: c ? [detailFor(c, user)].map(({ ref, theme, unit, status }) => ({ ref, theme, unit, status })) : [], page: 1, per_page: 25, total: c ? 1 : 0 });
    }
    if (!m || !c || m[1] !== c.ref) return error(404, 'not_found');
    const action = m[2];
    const holdsInternal = c.wraps.some((w) => w.to === user.kid && w.purpose === 'internal');
    if (!action) {
      const detail = detailFor(c, user);
      if (faults.swapThread) {
        detail.wraps = detail.wraps.map((w) => w);
        const swapped = await sealCaseKey(b64uDecode(user.public_key, 32), user.kid, b64uDecode(c.case_id, 16), 'thread', mock.serverKey);
        detail.wraps = [swapped, ...detail.wraps.filter((w) => w.purpose !== 'thread')];
      }
      if (faults.badInternal && holdsInternal) {
        const other = await sealCaseKey(b64uDecode(user.public_key, 32), user.kid, b64uDecode(c.case_id, 16), 'internal', randomBytes(32));
        detail.wraps = [...detail.wraps.filter((w) => w.purpose !== 'internal'), other];
      }
      if (faults.liarAuthor) {
        const first = c.items.find((i) => i.kind === 'message');
        detail.authors = [...detail.authors, { item: first.id, user_id: 'x', name: 'Someone Else', roles: ['intake'], hour: 1 }];
      }
      return json(200, detail);
    }
    if (action === 'items') {
      const items = c.items.slice(1).filter((i) => i.kind !== 'note' || holdsInternal);
      const at = Number(searchParams.get('after') ?? 0);
      // Two per page, to exercise paging.
      return json(200, { items: items.slice(at, at + 2), ...(at + 2 < items.length ? { next: String(at + 2) } : {}) });
    }
    if (action === 'messages') {
      assert.equal(body.kind, 'message');
      await mock.addStaffMessage(body);
      server.authors.push({ item: body.id, user_id: user.id, name: user.name, roles: user.roles, hour: 1700010000 });
      return json(201, { statement: c.statements.at(-1) });
    }
    if (action === 'status') {
      await mock.setStatus(body.status, 1700006400);
      return json(201, { statement: c.statements.at(-1) });
    }
    if (action === 'triage') {
      const holders = detailFor(c, user).holders.map((h) => h.kid).sort();
      if (JSON.stringify(body.wraps.map((w) => w.to).sort()) !== JSON.stringify(holders)) return error(409, 'wraps_mismatch');
      assert.ok(body.wraps.every((w) => w.purpose === 'internal'));
      c.wraps.push(...body.wraps);
      c.items.push(body.note);
      server.authors.push({ item: body.note.id, user_id: user.id, name: user.name, roles: user.roles, hour: 1700006400 });
      server.notes.set(c.ref, { outcome: body.outcome, hour: 1700006400, note: body.note.id });
      return json(204);
    }
    if (action === 'notes') {
      if (!holdsInternal) return error(403, 'forbidden');
      c.items.push(body);
      server.authors.push({ item: body.id, user_id: user.id, name: user.name, roles: user.roles, hour: 1700013600 });
      return json(204);
    }
    if (action === 'assignable') {
      return json(200, [...server.users.values()].filter((u) => u.roles.includes('investigator')).map((u) => ({ user_id: u.id, name: u.name, unit: u.unit, kid: u.kid, public_key: u.public_key })));
    }
    if (action === 'assign') {
      const target = [...server.users.values()].find((u) => u.id === body.user_id);
      const expected = [['thread', target.kid], ...(server.notes.has(c.ref) ? [['internal', target.kid]] : [])];
      assert.deepEqual(body.wraps.map((w) => [w.purpose, w.to]), expected);
      c.wraps.push(...body.wraps);
      c.assigned = [...(c.assigned ?? []), target.name];
      return json(204);
    }
    return error(404, 'not_found');
  };
  globalThis.fetch = async (url, init = {}) => {
    const { pathname } = new URL(url);
    if (pathname.startsWith('/api/v1/staff/')) return staff(url, { ...init, headers: init.headers ?? {} });
    return mock.fetch(url, init);
  };
  return server;
}

const draft = { theme: 'exclusion', unit: 'amsterdam', relation: 'employee', report: { what: 'Het gebeurde in mei.' } };
const PASSWORD = 'lange zin als wachtwoord';

/** Enrols `name` in a fresh browser and returns {client, tab, device, privateKey (for the leak checks)}. */
async function enrolAndSignIn(server, name, roles, unit) {
  const token = server.invite(name, roles, unit);
  const tab = new MemoryStorage();
  const device = new MemoryStorage();
  const api = new BrowserApi(name);
  const client = new StaffClient(api, { tabStorage: tab, deviceStorage: device });
  const info = await client.enrolInfo(token);
  assert.equal(info.name, name);
  const enrolled = await client.enrol(token, info, PASSWORD, '123456');
  assert.equal(enrolled.name, name);
  assert.equal(client.user, null, 'enrolment does not sign in');
  const account = server.users.get(name);
  // What the test (knowing the password) can decrypt: the private key, to search for leaks.
  const raw = await deriveStaffKeyBytes(PASSWORD, b64uDecode(account.salt, 16), account.iterations);
  const privateKey = await aesGcmOpen(raw.wrapKey, b64uDecode(account.wrapped.nonce, 12), b64uDecode(account.wrapped.ct, 48), concat(utf8('meldpunt staff key v1'), b64uDecode(account.id, 16)));
  const user = await client.signIn(name, PASSWORD, '654321');
  assert.equal(user.name, name);
  assert.ok(client.unlocked);
  return { client, tab, device, privateKey, api, account };
}

function assertNoLeak(server, storages, privateKey) {
  const needles = [b64uEncode(privateKey), toHex(privateKey), Buffer.from(privateKey).toString('base64')];
  const haystacks = [JSON.stringify(server.requests), ...storages.map((s) => s.dump())];
  for (const hay of haystacks) for (const needle of needles) assert.ok(!hay.includes(needle), 'the private key left the page');
}

test('enrol, sign in, read, reply, triage, note, assign; the colleague reads it all', async () => {
  const mock = await startMock([]);
  const server = staffServer(mock);
  const intake = await enrolAndSignIn(server, 'ilse', ['intake'], 'amsterdam');
  const inv = await enrolAndSignIn(server, 'ivo', ['investigator'], 'zwolle');
  const national = mock.versions[0].entries[0];
  await mock.publishDirectory([
    { public_key: national.public_key, unit: 'national' },
    { public_key: intake.account.public_key, unit: 'amsterdam' },
    { public_key: inv.account.public_key, unit: 'zwolle' },
  ]);
  const reporter = new ReporterClient('http://mock');
  const submitted = await reporter.submit(draft);
  await reporter.sendMessage(submitted.code, 'Nog een detail.');

  // Device tokens are kept per name; the tab state holds exactly the four members.
  assert.deepEqual(JSON.parse(intake.device.getItem(DEVICE_KEY)), { ilse: 'device-ilse' });
  const saved = JSON.parse(intake.tab.getItem(TAB_KEY));
  assert.ok(isTabState(saved));
  assert.deepEqual(Object.keys(saved).sort(), ['csrf', 'kdf', 'user', 'wrappedKey']);

  const list = await intake.client.cases({ status: 'received', overdue: true, assigned: 'me', q: '', page: 1 });
  assert.equal(list.total, 1);
  assert.equal(server.requests.at(-1).path, '/api/v1/staff/cases?status=received&overdue=true&assigned=me&page=1');
  const ref = list.cases[0].ref;

  let opened = await intake.client.openCase(ref);
  assert.deepEqual(opened.report, draft.report);
  assert.ok(opened.chainOk);
  assert.equal(opened.facts.status, 'received');
  assert.equal(opened.internal, false);
  assert.deepEqual(opened.timeline.map((e) => [e.kind, e.from, e.text, e.hour, e.signed]), [['message', 'reporter', 'Nog een detail.', 1700006400, true]]);

  await intake.client.reply(ref, 'Dank u, we kijken ernaar.');
  await intake.client.triage(ref, 'internal_investigation', 'Ernstig; naar onderzoek.');
  await intake.client.note(ref, 'Eerste notitie.');
  const statement = await intake.client.setStatus(ref, 'acknowledged');
  assert.equal(typeof statement, 'string');
  opened = await intake.client.openCase(ref);
  assert.ok(opened.internal);
  assert.ok(opened.chainOk);
  assert.equal(opened.facts.status, 'acknowledged');
  assert.deepEqual(
    opened.timeline.map((e) => [e.kind, e.from, e.author?.name ?? null, e.text, e.hour, e.signed]),
    [
      ['message', 'reporter', null, 'Nog een detail.', 1700006400, true],
      ['message', 'staff', 'ilse', 'Dank u, we kijken ernaar.', 1700010000, true],
      ['note', 'staff', 'ilse', 'Ernstig; naar onderzoek.', 1700006400, false],
      ['note', 'staff', 'ilse', 'Eerste notitie.', 1700013600, false],
    ],
  );
  assert.deepEqual(opened.unreadable, []);

  // The reporter sees the reply as staff, without a name.
  const seen = await reporter.readCase(submitted.code);
  assert.deepEqual(seen.messages.map((m) => [m.from, m.text]), [['reporter', 'Nog een detail.'], ['staff', 'Dank u, we kijken ernaar.']]);

  // Assign to the investigator, who then reads everything.
  const [assignee] = await intake.client.assignable(ref);
  assert.equal(assignee.name, 'ivo');
  await intake.client.assign(ref, assignee);
  assert.deepEqual(JSON.parse(intake.device.getItem(PINS_KEY))[`user ${assignee.user_id}`], assignee.kid);
  const theirs = await inv.client.openCase(ref);
  assert.deepEqual(theirs.report, draft.report);
  assert.ok(theirs.internal);
  assert.deepEqual(theirs.timeline.map((e) => e.text), opened.timeline.map((e) => e.text));

  // Export: one JSON file with the plaintext and the JWS.
  const file = JSON.parse(await intake.client.exportCase(opened).text());
  assert.equal(file.format, 'meldpunt-staff-case-export');
  assert.equal(file.ref, ref);
  assert.deepEqual(file.report, draft.report);
  assert.equal(file.timeline.length, 4);
  assert.deepEqual(file.statements.map((s) => s.jws), opened.detail.statements);

  // Every staff request was same-origin with credentials, every POST after sign-in had its CSRF token.
  for (const r of server.requests) assert.equal(r.credentials, 'same-origin', r.path);
  const posts = server.requests.filter((r) => r.method === 'POST' && !/prelogin|login$|enrol/.test(r.path));
  assert.equal(posts.length, 5);
  for (const r of posts) assert.ok(typeof r.headers['X-CSRF-Token'] === 'string' && r.headers['X-CSRF-Token'].length > 0, r.path);

  // The private keys were never sent nor stored.
  assertNoLeak(server, [intake.tab, intake.device], intake.privateKey);
  assertNoLeak(server, [inv.tab, inv.device], inv.privateKey);

  // Admin-side calls that need no key (the mock does not check roles).
  const units = await intake.client.units();
  assert.equal(units.directory_current, true);
  assert.deepEqual(
    units.units.map((u) => [u.unit, u.readers, u.own, u.national]),
    [['amsterdam', 2, 1, 1], ['zwolle', 2, 1, 1], ['utrecht', 1, 0, 1]],
  );
  assert.equal((await intake.client.counts()).total, 1);
  assert.equal((await intake.client.users()).length, 2);
  const link = await intake.client.resetSecondFactor(inv.account.id);
  const token = link.link.split('#')[1];
  const anonymous = new StaffClient(new BrowserApi('reset'), { tabStorage: null, deviceStorage: null });
  const info = await anonymous.resetInfo(token);
  assert.equal(info.name, 'ivo');
  await assert.rejects(anonymous.completeReset(token, info, 'fout', '123456'), (e) => e instanceof ApiError && e.status === 401);
  await anonymous.completeReset(token, info, PASSWORD, '123456');
  assert.equal(server.resets.size, 0);
});

test('a reload restores the session locked; unlock checks the password; sign-out forgets all', async () => {
  const mock = await startMock([]);
  const server = staffServer(mock);
  const intake = await enrolAndSignIn(server, 'ilse', ['intake'], 'amsterdam');
  const national = mock.versions[0].entries[0];
  await mock.publishDirectory([{ public_key: national.public_key, unit: 'national' }, { public_key: intake.account.public_key, unit: 'amsterdam' }]);
  const reporter = new ReporterClient('http://mock');
  await reporter.submit(draft);
  const ref = server.theCase().ref;

  assert.equal(StaffClient.fromTab(intake.api, { tabStorage: new MemoryStorage(), deviceStorage: null }), null);
  const reloaded = StaffClient.fromTab(intake.api, { tabStorage: intake.tab, deviceStorage: intake.device });
  assert.ok(reloaded);
  assert.equal(reloaded.user.name, 'ilse');
  assert.equal(reloaded.csrf, intake.client.csrf);
  assert.equal(reloaded.unlocked, false);
  await assert.rejects(reloaded.openCase(ref), (e) => e.name === 'StaffKeyError');
  const before = server.requests.length;
  await assert.rejects(reloaded.unlock('fout wachtwoord'), (e) => e.name === 'StaffKeyError' && e.code === 'wrong_password');
  await reloaded.unlock(PASSWORD);
  assert.equal(server.requests.length, before, 'unlock makes no request');
  assert.ok(reloaded.unlocked);
  assert.deepEqual((await reloaded.openCase(ref)).report, draft.report);
  assert.equal((await reloaded.me()).name, 'ilse');

  // A tab state that is not exactly ours is dropped.
  const odd = new MemoryStorage();
  odd.setItem(TAB_KEY, JSON.stringify({ ...JSON.parse(intake.tab.getItem(TAB_KEY)), privateKey: 'x' }));
  assert.equal(StaffClient.fromTab(intake.api, { tabStorage: odd }), null);
  assert.equal(odd.getItem(TAB_KEY), null);

  await reloaded.signOut();
  assert.equal(reloaded.user, null);
  assert.equal(reloaded.unlocked, false);
  assert.equal(intake.tab.getItem(TAB_KEY), null);
  assert.equal(intake.device.getItem(DEVICE_KEY) !== null, true, 'the device token outlives the session');
  // The server session is gone: me() says so.
  assert.equal(await intake.client.me(), null);
  assert.equal(intake.client.user, null);
});

test('a wrong password or a server-swapped wrapped key fails sign-in', async () => {
  const mock = await startMock([]);
  const server = staffServer(mock);
  const intake = await enrolAndSignIn(server, 'ilse', ['intake'], 'amsterdam');
  const fresh = new StaffClient(intake.api, { tabStorage: new MemoryStorage(), deviceStorage: new MemoryStorage() });
  await assert.rejects(fresh.signIn('ilse', 'fout', '111111'), (e) => e instanceof ApiError && e.status === 401);
  // The server hands out another account's key under ilse's name.
  const other = await enrolAndSignIn(server, 'otto', ['intake'], 'amsterdam');
  server.users.get('ilse').wrapped = other.account.wrapped;
  const tab = new MemoryStorage();
  const victim = new StaffClient(intake.api, { tabStorage: tab, deviceStorage: new MemoryStorage() });
  await assert.rejects(victim.signIn('ilse', PASSWORD, '222222'), (e) => e.name === 'StaffKeyError');
  assert.equal(victim.unlocked, false);
  assert.equal(tab.getItem(TAB_KEY), null);
  assert.equal(server.requests.at(-1).path, '/api/v1/staff/logout', 'the session made is ended again');
});

test('refusals: swapped thread key, a wrong internal key, unlisted or relabelled colleague keys, a changed pin', async () => {
  const mock = await startMock([]);
  const server = staffServer(mock);
  const intake = await enrolAndSignIn(server, 'ilse', ['intake'], 'amsterdam');
  const inv = await enrolAndSignIn(server, 'ivo', ['investigator'], 'zwolle');
  const national = mock.versions[0].entries[0];
  await mock.publishDirectory([
    { public_key: national.public_key, unit: 'national' },
    { public_key: intake.account.public_key, unit: 'amsterdam' },
  ]);
  const reporter = new ReporterClient('http://mock');
  const submitted = await reporter.submit(draft);
  await reporter.sendMessage(submitted.code, 'Bericht.');
  const ref = server.theCase().ref;

  server.faults.swapThread = true;
  await assert.rejects(intake.client.openCase(ref), (e) => e instanceof ReceiptError);
  await assert.rejects(intake.client.reply(ref, 'x'), (e) => e instanceof ReceiptError);
  server.faults.swapThread = false;

  await intake.client.triage(ref, 'handled_in_line', 'Lijn.');
  server.faults.badInternal = true;
  const opened = await intake.client.openCase(ref);
  assert.equal(opened.internal, false);
  assert.deepEqual(opened.timeline.filter((e) => e.kind === 'note').map((e) => e.text), [null]);
  await assert.rejects(intake.client.note(ref, 'x'), (e) => e.name === 'StaffKeyError');
  server.faults.badInternal = false;

  // The investigator's key is not in the signed directory: no case key goes to it.
  const [assignee] = await intake.client.assignable(ref);
  await assert.rejects(intake.client.assign(ref, assignee), (e) => e.name === 'TrustError' && e.code === 'not_listed');
  // A kid that is not the key's thumbprint.
  await assert.rejects(intake.client.assign(ref, { ...assignee, kid: national.kid }), (e) => e.code === 'bad_key');
  // Listed, then the server names another listed key for the same colleague: the pin refuses it.
  await mock.publishDirectory([
    { public_key: national.public_key, unit: 'national' },
    { public_key: intake.account.public_key, unit: 'amsterdam' },
    { public_key: inv.account.public_key, unit: 'zwolle' },
  ]);
  intake.device.setItem(PINS_KEY, JSON.stringify({ [`user ${assignee.user_id}`]: national.kid }));
  await assert.rejects(intake.client.assign(ref, assignee), (e) => e.code === 'key_changed');
  intake.device.removeItem(PINS_KEY);
  await intake.client.assign(ref, assignee);

  // A name the server puts on the reporter's signed message is not shown.
  server.faults.liarAuthor = true;
  const again = await intake.client.openCase(ref);
  const first = again.timeline.find((e) => e.kind === 'message');
  assert.equal(first.from, 'reporter');
  assert.equal(first.author, undefined);
});

test('assembleTimeline: sides and hours from signed statements only, unsigned and missing marked', async () => {
  const item = (id, kind) => ({ id, kind, nonce: 'AAAAAAAAAAAAAAAA', ct: 'AA' });
  const statements = [
    { jws: 'r', verified: true, payload: { seq: 0 } },
    { jws: 'a', verified: true, payload: { seq: 1, kind: 'message', from: 'reporter', item: 'hA', iat: 3600 } },
    { jws: 'b', verified: true, payload: { seq: 2, kind: 'message', from: 'staff', item: 'hB', iat: 7200 } },
    { jws: 'c', verified: false, payload: { seq: 3, kind: 'message', from: 'staff', item: 'hC', iat: 10800 } },
    { jws: 'd', verified: true, payload: { seq: 4, kind: 'message', from: 'reporter', item: 'hD', iat: 14400 } },
  ];
  const authors = [
    { item: 'B', name: 'Ilse', roles: ['intake'], hour: 7000 },
    { item: 'C', name: 'Ivo', roles: ['investigator'], hour: 9000 },
    { item: 'N', name: 'Ilse', roles: ['intake'], hour: 5000 },
    { item: 'A', name: 'Liar', roles: ['intake'], hour: 1 },
  ];
  const read = [
    { item: item('A', 'message'), hash: 'hA', text: 'a' },
    { item: item('B', 'message'), hash: 'hB', text: 'b' },
    { item: item('N', 'note'), hash: '', text: null },
    { item: item('C', 'message'), hash: 'hC', text: 'c' },
    { item: item('B2', 'message'), hash: 'hB', text: 'b again' },
    { item: item('X', 'attachment'), hash: 'hX', text: null },
  ];
  const { timeline, unreadable, missing } = assembleTimeline(read, statements, authors);
  assert.deepEqual(timeline, [
    { kind: 'message', id: 'A', from: 'reporter', hour: 3600, text: 'a', signed: true, seq: 1 },
    { kind: 'message', id: 'B', from: 'staff', author: { name: 'Ilse', roles: ['intake'] }, hour: 7200, text: 'b', signed: true, seq: 2 },
    { kind: 'note', id: 'N', from: 'staff', author: { name: 'Ilse', roles: ['intake'] }, hour: 5000, text: null, signed: false },
    { kind: 'message', id: 'C', from: 'staff', author: { name: 'Ivo', roles: ['investigator'] }, hour: 9000, text: 'c', signed: false },
    { kind: 'message', id: 'B2', from: 'reporter', hour: null, text: 'b again', signed: false },
  ]);
  assert.deepEqual(unreadable, ['N']);
  assert.deepEqual(missing, [4]);
  // Without authors (an older server) the timeline still has sides and hours.
  const bare = assembleTimeline(read.slice(0, 2), statements, undefined);
  assert.deepEqual(bare.timeline.map((e) => [e.from, e.hour, e.author]), [['reporter', 3600, undefined], ['staff', 7200, undefined]]);
});

test('caseQuery leaves out empty filters and encodes the rest', () => {
  assert.equal(caseQuery(), '');
  assert.equal(caseQuery({ status: undefined, overdue: false, q: '' }), '');
  assert.equal(caseQuery({ q: 'MP-7K3Q 9XM2&x', per_page: 50 }), '?q=MP-7K3Q+9XM2%26x&per_page=50');
});
