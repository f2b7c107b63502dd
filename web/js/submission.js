// @ts-check
// One submission before and after its POST (DESIGN §3, §4, §11; Rust: src/clients/reporter.rs
// prepare_submission and check_receipt): encrypt and pad the report, wrap its thread key to the
// reporter and to the readers of a verified recipient directory, commit to all of it with the
// version-2 cmt; then check the receipt the server answers with.
//
// Contract: prepareSubmission wraps to exactly the readers that directory.js's readers() gives
// for the draft's unit (national only when the draft says so) minus the suspended kids, never
// to a key the signed directory does not list, and refuses (TrustError no_reader) a report
// nobody could read. The request names the directory's hash; cmt binds the labels, that hash
// and the wrap holders. checkReceipt accepts a receipt only if its signature verifies against
// the JWKS and its cmt, dir and sub are ours (and ref and iss, when given, the expected ones).
// UnconfirmedSubmissionError is what the flow throws once a POST went out unconfirmed.

import { deriveReporterKeys, displayAccessCode, wipeReporterKeys } from './crypto/access-code.js';
import { b64uDecode, b64uEncode, randomBytes, utf8, wipe } from './crypto/b64.js';
import { keyCommitment, submissionCommitmentV2 } from './crypto/commit.js';
import { readers } from './crypto/directory.js';
import { sealItem } from './crypto/item.js';
import { checkChain } from './crypto/jws.js';
import { TrustError } from './crypto/trust-root.js';
import { sealCaseKey } from './crypto/wrap.js';

/** @typedef {import('./crypto/b64.js').Bytes} Bytes */
/** @typedef {import('./crypto/item.js').Item} Item */
/** @typedef {import('./crypto/wrap.js').Wrap} Wrap */
/** @typedef {import('./crypto/jws.js').TrustedKeys} TrustedKeys */
/** @typedef {import('./crypto/pow.js').Solution} Solution */
/** @typedef {import('./crypto/directory.js').VerifiedDirectory} VerifiedDirectory */
/** A directory that passed checkDirectoryView, with its unsigned suspension list. @typedef {{ directory: VerifiedDirectory, suspended: string[] }} TrustedDirectory */
/**
 * What the reporter submits: the report's answers are encrypted, the rest goes in clear.
 * `nationalOnly`: to the national desk only (a report about one's own unit's intake).
 * @typedef {{ theme: string, unit: string, relation?: string, nationalOnly?: boolean, report: Record<string, string> }} Draft
 */
/** The SubmitRequest of POST /api/v1/reports. @typedef {{ pow: Solution, case_id: string, theme: string, unit: string, relation?: string, reporter_pk: string, verifier: string, binding: string, kc: string, directory: string, national_only?: true, wraps: Wrap[], items: Item[] }} SubmitRequest */
/** A submission before it is posted; the caller wipes threadKey. @typedef {{ request: SubmitRequest, threadKey: Bytes, cmt: string }} Prepared */

/** The `to` of the reporter's own wrap (src/protocol/wire.rs REPORTER). */
export const REPORTER = 'reporter';

/** A receipt or statement that does not check out. */
export class ReceiptError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'ReceiptError';
  }
}

/**
 * A report that left the device without a confirmed receipt. `reason` is 'maybe_sent' (no
 * answer, or a server failure, 5xx: it may be stored) or 'receipt_unchecked' (an answer whose
 * receipt does not check out; `cause` says why). Either way the report may be stored under the
 * access code, so the reporter must be shown it: `accessCode` (16 bytes; the caller wipes it)
 * and `display` are getters over a private field, so printing the error does not print them.
 */
export class UnconfirmedSubmissionError extends Error {
  /** @type {Bytes} */
  #code;

  /** @param {'maybe_sent' | 'receipt_unchecked'} reason @param {Bytes} accessCode @param {unknown} cause */
  constructor(reason, accessCode, cause) {
    super(reason === 'maybe_sent' ? 'the report may have been sent' : 'the receipt does not check out', { cause });
    this.name = 'UnconfirmedSubmissionError';
    this.reason = reason;
    this.#code = accessCode;
  }

  get accessCode() {
    return this.#code;
  }

  get display() {
    return displayAccessCode(this.#code);
  }
}

/**
 * The directory entries a report about `draft.unit` goes to (see the module contract).
 * @param {TrustedDirectory} trusted
 * @param {{ unit: string, nationalOnly?: boolean }} draft
 */
export function readersFor(trusted, draft) {
  return readers(trusted.directory, draft.unit, draft.nationalOnly === true, trusted.suspended);
}

/**
 * Builds the SubmitRequest for `draft` to the readers of `trusted`, for the holder of `code`
 * (16 bytes), with the solved `pow` ({challenge, nonce}). Returns {request, threadKey, cmt
 * (b64u)}; the caller wipes threadKey.
 * @param {TrustedDirectory} trusted
 * @param {Draft} draft
 * @param {Bytes} code
 * @param {Solution} pow
 * @returns {Promise<Prepared>}
 */
export async function prepareSubmission(trusted, draft, code, pow) {
  const to = readersFor(trusted, draft);
  if (to.length === 0) throw new TrustError('no_reader', `nobody can read reports about ${draft.unit} yet`);
  const keys = await deriveReporterKeys(code);
  const caseId = randomBytes(16);
  const threadKey = randomBytes(32);
  const plaintext = utf8(JSON.stringify(draft.report));
  const item = await sealItem(threadKey, caseId, randomBytes(16), 'report', plaintext);
  wipe(plaintext);
  const wraps = [await sealCaseKey(keys.reporterPublic, REPORTER, caseId, 'thread', threadKey)];
  for (const r of to) wraps.push(await sealCaseKey(b64uDecode(r.public_key, 32), r.kid, caseId, 'thread', threadKey));
  const kc = await keyCommitment(threadKey);
  const items = [item];
  const filing = {
    theme: draft.theme,
    unit: draft.unit,
    relation: draft.relation,
    directory: trusted.directory.hash,
    holders: wraps.map((w) => w.to),
  };
  const cmt = b64uEncode(await submissionCommitmentV2(caseId, kc, filing, items));
  /** @type {SubmitRequest} */
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
    directory: trusted.directory.hashB64,
    ...(draft.nationalOnly ? { national_only: /** @type {true} */ (true) } : {}),
    wraps,
    items,
  };
  wipeReporterKeys(keys);
  return { request, threadKey, cmt };
}

/**
 * Verifies a receipt: signature by a key of `keys` (importJwks), our cmt, the directory we
 * wrapped from as dir, our binding as sub, and (when given) the `ref` the server answered
 * with and the `origin` the page was served from as iss. Returns the payload.
 * @param {string} receipt
 * @param {TrustedKeys} keys
 * @param {Prepared} prepared
 * @param {{ ref?: string, origin?: string }} [expected]
 */
export async function checkReceipt(receipt, keys, prepared, { ref, origin } = {}) {
  const payloads = await checkChain([receipt], keys);
  const payload = payloads[0];
  if (payload.cmt !== prepared.cmt) throw new ReceiptError('cmt differs from ours');
  if (payload.dir !== prepared.request.directory) throw new ReceiptError('dir is not the directory we wrapped to');
  if (payload.sub !== prepared.request.binding) throw new ReceiptError('sub differs from our binding');
  if (ref !== undefined && payload.ref !== ref) throw new ReceiptError('ref differs from the answer');
  if (origin && payload.iss !== origin) throw new ReceiptError('iss is not this site');
  return payload;
}
