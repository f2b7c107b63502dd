// @ts-check
// Key commitment and submission commitment (DESIGN §3.6 and §4, PROTOCOL §4; Rust:
// src/protocol/crypto/commit.rs).
//
// Contract: kc = HMAC-SHA256(thread_key, "meldpunt key commitment v1");
// cmt = SHA-256("meldpunt submission v1" || 0x00 || case_id || kc || for each item sorted by its
// id bytes: u32be(len(item_bytes)) || item_bytes). The receipt carries b64u(cmt). Callers
// reject duplicate item ids (with equal ids the input order would decide).
// Version 2 (DESIGN §11) also binds the labels, the recipient directory and the wrap holders:
// cmt = SHA-256("meldpunt submission v2" || 0x00 || case_id || kc || directory hash ||
// str(theme) || str(unit) || str(relation or "") || u32be(n) || the n distinct holders (`to`)
// sorted by UTF-8 bytes, each str(to) || the items as in version 1), str(x) = u32be(len(x)) ||
// UTF-8(x); a receipt with `dir` carries it (receiptCommitment picks the version).

import { b64uDecode, b64uEncode, concat, u32be, utf8 } from './b64.js';
import { itemBytes } from './item.js';
import { hmacSha256, sha256 } from './primitives.js';

/** @typedef {import('./b64.js').Bytes} Bytes */
/** @typedef {import('./item.js').Item} Item */

const KC_LABEL = utf8('meldpunt key commitment v1');
const CMT_PREFIX = utf8('meldpunt submission v1\u0000');
const CMT_V2_PREFIX = utf8('meldpunt submission v2\u0000');

/** kc = HMAC-SHA256(threadKey, "meldpunt key commitment v1"). @param {Bytes} threadKey */
export function keyCommitment(threadKey) {
  return hmacSha256(threadKey, KC_LABEL);
}

/** @param {Uint8Array} a @param {Uint8Array} b */
function compareBytes(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * cmt over the case id, kc and items (JSON form); returns the 32 raw bytes.
 * @param {Uint8Array} caseId
 * @param {Uint8Array} kc
 * @param {Item[]} items
 */
export function submissionCommitment(caseId, kc, items) {
  return sha256(concat(CMT_PREFIX, caseId, kc, ...itemParts(items)));
}

/** @param {Item[]} items */
function itemParts(items) {
  // Sorting by id bytes: item bytes start with the id, so sorting their byte strings by the
  // first 16 bytes is the Rust order (a stable sort keeps equal ids in input order, like Rust).
  const sorted = items.map(itemBytes).sort((a, b) => compareBytes(a.subarray(0, 16), b.subarray(0, 16)));
  return sorted.flatMap((bytes) => [u32be(bytes.length), bytes]);
}

/** str(x) = u32be(len(UTF-8(x))) || UTF-8(x). @param {string} text */
function str(text) {
  const bytes = utf8(text);
  return concat(u32be(bytes.length), bytes);
}

/**
 * What a version-2 commitment binds besides the case, kc and the items: `directory` is the
 * 32-byte directory hash, `holders` the `to` of every wrap (order and repeats do not matter).
 * @typedef {{ theme: string, unit: string, relation?: string | null, directory: Uint8Array, holders: string[] }} Filing
 */

/**
 * The version-2 cmt (see the module contract); returns the 32 raw bytes.
 * @param {Uint8Array} caseId
 * @param {Uint8Array} kc
 * @param {Filing} filing
 * @param {Item[]} items
 */
export function submissionCommitmentV2(caseId, kc, filing, items) {
  // Rust's BTreeSet<&str>: distinct, in byte order of the UTF-8 (not JS's UTF-16 order).
  const holders = [...new Set(filing.holders)].map(utf8).sort(compareBytes);
  const parts = [CMT_V2_PREFIX, caseId, kc, filing.directory, str(filing.theme), str(filing.unit), str(filing.relation ?? '')];
  parts.push(u32be(holders.length), ...holders.flatMap((h) => [u32be(h.length), h]));
  return sha256(concat(...parts, ...itemParts(items)));
}

/**
 * The cmt a receipt must carry for this case: version 2 with `filed` when the receipt names a
 * directory (`dir`), version 1 for receipts from before directories. Returns b64u.
 * @param {{ dir?: string }} receipt
 * @param {Uint8Array} caseId
 * @param {Uint8Array} kc
 * @param {Item[]} items
 * @param {{ theme: string, unit: string, relation?: string | null, submitted_to: string[] }} filed
 */
export async function receiptCommitment(receipt, caseId, kc, items, filed) {
  if (receipt.dir === undefined) return b64uEncode(await submissionCommitment(caseId, kc, items));
  const filing = { theme: filed.theme, unit: filed.unit, relation: filed.relation, directory: b64uDecode(receipt.dir, 32), holders: filed.submitted_to };
  return b64uEncode(await submissionCommitmentV2(caseId, kc, filing, items));
}
