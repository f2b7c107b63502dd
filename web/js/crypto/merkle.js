// RFC 9162 Merkle tree hashing and proof verification (DESIGN §6, PROTOCOL §12; Rust:
// src/log/proof.rs), written from RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency).
//
// Contract: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || l || r). Every log leaf is a
// statement's JWS (its ASCII bytes). verifyInclusion/verifyConsistency return booleans and never
// throw on bad proofs. Indices and sizes are safe integers (< 2^53). Everything here is public
// data, so comparisons need not be constant-time.

import { concat, utf8 } from './b64.js';
import { sha256 } from './primitives.js';

/** SHA-256(0x00 || leaf); a string leaf is taken as its UTF-8 (for a JWS: ASCII) bytes. */
export function leafHash(leaf) {
  return sha256(concat(0x00, typeof leaf === 'string' ? utf8(leaf) : leaf));
}

/** SHA-256(0x01 || l || r). */
export function nodeHash(l, r) {
  return sha256(concat(0x01, l, r));
}

function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// Right shift without the 32-bit limit of >>.
const shr = (n) => Math.floor(n / 2);
const isOdd = (n) => n % 2 === 1;

/** RFC 9162 §2.1.3.2: whether `path` proves `leafHash` at `index` in the tree of `size` with `root`. */
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

/**
 * RFC 9162 §2.1.4.2: whether `path` proves the tree of `newSize` with `newRoot` extends the tree
 * of `oldSize` with `oldRoot`. Edge cases as in Rust: old == new needs an empty path and equal
 * roots; old == 0 an empty path and the empty tree's root; old > new fails.
 */
export async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, path) {
  if (oldSize > newSize || oldSize < 0) return false;
  if (oldSize === 0) return path.length === 0 && equal(oldRoot, await sha256(new Uint8Array(0)));
  if (oldSize === newSize) return path.length === 0 && equal(oldRoot, newRoot);
  if (path.length === 0) return false;
  const isPowerOfTwo = Number.isInteger(Math.log2(oldSize));
  const full = isPowerOfTwo ? [oldRoot, ...path] : [...path];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = shr(fn);
    sn = shr(sn);
  }
  let fr = full[0];
  let sr = full[0];
  for (const c of full.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = shr(fn);
        sn = shr(sn);
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = shr(fn);
    sn = shr(sn);
  }
  return equal(fr, oldRoot) && equal(sr, newRoot) && sn === 0;
}
