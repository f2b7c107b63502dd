// @ts-check
// The installation's trust root (DESIGN §11; Rust: src/protocol/trust/root.rs): the file the
// web bundle serves as /trust-root.json, so the published bundle hash covers it. It names the
// directory officers and how many must sign a recipient directory, the log's note key, and the
// witnesses and how many must cosign a checkpoint. Also the error every trust check throws.
//
// Contract: parseTrustRoot(text) accepts exactly what Rust's TrustRoot::parse accepts — the
// documented members and no others, v 1, an http(s) origin of at most 200 bytes, 2 to 16
// officers with distinct 32-byte keys and a threshold from 2 to their number, 1 to 16
// witnesses with distinct vkeys and a witness threshold from 1 to their number, names of 1 to
// 100 bytes without control characters, and a log key that parses as a note verifier key —
// and one thing more: every witness vkey must parse as a cosignature key under its own name
// (Rust skips a vkey that does not, JS would throw later; a broken root must be loud at load).
// Anything else throws TrustError('bad_root'). The result is the JSON as read (snake_case).

import { b64uDecode, utf8 } from './b64.js';
import { parseCosignerKey } from './cosignature.js';
import { parseNoteVerifierKey } from './note.js';

/**
 * Why a trust root, directory or witnessed checkpoint was refused. `code` is stable (the
 * testkit's outcome names and the page's message keys): bad_root, malformed, not_canonical,
 * wrong_origin, unknown_signer, duplicate_signer, bad_signature, no_quorum, discontinuous,
 * log_signature, checkpoint_origin, not_witnessed, seq_mismatch, not_yet_logged,
 * not_included, no_reader.
 */
export class TrustError extends Error {
  /** @param {string} code @param {string} [detail] */
  constructor(code, detail = code) {
    super(`refused: ${detail}`);
    this.name = 'TrustError';
    this.code = code;
  }
}

/** @typedef {{ name: string, public_key: string }} Officer */
/** @typedef {{ name: string, vkey: string, url?: string }} Witness */
/**
 * A parsed, valid trust root.
 * @typedef {{ v: 1, origin: string, officers: Officer[], threshold: number, log_key: string, witnesses: Witness[], witness_threshold: number, development?: boolean }} TrustRoot
 */

/** Whether `value` is a plain object with exactly the `required` members and some of `optional`. @param {unknown} value @param {string[]} required @param {string[]} [optional] */
export function hasExactMembers(value, required, optional = []) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const names = Object.keys(value);
  return required.every((n) => names.includes(n)) && names.every((n) => required.includes(n) || optional.includes(n));
}

/** A non-negative safe integer (JS cannot hold the u64 values above 2^53). @param {unknown} v */
export const isUint = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** @param {unknown} name */
const validName = (name) =>
  typeof name === 'string' && name.length > 0 && utf8(name).length <= 100 && !/[\p{Cc}\p{Cs}]/u.test(name);

/** @param {string} why @returns {never} */
function bad(why) {
  throw new TrustError('bad_root', `the trust root is invalid: ${why}`);
}

/**
 * Parses and validates the trust root's text (see the module contract).
 * @param {string} text
 * @returns {Promise<TrustRoot>}
 */
export async function parseTrustRoot(text) {
  /** @type {any} */
  let root;
  try {
    root = JSON.parse(text);
  } catch {
    bad('not JSON');
  }
  const members = ['v', 'origin', 'officers', 'threshold', 'log_key', 'witnesses', 'witness_threshold'];
  if (!hasExactMembers(root, members, ['development'])) bad('unknown or missing members');
  if (root.v !== 1) bad('this program reads version 1');
  if (typeof root.origin !== 'string' || !/^https?:\/\//.test(root.origin) || utf8(root.origin).length > 200) bad('origin');
  if (typeof root.log_key !== 'string' || (root.development !== undefined && typeof root.development !== 'boolean')) bad('types');
  if (!Array.isArray(root.officers) || root.officers.length < 2 || root.officers.length > 16) bad('2 to 16 officers');
  if (!isUint(root.threshold) || root.threshold < 2 || root.threshold > root.officers.length) bad('threshold');
  const keys = new Set();
  for (const o of root.officers) {
    if (!hasExactMembers(o, ['name', 'public_key']) || !validName(o.name) || typeof o.public_key !== 'string') bad('officer');
    try {
      b64uDecode(o.public_key, 32);
    } catch {
      bad('officer key');
    }
    keys.add(o.public_key);
  }
  if (keys.size !== root.officers.length) bad('two officers have the same key');
  if (!Array.isArray(root.witnesses) || root.witnesses.length < 1 || root.witnesses.length > 16) bad('1 to 16 witnesses');
  if (!isUint(root.witness_threshold) || root.witness_threshold < 1 || root.witness_threshold > root.witnesses.length) bad('witness_threshold');
  for (const w of root.witnesses) {
    if (!hasExactMembers(w, ['name', 'vkey'], ['url']) || !validName(w.name) || typeof w.vkey !== 'string') bad('witness');
    if (w.url !== undefined && typeof w.url !== 'string') bad('witness url');
    try {
      if ((await parseCosignerKey(w.vkey)).name !== w.name) bad('a witness vkey names another witness');
    } catch (e) {
      if (e instanceof TrustError) throw e;
      bad('a witness vkey does not parse');
    }
  }
  if (new Set(root.witnesses.map((/** @type {Witness} */ w) => w.vkey)).size !== root.witnesses.length) bad('two witnesses have the same key');
  try {
    await parseNoteVerifierKey(root.log_key);
  } catch {
    bad('log_key is not a note verifier key');
  }
  return /** @type {TrustRoot} */ (root);
}
