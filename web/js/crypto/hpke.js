// RFC 9180 HPKE for meldpunt's suite (DESIGN §3.1, PROTOCOL §1; Rust: src/crypto/hpke_suite.rs):
// DHKEM(X25519, HKDF-SHA256) 0x0020, HKDF-SHA256 0x0001, AES-128-GCM 0x0001.
//
// Contract: base mode (mode 0) is the protocol's; the psk, auth and auth-psk modes (1–3) are
// here only so every RFC vector can be checked (setupSender/setupReceiver). `seal`/`open` are the single-shot API the protocol uses (`seal` draws
// a fresh ephemeral key per call). `setupBaseSender(pkR, info, ikmE)` with a fixed `ikmE` is the
// deterministic entry point for test vectors only: a reused ephemeral key breaks HPKE.
// A Context seals/opens with sequence numbers 0, 1, 2, … and exports secrets (RFC 9180 §5.2–5.3).
// Private keys are 32 raw bytes (clamped by X25519 on use), public keys 32 bytes.

import { concat, randomBytes, utf8, wipe } from './b64.js';
import { aesGcmOpen, aesGcmSeal, hkdfExpand, hkdfExtract, x25519, x25519PublicKey } from './primitives.js';

const KEM_SUITE_ID = concat(utf8('KEM'), Uint8Array.of(0x00, 0x20));
const HPKE_SUITE_ID = concat(utf8('HPKE'), Uint8Array.of(0x00, 0x20, 0x00, 0x01, 0x00, 0x01));
const HPKE_V1 = utf8('HPKE-v1');
const NK = 16; // AES-128-GCM key
const NN = 12; // nonce
const NH = 32; // HKDF-SHA256 output
const MODE_BASE = 0;
const MODE_PSK = 1;
const MODE_AUTH = 2;
const MODE_AUTH_PSK = 3;
/** Longest `info` accepted, as in the Rust suite (MAX_INFO_LEN). */
export const MAX_INFO_LEN = 1024;

function i2osp2(n) {
  return Uint8Array.of((n >>> 8) & 0xff, n & 0xff);
}

/** LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm). */
export function labeledExtract(suiteId, salt, label, ikm) {
  return hkdfExtract(salt, concat(HPKE_V1, suiteId, utf8(label), ikm));
}

/** LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L,2) || "HPKE-v1" || suite_id || label || info, L). */
export function labeledExpand(suiteId, prk, label, info, length) {
  return hkdfExpand(prk, concat(i2osp2(length), HPKE_V1, suiteId, utf8(label), info), length);
}

/** RFC 9180 §7.1.3 DeriveKeyPair: the private key unclamped, exactly as the RFC prints skXm. */
export async function deriveKeyPair(ikm) {
  const prk = await labeledExtract(KEM_SUITE_ID, new Uint8Array(0), 'dkp_prk', ikm);
  const privateKey = await labeledExpand(KEM_SUITE_ID, prk, 'sk', new Uint8Array(0), 32);
  wipe(prk);
  return { privateKey, publicKey: await x25519PublicKey(privateKey) };
}

/** A fresh random key pair. */
export async function generateKeyPair() {
  const privateKey = randomBytes(32);
  return { privateKey, publicKey: await x25519PublicKey(privateKey) };
}

async function extractAndExpand(dh, kemContext) {
  const prk = await labeledExtract(KEM_SUITE_ID, new Uint8Array(0), 'eae_prk', dh);
  const sharedSecret = await labeledExpand(KEM_SUITE_ID, prk, 'shared_secret', kemContext, 32);
  wipe(prk, dh);
  return sharedSecret;
}

/** DHKEM Encap with the ephemeral key pair `ephemeral`; returns {sharedSecret, enc}. */
async function encapWith(pkR, ephemeral) {
  const dh = await x25519(ephemeral.privateKey, pkR);
  const enc = ephemeral.publicKey;
  return { sharedSecret: await extractAndExpand(dh, concat(enc, pkR)), enc };
}

/** DHKEM Decap; returns the shared secret. */
async function decap(enc, skR) {
  const dh = await x25519(skR, enc);
  const pkR = await x25519PublicKey(skR);
  return extractAndExpand(dh, concat(enc, pkR));
}

/** An HPKE context: AEAD key, base nonce, exporter secret and a sequence number. */
export class Context {
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

  async seal(aad, plaintext) {
    const ct = await aesGcmSeal(this.key, this.computeNonce(), plaintext, aad);
    this.seq += 1;
    return ct;
  }

  /** Throws on failure; the sequence number only advances on success (RFC 9180 §5.2). */
  async open(aad, ciphertext) {
    const pt = await aesGcmOpen(this.key, this.computeNonce(), ciphertext, aad);
    this.seq += 1;
    return pt;
  }

  /** Secret export: LabeledExpand(exporter_secret, "sec", context, L). */
  export(exporterContext, length) {
    return labeledExpand(HPKE_SUITE_ID, this.exporterSecret, 'sec', exporterContext, length);
  }

  wipe() {
    wipe(this.key, this.baseNonce, this.exporterSecret);
  }
}

/** RFC 9180 §5.1 KeySchedule; `psk`/`pskId` empty for base mode. Returns the context and secrets. */
export async function keySchedule(mode, sharedSecret, info, psk = new Uint8Array(0), pskId = new Uint8Array(0)) {
  if (info.length > MAX_INFO_LEN) throw new RangeError('info too long');
  const withPsk = mode === MODE_PSK || mode === MODE_AUTH_PSK;
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
 * SetupBaseS with the ephemeral key DeriveKeyPair(ikmE), or a random one when ikmE is omitted.
 * Returns {enc, sharedSecret, context}. A fixed ikmE is for test vectors only.
 */
export async function setupBaseSender(pkR, info, ikmE) {
  const ephemeral = ikmE ? await deriveKeyPair(ikmE) : await generateKeyPair();
  const { sharedSecret, enc } = await encapWith(pkR, ephemeral);
  wipe(ephemeral.privateKey);
  const { context } = await keySchedule(MODE_BASE, sharedSecret, info);
  return { enc, sharedSecret, context };
}

/** SetupBaseR: the receiver's context for `enc`. */
export async function setupBaseReceiver(enc, skR, info) {
  const sharedSecret = await decap(enc, skR);
  const { context } = await keySchedule(MODE_BASE, sharedSecret, info);
  wipe(sharedSecret);
  return context;
}

/**
 * Any mode's sender setup with the ephemeral key DeriveKeyPair(ikmE), for the RFC vectors:
 * `psk`/`pskId` for modes 1 and 3, the sender's key pair `sender` for modes 2 and 3 (AuthEncap).
 */
export async function setupSender(mode, pkR, info, ikmE, { psk, pskId, sender } = {}) {
  const ephemeral = await deriveKeyPair(ikmE);
  let sharedSecret;
  if (mode === MODE_AUTH || mode === MODE_AUTH_PSK) {
    const dh = concat(await x25519(ephemeral.privateKey, pkR), await x25519(sender.privateKey, pkR));
    sharedSecret = await extractAndExpand(dh, concat(ephemeral.publicKey, pkR, sender.publicKey));
  } else {
    sharedSecret = (await encapWith(pkR, ephemeral)).sharedSecret;
  }
  const { context } = await keySchedule(mode, sharedSecret, info, psk, pskId);
  return { enc: ephemeral.publicKey, sharedSecret, context };
}

/** Any mode's receiver setup; `pkS` (the sender's public key) for modes 2 and 3 (AuthDecap). */
export async function setupReceiver(mode, enc, skR, info, { psk, pskId, pkS } = {}) {
  let sharedSecret;
  if (mode === MODE_AUTH || mode === MODE_AUTH_PSK) {
    const dh = concat(await x25519(skR, enc), await x25519(skR, pkS));
    sharedSecret = await extractAndExpand(dh, concat(enc, await x25519PublicKey(skR), pkS));
  } else {
    sharedSecret = await decap(enc, skR);
  }
  return (await keySchedule(mode, sharedSecret, info, psk, pskId)).context;
}

/** Single-shot base-mode Seal to `pkR`: {enc (32 bytes), ct (pt.length + 16 bytes)}. */
export async function seal(pkR, info, aad, plaintext) {
  const { enc, sharedSecret, context } = await setupBaseSender(pkR, info);
  wipe(sharedSecret);
  const ct = await context.seal(aad, plaintext);
  context.wipe();
  return { enc, ct };
}

/** Single-shot base-mode Open; throws 'decryption failed' on any wrong key, context or byte. */
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
