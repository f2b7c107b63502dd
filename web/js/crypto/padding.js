// @ts-check
// Length hiding for item plaintexts (DESIGN §3.5, PROTOCOL §4; Rust: src/protocol/crypto/padding.rs):
// Padmé lengths, at least 1 KiB, with ISO/IEC 7816-4 padding (0x80 then zeros).
//
// Contract: pad(pt).length === padmeLen(pt.length) and unpad(pad(x)) equals x. unpad strips
// trailing zeros and one 0x80 and throws on anything else; it does not insist on a Padmé length
// (the AEAD already authenticated what the sender chose). Lengths stay below 2^53.

/** Smallest padded length. */
export const MIN_PADDED_LEN = 1024;

/** ⌊log2 n⌋ for 1 ≤ n < 2^53 (Math.clz32 only covers 32 bits). @param {number} n */
function ilog2(n) {
  let e = 0;
  while (n >= 2 ** (e + 1)) e++;
  return e;
}

/**
 * Padded length for `plaintextLen` bytes (0x80 marker included): L = len+1, E = ⌊log2 L⌋,
 * S = ⌊log2 E⌋+1, mask = 2^(E−S)−1, P = max(1024, (L+mask) & ~mask).
 * @param {number} plaintextLen
 */
export function padmeLen(plaintextLen) {
  const l = plaintextLen + 1;
  if (l <= MIN_PADDED_LEN) return MIN_PADDED_LEN;
  const e = ilog2(l);
  const s = ilog2(e) + 1;
  const step = 2 ** (e - s); // mask + 1; arithmetic instead of bit operators, which are 32-bit
  return Math.ceil(l / step) * step;
}

/** pt || 0x80 || 0x00… to padmeLen(pt.length) bytes. @param {Uint8Array} plaintext */
export function pad(plaintext) {
  const out = new Uint8Array(padmeLen(plaintext.length));
  out.set(plaintext, 0);
  out[plaintext.length] = 0x80;
  return out;
}

/**
 * The plaintext inside ISO/IEC 7816-4 padding (a view into `padded`); throws on bad padding.
 * @template {ArrayBufferLike} B
 * @param {Uint8Array<B>} padded
 * @returns {Uint8Array<B>}
 */
export function unpad(padded) {
  let marker = padded.length - 1;
  while (marker >= 0 && padded[marker] === 0) marker--;
  if (marker < 0 || padded[marker] !== 0x80) throw new Error('invalid padding');
  return padded.subarray(0, marker);
}
