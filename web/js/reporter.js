// @ts-check
// The reporter's flow in the browser (DESIGN §3, §4, §8, §11; PROTOCOL §2–7, §12), the
// JavaScript twin of src/clients/reporter.rs: make the access code, encrypt and pad the report,
// wrap the thread key to the reporter and to the readers of the officer-signed recipient
// directory (submission.js), solve the proof of work, submit, and refuse the answer unless the
// receipt verifies against the JWKS with our version-2 cmt, our directory as dir and our
// binding as sub. Later: read the case with the code (statement chain, log inclusion against a
// checkpoint signed by the trust root's log key and cosigned by its witnesses, decryption) and
// send messages.
//
// Contract: nothing secret leaves the device but the bearer token b64u(auth_key); plaintext
// and keys stay in memory, wiped where practical. Every failed check throws; nothing that
// failed a check is returned. The trust root and the directory are fetched once per client
// (in a page: once per page load; trusted-directory.js) and only replaced by a verified
// successor. ReporterClient.submit is the one submission flow (the report page only renders
// its steps, see SUBMIT_STEPS); once its POST has gone out, a failure throws
// UnconfirmedSubmissionError, which holds the access code, so it is never lost.

import { Api, ApiError } from './api.js';
import { deriveReporterKeys, displayAccessCode, generateAccessCode, parseAccessCode, wipeReporterKeys } from './crypto/access-code.js';
import { b64uDecode, b64uEncode, fromUtf8, randomBytes, utf8, wipe } from './crypto/b64.js';
import { keyCommitment, receiptCommitment } from './crypto/commit.js';
import { itemHash, openItem, sealItem } from './crypto/item.js';
import { checkChain, importJwks } from './crypto/jws.js';
import { solvePow } from './crypto/pow.js';
import { parseTrustRoot } from './crypto/trust-root.js';
import { openCaseKey } from './crypto/wrap.js';
import { signedCaseFacts } from './case-facts.js';
import { verifyCaseLog } from './log-check.js';
import { REPORTER, ReceiptError, UnconfirmedSubmissionError, checkReceipt, prepareSubmission } from './submission.js';
import { fetchDirectory, fetchTrustRoot, refreshDirectory } from './trusted-directory.js';

export { NATIONAL_UNIT } from './crypto/directory.js';
export { ReceiptError, UnconfirmedSubmissionError, checkReceipt, prepareSubmission, readersFor } from './submission.js';

// The wire types of PROTOCOL §7 as this client reads them; what it relies on is checked.
/** @typedef {import('./crypto/b64.js').Bytes} Bytes */
/** @typedef {import('./crypto/item.js').Item} Item */
/** @typedef {import('./crypto/wrap.js').Wrap} Wrap */
/** @typedef {import('./crypto/jws.js').TrustedKeys} TrustedKeys */
/** @typedef {import('./crypto/statement-shape.js').Payload} Payload */
/** @typedef {import('./crypto/statement-shape.js').Status} Status */
/** @typedef {import('./crypto/pow.js').Challenge} Challenge */
/** @typedef {import('./crypto/pow.js').Solution} Solution */
/** @typedef {import('./crypto/pow.js').OnProgress} OnProgress */
/** @typedef {import('./log-check.js').Proof} Proof */
/** @typedef {import('./log-check.js').LogCheck} LogCheck */
/** @typedef {import('./i18n.js').Choice} Choice */
/**
 * GET /api/v1/config.
 * @typedef {{ themes: Choice[], units: Choice[], relations: Choice[], pow: { bits: number } }} Config
 */
/** @typedef {import('./submission.js').Draft} Draft */
/** @typedef {import('./submission.js').Prepared} Prepared */
/** @typedef {import('./submission.js').TrustedDirectory} TrustedDirectory */
/** @typedef {import('./crypto/trust-root.js').TrustRoot} TrustRoot */
/** The answer to POST /api/v1/reports. @typedef {{ ref: string, receipt: string }} SubmitResponse */
/**
 * GET /api/v1/reporter/case. Only the statements, proofs, checkpoint, wraps, case id and
 * report are relied on (all checked); ref, status and deadlines here are not signed.
 * @typedef {object} CaseView
 * @property {string} ref
 * @property {string} case_id
 * @property {string} theme
 * @property {string} unit
 * @property {string} [relation]
 * @property {string[]} statements
 * @property {Wrap[]} wraps
 * @property {Item} report
 * @property {string[]} [submitted_to] the holders a version-2 receipt commits to
 * @property {string} [checkpoint]
 * @property {(Proof | null)[]} [proofs]
 */
/** A page of GET /api/v1/reporter/items. @typedef {{ items: Item[], next?: string }} ItemsPage */
/** @typedef {{ text: string, unreadable: false } | { text: null, unreadable: true }} MessageText */
/** A signed message, decrypted when it opens. @typedef {{ from: 'reporter' | 'staff' | undefined, seq: number, iat: number } & MessageText} Message */
/** @typedef {import('./case-facts.js').CaseFacts} CaseFacts */
/**
 * A case read and checked by readCase.
 * @typedef {CaseFacts & { view: CaseView, items: Item[], statements: Payload[], report: Record<string, string>, messages: Message[], log: LogCheck, caseId: Bytes, threadKey: Bytes, wipe: () => void }} OpenedCase
 */
/** The result of a confirmed submission. @typedef {{ code: Bytes, display: string, caseId: string, ref: string, receipt: string, payload: Payload }} Submitted */
/** @typedef {'code' | 'encrypt' | 'pow' | 'submit' | 'verify'} SubmitStep */
/** @typedef {{ state: 'busy' | 'done' | 'failed' } | { state: 'progress', hashes: number, bits: number }} StepDetail */
/** @typedef {(step: SubmitStep, detail: StepDetail) => void} OnStep */
/** Solves a challenge elsewhere (solveInWorker in a page). @typedef {(challenge: Challenge, options: { onProgress?: OnProgress }) => Promise<Solution>} Solve */

/** The header of a message's proof of work (src/protocol/wire.rs POW_HEADER). */
export const POW_HEADER = 'Meldpunt-Pow';
/** A case holds at most this many statements, so at most this many items after the report. */
const MAX_STATEMENTS_PER_CASE = 1000;

/**
 * The steps of ReporterClient.submit, in order, as it reports them to `onStep(step, detail)`:
 * - 'code': make the access code;
 * - 'encrypt': take the verified directory (fetched once, see directory()), derive the keys,
 *   encrypt, pad and wrap to its readers, and fetch and import the JWKS that will check the
 *   receipt, all before anything is sent;
 * - 'pow': fetch a challenge and solve it;
 * - 'submit': post the report;
 * - 'verify': check the receipt (signature, cmt, dir, sub, ref, iss).
 * `detail.state` is 'busy' when a step starts, then 'done' or 'failed' (a failed step is the
 * last one reported). While solving, 'pow' also reports {state: 'progress', hashes, bits},
 * first with hashes 0. When the server refuses the wraps because its directory changed
 * (409 directory_changed, or wraps_mismatch), the newer directory is fetched and accepted only
 * as a successor of the held one (refreshDirectory), and the flow starts once more at 'code'
 * with a new code, without reporting the refused 'submit' as failed; if the newer directory
 * does not check out, 'submit' is reported failed and its TrustError thrown.
 */
export const SUBMIT_STEPS = /** @type {readonly SubmitStep[]} */ (Object.freeze(['code', 'encrypt', 'pow', 'submit', 'verify']));

/** Whether the server refused the wraps because its directory changed. @param {unknown} e */
const isDirectoryChange = (e) => e instanceof ApiError && (e.code === 'wraps_mismatch' || e.code === 'directory_changed');

/** @param {string | Bytes} code */
function codeBytes(code) {
  return typeof code === 'string' ? parseAccessCode(code) : code;
}

export class ReporterClient {
  /**
   * `base`: the server origin, '' for the page's own. `origin`: the iss every receipt must
   * carry (the page's location.origin by default; undefined in Node, where it is not checked).
   * `trustRoot`: the root's text to pin; without it, `${base}/trust-root.json` is taken on
   * first use (in a page: the bundle's own file; in Node: trust on first use, for tests).
   * @param {string} [base]
   * @param {{ origin?: string, trustRoot?: string }} [options]
   */
  constructor(base = '', { origin = globalThis.location?.origin, trustRoot } = {}) {
    this.api = new Api(base);
    this.origin = origin;
    /** @type {Promise<TrustRoot> | null} */
    this.rootPromise = trustRoot === undefined ? null : parseTrustRoot(trustRoot);
    /** @type {Promise<TrustedDirectory> | null} */
    this.directoryPromise = null;
  }

  /** The trust root this client holds, fetched and parsed once. @returns {Promise<TrustRoot>} */
  trustRoot() {
    this.rootPromise ??= fetchTrustRoot(this.api);
    // A failed fetch is not kept: a later call tries again.
    this.rootPromise.catch(() => {
      this.rootPromise = null;
    });
    return this.rootPromise;
  }

  /**
   * The newest directory that checked out against the trust root, fetched once and kept (a
   * failure is not kept). @returns {Promise<TrustedDirectory>}
   */
  directory() {
    this.directoryPromise ??= this.trustRoot().then((root) => fetchDirectory(this.api, root));
    this.directoryPromise.catch(() => {
      this.directoryPromise = null;
    });
    return this.directoryPromise;
  }

  /** Replaces the held directory by the server's newest, only if it is a verified successor. */
  async refreshDirectory() {
    const held = await this.directory();
    const next = await refreshDirectory(this.api, await this.trustRoot(), held);
    this.directoryPromise = Promise.resolve(next);
    return next;
  }

  /** @returns {Promise<Config>} */
  async getConfig() {
    return /** @type {Config} */ (await this.api.getJson('/api/v1/config'));
  }

  /** A challenge {challenge (b64u), bits}. @returns {Promise<Challenge>} */
  async getPow() {
    return /** @type {Challenge} */ (await this.api.getJson('/api/v1/pow'));
  }

  /** The JWKS as served; importJwks checks every member. */
  getJwks() {
    return this.api.getJson('/.well-known/jwks.json');
  }

  /**
   * Solves `challenge` ({challenge (b64u), bits}) with `solve` (in a page: solveInWorker), or
   * here when there is none (Node). Resolves {challenge, nonce}.
   * @param {Challenge} challenge
   * @param {{ solve?: Solve, onProgress?: OnProgress }} [options]
   * @returns {Promise<Solution>}
   */
  async solveChallenge(challenge, { solve, onProgress } = {}) {
    if (solve) return solve(challenge, { onProgress });
    return { challenge: challenge.challenge, nonce: solvePow(b64uDecode(challenge.challenge), challenge.bits, { onProgress }) };
  }

  /** Fetches a challenge and solves it (see solveChallenge). @param {{ solve?: Solve, onProgress?: OnProgress }} [options] */
  async solvePow({ solve, onProgress } = {}) {
    return this.solveChallenge(await this.getPow(), { solve, onProgress });
  }

  /**
   * The whole submission of `draft` ({theme, unit, relation?, report}), in the steps of
   * SUBMIT_STEPS reported to `onStep`; `solve` solves the proof of work (solveChallenge).
   * Resolves {code (bytes), display, caseId, ref, receipt, payload} once the receipt checks
   * out. Before the POST (and when the server refuses it with a 4xx, so nothing was stored)
   * a failure throws as it is (ApiError, NetworkError, JwsError for a JWKS that cannot check
   * receipts…) and the code is wiped; from the POST on, UnconfirmedSubmissionError.
   * @param {Draft} draft
   * @param {{ onStep?: OnStep, solve?: Solve }} [options]
   * @returns {Promise<Submitted>}
   */
  async submit(draft, { onStep = () => {}, solve } = {}) {
    try {
      return await this.#submitOnce(draft, onStep, solve, true);
    } catch (e) {
      if (!isDirectoryChange(e)) throw e;
      try {
        await this.refreshDirectory();
      } catch (refused) {
        onStep('submit', { state: 'failed' });
        throw refused;
      }
      return this.#submitOnce(draft, onStep, solve, false);
    }
  }

  /**
   * @param {Draft} draft
   * @param {OnStep} onStep
   * @param {Solve | undefined} solve
   * @param {boolean} mayRetry whether a directory-change refusal will be retried (not reported as failed)
   * @returns {Promise<Submitted>}
   */
  async #submitOnce(draft, onStep, solve, mayRetry) {
    /** @type {SubmitStep} */
    let current = 'code';
    /** @param {SubmitStep} step */
    const begin = (step) => {
      current = step;
      onStep(step, { state: 'busy' });
    };
    /** @param {'done' | 'failed'} state */
    const end = (state) => onStep(current, { state });
    begin('code');
    const code = generateAccessCode();
    end('done');
    let prepared, keys;
    try {
      begin('encrypt');
      // The request is complete but for the proof of work, which is solved last so that the
      // challenge is fresh when it is posted.
      prepared = await prepareSubmission(await this.directory(), draft, code, { challenge: '', nonce: 0 });
      wipe(prepared.threadKey);
      // The keys that check the receipt, fetched now: after the POST, nothing may fail for
      // want of them.
      keys = await importJwks(await this.getJwks());
      end('done');
      begin('pow');
      const challenge = await this.getPow();
      /** @param {number} hashes */
      const onProgress = (hashes) => onStep('pow', { state: 'progress', hashes, bits: challenge.bits });
      onProgress(0);
      prepared.request.pow = await this.solveChallenge(challenge, { solve, onProgress });
      end('done');
    } catch (e) {
      wipe(code);
      end('failed');
      throw e;
    }
    begin('submit');
    /** @type {SubmitResponse} */
    let response;
    try {
      response = /** @type {SubmitResponse} */ (await this.api.postJson('/api/v1/reports', prepared.request));
    } catch (e) {
      if (e instanceof ApiError && e.status < 500) {
        // Refused by the server: nothing was stored.
        wipe(code);
        if (!(mayRetry && isDirectoryChange(e))) end('failed');
        throw e;
      }
      // No answer, or a server failure: the report may be stored.
      end('failed');
      throw new UnconfirmedSubmissionError('maybe_sent', code, e);
    }
    end('done');
    begin('verify');
    let payload;
    try {
      payload = await checkReceipt(response.receipt, keys, prepared, { ref: response.ref, origin: this.origin });
    } catch (e) {
      end('failed');
      throw new UnconfirmedSubmissionError('receipt_unchecked', code, e);
    }
    end('done');
    const { ref, receipt } = response;
    return { code, display: displayAccessCode(code), caseId: prepared.request.case_id, ref, receipt, payload };
  }

  /** The bearer token of `code` (text or 16 bytes): b64u(auth key). @param {string | Bytes} code */
  async token(code) {
    const keys = await deriveReporterKeys(codeBytes(code));
    const token = b64uEncode(keys.authKey);
    wipeReporterKeys(keys);
    return token;
  }

  /** The case view as the server sends it (PROTOCOL §7). `code`: text or 16 bytes. @param {string | Bytes} code @returns {Promise<CaseView>} */
  async rawCase(code) {
    return /** @type {CaseView} */ (await this.api.getJson('/api/v1/reporter/case', await this.token(code)));
  }

  /**
   * Every item after the report, fetched a bounded page at a time (PROTOCOL §7). A server
   * cannot keep us reading for ever: a case has at most one item per statement.
   * @param {string | Bytes} code
   * @returns {Promise<Item[]>}
   */
  async allItems(code) {
    const token = await this.token(code);
    /** @type {Item[]} */
    const items = [];
    /** @type {string | null} */
    let after = null;
    for (;;) {
      const query = after === null ? '' : `?after=${encodeURIComponent(after)}`;
      const page = /** @type {ItemsPage} */ (await this.api.getJson(`/api/v1/reporter/items${query}`, token));
      if (!Array.isArray(page.items) || (page.items.length === 0 && page.next)) throw new ReceiptError('a malformed page of items');
      items.push(...page.items);
      if (items.length > MAX_STATEMENTS_PER_CASE) throw new ReceiptError('more items than a case can hold');
      if (!page.next) return items;
      after = page.next;
    }
  }

  /** Opens the reporter's thread key from the view's wraps. @param {string | Bytes} code @param {CaseView} view */
  async threadKey(code, view) {
    const wrap = view.wraps.find((w) => w.to === REPORTER && w.purpose === 'thread');
    if (!wrap) throw new ReceiptError('no reporter wrap');
    const keys = await deriveReporterKeys(codeBytes(code));
    try {
      return await openCaseKey(keys.reporterPrivate, b64uDecode(view.case_id, 16), wrap);
    } finally {
      wipeReporterKeys(keys);
    }
  }

  /**
   * Reads and checks the case: the statement chain against the JWKS, the receipt's sub, iss and
   * cmt against our code, this site and the report (cmt commits to the case id, the thread key
   * via kc and the report item, so the key opened from the wrap is checked before any use; a
   * version-2 receipt also the labels and the holders in `submitted_to`), every inclusion proof
   * against the checkpoint, which must be signed by the trust root's log key (`logKey` may pin
   * another) and cosigned by witness_threshold of its witnesses, every message among the item pages having its own signed statement and
   * every signed message being there, then decrypts. A signed message that does not open under
   * the thread key (a colleague or the reporter sent it so) is returned as
   * {unreadable: true, text: null}: it is marked, never a reason to refuse the case.
   * Returns {view, items, statements, report, messages: [{from, text, seq, iat, unreadable}],
   * log, ref, status, deadlines, caseId, threadKey, wipe()}: ref, status and deadlines come from
   * the signed statements only (signedCaseFacts); caseId and threadKey are the verified ones for
   * sendMessage, and wipe() clears the key when the case is closed.
   * @param {string | Bytes} code
   * @param {{ logKey?: string }} [options]
   * @returns {Promise<OpenedCase>}
   */
  async readCase(code, { logKey } = {}) {
    const bytes = codeBytes(code);
    const view = await this.rawCase(bytes);
    const items = await this.allItems(bytes);
    const statements = await checkChain(view.statements, await importJwks(await this.getJwks()));
    const root = await this.trustRoot();
    const witnesses = { witnesses: root.witnesses, threshold: root.witness_threshold };
    const log = await verifyCaseLog(view, statements, logKey ?? root.log_key, witnesses);
    const receipt = statements[0];
    if (this.origin && receipt.iss !== this.origin) throw new ReceiptError('the receipt is not from this site');
    const keys = await deriveReporterKeys(bytes);
    const binding = b64uEncode(keys.binding);
    wipeReporterKeys(keys);
    if (receipt.sub !== binding) throw new ReceiptError('the receipt is not bound to this access code');
    const caseId = b64uDecode(view.case_id, 16);
    if (view.report?.kind !== 'report' || items.some((item) => item.kind === 'report')) {
      throw new ReceiptError('the case does not have exactly one report');
    }
    const key = await this.threadKey(bytes, view);
    let keep = false;
    try {
      // Before the key is used: the receipt's cmt must commit to this case id, this key (kc)
      // and the report item, so a wrap of a key of the server's choosing is refused here.
      const filed = { theme: view.theme, unit: view.unit, relation: view.relation, submitted_to: view.submitted_to ?? [] };
      const cmt = await receiptCommitment(receipt, caseId, await keyCommitment(key), [view.report], filed);
      if (cmt !== receipt.cmt) throw new ReceiptError('the receipt does not commit to this key and report');
      const reportText = await openItem(key, caseId, view.report);
      const report = JSON.parse(fromUtf8(reportText));
      wipe(reportText);
      /** @type {Message[]} */
      const messages = [];
      for (const item of items) {
        if (item.kind !== 'message') continue;
        const hash = b64uEncode(await itemHash(item));
        // Each message must have its own signed statement, so the server can neither insert
        // a message nor show one twice.
        const statement = statements.find((s) => s.kind === 'message' && s.item === hash);
        if (!statement || messages.some((m) => m.seq === statement.seq)) {
          throw new ReceiptError('a message has no signed statement of its own');
        }
        messages.push({ from: statement.from, seq: statement.seq, iat: statement.iat, ...(await readMessage(key, caseId, item)) });
      }
      // And every signed message must be there, so the server cannot hide one.
      for (const s of statements) {
        if (s.kind === 'message' && !messages.some((m) => m.seq === s.seq)) {
          throw new ReceiptError(`the message of statement ${s.seq} is missing`);
        }
      }
      messages.sort((a, b) => a.seq - b.seq);
      keep = true;
      return {
        view,
        items,
        statements,
        report,
        messages,
        log,
        ...signedCaseFacts(statements),
        caseId,
        threadKey: key,
        wipe() {
          wipe(key);
        },
      };
    } finally {
      if (!keep) wipe(key);
    }
  }

  /**
   * Encrypts {"text": text} to the case's thread key and sends it; returns the statement JWS.
   * `verified` is a result of readCase for this code: its checked thread key and case id are
   * used, never a wrap fetched afresh. Without it, the case is read and checked first. When
   * the case's free messages of this hour are used (429 pow_required), a proof of work is
   * solved (with `solve`, e.g. solveInWorker in a page) and the message sent again.
   * @param {string | Bytes} code
   * @param {string} text
   * @param {OpenedCase} [verified]
   * @param {{ solve?: Solve, onProgress?: OnProgress }} [options]
   * @returns {Promise<string>}
   */
  async sendMessage(code, text, verified, { solve, onProgress } = {}) {
    const bytes = codeBytes(code);
    const opened = verified ?? (await this.readCase(bytes));
    const plaintext = utf8(JSON.stringify({ text }));
    try {
      const item = await sealItem(opened.threadKey, opened.caseId, randomBytes(16), 'message', plaintext);
      const token = await this.token(bytes);
      /** @param {Record<string, string>} [headers] */
      const post = async (headers) =>
        /** @type {{ statement: string }} */ (await this.api.postJson('/api/v1/reporter/messages', item, token, headers));
      let response;
      try {
        response = await post();
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 429 && e.code === 'pow_required')) throw e;
        const pow = await this.solvePow({ solve, onProgress });
        response = await post({ [POW_HEADER]: `${pow.challenge}:${pow.nonce}` });
      }
      return response.statement;
    } finally {
      wipe(plaintext);
      if (!verified) opened.wipe();
    }
  }
}

/**
 * {text, unreadable}: the message's text, or {text: null, unreadable: true} if it does not
 * open under `key` or holds no text.
 * @param {Bytes} key
 * @param {Bytes} caseId
 * @param {Item} item
 * @returns {Promise<MessageText>}
 */
async function readMessage(key, caseId, item) {
  try {
    const plaintext = await openItem(key, caseId, item);
    const content = JSON.parse(fromUtf8(plaintext));
    wipe(plaintext);
    if (typeof content?.text !== 'string') throw new Error('no text');
    return { text: content.text, unreadable: false };
  } catch {
    return { text: null, unreadable: true };
  }
}
