// @ts-check
// The payload of receipts and statements (DESIGN §4, PROTOCOL §5; Rust:
// src/receipts/payload.rs, StatementPayload and check_shape).
//
// Contract: parsePayload accepts only a JSON object with the known members and their types
// (unknown members are refused, `null` counts as absent, as serde does); checkPayloadShape
// accepts exactly the shapes DESIGN §4 gives a receipt or a later statement. Both call
// `fail(why)` to build the error they throw. Integers must be safe JS integers (< 2^53).

import { b64uDecode, fromUtf8 } from './b64.js';

/** @typedef {'received' | 'acknowledged' | 'investigating' | 'referred' | 'handled_in_line' | 'closed'} Status */
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
 * @property {string} [outcome]
 * @property {'reporter' | 'staff'} [from]
 * @property {string} [item]
 * @property {string} [sub]
 * @property {string} [cmt]
 * @property {string} [prev]
 */
/** Makes the error to throw for a broken rule. @typedef {(why: string) => Error} Fail */

/** @type {unknown[]} */
const KINDS = ['status', 'message', 'identity_viewed'];
/** @type {unknown[]} */
const STATUSES = ['received', 'acknowledged', 'investigating', 'referred', 'handled_in_line', 'closed'];
/** @type {unknown[]} */
const PARTIES = ['reporter', 'staff'];
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
  outcome: { ok: isString },
  from: { ok: (v) => PARTIES.includes(v) },
  item: { ok: isString },
  iat: { required: true, ok: isUint },
  sub: { ok: isString },
  cmt: { ok: isString },
  prev: { ok: isString },
  log: { required: true, ok: isUint },
};

/**
 * Parses payload bytes into an object with absent options deleted; throws fail(why).
 * @param {Uint8Array} bytes
 * @param {Fail} fail
 * @returns {Payload}
 */
export function parsePayload(bytes, fail) {
  let value;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch {
    throw fail('payload is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('payload is not an object');
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
  for (const name of /** @type {const} */ (['sub', 'cmt', 'prev', 'item'])) {
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
    if (!has('sub') || !has('cmt')) throw fail('a receipt carries sub and cmt');
    return;
  }
  if (typ !== 'meldpunt-statement+jws') throw fail('unsupported typ');
  if (p.seq === 0 || !has('prev') || has('sub') || has('cmt')) {
    throw fail('a later statement has seq > 0, prev, and no sub or cmt');
  }
  let ok = false;
  if (p.kind === 'status') {
    ok = has('status') && (!has('outcome') || p.status === 'closed') && !has('from') && !has('item');
  } else if (p.kind === 'message') {
    ok = has('from') && has('item') && !has('status') && !has('outcome');
  } else if (p.kind === 'identity_viewed') {
    ok = !['status', 'outcome', 'from', 'item'].some(has);
  }
  if (!ok) throw fail('fields do not match the statement kind');
}
