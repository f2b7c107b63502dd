// @ts-check
// RFC 9162 Merkle tree hashing and inclusion proofs (DESIGN §6, PROTOCOL §12; Rust:
// src/protocol/log/proof.rs), written from RFC 9162 §2.1.3.2. (No page checks consistency proofs; that
// verifier is test code, tests/js/lib/consistency.mjs.)
//
// Contract: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || l || r). Every log leaf is a
// statement's JWS (its ASCII bytes). verifyInclusion returns a boolean and never
// throw on bad proofs. Indices and sizes are safe integers (< 2^53). Everything here is public
// data, so comparisons need not be constant-time.

import { concat, utf8 } from './b64.js';
import { sha256 } from './primitives.js';

/**
 * SHA-256(0x00 || leaf); a string leaf is taken as its UTF-8 (for a JWS: ASCII) bytes.
 * @param {string | Uint8Array} leaf
 */
export function leafHash(leaf) {
  return sha256(concat(0x00, typeof leaf === 'string' ? utf8(leaf) : leaf));
}

/** SHA-256(0x01 || l || r). @param {Uint8Array} l @param {Uint8Array} r */
export function nodeHash(l, r) {
  return sha256(concat(0x01, l, r));
}

/** @param {Uint8Array} a @param {Uint8Array} b */
function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Right shift without the 32-bit limit of >>. @param {number} n */
const shr = (n) => Math.floor(n / 2);
/** @param {number} n */
const isOdd = (n) => n % 2 === 1;

/**
 * RFC 9162 §2.1.3.2: whether `path` proves `leafHash` at `index` in the tree of `size` with `root`.
 * @param {Uint8Array} leafHashBytes
 * @param {number} index
 * @param {number} size
 * @param {Uint8Array[]} path
 * @param {Uint8Array} root
 */
export async function verifyInclusion(leafHashBytes, index, size, path, root) {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size)) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHashBytes;
  for (const p of path) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = shr(fn);
        sn = shr(sn);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = shr(fn);
    sn = shr(sn);
  }
  return sn === 0 && equal(r, root);
}
