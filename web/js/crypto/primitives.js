// @ts-check
// Thin WebCrypto wrappers shared by the crypto modules (DESIGN §3, PROTOCOL §1–4): SHA-256,
// HMAC-SHA256, HKDF-SHA256 Extract/Expand (RFC 5869) as separate steps, AES-GCM, X25519.
//
// Contract: every function takes and returns Uint8Array and only uses
// `globalThis.crypto.subtle`, so the same file runs in Chromium, Firefox and Node 20.
// HKDF is built from HMAC because WebCrypto's HKDF only offers extract-and-expand in one step,
// and RFC 9180's LabeledExtract/LabeledExpand need the two halves separately.
// X25519 private keys are any 32 bytes (X25519 clamps on use, RFC 7748), imported via PKCS#8,
// the one private-key format Chromium, Firefox and Node all accept without the public key; or
// an X25519 CryptoKey with usage 'deriveBits' (importX25519PrivateKey makes a non-extractable
// one, so a staff key unlocked in the page can be used but never read back out).

/** @typedef {import('./b64.js').Bytes} Bytes */

const subtle = globalThis.crypto.subtle;

/** SHA-256 of `data`. @param {Bytes} data @returns {Promise<Bytes>} */
export async function sha256(data) {
  return new Uint8Array(await subtle.digest('SHA-256', data));
}

/**
 * HMAC-SHA256(key, data). An empty key equals 32 zero bytes in HMAC (RFC 2104 zero-pads).
 * @param {Bytes} key
 * @param {Bytes} data
 * @returns {Promise<Bytes>}
 */
export async function hmacSha256(key, data) {
  // Some WebCrypto implementations refuse zero-length HMAC keys; HMAC pads to the block size
  // with zeros anyway, so 32 zero bytes is the same key.
  const keyBytes = key.length === 0 ? new Uint8Array(32) : key;
  const hmacKey = await subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', hmacKey, data));
}

/**
 * HKDF-Extract(salt, ikm) = HMAC(salt, ikm); an empty salt is HashLen zeros (RFC 5869).
 * @param {Bytes} salt
 * @param {Bytes} ikm
 */
export function hkdfExtract(salt, ikm) {
  return hmacSha256(salt, ikm);
}

/**
 * HKDF-Expand(prk, info, length), length ≤ 255·32.
 * @param {Bytes} prk
 * @param {Bytes} info
 * @param {number} length
 */
export async function hkdfExpand(prk, info, length) {
  if (length > 255 * 32) throw new RangeError('HKDF-Expand length too large');
  const out = new Uint8Array(length);
  let previous = new Uint8Array(0);
  for (let i = 1, filled = 0; filled < length; i++) {
    const input = new Uint8Array(previous.length + info.length + 1);
    input.set(previous, 0);
    input.set(info, previous.length);
    input[input.length - 1] = i;
    previous = await hmacSha256(prk, input);
    out.set(previous.subarray(0, Math.min(32, length - filled)), filled);
    filled += 32;
  }
  return out;
}

/**
 * AES-GCM encryption (key 16 or 32 bytes, 12-byte nonce); returns ct || tag.
 * @param {Bytes} key
 * @param {Bytes} nonce
 * @param {Bytes} plaintext
 * @param {Bytes} aad
 * @returns {Promise<Bytes>}
 */
export async function aesGcmSeal(key, nonce, plaintext, aad) {
  const k = await subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
  return new Uint8Array(
    await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, k, plaintext),
  );
}

/**
 * AES-GCM decryption; throws on any authentication failure.
 * @param {Bytes} key
 * @param {Bytes} nonce
 * @param {Bytes} ciphertext
 * @param {Bytes} aad
 * @returns {Promise<Bytes>}
 */
export async function aesGcmOpen(key, nonce, ciphertext, aad) {
  const k = await subtle.importKey('raw', key, 'AES-GCM', false, ['decrypt']);
  try {
    return new Uint8Array(
      await subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, k, ciphertext),
    );
  } catch {
    throw new Error('decryption failed');
  }
}

// PKCS#8 PrivateKeyInfo header for an X25519 key (RFC 8410): the 32 key bytes follow.
const X25519_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);
// The X25519 base point u = 9: X25519(sk, 9) is sk's public key.
const X25519_BASE_POINT = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 9 : 0));

/**
 * The 32 private bytes as a non-extractable X25519 CryptoKey for deriveBits. The caller wipes
 * `privateKey` afterwards; the PKCS#8 copy made here is wiped before returning.
 * @param {Bytes} privateKey
 * @returns {Promise<CryptoKey>}
 */
export async function importX25519PrivateKey(privateKey) {
  if (privateKey.length !== 32) throw new TypeError('X25519 private key must be 32 bytes');
  const pkcs8 = new Uint8Array(48);
  pkcs8.set(X25519_PKCS8_PREFIX, 0);
  pkcs8.set(privateKey, 16);
  try {
    return await subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, false, ['deriveBits']);
  } finally {
    pkcs8.fill(0);
  }
}

/**
 * X25519(privateKey, publicKey): the 32-byte shared secret. Throws if the result is all zeros
 * (a low-order public key), which WebCrypto refuses and RFC 9180 requires refusing.
 * `privateKey` is 32 raw bytes or an X25519 CryptoKey with usage 'deriveBits'.
 * @param {Bytes | CryptoKey} privateKey
 * @param {Bytes} publicKey
 * @returns {Promise<Bytes>}
 */
export async function x25519(privateKey, publicKey) {
  if (publicKey.length !== 32) throw new TypeError('X25519 public key must be 32 bytes');
  const sk = privateKey instanceof Uint8Array ? await importX25519PrivateKey(privateKey) : privateKey;
  const pk = await subtle.importKey('raw', publicKey, { name: 'X25519' }, false, []);
  let shared;
  try {
    shared = new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: pk }, sk, 256));
  } catch {
    throw new Error('invalid X25519 public key');
  }
  // Belt and braces: not every engine has always refused the all-zero output.
  if (shared.every((b) => b === 0)) throw new Error('invalid X25519 public key');
  return shared;
}

/** The X25519 public key of any 32 private bytes: X25519(sk, basepoint). @param {Bytes} privateKey */
export function x25519PublicKey(privateKey) {
  return x25519(privateKey, X25519_BASE_POINT);
}
