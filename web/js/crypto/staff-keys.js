// @ts-check
// The staff client's password-derived keys and its X25519 key pair (DESIGN §3.7; Rust:
// src/protocol/staff_keys.rs; pinned by tests/vectors/meldpunt-staff.json).
//
// Contract:
// - master = PBKDF2-HMAC-SHA256(UTF-8 password, kdf salt (16 bytes), iterations, 32 bytes);
//   prk = HKDF-Extract(salt = "meldpunt staff v1", master); auth_hash = HKDF-Expand(prk,
//   "auth", 32) goes to the server; wrap_key = HKDF-Expand(prk, "key wrap", 32) never leaves
//   the page: deriveStaffSecrets hands it out only as a non-extractable AES-GCM CryptoKey.
// - The wrapped private key is {nonce (b64u 12), ct (b64u 48)} with ct = AES-256-GCM(wrap_key,
//   nonce, private key (32 bytes), aad = "meldpunt staff key v1" || user id (its 16 raw
//   bytes, as Rust's wrap_aad; b64u on the wire)).
// - unwrapPrivateKey returns the private key only as a non-extractable X25519 CryptoKey
//   (usage deriveBits) with its public key; the raw bytes exist only inside the call and are
//   wiped before it returns, whether it succeeds or not. Any wrong password, user id or byte
//   throws StaffKeyError('wrong_password').
// - Every intermediate secret (password bytes, master, prk, raw wrap key) is wiped after use.
// - deriveStaffKeyBytes gives the raw bytes, for the vector test only: pages never call it.

import { b64uDecode, b64uEncode, concat, randomBytes, utf8, wipe } from './b64.js';
import { hkdfExpand, hkdfExtract, importX25519PrivateKey, x25519PublicKey } from './primitives.js';

/** @typedef {import('./b64.js').Bytes} Bytes */
/** The wrapped private key as it travels (staff_wire WrappedKey). @typedef {{ nonce: string, ct: string }} WrappedKey */
/** What a password derives to in a page. @typedef {{ authHash: Bytes, wrapKey: CryptoKey }} StaffSecrets */
/** An unlocked staff key: usable for X25519, never readable. @typedef {{ privateKey: CryptoKey, publicKey: Bytes }} StaffKey */

const HKDF_SALT = utf8('meldpunt staff v1');
const WRAP_AAD_PREFIX = utf8('meldpunt staff key v1');
/** A wrapped key's ciphertext: 32 bytes and the 16-byte GCM tag (WRAPPED_KEY_CT_LEN). */
export const WRAPPED_KEY_CT_LEN = 48;
const subtle = globalThis.crypto.subtle;

/** Why a staff key could not be unwrapped or does not belong to the account. */
export class StaffKeyError extends Error {
  /** @param {'wrong_password' | 'key_mismatch' | 'bad_input'} code @param {string} message */
  constructor(code, message) {
    super(message);
    this.name = 'StaffKeyError';
    this.code = code;
  }
}

/** @param {Bytes | string} userId 16 bytes, or their b64u @returns {Bytes} */
function userIdBytes(userId) {
  if (userId instanceof Uint8Array && userId.length === 16) return userId;
  try {
    if (typeof userId === 'string') return b64uDecode(userId, 16);
  } catch {
    // fall through to the one error below
  }
  throw new StaffKeyError('bad_input', 'a user id is 16 bytes');
}

/** @param {Bytes | string} userId */
function wrapAad(userId) {
  return concat(WRAP_AAD_PREFIX, userIdBytes(userId));
}

/**
 * The raw derivation (see the module contract); for the vector test. The caller wipes all three.
 * @param {string} password
 * @param {Bytes} salt 16 bytes
 * @param {number} iterations
 * @returns {Promise<{ master: Bytes, authHash: Bytes, wrapKey: Bytes }>}
 */
export async function deriveStaffKeyBytes(password, salt, iterations) {
  if (!(salt instanceof Uint8Array) || salt.length !== 16) throw new StaffKeyError('bad_input', 'the kdf salt is 16 bytes');
  if (!Number.isSafeInteger(iterations) || iterations < 1) throw new StaffKeyError('bad_input', 'iterations must be a positive integer');
  const passwordBytes = utf8(password);
  let base;
  try {
    base = await subtle.importKey('raw', passwordBytes, 'PBKDF2', false, ['deriveBits']);
  } finally {
    wipe(passwordBytes);
  }
  const master = new Uint8Array(await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base, 256));
  const prk = await hkdfExtract(HKDF_SALT, master);
  try {
    return { master, authHash: await hkdfExpand(prk, utf8('auth'), 32), wrapKey: await hkdfExpand(prk, utf8('key wrap'), 32) };
  } finally {
    wipe(prk);
  }
}

/**
 * {authHash (32 bytes, for the server), wrapKey (non-extractable AES-256-GCM CryptoKey)} of
 * `password` under the account's kdf parameters. The caller wipes authHash once sent.
 * @param {string} password
 * @param {Bytes} salt 16 bytes
 * @param {number} iterations
 * @returns {Promise<StaffSecrets>}
 */
export async function deriveStaffSecrets(password, salt, iterations) {
  const { master, authHash, wrapKey: raw } = await deriveStaffKeyBytes(password, salt, iterations);
  wipe(master);
  try {
    const wrapKey = await subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    return { authHash, wrapKey };
  } finally {
    wipe(raw);
  }
}

/**
 * A fresh X25519 key pair made in the page: {privateKey (32 raw bytes: wrap it, then wipe it),
 * publicKey (32 bytes)}.
 * @returns {Promise<{ privateKey: Bytes, publicKey: Bytes }>}
 */
export async function newStaffKeyPair() {
  // Raw random bytes rather than subtle.generateKey: the key must be wrapped, which needs its
  // bytes, and an extractable CryptoKey would stay readable for as long as it lives.
  const privateKey = randomBytes(32);
  return { privateKey, publicKey: await x25519PublicKey(privateKey) };
}

/**
 * Wraps the 32 private bytes for the account `userId` under `wrapKey`. `nonce` for test
 * vectors only (a repeated nonce under one wrap key breaks GCM). The caller wipes privateKey.
 * @param {CryptoKey} wrapKey from deriveStaffSecrets
 * @param {Bytes | string} userId 16 bytes or their b64u
 * @param {Bytes} privateKey 32 bytes
 * @param {Bytes} [nonce]
 * @returns {Promise<WrappedKey>}
 */
export async function wrapPrivateKey(wrapKey, userId, privateKey, nonce = randomBytes(12)) {
  if (privateKey.length !== 32) throw new StaffKeyError('bad_input', 'a staff private key is 32 bytes');
  if (nonce.length !== 12) throw new StaffKeyError('bad_input', 'the nonce is 12 bytes');
  const ct = new Uint8Array(
    await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: wrapAad(userId), tagLength: 128 }, wrapKey, privateKey),
  );
  return { nonce: b64uEncode(nonce), ct: b64uEncode(ct) };
}

/**
 * Unwraps the account's private key into a non-extractable X25519 CryptoKey (see the module
 * contract). When `expectedPublicKey` is given, the key must be that one (StaffKeyError
 * 'key_mismatch' otherwise), as Rust's open_private_key checks it against the user's.
 * @param {CryptoKey} wrapKey
 * @param {Bytes | string} userId
 * @param {WrappedKey} wrapped
 * @param {Bytes} [expectedPublicKey]
 * @returns {Promise<StaffKey>}
 */
export async function unwrapPrivateKey(wrapKey, userId, wrapped, expectedPublicKey) {
  const wrong = () => new StaffKeyError('wrong_password', 'the password does not open this key');
  let nonce, ct;
  try {
    nonce = b64uDecode(wrapped?.nonce, 12);
    ct = b64uDecode(wrapped?.ct, WRAPPED_KEY_CT_LEN);
  } catch {
    throw wrong();
  }
  const aad = wrapAad(userId);
  /** @type {Bytes | undefined} */
  let raw;
  try {
    try {
      raw = new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, wrapKey, ct));
    } catch {
      throw wrong();
    }
    if (raw.length !== 32) throw wrong();
    const publicKey = await x25519PublicKey(raw);
    if (expectedPublicKey && !equalBytes(publicKey, expectedPublicKey)) {
      throw new StaffKeyError('key_mismatch', 'the private key does not belong to this account');
    }
    const privateKey = await importX25519PrivateKey(raw);
    return { privateKey, publicKey };
  } finally {
    wipe(raw);
  }
}

/** @param {Uint8Array} a @param {Uint8Array} b */
function equalBytes(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Imports raw private bytes as a StaffKey (right after enrolment, so the new key can be used
 * without a second unwrap); wipes `privateKey`.
 * @param {Bytes} privateKey
 * @returns {Promise<StaffKey>}
 */
export async function importStaffKey(privateKey) {
  try {
    const publicKey = await x25519PublicKey(privateKey);
    return { privateKey: await importX25519PrivateKey(privateKey), publicKey };
  } finally {
    wipe(privateKey);
  }
}
