// @ts-check
// Case keys wrapped to a holder's X25519 key (DESIGN §3.3, PROTOCOL §3; Rust: src/protocol/crypto/wrap.rs).
//
// Contract: a wrap is HPKE.Seal(pkR, info, aad = "", pt = key) with
// info = "meldpunt wrap v1" || 0x00 || case_id(16) || purpose byte (thread 1, internal 2,
// identity 3), sent as {to, purpose (by name), enc (b64u 32), ct (b64u 48)}. A wrap opens only for
// its case and purpose. `to` ("reporter" or a recipient kid) only routes it and is not bound.
// Also: x25519Kid, the RFC 7638 thumbprint that names a recipient key.

import { b64uDecode, b64uEncode, concat, utf8 } from './b64.js';
import * as hpke from './hpke.js';
import { sha256 } from './primitives.js';

/** @typedef {import('./b64.js').Bytes} Bytes */
/** @typedef {import('./hpke.js').KeyPair} KeyPair */
/**
 * A wrap as it travels: `to` routes it, `purpose` a name of WRAP_PURPOSES (checked where it is
 * used, as a wrap may come from the server), `enc` and `ct` b64u.
 * @typedef {{ to: string, purpose: string, enc: string, ct: string }} Wrap
 */

/** Purpose names and the bytes they put into `info`. */
export const WRAP_PURPOSES = Object.freeze({ thread: 1, internal: 2, identity: 3 });
/** A wrap's ciphertext: 32-byte key + 16-byte tag. */
export const WRAP_CT_LEN = 48;
const INFO_PREFIX = utf8('meldpunt wrap v1\u0000');

/** @param {string} purpose */
function purposeByte(purpose) {
  if (!Object.hasOwn(WRAP_PURPOSES, purpose)) throw new TypeError(`unknown wrap purpose ${purpose}`);
  return WRAP_PURPOSES[/** @type {keyof typeof WRAP_PURPOSES} */ (purpose)];
}

/** "meldpunt wrap v1" || 0x00 || caseId || purpose byte. @param {Uint8Array} caseId @param {string} purpose */
export function wrapInfo(caseId, purpose) {
  if (caseId.length !== 16) throw new TypeError('case id is 16 bytes');
  return concat(INFO_PREFIX, caseId, purposeByte(purpose));
}

/**
 * Wraps the 32-byte `key` for the holder of `pkR`; returns the JSON form {to, purpose, enc, ct}.
 * `ephemeral` (an HPKE key pair) only for test vectors: a fresh one is drawn otherwise.
 * @param {Bytes} pkR
 * @param {string} to
 * @param {Uint8Array} caseId
 * @param {keyof typeof WRAP_PURPOSES} purpose
 * @param {Bytes} key
 * @param {KeyPair} [ephemeral]
 * @returns {Promise<Wrap>}
 */
export async function sealCaseKey(pkR, to, caseId, purpose, key, ephemeral) {
  if (key.length !== 32) throw new TypeError('a case key is 32 bytes');
  const { enc, ct } = await hpke.seal(pkR, wrapInfo(caseId, purpose), new Uint8Array(0), key, ephemeral);
  return { to, purpose, enc: b64uEncode(enc), ct: b64uEncode(ct) };
}

/**
 * Opens a wrap (JSON form) with the holder's private key (32 bytes, or {privateKey: X25519
 * CryptoKey, publicKey} for a key that cannot be exported); the wrap's own purpose goes into
 * `info`, so the caller checks it is the purpose they expect. Throws 'decryption failed'.
 * @param {import('./hpke.js').Recipient} skR
 * @param {Uint8Array} caseId
 * @param {Wrap} wrap
 */
export async function openCaseKey(skR, caseId, wrap) {
  let enc, ct;
  try {
    enc = b64uDecode(wrap.enc, 32);
    ct = b64uDecode(wrap.ct, WRAP_CT_LEN);
  } catch {
    throw new Error('decryption failed');
  }
  const key = await hpke.open(skR, enc, wrapInfo(caseId, wrap.purpose), new Uint8Array(0), ct);
  if (key.length !== 32) throw new Error('decryption failed');
  return key;
}

/**
 * RFC 7638 thumbprint of an X25519 public key: b64u(SHA-256('{"crv":"X25519","kty":"OKP","x":…}')).
 * @param {Uint8Array} publicKey
 */
export async function x25519Kid(publicKey) {
  const jwk = `{"crv":"X25519","kty":"OKP","x":"${b64uEncode(publicKey)}"}`;
  return b64uEncode(await sha256(utf8(jwk)));
}
