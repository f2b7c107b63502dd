// Staff password-derived keys (DESIGN §3.7; vectors: tests/vectors/meldpunt-staff.json), in
// JavaScript for the vector test only: no page uses them yet (the staff web app will, and this
// moves back under web/js/ with it).
//
// Contract: master = PBKDF2-HMAC-SHA256(UTF-8 password, kdfSalt, iterations, 32 bytes);
// prk = HKDF-Extract("meldpunt staff v1", master); authHash = Expand(prk, "auth", 32) is what
// the server sees; wrapKey = Expand(prk, "key wrap", 32) encrypts the staff X25519 private key
// with AES-256-GCM, aad = "meldpunt staff key v1" || user id, so the server only ever stores
// ciphertext. Callers wipe master, wrapKey and private keys when done.

import { b64uDecode, b64uEncode, concat, randomBytes, utf8, wipe } from '../../../web/js/crypto/b64.js';
import { aesGcmOpen, aesGcmSeal, hkdfExpand, hkdfExtract } from '../../../web/js/crypto/primitives.js';

const HKDF_SALT = utf8('meldpunt staff v1');
const AAD_PREFIX = utf8('meldpunt staff key v1');

/** {master, authHash, wrapKey}, each Uint8Array(32). */
export async function deriveStaffKeys(password, kdfSalt, iterations) {
  const subtle = globalThis.crypto.subtle;
  const passwordBytes = utf8(password);
  const base = await subtle.importKey('raw', passwordBytes, 'PBKDF2', false, ['deriveBits']);
  wipe(passwordBytes);
  const master = new Uint8Array(await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: kdfSalt, iterations }, base, 256));
  const prk = await hkdfExtract(HKDF_SALT, master);
  const authHash = await hkdfExpand(prk, utf8('auth'), 32);
  const wrapKey = await hkdfExpand(prk, utf8('key wrap'), 32);
  wipe(prk);
  return { master, authHash, wrapKey };
}

/** Encrypts the 32-byte private key: {nonce, ct} in b64u. `nonce` only for test vectors. */
export async function wrapStaffPrivateKey(wrapKey, userId, privateKey, nonce = randomBytes(12)) {
  const ct = await aesGcmSeal(wrapKey, nonce, privateKey, concat(AAD_PREFIX, userId));
  return { nonce: b64uEncode(nonce), ct: b64uEncode(ct) };
}

/** Decrypts a wrapped private key; throws on a wrong password, user id or byte. */
export async function unwrapStaffPrivateKey(wrapKey, userId, wrapped) {
  const key = await aesGcmOpen(wrapKey, b64uDecode(wrapped.nonce, 12), b64uDecode(wrapped.ct, 48), concat(AAD_PREFIX, userId));
  if (key.length !== 32) throw new Error('decryption failed');
  return key;
}
