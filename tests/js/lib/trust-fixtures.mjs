// Test helpers for DESIGN §11 with WebCrypto Ed25519: a trust root, officer-signed recipient
// directories (as src/protocol/trust/directory.rs sign_payload and document_text write them),
// witness cosignatures (C2SP tlog-cosignature, as src/protocol/log/cosignature.rs writes
// them), and the RFC 9162 tree hash and audit paths for the log that includes them. Written
// apart from web/js/crypto/directory.js (its own serialiser), so the verifier is not checked
// against itself; the conformance testkit pins both to Rust.
import { b64StdEncode, b64uEncode, concat, toHex, u64be, utf8 } from '../../../web/js/crypto/b64.js';
import { nodeHash } from '../../../web/js/crypto/merkle.js';
import { x25519Kid } from '../../../web/js/crypto/wrap.js';
import { ed25519Signer, noteSigner } from '../sign-helpers.mjs';

export { ed25519Signer, noteSigner };

const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));

/** A directory entry for an X25519 public key (bytes). */
export async function entryFor(publicKey, units, roles = ['intake'], label = 'test key') {
  return { kid: await x25519Kid(publicKey), public_key: b64uEncode(publicKey), units, roles, label };
}

/** The payload text in Rust's member order; entries sorted by kid (ASCII b64u). */
export function payloadJson({ origin, seq, prev, hour = 1700002800, entries }) {
  const sorted = [...entries].sort((a, b) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0));
  const list = sorted.map(({ kid, public_key, units, roles, label }) => ({ kid, public_key, units, roles, label }));
  return JSON.stringify({ v: 1, origin, seq, ...(prev ? { prev } : {}), hour, entries: list });
}

/** One officer's signature {protected, signature} over the b64u payload. */
export async function officerSignature(signer, payloadB64, headerText) {
  const header = headerText ?? `{"alg":"Ed25519","kid":"${signer.kid}","typ":"meldpunt-directory+jws"}`;
  const protectedB64 = b64uEncode(utf8(header));
  return { protected: protectedB64, signature: b64uEncode(await signer.sign(utf8(`${protectedB64}.${payloadB64}`))), kid: signer.kid };
}

/** The document text: {payload, signatures} with signatures ordered by officer kid. */
export function documentText(payloadB64, signatures) {
  const sorted = [...signatures].sort((a, b) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0));
  return JSON.stringify({ payload: payloadB64, signatures: sorted.map((s) => ({ protected: s.protected, signature: s.signature })) });
}

/**
 * A directory signed by `signers`: {text, payloadB64, hash (b64u), seq}. `payloadText`
 * overrides the payload bytes (for non-canonical ones).
 */
export async function signDirectory(fields, signers, { payloadText } = {}) {
  const text = payloadText ?? payloadJson(fields);
  const payloadB64 = b64uEncode(utf8(text));
  const sigs = [];
  for (const s of signers) sigs.push(await officerSignature(s, payloadB64));
  return { text: documentText(payloadB64, sigs), payloadB64, hash: b64uEncode(await sha256(utf8(text))), seq: fields.seq };
}

/** A witness: {name, vkey, cosign(noteText, timestamp) → the note with its cosignature line added}. */
export async function witnessSigner(name) {
  const ed = await ed25519Signer();
  const keyId = (await sha256(concat(utf8(name), 0x0a, 0x04, ed.x))).slice(0, 4);
  const vkey = `${name}+${toHex(keyId)}+${b64StdEncode(concat(0x04, ed.x))}`;
  /** The cosignature line over the note's text (all before its last blank line). */
  async function line(note, timestamp = 1700002800) {
    const text = note.slice(0, note.lastIndexOf('\n\n') + 1);
    const sig = await ed.sign(utf8(`cosignature/v1\ntime ${timestamp}\n${text}`));
    return `\u2014 ${name} ${b64StdEncode(concat(keyId, u64be(timestamp), sig))}\n`;
  }
  return { name, vkey, line, cosign: async (note, timestamp) => `${note}${await line(note, timestamp)}` };
}

/** The trust root's text. */
export function trustRootText({ origin, officers, threshold = 2, logKey, witnesses, witnessThreshold = 1 }) {
  return `${JSON.stringify(
    {
      v: 1,
      origin,
      officers: officers.map((o, i) => ({ name: `officer ${i + 1}`, public_key: b64uEncode(o.x) })),
      threshold,
      log_key: logKey,
      witnesses: witnesses.map((w) => ({ name: w.name, vkey: w.vkey })),
      witness_threshold: witnessThreshold,
    },
    null,
    2,
  )}\n`;
}

const split = (n) => 2 ** Math.floor(Math.log2(n - 1));
/** RFC 9162 MTH over leaf hashes. */
export async function mth(hashes) {
  if (hashes.length === 1) return hashes[0];
  const k = split(hashes.length);
  return nodeHash(await mth(hashes.slice(0, k)), await mth(hashes.slice(k)));
}
/** RFC 9162 PATH(m, D[n]) over leaf hashes. */
export async function auditPath(m, hashes) {
  if (hashes.length <= 1) return [];
  const k = split(hashes.length);
  return m < k
    ? [...(await auditPath(m, hashes.slice(0, k))), await mth(hashes.slice(k))]
    : [...(await auditPath(m - k, hashes.slice(k))), await mth(hashes.slice(0, k))];
}
