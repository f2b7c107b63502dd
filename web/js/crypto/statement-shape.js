// @ts-check
// The payload of receipts and statements (DESIGN §4, PROTOCOL §5; Rust:
// src/protocol/statements/payload.rs, StatementBody and Flat::typed).
//
// Contract: parsePayload accepts only a JSON object with the known members and their types
// (unknown members are refused, `null` counts as absent, as serde does), read as serde_json
// reads it: a member given twice is refused (JSON.parse would keep the last), numbers are
// integers written without fraction or exponent (serde's u64 refuses 3600.0 and 36e2), and no
// string holds a lone surrogate escape. checkPayloadShape accepts exactly the shapes of Rust's
// typed table, each kind with exactly its fields and closed sets of values:
//
// | kind | typ | fields besides iss, ref, seq, iat, log |
// |---|---|---|
// | receipt (no kind; seq 0) | receipt | status received, sub, cmt, dir (version-2 commitments only) |
// | status | statement | status (not received), outcome (one of OUTCOMES) exactly when closed, prev |
// | message | statement | from (reporter or staff), item, prev |
// | identity_viewed | statement | prev |
//
// Both call `fail(why)` to build the error they throw. Integers must be safe JS integers
// (< 2^53). The conformance testkit (tests/testkit/) pins this file and Rust to the same verdicts.

import { b64uDecode, fromUtf8 } from './b64.js';

/** @typedef {'received' | 'acknowledged' | 'investigating' | 'referred' | 'handled_in_line' | 'closed'} Status */
/** @typedef {'handled_in_line' | 'internal_investigation' | 'national_triage' | 'referred' | 'no_further_action'} Outcome */
/**
 * A receipt's or statement's payload as parsePayload returns it: the members present, absent
 * options (and `null`) left out; checkPayloadShape then fixes which are there for which kind.
 * @typedef {object} Payload
 * @property {string} iss
 * @property {string} ref
 * @property {number} seq
 * @property {number} iat
 * @property {number} log
 * @property {'status' | 'message' | 'identity_viewed'} [kind]
 * @property {Status} [status]
 * @property {Outcome} [outcome]
 * @property {'reporter' | 'staff'} [from]
 * @property {string} [item]
 * @property {string} [sub]
 * @property {string} [cmt]
 * @property {string} [dir] the receipt's directory hash (b64u): its cmt is version 2
 * @property {string} [prev]
 */
/** Makes the error to throw for a broken rule. @typedef {(why: string) => Error} Fail */

/** @type {unknown[]} */
const KINDS = ['status', 'message', 'identity_viewed'];
/** @type {unknown[]} */
const STATUSES = ['received', 'acknowledged', 'investigating', 'referred', 'handled_in_line', 'closed'];
/** @type {unknown[]} */
const PARTIES = ['reporter', 'staff'];
/** The triage outcomes (Rust: protocol::roles::Outcome). @type {unknown[]} */
const OUTCOMES = ['handled_in_line', 'internal_investigation', 'national_triage', 'referred', 'no_further_action'];
const U32_MAX = 2 ** 32 - 1;

/** @param {unknown} v */
const isString = (v) => typeof v === 'string';
/** @param {unknown} v */
const isUint = (v) => Number.isSafeInteger(v) && /** @type {number} */ (v) >= 0;
/** @type {Record<string, { required?: boolean, ok: (v: unknown) => boolean }>} */
const MEMBERS = {
  iss: { required: true, ok: isString },
  ref: { required: true, ok: isString },
  seq: { required: true, ok: (v) => isUint(v) && /** @type {number} */ (v) <= U32_MAX },
  kind: { ok: (v) => KINDS.includes(v) },
  status: { ok: (v) => STATUSES.includes(v) },
  outcome: { ok: (v) => OUTCOMES.includes(v) },
  from: { ok: (v) => PARTIES.includes(v) },
  item: { ok: isString },
  iat: { required: true, ok: isUint },
  sub: { ok: isString },
  cmt: { ok: isString },
  dir: { ok: isString },
  prev: { ok: isString },
  log: { required: true, ok: isUint },
};

// One JSON token: a string, a number, a literal, or punctuation (whitespace between them).
const TOKEN = /\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|[{}[\]:,])/gy;

/**
 * What serde_json refuses in text JSON.parse has already accepted: a member name twice in the
 * top-level object, a number with a fraction or an exponent, a lone surrogate escape.
 * @param {string} text valid JSON
 * @returns {string | null} why it is refused, or null
 */
function serdeProblem(text) {
  const names = new Set();
  let depth = 0;
  let previous = '';
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    const token = m[1];
    if (token === '{' || token === '[') depth++;
    else if (token === '}' || token === ']') depth--;
    else if (token.startsWith('"')) {
      const value = JSON.parse(token);
      if (/\p{Cs}/u.test(value)) return 'a string holds a lone surrogate';
      // A string right after `{` or `,` in the top-level object is a member name.
      if (depth === 1 && (previous === '{' || previous === ',')) {
        if (names.has(value)) return `duplicate field ${value}`;
        names.add(value);
      }
    } else if (/^-?\d/.test(token) && !/^-?\d+$/.test(token)) return 'numbers are integers';
    previous = token;
  }
  return null;
}

/**
 * Parses payload bytes into an object with absent options deleted; throws fail(why).
 * @param {Uint8Array} bytes
 * @param {Fail} fail
 * @returns {Payload}
 */
export function parsePayload(bytes, fail) {
  let text, value;
  try {
    text = fromUtf8(bytes);
    value = JSON.parse(text);
  } catch {
    throw fail('payload is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('payload is not an object');
  const problem = serdeProblem(text);
  if (problem) throw fail(problem);
  /** @type {Record<string, unknown>} */
  const payload = {};
  for (const [name, v] of Object.entries(value)) {
    const rule = MEMBERS[name];
    if (!rule || !Object.hasOwn(MEMBERS, name)) throw fail(`unknown field ${name}`);
    if (v === null && !rule.required) continue;
    if (!rule.ok(v)) throw fail(`invalid ${name}`);
    payload[name] = v;
  }
  for (const [name, rule] of Object.entries(MEMBERS)) {
    if (rule.required && !(name in payload)) throw fail(`missing field ${name}`);
  }
  // Every member passed its rule and every required one is there: the shape of Payload.
  return /** @type {Payload} */ (/** @type {unknown} */ (payload));
}

/** @param {string} text */
function isHash(text) {
  try {
    b64uDecode(text, 32);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `p` has exactly the shape DESIGN §4 gives statements of type `typ`.
 * @param {Payload} p
 * @param {string} typ
 * @param {Fail} fail
 */
export function checkPayloadShape(p, typ, fail) {
  for (const name of /** @type {const} */ (['sub', 'cmt', 'dir', 'prev', 'item'])) {
    const value = p[name];
    if (value !== undefined && !isHash(value)) throw fail('hash fields must be b64u of 32 bytes');
  }
  if (p.iat % 3600 !== 0) throw fail('iat must be truncated to the hour');
  /** @param {string} name */
  const has = (name) => name in p;
  if (typ === 'meldpunt-receipt+jws') {
    const receiptOnly = !['kind', 'outcome', 'from', 'item', 'prev'].some(has);
    if (p.seq !== 0 || p.status !== 'received' || !receiptOnly) {
      throw fail('a receipt has seq 0, status received, and no statement fields');
    }
    if (!has('sub') || !has('cmt')) throw fail('a receipt carries sub and cmt (and dir)');
    return;
  }
  if (typ !== 'meldpunt-statement+jws') throw fail('unsupported typ');
  if (p.seq === 0 || !has('prev') || has('sub') || has('cmt') || has('dir')) {
    throw fail('a later statement has seq > 0, prev, and no sub, cmt or dir');
  }
  let ok = false;
  if (p.kind === 'status') {
    // Rust's StatusChange: any status but received, with an outcome exactly when closed.
    ok = has('status') && p.status !== 'received' && has('outcome') === (p.status === 'closed') && !has('from') && !has('item');
  } else if (p.kind === 'message') {
    ok = has('from') && has('item') && !has('status') && !has('outcome');
  } else if (p.kind === 'identity_viewed') {
    ok = !['status', 'outcome', 'from', 'item'].some(has);
  }
  if (!ok) throw fail('fields do not match the statement kind');
}
