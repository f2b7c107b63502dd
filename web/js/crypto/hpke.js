// @ts-check
// RFC 9180 HPKE for meldpunt's suite (DESIGN §3.1, PROTOCOL §1; Rust: src/protocol/crypto/hpke_suite.rs):
// DHKEM(X25519, HKDF-SHA256) 0x0020, HKDF-SHA256 0x0001, AES-128-GCM 0x0001.
//
// Contract: only base mode (mode 0) ships, the protocol's; the psk, auth and auth-psk modes,
// DeriveKeyPair and the secret export live in tests/js/lib/hpke-vectors.mjs, built on the
// exports here, so every RFC vector runs through this key schedule and this base mode.
// `seal`/`open` are the single-shot API the protocol uses (`seal` draws a fresh ephemeral key
// per call). An `ephemeral` key pair given to `seal` or `setupBaseSender` is the deterministic
// entry point for test vectors only: a reused ephemeral key breaks HPKE.
// A Context seals/opens with sequence numbers 0, 1, 2, … (RFC 9180 §5.2); its exporter secret
// is derived but not used. Private keys are 32 raw bytes (clamped by X25519 on use), public
// keys 32 bytes. A receiver (`open`, `setupBaseReceiver`, `decap`) may instead be given as a
// Recipient {privateKey: X25519 CryptoKey, publicKey: its 32 bytes}: a non-extractable key
// cannot be exported to recompute pkR, so the caller supplies it (and vouches that it belongs
// to the key; a wrong one only makes decryption fail, as kem_context then differs).

import { concat, randomBytes, utf8, wipe } from './b64.js';
import { aesGcmOpen, aesGcmSeal, hkdfExpand, hkdfExtract, x25519, x25519PublicKey } from './primitives.js';

/** @typedef {import('./b64.js').Bytes} Bytes */
/** An X25519 key pair, 32 bytes each. @typedef {{ privateKey: Bytes, publicKey: Bytes }} KeyPair */
/** A receiver's key held as a CryptoKey, with its public key. @typedef {{ privateKey: CryptoKey, publicKey: Bytes }} KeyHandle */
/** A receiver's private key: 32 raw bytes, or a KeyHandle. @typedef {Bytes | KeyHandle} Recipient */

/** suite_id of the KEM: "KEM" || I2OSP(0x0020, 2). */
export const KEM_SUITE_ID = concat(utf8('KEM'), Uint8Array.of(0x00, 0x20));
/** suite_id of the key schedule: "HPKE" || kem_id || kdf_id || aead_id. */
export const HPKE_SUITE_ID = concat(utf8('HPKE'), Uint8Array.of(0x00, 0x20, 0x00, 0x01, 0x00, 0x01));
const HPKE_V1 = utf8('HPKE-v1');
const NK = 16; // AES-128-GCM key
const NN = 12; // nonce
const NH = 32; // HKDF-SHA256 output
const MODE_BASE = 0;
// The modes that take a pre-shared key, which keySchedule insists on (RFC 9180 §5.1.1).
const PSK_MODES = [1, 3];
/** Longest `info` accepted, as in the Rust suite (MAX_INFO_LEN). */
export const MAX_INFO_LEN = 1024;

/** @param {number} n */
function i2osp2(n) {
  return Uint8Array.of((n >>> 8) & 0xff, n & 0xff);
}

/**
 * LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm).
 * @param {Bytes} suiteId
 * @param {Bytes} salt
 * @param {string} label
 * @param {Bytes} ikm
 */
export function labeledExtract(suiteId, salt, label, ikm) {
  return hkdfExtract(salt, concat(HPKE_V1, suiteId, utf8(label), ikm));
}

/**
 * LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L,2) || "HPKE-v1" || suite_id || label || info, L).
 * @param {Bytes} suiteId
 * @param {Bytes} prk
 * @param {string} label
 * @param {Bytes} info
 * @param {number} length
 */
export function labeledExpand(suiteId, prk, label, info, length) {
  return hkdfExpand(prk, concat(i2osp2(length), HPKE_V1, suiteId, utf8(label), info), length);
}

/** A fresh random key pair. @returns {Promise<KeyPair>} */
export async function generateKeyPair() {
  const privateKey = randomBytes(32);
  return { privateKey, publicKey: await x25519PublicKey(privateKey) };
}

/** DHKEM ExtractAndExpand(dh, kem_context); wipes `dh`. @param {Bytes} dh @param {Bytes} kemContext */
export async function extractAndExpand(dh, kemContext) {
  const prk = await labeledExtract(KEM_SUITE_ID, new Uint8Array(0), 'eae_prk', dh);
  const sharedSecret = await labeledExpand(KEM_SUITE_ID, prk, 'shared_secret', kemContext, 32);
  wipe(prk, dh);
  return sharedSecret;
}

/** DHKEM Encap with the ephemeral key pair `ephemeral`; returns {sharedSecret, enc}. @param {Bytes} pkR @param {KeyPair} ephemeral */
export async function encap(pkR, ephemeral) {
  const dh = await x25519(ephemeral.privateKey, pkR);
  const enc = ephemeral.publicKey;
  return { sharedSecret: await extractAndExpand(dh, concat(enc, pkR)), enc };
}

/** DHKEM Decap; returns the shared secret. @param {Bytes} enc @param {Recipient} skR */
export async function decap(enc, skR) {
  if (skR instanceof Uint8Array) {
    const dh = await x25519(skR, enc);
    const pkR = await x25519PublicKey(skR);
    return extractAndExpand(dh, concat(enc, pkR));
  }
  if (!(skR.publicKey instanceof Uint8Array) || skR.publicKey.length !== 32) throw new TypeError('X25519 public key must be 32 bytes');
  const dh = await x25519(skR.privateKey, enc);
  return extractAndExpand(dh, concat(enc, skR.publicKey));
}

/** An HPKE context: AEAD key, base nonce, exporter secret and a sequence number. */
export class Context {
  /** @param {Bytes} key @param {Bytes} baseNonce @param {Bytes} exporterSecret */
  constructor(key, baseNonce, exporterSecret) {
    this.key = key;
    this.baseNonce = baseNonce;
    this.exporterSecret = exporterSecret;
    this.seq = 0;
  }

  // nonce = base_nonce XOR I2OSP(seq, Nn); seq stays far below 2^53 in any real use.
  computeNonce() {
    const nonce = this.baseNonce.slice();
    let s = this.seq;
    for (let i = NN - 1; i >= 0 && s > 0; i--) {
      nonce[i] ^= s % 256;
      s = Math.floor(s / 256);
    }
    return nonce;
  }

  /** @param {Bytes} aad @param {Bytes} plaintext */
  async seal(aad, plaintext) {
    const ct = await aesGcmSeal(this.key, this.computeNonce(), plaintext, aad);
    this.seq += 1;
    return ct;
  }

  /** Throws on failure; the sequence number only advances on success (RFC 9180 §5.2). @param {Bytes} aad @param {Bytes} ciphertext */
  async open(aad, ciphertext) {
    const pt = await aesGcmOpen(this.key, this.computeNonce(), ciphertext, aad);
    this.seq += 1;
    return pt;
  }

  wipe() {
    wipe(this.key, this.baseNonce, this.exporterSecret);
  }
}

/**
 * RFC 9180 §5.1 KeySchedule; `psk`/`pskId` empty for base mode. Returns the context and secrets.
 * @param {number} mode
 * @param {Bytes} sharedSecret
 * @param {Bytes} info
 * @param {Bytes} [psk]
 * @param {Bytes} [pskId]
 */
export async function keySchedule(mode, sharedSecret, info, psk = new Uint8Array(0), pskId = new Uint8Array(0)) {
  if (info.length > MAX_INFO_LEN) throw new RangeError('info too long');
  const withPsk = PSK_MODES.includes(mode);
  if (withPsk === (psk.length === 0 || pskId.length === 0)) {
    throw new TypeError('psk and psk_id belong with the psk modes only, and both');
  }
  const empty = new Uint8Array(0);
  const pskIdHash = await labeledExtract(HPKE_SUITE_ID, empty, 'psk_id_hash', pskId);
  const infoHash = await labeledExtract(HPKE_SUITE_ID, empty, 'info_hash', info);
  const keyScheduleContext = concat(mode, pskIdHash, infoHash);
  const secret = await labeledExtract(HPKE_SUITE_ID, sharedSecret, 'secret', psk);
  const key = await labeledExpand(HPKE_SUITE_ID, secret, 'key', keyScheduleContext, NK);
  const baseNonce = await labeledExpand(HPKE_SUITE_ID, secret, 'base_nonce', keyScheduleContext, NN);
  const exporterSecret = await labeledExpand(HPKE_SUITE_ID, secret, 'exp', keyScheduleContext, NH);
  wipe(secret);
  return { context: new Context(key, baseNonce, exporterSecret), keyScheduleContext };
}

/**
 * SetupBaseS with a fresh random ephemeral key, or `ephemeral` when given (test vectors only).
 * Returns {enc, sharedSecret, context}; wipes the ephemeral private key.
 * @param {Bytes} pkR
 * @param {Bytes} info
 * @param {KeyPair} [ephemeral]
 */
export async function setupBaseSender(pkR, info, ephemeral) {
  ephemeral ??= await generateKeyPair();
  const { sharedSecret, enc } = await encap(pkR, ephemeral);
  wipe(ephemeral.privateKey);
  const { context } = await keySchedule(MODE_BASE, sharedSecret, info);
  return { enc, sharedSecret, context };
}

/** SetupBaseR: the receiver's context for `enc`. @param {Bytes} enc @param {Recipient} skR @param {Bytes} info */
export async function setupBaseReceiver(enc, skR, info) {
  const sharedSecret = await decap(enc, skR);
  const { context } = await keySchedule(MODE_BASE, sharedSecret, info);
  wipe(sharedSecret);
  return context;
}

/**
 * Single-shot base-mode Seal to `pkR`: {enc (32 bytes), ct (pt.length + 16 bytes)}, with a
 * fresh ephemeral key unless `ephemeral` is given (test vectors only).
 * @param {Bytes} pkR
 * @param {Bytes} info
 * @param {Bytes} aad
 * @param {Bytes} plaintext
 * @param {KeyPair} [ephemeral]
 */
export async function seal(pkR, info, aad, plaintext, ephemeral) {
  const { enc, sharedSecret, context } = await setupBaseSender(pkR, info, ephemeral);
  wipe(sharedSecret);
  const ct = await context.seal(aad, plaintext);
  context.wipe();
  return { enc, ct };
}

/**
 * Single-shot base-mode Open; throws 'decryption failed' on any wrong key, context or byte.
 * @param {Recipient} skR
 * @param {Bytes} enc
 * @param {Bytes} info
 * @param {Bytes} aad
 * @param {Bytes} ciphertext
 */
export async function open(skR, enc, info, aad, ciphertext) {
  let context;
  try {
    context = await setupBaseReceiver(enc, skR, info);
    return await context.open(aad, ciphertext);
  } catch {
    throw new Error('decryption failed');
  } finally {
    context?.wipe();
  }
}
