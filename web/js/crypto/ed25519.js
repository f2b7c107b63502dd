// @ts-check
// Strict Ed25519 verification with the rules of ed25519-dalek's `VerifyingKey::from_bytes`,
// `is_weak` and `verify_strict`, which the Rust side uses for note keys (src/protocol/log/note.rs)
// and JWS (src/protocol/statements/jws.rs). WebCrypto does the signature equation; the checks
// around it are here because engines differ on them (Node's importKey takes any 32 bytes, and
// the cofactorless equation accepts a small-order R).
//
// Contract: `decodePoint` decodes a 32-byte encoding as dalek does (y taken mod p, so the few
// non-canonical y are accepted; x = 0 with the sign bit set is accepted) and returns null for
// bytes that are not a curve point. `isSmallOrder` is true for the eight points of order
// dividing 8 (whatever their encoding). `verifyStrict` returns true only when S < L, R decodes
// and is not of small order, A is not of small order, and WebCrypto accepts the signature.
// Everything here is public data, so BigInt arithmetic (not constant-time) is fine.

/** @typedef {import('./b64.js').Bytes} Bytes */
/** @typedef {{ x: bigint, y: bigint }} Point */

const P = 2n ** 255n - 19n;
/** The order of the prime-order subgroup: a signature's S must be below it. */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/** @param {bigint} a */
const mod = (a) => {
  const r = a % P;
  return r < 0n ? r + P : r;
};

/** @param {bigint} base @param {bigint} exponent */
function pow(base, exponent) {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

const D = mod(-121665n * pow(121666n, P - 2n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

/** Little-endian bytes as an integer. @param {Uint8Array} bytes */
function leInteger(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/**
 * The point a 32-byte encoding stands for, or null (dalek's CompressedEdwardsY::decompress).
 * @param {Uint8Array} bytes
 * @returns {Point | null}
 */
export function decodePoint(bytes) {
  if (bytes.length !== 32) return null;
  const sign = bytes[31] >> 7;
  const y = mod(leInteger(bytes) & ((1n << 255n) - 1n));
  const yy = (y * y) % P;
  const u = mod(yy - 1n); // x² = u / v
  const v = mod(D * yy + 1n);
  // sqrt_ratio_i: r = u·v³·(u·v⁷)^((p−5)/8), then fix it up by √−1 when v·r² = −u.
  const v3 = (v * v * v) % P;
  let x = (((u * v3) % P) * pow(u * ((v3 * v3 * v) % P), (P - 5n) / 8n)) % P;
  const check = (v * x * x) % P;
  if (check === mod(-u)) x = (x * SQRT_M1) % P;
  else if (check !== u) return null;
  if (x & 1n) x = P - x; // the non-negative (even) root…
  if (sign) x = mod(-x); // …negated when the sign bit is set (−0 stays 0)
  return { x, y };
}

/**
 * Whether [8]point is the identity: one of the eight small-order points.
 * @param {Point} point
 */
export function isSmallOrder({ x, y }) {
  // Extended coordinates (X:Y:Z), doubling for a = −1 (dbl-2008-hwcd), three times.
  let [X, Y, Z] = [x, y, 1n];
  for (let i = 0; i < 3; i++) {
    const A = (X * X) % P;
    const B = (Y * Y) % P;
    const C = (2n * Z * Z) % P;
    const E = mod((X + Y) * (X + Y) - A - B);
    const G = mod(B - A);
    const F = mod(G - C);
    const H = mod(-A - B);
    [X, Y, Z] = [(E * F) % P, (G * H) % P, (F * G) % P];
  }
  return X === 0n && Y === Z;
}

/**
 * Why `publicKey` cannot be a verifying key: 'invalid' (not a point), 'weak' (small order), or
 * null when it is fine (dalek's from_bytes, then is_weak).
 * @param {Uint8Array} publicKey
 * @returns {'invalid' | 'weak' | null}
 */
export function publicKeyProblem(publicKey) {
  const point = decodePoint(publicKey);
  if (!point) return 'invalid';
  return isSmallOrder(point) ? 'weak' : null;
}

/**
 * verify_strict: `key` is the imported WebCrypto form of the 32 bytes `publicKey`.
 * @param {Uint8Array} publicKey
 * @param {CryptoKey} key
 * @param {Bytes} signature
 * @param {Bytes} message
 * @returns {Promise<boolean>}
 */
export async function verifyStrict(publicKey, key, signature, message) {
  if (signature.length !== 64) return false;
  if (leInteger(signature.subarray(32)) >= L) return false; // a malleable S
  const r = decodePoint(signature.subarray(0, 32));
  if (!r || isSmallOrder(r) || publicKeyProblem(publicKey) !== null) return false;
  return globalThis.crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
}
