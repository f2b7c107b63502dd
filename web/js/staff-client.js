// @ts-check
// The staff client in the browser (DESIGN §3.7, §11; PROTOCOL §13), the JavaScript twin of
// src/clients/staff/mod.rs: enrolment (the X25519 key pair is made and wrapped in the page),
// sign-in (pre-login, key derivation, login, local unwrap), the session, the inbox, case
// reading and case work (staff-case.js holds the checks), and the admin calls, which need no key.
//
// Contract:
// - The private key exists in this page only: unwrapped into a non-extractable X25519
//   CryptoKey kept in a private field, never stored and never sent. The password is used
//   only to derive auth_hash (sent) and the wrap key (non-extractable, dropped after use).
// - Per tab, sessionStorage holds {user, csrf, wrappedKey, kdf} under TAB_KEY so a reload
//   keeps the session (the cookie is HttpOnly): unlock(password) re-derives the wrap key from
//   the stored kdf and opens the stored wrapped key, with no request. Never a private key,
//   password, auth hash or wrap key.
// - localStorage (per browser profile, kept after sign-out, like the CLI's files beside its
//   session) holds the device tokens by lower-case name (PROTOCOL §13.3: no credential, only
//   the throttle bucket) and the colleague pins: the kid each colleague held when this
//   profile last wrapped a case key to them; a changed kid is refused (TrustError key_changed).
// - Every request goes to the page's origin (Api base '') with the session cookie
//   (credentials 'same-origin'); every POST carries X-CSRF-Token once signed in. Sign-out
//   forgets the key and the tab state even when the request fails.
// - Case keys are accepted and colleague keys checked as staff-case.js says; case keys are
//   wiped after each action, which fetches and checks the case again (as the Rust client).

import { ApiError } from './api.js';
import { b64uDecode, b64uEncode, randomBytes, wipe } from './crypto/b64.js';
import { NATIONAL_UNIT, readers } from './crypto/directory.js';
import { importJwks } from './crypto/jws.js';
import { StaffKeyError, deriveStaffSecrets, newStaffKeyPair, unwrapPrivateKey, wrapPrivateKey } from './crypto/staff-keys.js';
import { TrustError } from './crypto/trust-root.js';
import { sealCaseKey } from './crypto/wrap.js';
import { caseExport, internalKeyOf, listedColleagueKey, openCaseWith, readAllPages, sealText, threadKeyOf, checkStatements } from './staff-case.js';
import { fetchDirectory, fetchTrustRoot, refreshDirectory } from './trusted-directory.js';

export { ReceiptError } from './submission.js';
export { StaffKeyError } from './crypto/staff-keys.js';
export { assembleTimeline } from './staff-case.js';

/** @typedef {import('./api.js').Api} Api */
/** @typedef {import('./crypto/b64.js').Bytes} Bytes */
/** @typedef {import('./crypto/item.js').Item} Item */
/** @typedef {import('./crypto/wrap.js').Wrap} Wrap */
/** @typedef {import('./crypto/staff-keys.js').StaffKey} StaffKey */
/** @typedef {import('./crypto/staff-keys.js').WrappedKey} WrappedKey */
/** @typedef {import('./crypto/statement-shape.js').Status} Status */
/** @typedef {import('./crypto/statement-shape.js').Outcome} Outcome */
/** @typedef {import('./submission.js').TrustedDirectory} TrustedDirectory */
/** @typedef {import('./crypto/trust-root.js').TrustRoot} TrustRoot */
/** @typedef {import('./staff-case.js').Role} Role */
/** @typedef {import('./staff-case.js').CaseList} CaseList */
/** @typedef {import('./staff-case.js').CaseDetail} CaseDetail */
/** @typedef {import('./staff-case.js').OpenedCase} OpenedCase */
/** @typedef {{ salt: string, iterations: number }} KdfParams */
/** GET /enrol/{token}. @typedef {{ name: string, roles: Role[], unit: string | null, user_id: string, kdf: KdfParams, totp: { secret: string, uri: string } }} EnrolInfo */
/** @typedef {{ user_id: string, name: string, kid: string, device_token: string }} EnrolResponse */
/** The signed-in user. @typedef {{ id: string, name: string, roles: Role[], unit: string | null, kid: string, public_key: string }} UserView */
/** @typedef {{ user: UserView, wrapped_private_key: WrappedKey, csrf_token: string, device_token: string }} LoginResponse */
/** What a tab keeps across reloads (see the module contract). @typedef {{ user: UserView, csrf: string, wrappedKey: WrappedKey, kdf: KdfParams }} TabState */
/** @typedef {{ user_id: string, name: string, unit: string | null, kid: string, public_key: string }} Assignee */
/** @typedef {{ id: string, name: string, roles: Role[], unit: string | null, kid?: string | null, status: 'invited' | 'active' | 'disabled', second_factor_reset?: boolean }} UserListEntry */
/** @typedef {{ user_id: string, name: string, link: string, expires: number }} InviteResponse */
/** @typedef {{ seq: number, hour: number, actor: string, action: string, case_ref?: string, detail: string, prev: string }} AuditRecord */
/** @typedef {{ records: AuditRecord[], head?: { seq: number, hash: string } | null }} AuditPage */
/** @typedef {{ link: string, expires: number }} ResetLink */
/** GET /reset/{token}. @typedef {{ name: string, user_id: string, kdf: KdfParams, totp: { secret: string, uri: string } }} ResetInfo */
/** A unit's readers: the server's count, and (when the directory verifies) the signed directory's. @typedef {{ unit: string, readers: number, own?: number, national?: number }} UnitReaders */
/** GET /units (admin). @typedef {{ units: UnitReaders[], directory_seq?: number | null, directory_current: boolean, proposal_waiting: boolean }} UnitsView */
/** GET /counts. @typedef {{ total: number, by_status: Record<string, number>, by_theme: Record<string, number> }} CaseCounts */
/**
 * Inbox filters; empty values are left out of the query.
 * @typedef {{ status?: Status, theme?: string, unit?: string, overdue?: boolean, assigned?: 'me', q?: string, page?: number, per_page?: number }} CaseFilters
 */
/** @typedef {Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>} KeyValueStore */
/** @typedef {{ tabStorage?: KeyValueStore | null, deviceStorage?: KeyValueStore | null }} StorageOptions */

/** sessionStorage key of the tab state. */
export const TAB_KEY = 'meldpunt.staff.tab';
/** localStorage key of the device tokens. */
export const DEVICE_KEY = 'meldpunt.staff.devices';
/** localStorage key of the colleague pins. */
export const PINS_KEY = 'meldpunt.staff.pins';

/** @param {'sessionStorage' | 'localStorage'} name @returns {KeyValueStore | null} */
function platformStorage(name) {
  try {
    return globalThis[name] ?? null;
  } catch {
    // Storage switched off (or a sandboxed frame): the client still works, without memory.
    return null;
  }
}

/** @param {KeyValueStore | null} store @param {string} key @returns {unknown} */
function readJson(store, key) {
  try {
    const text = store?.getItem(key);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** @param {KeyValueStore | null} store @param {string} key @param {unknown} value */
function writeJson(store, key, value) {
  try {
    if (value === null) store?.removeItem(key);
    else store?.setItem(key, JSON.stringify(value));
  } catch {
    // A full or refused storage only costs the convenience it gives.
  }
}

/** @param {unknown} v */
const isString = (v) => typeof v === 'string';

/** Whether `v` is a TabState as saved (and nothing else). @param {any} v @returns {v is TabState} */
export function isTabState(v) {
  return (
    v !== null &&
    typeof v === 'object' &&
    Object.keys(v).sort().join() === 'csrf,kdf,user,wrappedKey' &&
    isString(v.csrf) &&
    isString(v.user?.id) &&
    isString(v.user?.name) &&
    isString(v.user?.public_key) &&
    Array.isArray(v.user?.roles) &&
    isString(v.wrappedKey?.nonce) &&
    isString(v.wrappedKey?.ct) &&
    isString(v.kdf?.salt) &&
    Number.isSafeInteger(v.kdf?.iterations)
  );
}

/** @param {UserView} user */
function userOf(user) {
  // Only the members the pages use are kept, so the tab state holds nothing unexpected.
  return { id: user.id, name: user.name, roles: user.roles, unit: user.unit ?? null, kid: user.kid, public_key: user.public_key };
}

/** @param {CaseFilters} [filters] */
export function caseQuery(filters = {}) {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    q.set(name, String(value));
  }
  const text = q.toString();
  return text ? `?${text}` : '';
}

export class StaffClient {
  /** @type {Api} */
  #api;
  /** @type {KeyValueStore | null} */
  #tab;
  /** @type {KeyValueStore | null} */
  #device;
  /** @type {TabState | null} */
  #state = null;
  /** @type {StaffKey | null} */
  #key = null;
  /** @type {{ root: TrustRoot, trusted: TrustedDirectory } | null} */
  #directory = null;

  /**
   * @param {Api} api an Api for the page's origin
   * @param {StorageOptions} [options] storages (tests); default sessionStorage and localStorage
   */
  constructor(api, { tabStorage, deviceStorage } = {}) {
    this.#api = api;
    this.#tab = tabStorage === undefined ? platformStorage('sessionStorage') : tabStorage;
    this.#device = deviceStorage === undefined ? platformStorage('localStorage') : deviceStorage;
  }

  /**
   * A client for the session this tab signed in to earlier (locked: call unlock), or null.
   * @param {Api} api
   * @param {StorageOptions} [options]
   */
  static fromTab(api, options) {
    const client = new StaffClient(api, options);
    const saved = readJson(client.#tab, TAB_KEY);
    if (!isTabState(saved)) {
      if (saved !== null) writeJson(client.#tab, TAB_KEY, null);
      return null;
    }
    client.#state = saved;
    return client;
  }

  /** The signed-in user, or null. */
  get user() {
    return this.#state?.user ?? null;
  }

  /** Whether the private key is unlocked in this page. */
  get unlocked() {
    return this.#key !== null;
  }

  /** The session's CSRF token, or null. */
  get csrf() {
    return this.#state?.csrf ?? null;
  }

  /** @param {'GET' | 'POST'} method @param {string} path @param {unknown} [body] */
  #call(method, path, body) {
    /** @type {Record<string, string>} */
    const extraHeaders = method === 'POST' && this.#state ? { 'X-CSRF-Token': this.#state.csrf } : {};
    return this.#api.request(path, { method, body: method === 'POST' ? (body ?? {}) : undefined, extraHeaders, credentials: 'same-origin' });
  }

  /** @param {string} path */
  #get(path) {
    return this.#call('GET', path);
  }

  /** @param {string} path @param {unknown} [body] */
  #post(path, body) {
    return this.#call('POST', path, body);
  }

  #forget() {
    this.#state = null;
    this.#key = null;
    this.#directory = null;
    writeJson(this.#tab, TAB_KEY, null);
  }

  /** @param {string} name */
  #deviceToken(name) {
    const tokens = readJson(this.#device, DEVICE_KEY);
    const token = tokens && typeof tokens === 'object' ? /** @type {Record<string, unknown>} */ (tokens)[name.toLowerCase()] : undefined;
    return isString(token) ? /** @type {string} */ (token) : undefined;
  }

  /** @param {string} name @param {unknown} token */
  #saveDeviceToken(name, token) {
    if (!isString(token)) return;
    const tokens = /** @type {Record<string, string>} */ (readJson(this.#device, DEVICE_KEY) ?? {});
    tokens[name.toLowerCase()] = /** @type {string} */ (token);
    writeJson(this.#device, DEVICE_KEY, tokens);
  }

  /** Records that `who` holds `kid`, refusing a change (Rust: Pins::colleague). @param {string} who @param {string} kid */
  #pinColleague(who, kid) {
    const pins = /** @type {Record<string, string>} */ (readJson(this.#device, PINS_KEY) ?? {});
    const pinned = pins[who];
    if (pinned !== undefined && pinned !== kid) {
      throw new TrustError(
        'key_changed',
        `the key of ${who} changed since this browser last wrapped a case key to it (was ${pinned}, now ${kid}); ask them and an officer before going on`,
      );
    }
    if (pinned === undefined) {
      pins[who] = kid;
      writeJson(this.#device, PINS_KEY, pins);
    }
  }

  #requireKey() {
    if (!this.#key) throw new StaffKeyError('wrong_password', 'the key is locked: sign in or unlock first');
    return this.#key;
  }

  /** The verified recipient directory: fetched once, then only replaced by a verified successor. */
  async #trusted() {
    if (!this.#directory) {
      const root = await fetchTrustRoot(this.#api);
      this.#directory = { root, trusted: await fetchDirectory(this.#api, root) };
    } else {
      this.#directory.trusted = await refreshDirectory(this.#api, this.#directory.root, this.#directory.trusted);
    }
    return this.#directory.trusted;
  }

  /** @param {string} token @returns {Promise<EnrolInfo>} */
  async enrolInfo(token) {
    return /** @type {EnrolInfo} */ (await this.#get(`/api/v1/staff/enrol/${encodeURIComponent(token)}`));
  }

  /**
   * Enrols: makes the key pair in the page, wraps it under the password, and posts it with
   * the TOTP code read from the authenticator app. The private bytes are wiped before this
   * returns. Sign in afterwards (the code just used cannot be used again).
   * @param {string} token
   * @param {EnrolInfo} info from enrolInfo(token)
   * @param {string} password
   * @param {string} totpCode
   * @returns {Promise<EnrolResponse>}
   */
  async enrol(token, info, password, totpCode) {
    const userId = b64uDecode(info.user_id, 16);
    const secrets = await deriveStaffSecrets(password, b64uDecode(info.kdf.salt, 16), info.kdf.iterations);
    const pair = await newStaffKeyPair();
    try {
      const wrapped = await wrapPrivateKey(secrets.wrapKey, userId, pair.privateKey);
      wipe(pair.privateKey);
      const body = {
        auth_hash: b64uEncode(secrets.authHash),
        public_key: b64uEncode(pair.publicKey),
        wrapped_private_key: wrapped,
        totp_code: totpCode,
      };
      const response = /** @type {EnrolResponse} */ (await this.#post(`/api/v1/staff/enrol/${encodeURIComponent(token)}`, body));
      this.#saveDeviceToken(info.name, response?.device_token);
      return response;
    } finally {
      wipe(pair.privateKey, secrets.authHash);
    }
  }

  /**
   * Signs in and unwraps the private key in the page (see the module contract). A key that
   * does not unwrap or is not the account's throws StaffKeyError, and the session just made
   * is ended again.
   * @param {string} name
   * @param {string} password
   * @param {string} totpCode
   * @returns {Promise<UserView>}
   */
  async signIn(name, password, totpCode) {
    this.#forget();
    const { kdf } = /** @type {{ kdf: KdfParams }} */ (await this.#post('/api/v1/staff/prelogin', { name }));
    const secrets = await deriveStaffSecrets(password, b64uDecode(kdf.salt, 16), kdf.iterations);
    const deviceToken = this.#deviceToken(name);
    let answer;
    try {
      const body = { name, auth_hash: b64uEncode(secrets.authHash), totp_code: totpCode, ...(deviceToken ? { device_token: deviceToken } : {}) };
      answer = /** @type {LoginResponse} */ (await this.#post('/api/v1/staff/login', body));
    } finally {
      wipe(secrets.authHash);
    }
    this.#saveDeviceToken(name, answer.device_token);
    const state = { user: userOf(answer.user), csrf: answer.csrf_token, wrappedKey: answer.wrapped_private_key, kdf };
    try {
      this.#key = await unwrapPrivateKey(secrets.wrapKey, answer.user.id, answer.wrapped_private_key, b64uDecode(answer.user.public_key, 32));
    } catch (e) {
      // The server accepted the password but gave a key that is not ours: end that session.
      this.#state = state;
      await this.#post('/api/v1/staff/logout').catch(() => {});
      this.#forget();
      throw e;
    }
    if (!isTabState(state)) throw new TypeError('the sign-in answer is incomplete');
    this.#state = state;
    writeJson(this.#tab, TAB_KEY, state);
    return state.user;
  }

  /**
   * Unlocks the key of this tab's session with the password, locally (no request). Throws
   * StaffKeyError('wrong_password') for a wrong password.
   * @param {string} password
   */
  async unlock(password) {
    const state = this.#state;
    if (!state) throw new StaffKeyError('wrong_password', 'not signed in');
    const secrets = await deriveStaffSecrets(password, b64uDecode(state.kdf.salt, 16), state.kdf.iterations);
    wipe(secrets.authHash);
    this.#key = await unwrapPrivateKey(secrets.wrapKey, state.user.id, state.wrappedKey, b64uDecode(state.user.public_key, 32));
  }

  /** The user as the server sees the session; null (and the tab forgets it) when it ended. @returns {Promise<UserView | null>} */
  async me() {
    try {
      const user = /** @type {UserView} */ (await this.#get('/api/v1/staff/me'));
      if (this.#state && user?.id === this.#state.user.id) {
        this.#state = { ...this.#state, user: userOf(user) };
        writeJson(this.#tab, TAB_KEY, this.#state);
      }
      return user;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        this.#forget();
        return null;
      }
      throw e;
    }
  }

  /** Ends this session; the key and tab state are forgotten whatever the answer. */
  async signOut() {
    try {
      await this.#post('/api/v1/staff/logout');
    } finally {
      this.#forget();
    }
  }

  /** Ends every session of this user, on every device. */
  async signOutEverywhere() {
    try {
      await this.#post('/api/v1/staff/logout-all');
    } finally {
      this.#forget();
    }
  }

  /** @param {CaseFilters} [filters] @returns {Promise<CaseList>} */
  async cases(filters) {
    return /** @type {CaseList} */ (await this.#get(`/api/v1/staff/cases${caseQuery(filters)}`));
  }

  /** @param {string} ref */
  #casePath(ref) {
    return `/api/v1/staff/cases/${encodeURIComponent(ref)}`;
  }

  /** The detail and every item after the report. @param {string} ref */
  async #fetchCase(ref) {
    const detail = /** @type {CaseDetail} */ (await this.#get(this.#casePath(ref)));
    /** @param {string | undefined} after */
    const page = async (after) => {
      const query = after ? `?after=${encodeURIComponent(after)}` : '';
      return /** @type {import('./staff-case.js').ItemPage} */ (await this.#get(`${this.#casePath(ref)}/items${query}`));
    };
    const items = await readAllPages(page);
    return { detail, items };
  }

  async #jwks() {
    return importJwks(await this.#get('/.well-known/jwks.json'));
  }

  /** The verified thread key of a fetched case. @param {CaseDetail} detail */
  async #threadKey(detail) {
    const { statements } = await checkStatements(detail.statements, await this.#jwks());
    return threadKeyOf(this.#requireKey(), detail, statements[0]?.verified ? statements[0].payload : null);
  }

  /**
   * Reads, checks and decrypts a case (staff-case.js openCaseWith): the detail, every items
   * page, the statement chain against /.well-known/jwks.json.
   * @param {string} ref
   * @returns {Promise<OpenedCase>}
   */
  async openCase(ref) {
    const key = this.#requireKey();
    const { detail, items } = await this.#fetchCase(ref);
    return openCaseWith(key, detail, items, await this.#jwks());
  }

  /** @param {string} ref @returns {Promise<Assignee[]>} */
  async assignable(ref) {
    return /** @type {Assignee[]} */ (await this.#get(`${this.#casePath(ref)}/assignable`));
  }

  /**
   * Assigns `assignee` (from assignable): the case keys are opened and checked here and
   * wrapped to the colleague's key, once it passes the directory and pin checks.
   * @param {string} ref
   * @param {Assignee} assignee
   */
  async assign(ref, assignee) {
    const key = this.#requireKey();
    const { detail, items } = await this.#fetchCase(ref);
    const trusted = await this.#trusted();
    const who = `user ${assignee.user_id}`;
    const publicKey = await listedColleagueKey(trusted, who, assignee.kid, assignee.public_key);
    this.#pinColleague(who, assignee.kid);
    const caseId = b64uDecode(detail.case_id, 16);
    const thread = await this.#threadKey(detail);
    const internal = await internalKeyOf(key, detail, items);
    try {
      /** @type {Wrap[]} */
      const wraps = [await sealCaseKey(publicKey, assignee.kid, caseId, 'thread', thread)];
      if (internal) wraps.push(await sealCaseKey(publicKey, assignee.kid, caseId, 'internal', internal));
      await this.#post(`${this.#casePath(ref)}/assign`, { user_id: assignee.user_id, wraps });
    } finally {
      wipe(thread, internal);
    }
  }

  /**
   * Triages: makes the internal key here, wraps it to every thread holder the directory
   * lists, and writes the reason as the triage note under it.
   * @param {string} ref
   * @param {Outcome} outcome
   * @param {string} reason
   */
  async triage(ref, outcome, reason) {
    // No private key is needed: the internal key is new, and the thread key is not used.
    const detail = /** @type {CaseDetail} */ (await this.#get(this.#casePath(ref)));
    const trusted = await this.#trusted();
    const caseId = b64uDecode(detail.case_id, 16);
    const internal = randomBytes(32);
    try {
      /** @type {Wrap[]} */
      const wraps = [];
      for (const h of detail.holders) {
        const publicKey = await listedColleagueKey(trusted, h.kid, h.kid, h.public_key);
        this.#pinColleague(h.kid, h.kid);
        wraps.push(await sealCaseKey(publicKey, h.kid, caseId, 'internal', internal));
      }
      const note = await sealText(internal, caseId, 'note', reason);
      await this.#post(`${this.#casePath(ref)}/triage`, { outcome, wraps, note });
    } finally {
      wipe(internal);
    }
  }

  /**
   * Sets the status (`outcome` only with closed); returns the signed statement (JWS).
   * @param {string} ref
   * @param {Status} status
   * @param {Outcome} [outcome]
   * @returns {Promise<string>}
   */
  async setStatus(ref, status, outcome) {
    const body = { status, ...(outcome ? { outcome } : {}) };
    const answer = /** @type {{ statement: string }} */ (await this.#post(`${this.#casePath(ref)}/status`, body));
    return answer.statement;
  }

  /**
   * Encrypts `text` to the case's checked thread key and sends it to the reporter; returns
   * the signed message statement (JWS).
   * @param {string} ref
   * @param {string} text
   * @returns {Promise<string>}
   */
  async reply(ref, text) {
    this.#requireKey();
    const detail = /** @type {CaseDetail} */ (await this.#get(this.#casePath(ref)));
    const thread = await this.#threadKey(detail);
    try {
      const item = await sealText(thread, b64uDecode(detail.case_id, 16), 'message', text);
      const answer = /** @type {{ statement: string }} */ (await this.#post(`${this.#casePath(ref)}/messages`, item));
      return answer.statement;
    } finally {
      wipe(thread);
    }
  }

  /**
   * Encrypts `text` to the case's internal key (accepted only if it opens the triage note)
   * as a note. Throws StaffKeyError when the caller holds no working internal key.
   * @param {string} ref
   * @param {string} text
   */
  async note(ref, text) {
    const key = this.#requireKey();
    const { detail, items } = await this.#fetchCase(ref);
    const internal = await internalKeyOf(key, detail, items);
    if (!internal) throw new StaffKeyError('wrong_password', 'no internal key of this case opens its triage note (triage it first)');
    try {
      const item = await sealText(internal, b64uDecode(detail.case_id, 16), 'note', text);
      await this.#post(`${this.#casePath(ref)}/notes`, item);
    } finally {
      wipe(internal);
    }
  }

  /**
   * The decrypted case as one JSON file (staff-case.js caseExport) for reading offline.
   * @param {OpenedCase} opened
   * @returns {Blob}
   */
  exportCase(opened) {
    return new Blob([`${JSON.stringify(caseExport(opened), null, 2)}\n`], { type: 'application/json' });
  }

  // Admin and auditor: users, second-factor resets, units, counts, audit. None of these
  // touches a key or case content.

  /** @returns {Promise<UserListEntry[]>} */
  async users() {
    const list = /** @type {{ users: UserListEntry[] }} */ (await this.#get('/api/v1/staff/users'));
    return list.users;
  }

  /** @param {{ name: string, roles: Role[], unit?: string | null }} invite @returns {Promise<InviteResponse>} */
  async invite({ name, roles, unit }) {
    return /** @type {InviteResponse} */ (await this.#post('/api/v1/staff/users', { name, roles, ...(unit ? { unit } : {}) }));
  }

  /** @param {string} id */
  async disable(id) {
    await this.#post(`/api/v1/staff/users/${encodeURIComponent(id)}/disable`);
  }

  /** @param {string} id */
  async enable(id) {
    await this.#post(`/api/v1/staff/users/${encodeURIComponent(id)}/enable`);
  }

  /**
   * Resets the user's second factor (admin): the old one stops working, the user's sessions
   * end, and the link to set up a new one is shown once.
   * @param {string} id
   * @returns {Promise<ResetLink>}
   */
  async resetSecondFactor(id) {
    return /** @type {ResetLink} */ (await this.#post(`/api/v1/staff/users/${encodeURIComponent(id)}/reset-totp`));
  }

  /** The reset link's account, KDF parameters and new TOTP secret. @param {string} token @returns {Promise<ResetInfo>} */
  async resetInfo(token) {
    return /** @type {ResetInfo} */ (await this.#get(`/api/v1/staff/reset/${encodeURIComponent(token)}`));
  }

  /**
   * Completes a second-factor reset: the password (proved by its auth hash, derived here) and
   * a code of the new secret. The key pair stays as it was. Sign in afterwards.
   * @param {string} token
   * @param {ResetInfo} info from resetInfo(token)
   * @param {string} password
   * @param {string} totpCode
   */
  async completeReset(token, info, password, totpCode) {
    const secrets = await deriveStaffSecrets(password, b64uDecode(info.kdf.salt, 16), info.kdf.iterations);
    try {
      await this.#post(`/api/v1/staff/reset/${encodeURIComponent(token)}`, { auth_hash: b64uEncode(secrets.authHash), totp_code: totpCode });
    } finally {
      wipe(secrets.authHash);
    }
  }

  /**
   * Every unit with the number of keys that read its new reports, and the directory's state
   * (admin; the server's count in `readers`). When the recipient directory verifies against
   * the trust root, each unit also gets `own` (its own intake keys) and `national` (the
   * national keys, which read every report) counted from the signed directory itself, the
   * officers' word rather than the server's.
   * @returns {Promise<UnitsView>}
   */
  async units() {
    const view = /** @type {UnitsView} */ (await this.#get('/api/v1/staff/units'));
    /** @type {TrustedDirectory | null} */
    let trusted = null;
    try {
      trusted = await this.#trusted();
    } catch {
      // No verified directory (none signed yet, or it does not check): the server's counts only.
    }
    if (!trusted || !Array.isArray(view?.units)) return view;
    const { directory, suspended } = trusted;
    const national = readers(directory, NATIONAL_UNIT, true, suspended).length;
    const units = view.units.map((u) => {
      const own = readers(directory, u.unit, false, suspended).filter((e) => !e.units.includes(NATIONAL_UNIT)).length;
      return { ...u, own, national };
    });
    return { ...view, units };
  }

  /** Cases by status and theme, from metadata only (auditor or admin). @returns {Promise<CaseCounts>} */
  async counts() {
    return /** @type {CaseCounts} */ (await this.#get('/api/v1/staff/counts'));
  }

  /**
   * One page of the audit chain (auditor): records from seq `start`, at most `limit` (1–1000).
   * @param {number} [start]
   * @param {number} [limit]
   * @returns {Promise<AuditPage>}
   */
  async audit(start = 0, limit = 100) {
    return /** @type {AuditPage} */ (await this.#get(`/api/v1/staff/audit?start=${start}&limit=${limit}`));
  }
}
