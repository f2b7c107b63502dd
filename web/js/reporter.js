// The reporter's flow in the browser (DESIGN §3, §4, §8; PROTOCOL §2–7, §12), the JavaScript
// twin of src/client/reporter.rs: make the access code, encrypt and pad the report, wrap the
// thread key to the reporter and to the unit's and national recipients, solve the proof of
// work, submit, and refuse the answer unless the receipt verifies against the JWKS with our
// cmt and our binding as sub. Later: read the case with the code (statement chain, log
// inclusion against the signed checkpoint, decryption) and send messages.
//
// Contract: nothing secret leaves the device but the bearer token b64u(auth_key); plaintext
// and keys stay in memory, wiped where practical. Every failed check throws; nothing that
// failed a check is returned.

import { Api } from './api.js';
import { deriveReporterKeys, displayAccessCode, generateAccessCode, parseAccessCode, wipeReporterKeys } from './crypto/access-code.js';
import { b64uDecode, b64uEncode, fromUtf8, randomBytes, utf8, wipe } from './crypto/b64.js';
import { keyCommitment, submissionCommitment } from './crypto/commit.js';
import { itemHash, openItem, sealItem } from './crypto/item.js';
import { checkChain, importJwks } from './crypto/jws.js';
import { solvePow } from './crypto/pow.js';
import { openCaseKey, sealCaseKey } from './crypto/wrap.js';
import { verifyCaseLog } from './log-check.js';

/** The recipient unit that receives every report (src/domain.rs NATIONAL_UNIT). */
export const NATIONAL_UNIT = 'national';
const REPORTER = 'reporter';

/** A receipt or statement that does not check out. */
export class ReceiptError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ReceiptError';
  }
}

/** Recipients whose unit is the report's unit or national (src/reporting.rs recipients_for). */
export function recipientsFor(recipients, unit) {
  return recipients.filter((r) => r.unit === unit || r.unit === NATIONAL_UNIT);
}

/**
 * Builds the SubmitRequest for `draft` ({theme, unit, relation?, report: object}) against
 * `config`, for the holder of `code` (16 bytes), with the solved `pow` ({challenge, nonce}).
 * Returns {request, threadKey, cmt (b64u)}; the caller wipes threadKey.
 */
export async function prepareSubmission(config, draft, code, pow) {
  const keys = await deriveReporterKeys(code);
  const caseId = randomBytes(16);
  const threadKey = randomBytes(32);
  const plaintext = utf8(JSON.stringify(draft.report));
  const item = await sealItem(threadKey, caseId, randomBytes(16), 'report', plaintext);
  wipe(plaintext);
  const wraps = [await sealCaseKey(keys.reporterPublic, REPORTER, caseId, 'thread', threadKey)];
  for (const r of recipientsFor(config.recipients, draft.unit)) {
    wraps.push(await sealCaseKey(b64uDecode(r.public_key, 32), r.kid, caseId, 'thread', threadKey));
  }
  const kc = await keyCommitment(threadKey);
  const items = [item];
  const cmt = b64uEncode(await submissionCommitment(caseId, kc, items));
  const request = {
    pow: { challenge: pow.challenge, nonce: pow.nonce },
    case_id: b64uEncode(caseId),
    theme: draft.theme,
    unit: draft.unit,
    ...(draft.relation ? { relation: draft.relation } : {}),
    reporter_pk: b64uEncode(keys.reporterPublic),
    verifier: b64uEncode(keys.verifier),
    binding: b64uEncode(keys.binding),
    kc: b64uEncode(kc),
    wraps,
    items,
  };
  wipeReporterKeys(keys);
  return { request, threadKey, cmt };
}

/** Verifies a receipt: signature by a JWKS key, our cmt, our binding as sub. Returns the payload. */
export async function checkReceipt(receipt, jwks, prepared) {
  const payloads = await checkChain([receipt], await importJwks(jwks));
  const payload = payloads[0];
  if (payload.cmt !== prepared.cmt) throw new ReceiptError('cmt differs from ours');
  if (payload.sub !== prepared.request.binding) throw new ReceiptError('sub differs from our binding');
  return payload;
}

function codeBytes(code) {
  return typeof code === 'string' ? parseAccessCode(code) : code;
}

export class ReporterClient {
  /** `base`: the server origin, '' for the page's own. */
  constructor(base = '') {
    this.api = new Api(base);
  }

  getConfig() {
    return this.api.getJson('/api/v1/config');
  }

  /** A challenge {challenge (b64u), bits}. */
  getPow() {
    return this.api.getJson('/api/v1/pow');
  }

  getJwks() {
    return this.api.getJson('/.well-known/jwks.json');
  }

  /** Fetches a challenge and solves it here (Node; in a page, pass solve = solveInWorker). */
  async solvePow({ solve, onProgress } = {}) {
    const challenge = await this.getPow();
    if (solve) return solve(challenge, { onProgress });
    return { challenge: challenge.challenge, nonce: solvePow(b64uDecode(challenge.challenge), challenge.bits, { onProgress }) };
  }

  /** Posts a prepared submission and checks its receipt; returns {ref, receipt, payload}. */
  async submitPrepared(prepared) {
    const response = await this.api.postJson('/api/v1/reports', prepared.request);
    const payload = await checkReceipt(response.receipt, await this.getJwks(), prepared);
    return { ref: response.ref, receipt: response.receipt, payload };
  }

  /**
   * The whole flow for `draft`: a new code, encryption, proof of work, submission, receipt
   * check. Returns {code (bytes), display, caseId, ref, receipt, payload}.
   */
  async submit(draft, options = {}) {
    const config = await this.getConfig();
    const code = generateAccessCode();
    const pow = await this.solvePow(options);
    const prepared = await prepareSubmission(config, draft, code, pow);
    wipe(prepared.threadKey);
    const result = await this.submitPrepared(prepared);
    return { code, display: displayAccessCode(code), caseId: prepared.request.case_id, ...result };
  }

  async token(code) {
    const keys = await deriveReporterKeys(codeBytes(code));
    const token = b64uEncode(keys.authKey);
    wipeReporterKeys(keys);
    return token;
  }

  /** The case view as the server sends it (PROTOCOL §7). `code`: text or 16 bytes. */
  async rawCase(code) {
    return this.api.getJson('/api/v1/reporter/case', await this.token(code));
  }

  /** Opens the reporter's thread key from the view's wraps. */
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
   * Reads and checks the case: the statement chain against the JWKS, the receipt's sub and cmt
   * against our code and the report, every inclusion proof against the signed checkpoint
   * (note key from the server unless `logKey` pins one), then decrypts the items.
   * Returns {view, statements, report, messages: [{from, text, seq, iat}], log}.
   */
  async readCase(code, { logKey } = {}) {
    const bytes = codeBytes(code);
    const view = await this.rawCase(bytes);
    const statements = await checkChain(view.statements, await importJwks(await this.getJwks()));
    const log = await verifyCaseLog(view, statements, logKey ?? (view.checkpoint ? await this.api.getText('/api/v1/log/key') : null));
    const caseId = b64uDecode(view.case_id, 16);
    const key = await this.threadKey(bytes, view);
    const keys = await deriveReporterKeys(bytes);
    const binding = b64uEncode(keys.binding);
    wipeReporterKeys(keys);
    if (statements[0].sub !== binding) throw new ReceiptError('the receipt is not bound to this access code');
    try {
      let report = null;
      const messages = [];
      for (const item of view.items) {
        const plaintext = await openItem(key, caseId, item);
        const content = JSON.parse(fromUtf8(plaintext));
        wipe(plaintext);
        if (item.kind === 'report') {
          const cmt = b64uEncode(await submissionCommitment(caseId, await keyCommitment(key), [item]));
          if (cmt !== statements[0].cmt) throw new ReceiptError('the receipt does not commit to this report');
          report = content;
        } else if (item.kind === 'message') {
          const hash = b64uEncode(await itemHash(item));
          // Each message must have its own signed statement, so the server can neither insert
          // a message nor show one twice.
          const statement = statements.find((s) => s.kind === 'message' && s.item === hash);
          if (!statement || messages.some((m) => m.seq === statement.seq)) {
            throw new ReceiptError('a message has no signed statement of its own');
          }
          messages.push({ from: statement.from, text: content.text, seq: statement.seq, iat: statement.iat });
        }
      }
      if (report === null) throw new ReceiptError('the case has no report');
      messages.sort((a, b) => a.seq - b.seq);
      return { view, statements, report, messages, log };
    } finally {
      wipe(key);
    }
  }

  /** Encrypts {"text": text} to the case's thread key and sends it; returns the statement JWS. */
  async sendMessage(code, text) {
    const bytes = codeBytes(code);
    const view = await this.rawCase(bytes);
    const key = await this.threadKey(bytes, view);
    const plaintext = utf8(JSON.stringify({ text }));
    try {
      const item = await sealItem(key, b64uDecode(view.case_id, 16), randomBytes(16), 'message', plaintext);
      const response = await this.api.postJson('/api/v1/reporter/messages', item, await this.token(bytes));
      return response.statement;
    } finally {
      wipe(key, plaintext);
    }
  }
}
