// @ts-check
// Byte encodings of the protocol (PROTOCOL.md "Conventions", src/b64.rs).
//
// Contract: b64uEncode/b64uDecode are base64url WITHOUT padding; decoding is strict — no
// padding, no whitespace, no standard-alphabet characters, canonical trailing bits — so one
// byte string has exactly one accepted text, as on the Rust side. b64StdEncode/b64StdDecode are
// standard base64 WITH padding (C2SP checkpoints and signed notes), equally strict. Decoders
// throw TypeError on any deviation. Also: hex helpers, UTF-8 helpers, concatenation, big-endian
// integers, and zeroisation. (No page compares secrets, so there is no constant-time compare.)

/**
 * Byte strings as the crypto modules pass them: over a plain ArrayBuffer, which is what
 * WebCrypto takes (not a SharedArrayBuffer).
 * @typedef {Uint8Array<ArrayBuffer>} Bytes
 */

const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const STD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** @param {string} alphabet */
function reverseTable(alphabet) {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}
const URL_VALUES = reverseTable(URL_ALPHABET);
const STD_VALUES = reverseTable(STD_ALPHABET);

/** @param {string} alphabet @param {Uint8Array} bytes */
function encodeWith(alphabet, bytes) {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += alphabet[n >>> 18] + alphabet[(n >>> 12) & 63] + alphabet[(n >>> 6) & 63] + alphabet[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += alphabet[n >>> 18] + alphabet[(n >>> 12) & 63];
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += alphabet[n >>> 18] + alphabet[(n >>> 12) & 63] + alphabet[(n >>> 6) & 63];
  }
  return out;
}

/**
 * Decodes unpadded text; rejects a length of 1 mod 4, non-zero trailing bits, and a `text`
 * that is not a string at all (it may come straight from JSON).
 * @param {Int16Array} values
 * @param {string} text
 * @returns {Bytes}
 */
function decodeWith(values, text) {
  if (typeof text !== 'string' || text.length % 4 === 1) throw new TypeError('invalid base64');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? values[c] : -1;
    if (v < 0) throw new TypeError('invalid base64 character');
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  // Leftover bits (2 or 4) must be zero: the canonical encoding.
  if ((acc & ((1 << bits) - 1)) !== 0) throw new TypeError('non-canonical base64');
  return out;
}

/** Bytes → base64url without padding. @param {Uint8Array} bytes */
export function b64uEncode(bytes) {
  return encodeWith(URL_ALPHABET, bytes);
}

/**
 * Strict base64url (no padding) → bytes; `length`, if given, must match.
 * @param {string} text
 * @param {number} [length]
 * @returns {Bytes}
 */
export function b64uDecode(text, length) {
  const bytes = decodeWith(URL_VALUES, text);
  if (length !== undefined && bytes.length !== length) {
    throw new TypeError(`expected ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

/** Bytes → standard base64 with padding. @param {Uint8Array} bytes */
export function b64StdEncode(bytes) {
  const text = encodeWith(STD_ALPHABET, bytes);
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

/** Strict padded standard base64 → bytes. @param {string} text @returns {Bytes} */
export function b64StdDecode(text) {
  if (typeof text !== 'string' || text.length % 4 !== 0) throw new TypeError('invalid base64');
  const unpadded = text.replace(/={1,2}$/, '');
  if (unpadded.includes('=')) throw new TypeError('invalid base64 padding');
  // Padding must be exactly what the unpadded length needs (e.g. "AA==" but not "AAA==").
  if ((4 - (unpadded.length % 4)) % 4 !== text.length - unpadded.length) {
    throw new TypeError('invalid base64 padding');
  }
  return decodeWith(STD_VALUES, unpadded);
}

/** Bytes → lower-case hex. @param {Uint8Array} bytes */
export function toHex(bytes) {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Hex (either case) → bytes. @param {string} text @returns {Bytes} */
export function fromHex(text) {
  if (text.length % 2 !== 0 || /[^0-9a-fA-F]/.test(text)) throw new TypeError('invalid hex');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF as Rust's String::from_utf8 does (TextDecoder would strip
// it), so a BOM before JSON is refused on both sides.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** String → UTF-8 bytes. @param {string} text @returns {Bytes} */
export function utf8(text) {
  return encoder.encode(text);
}

/** UTF-8 bytes → string; throws on invalid UTF-8. @param {Uint8Array} bytes */
export function fromUtf8(bytes) {
  return strictDecoder.decode(bytes);
}

/**
 * Concatenation of byte arrays (or numbers, taken as single bytes).
 * @param {...(Uint8Array | number)} parts
 * @returns {Bytes}
 */
export function concat(...parts) {
  const arrays = parts.map((p) => (typeof p === 'number' ? Uint8Array.of(p) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/** u32 big-endian. @param {number} n @returns {Bytes} */
export function u32be(n) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/** u64 big-endian of a safe integer (< 2^53). @param {number} n @returns {Bytes} */
export function u64be(n) {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('u64be needs a safe non-negative integer');
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(n / 2 ** 32));
  view.setUint32(4, n >>> 0);
  return out;
}

/**
 * Overwrites key material with zeros (best effort: JS engines may hold other copies).
 * @param {...(Uint8Array | null | undefined)} arrays
 */
export function wipe(...arrays) {
  for (const a of arrays) if (a) a.fill(0);
}

/** `n` bytes from the platform CSPRNG. @param {number} n @returns {Bytes} */
export function randomBytes(n) {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}
