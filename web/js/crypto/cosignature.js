// @ts-check
// C2SP tlog-cosignature v1 (Ed25519, signature type 0x04): counting the pinned witnesses that
// cosigned a checkpoint (PROTOCOL §12.1; Rust: src/protocol/log/cosignature.rs).
//
// Contract: verifyCosignatures(note, witnesses) resolves to the number of distinct pinned
// witness keys with a valid cosignature line on the note's text, as Rust's count_cosigners:
// the note is read with openNote's rules (size, control characters, last blank line, em-dash
// lines, names, base64, at most 100 lines; a malformed note counts 0); a line is a witness's
// if its name and key id (SHA-256(name || "\n" || 0x04 || key)[0..4]) match; a bad or second
// line by a witness means it does not count; the blob is key id || u64be timestamp (at most
// 2^63 - 1) || Ed25519 signature over "cosignature/v1\ntime <timestamp>\n" || text, checked as
// verify_strict. Distinct is by public key: one key pinned under two names counts once. A
// pinned vkey that is malformed, or whose name is not the pinned name, throws NoteError
// (bad_vkey): a broken trust root must be loud, not a quiet 0. It does not check the log's own
// signature: open the note with the log key first (note.js).

import { b64StdDecode, concat, toHex, utf8 } from './b64.js';
import { publicKeyProblem, verifyStrict } from './ed25519.js';
import { NoteError, isValidName } from './note.js';
import { sha256 } from './primitives.js';

const ALG_COSIGNATURE_V1 = 0x04;
const SIG_PREFIX = '\u2014 ';
const MAX_NOTE_LEN = 64 * 1024;
const MAX_SIGNATURES = 100;
const BLOB_LEN = 4 + 8 + 64;

/** @typedef {import('./b64.js').Bytes} Bytes */

/**
 * A pinned witness's parsed key.
 * @typedef {{ name: string, keyId: Uint8Array, publicKey: Uint8Array, key: CryptoKey }} Cosigner
 */

/** SHA-256(name || "\n" || 0x04 || publicKey)[0..4]. @param {string} name @param {Uint8Array} publicKey */
export async function cosignatureKeyId(name, publicKey) {
  return (await sha256(concat(utf8(name), 0x0a, ALG_COSIGNATURE_V1, publicKey))).slice(0, 4);
}

/**
 * Parses `<name>+<hex8 key id>+<base64(0x04 || key)>`, in the order of Rust's
 * CosignatureVerifier::parse.
 * @param {string} text
 * @returns {Promise<Cosigner>}
 */
export async function parseCosignerKey(text) {
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw new NoteError('expected name+keyid+key', 'bad_vkey');
  const name = text.slice(0, first);
  const idHex = text.slice(first + 1, second);
  if (!isValidName(name)) throw new NoteError('invalid cosigner name', 'bad_vkey');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new NoteError('key id must be 8 lowercase hex digits', 'bad_vkey');
  let raw;
  try {
    raw = b64StdDecode(text.slice(second + 1));
  } catch {
    throw new NoteError('key is not base64', 'bad_vkey');
  }
  if (raw[0] !== ALG_COSIGNATURE_V1) throw new NoteError('not a cosignature/v1 (0x04) key', 'bad_vkey');
  if (raw.length !== 33) throw new NoteError('wrong key length', 'bad_vkey');
  const publicKey = raw.slice(1);
  if (publicKeyProblem(publicKey) !== null) throw new NoteError('invalid or weak Ed25519 key', 'bad_vkey');
  const keyId = await cosignatureKeyId(name, publicKey);
  if (toHex(keyId) !== idHex) throw new NoteError('key id does not match the key', 'bad_vkey');
  const key = await globalThis.crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  return { name, keyId, publicKey, key };
}

/**
 * The note's text and signature lines, or null if the note is malformed (openNote's rules).
 * @param {string} note
 * @returns {{ text: string, lines: { name: string, blob: Bytes }[] } | null}
 */
function splitNote(note) {
  if (/\p{Cs}/u.test(note) || utf8(note).length > MAX_NOTE_LEN) return null;
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) return null;
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return null;
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (!block.endsWith('\n') || block.length === 1) return null;
  const raw = block.slice(0, -1).split('\n');
  if (raw.length > MAX_SIGNATURES) return null;
  const lines = [];
  for (const line of raw) {
    if (!line.startsWith(SIG_PREFIX)) return null;
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space < 0) return null;
    const name = rest.slice(0, space);
    if (!isValidName(name)) return null;
    let blob;
    try {
      blob = b64StdDecode(rest.slice(space + 1));
    } catch {
      return null;
    }
    if (blob.length < 5) return null;
    lines.push({ name, blob });
  }
  return { text, lines };
}

/**
 * Whether `cosigner` has exactly one line on the note and it verifies.
 * @param {Cosigner} cosigner
 * @param {string} text
 * @param {{ name: string, blob: Bytes }[]} lines
 */
async function cosigned(cosigner, text, lines) {
  const id = toHex(cosigner.keyId);
  const mine = lines.filter((l) => l.name === cosigner.name && toHex(l.blob.subarray(0, 4)) === id);
  if (mine.length !== 1 || mine[0].blob.length !== BLOB_LEN) return false;
  const blob = mine[0].blob;
  const timestamp = new DataView(blob.buffer, blob.byteOffset + 4, 8).getBigUint64(0);
  if (timestamp > 2n ** 63n - 1n) return false;
  const message = concat(utf8(`cosignature/v1\ntime ${timestamp}\n`), utf8(text));
  return verifyStrict(cosigner.publicKey, cosigner.key, blob.subarray(12), message);
}

/**
 * How many distinct pinned witnesses have a valid cosignature on `noteText`.
 * @param {string} noteText
 * @param {{ name: string, vkey: string }[]} witnesses
 * @returns {Promise<number>}
 */
export async function verifyCosignatures(noteText, witnesses) {
  const cosigners = [];
  for (const w of witnesses) {
    const cosigner = await parseCosignerKey(w.vkey);
    if (cosigner.name !== w.name) throw new NoteError(`the vkey of ${w.name} names ${cosigner.name}`, 'bad_vkey');
    cosigners.push(cosigner);
  }
  const parsed = splitNote(noteText);
  if (!parsed) return 0;
  const counted = new Set();
  for (const cosigner of cosigners) {
    const key = toHex(cosigner.publicKey);
    if (!counted.has(key) && (await cosigned(cosigner, parsed.text, parsed.lines))) counted.add(key);
  }
  return counted.size;
}
