// RFC 9162 §2.1.4.2 consistency proofs, on web/js/crypto/merkle.js's node hash: test code, as
// no page checks consistency (the Rust monitor does, src/log/proof.rs); kept so the vectors of
// tests/js/merkle-note.test.mjs keep pinning the algorithm for a future browser monitor.
//
// Contract: returns a boolean and never throws on bad proofs; sizes are safe integers.
import { sha256 } from '../../../web/js/crypto/primitives.js';
import { nodeHash } from '../../../web/js/crypto/merkle.js';

const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
// Right shift without the 32-bit limit of >>.
const shr = (n) => Math.floor(n / 2);
const isOdd = (n) => n % 2 === 1;

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
