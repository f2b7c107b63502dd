// @ts-check
// Key commitment and submission commitment (DESIGN §3.6 and §4, PROTOCOL §4; Rust:
// src/protocol/crypto/commit.rs).
//
// Contract: kc = HMAC-SHA256(thread_key, "meldpunt key commitment v1");
// cmt = SHA-256("meldpunt submission v1" || 0x00 || case_id || kc || for each item sorted by its
// id bytes: u32be(len(item_bytes)) || item_bytes). The receipt carries b64u(cmt). Callers
// reject duplicate item ids (with equal ids the input order would decide).

import { concat, u32be, utf8 } from './b64.js';
import { itemBytes } from './item.js';
import { hmacSha256, sha256 } from './primitives.js';

/** @typedef {import('./b64.js').Bytes} Bytes */
/** @typedef {import('./item.js').Item} Item */

const KC_LABEL = utf8('meldpunt key commitment v1');
const CMT_PREFIX = utf8('meldpunt submission v1\u0000');

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
  // Sorting by id bytes: item bytes start with the id, so sorting their byte strings by the
  // first 16 bytes is the Rust order (a stable sort keeps equal ids in input order, like Rust).
  const sorted = items.map(itemBytes).sort((a, b) => compareBytes(a.subarray(0, 16), b.subarray(0, 16)));
  const parts = [CMT_PREFIX, caseId, kc];
  for (const bytes of sorted) parts.push(u32be(bytes.length), bytes);
  return sha256(concat(...parts));
}
