// @ts-check
// C2SP signed-note (Ed25519 note keys, algorithm byte 0x01) and C2SP tlog-checkpoint bodies
// (DESIGN §6, PROTOCOL §12; Rust: src/protocol/log/note.rs, checkpoint.rs).
//
// Contract: parseNoteVerifierKey reads `<name>+<hex8 key id>+<base64(0x01 || key)>` and checks
// the key id = SHA-256(name || "\n" || 0x01 || key)[0..4]. openNote returns the note's text
// (ending in "\n") only if the note is well formed throughout (≤ 64 KiB, no control characters
// but newline, text / blank line / signature lines "— <name> <base64(key id || sig)>") and has
// exactly one valid Ed25519 signature line by this key; lines by other keys are skipped.
// As strict as Rust (NoteVerifier::parse, open): a key that is not a curve point or is of small
// order (weak) is refused when parsed, and signatures are checked as ed25519-dalek's
// verify_strict does (ed25519.js: S < L, R not of small order). Names follow Rust's
// is_valid_name exactly (no White_Space, no Cc control, no '+'); text no Rust string can hold
// (a lone surrogate) is refused. parseCheckpointBody is strict and canonical (decimal size
// without leading zeros, padded base64 root of 32 bytes, non-empty lines without control
// characters). Errors throw NoteError, whose `code` names the rule broken as Rust's NoteError
// variants do: bad_vkey, weak_key, malformed_note, not_signed, bad_signature, malformed_checkpoint
// (the outcome names of the conformance testkit, tests/testkit/).

import { b64StdDecode, concat, toHex, utf8 } from './b64.js';
import { publicKeyProblem, verifyStrict } from './ed25519.js';
import { sha256 } from './primitives.js';

const ALG_ED25519 = 0x01;
const SIG_PREFIX = '\u2014 ';
const MAX_NOTE_LEN = 64 * 1024;
const MAX_SIGNATURES = 100;

/** @typedef {'bad_vkey' | 'weak_key' | 'malformed_note' | 'not_signed' | 'bad_signature' | 'malformed_checkpoint'} NoteErrorCode */

export class NoteError extends Error {
  /** @param {string} detail @param {NoteErrorCode} [code] */
  constructor(detail, code = 'malformed_note') {
    super(`note refused: ${detail}`);
    this.name = 'NoteError';
    this.code = code;
  }
}

/** Whether `s` holds a control character (Rust's char::is_control: category Cc). @param {string} s */
const hasControl = (s) => /\p{Cc}/u.test(s);
/** Whether `s` holds a lone surrogate, which no Rust &str can. @param {string} s */
const hasLoneSurrogate = (s) => /\p{Cs}/u.test(s);

/**
 * Non-empty, no whitespace, no control characters, no '+': Rust's is_valid_name, with its
 * char::is_whitespace (White_Space, so U+0085 but not U+FEFF) and char::is_control (Cc).
 * @param {string} name
 */
export function isValidName(name) {
  return name.length > 0 && !/[\p{White_Space}\p{Cc}\p{Cs}+]/u.test(name);
}

/** SHA-256(name || "\n" || 0x01 || publicKey)[0..4]. @param {string} name @param {Uint8Array} publicKey */
export async function noteKeyId(name, publicKey) {
  return (await sha256(concat(utf8(name), 0x0a, ALG_ED25519, publicKey))).slice(0, 4);
}

/**
 * A parsed note verifier key: `publicKey` the 32 raw bytes, `key` its WebCrypto form.
 * @typedef {{ name: string, keyId: Uint8Array, publicKey: Uint8Array, key: CryptoKey }} NoteVerifier
 */

/**
 * Parses and checks a verifier key, in the order of Rust's NoteVerifier::parse: the three
 * parts, the name, the key id's form, base64, the algorithm byte, the length, the point
 * (neither invalid nor weak), then the key id against the key.
 * @param {string} text
 * @returns {Promise<NoteVerifier>}
 */
export async function parseNoteVerifierKey(text) {
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw new NoteError('expected name+keyid+key', 'bad_vkey');
  const name = text.slice(0, first);
  const idHex = text.slice(first + 1, second);
  if (!isValidName(name)) throw new NoteError('invalid key name', 'bad_vkey');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new NoteError('key id must be 8 lowercase hex digits', 'bad_vkey');
  let raw;
  try {
    raw = b64StdDecode(text.slice(second + 1));
  } catch {
    throw new NoteError('key is not base64', 'bad_vkey');
  }
  if (raw[0] !== ALG_ED25519) throw new NoteError('not an Ed25519 key', 'bad_vkey');
  if (raw.length !== 33) throw new NoteError('wrong key length', 'bad_vkey');
  const publicKey = raw.slice(1);
  const problem = publicKeyProblem(publicKey);
  if (problem === 'invalid') throw new NoteError('invalid Ed25519 key', 'bad_vkey');
  if (problem === 'weak') throw new NoteError('weak Ed25519 key', 'weak_key');
  const keyId = await noteKeyId(name, publicKey);
  if (toHex(keyId) !== idHex) throw new NoteError('key id does not match the key', 'bad_vkey');
  let key;
  try {
    key = await globalThis.crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    throw new NoteError('invalid Ed25519 key', 'bad_vkey');
  }
  return { name, keyId, publicKey, key };
}

/**
 * Checks `note` against `verifier` (from parseNoteVerifierKey) and returns its text.
 * @param {string} note
 * @param {NoteVerifier} verifier
 * @returns {Promise<string>}
 */
export async function openNote(note, verifier) {
  if (hasLoneSurrogate(note)) throw new NoteError('not valid Unicode');
  if (utf8(note).length > MAX_NOTE_LEN) throw new NoteError('too long');
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw new NoteError('control character');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('no signature block');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (!block.endsWith('\n') || block.length === 1) throw new NoteError('signature block must be lines ending in a newline');
  const lines = block.slice(0, -1).split('\n');
  let verified = false;
  for (const [count, line] of lines.entries()) {
    if (count >= MAX_SIGNATURES) throw new NoteError('too many signatures');
    if (!line.startsWith(SIG_PREFIX)) throw new NoteError('signature line must start with an em dash');
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space < 0) throw new NoteError('signature line needs a name and a signature');
    const name = rest.slice(0, space);
    if (!isValidName(name)) throw new NoteError('invalid key name in signature line');
    let blob;
    try {
      blob = b64StdDecode(rest.slice(space + 1));
    } catch {
      throw new NoteError('signature is not base64');
    }
    if (blob.length < 5) throw new NoteError('signature too short');
    if (name !== verifier.name || toHex(blob.subarray(0, 4)) !== toHex(verifier.keyId)) continue;
    if (verified) throw new NoteError('duplicate signature by one key');
    if (blob.length !== 68) throw new NoteError('signature does not verify', 'bad_signature');
    if (!(await verifyStrict(verifier.publicKey, verifier.key, blob.subarray(4), utf8(text)))) {
      throw new NoteError('signature does not verify', 'bad_signature');
    }
    verified = true;
  }
  if (!verified) throw new NoteError('no signature by the expected key', 'not_signed');
  return text;
}

/**
 * A checkpoint body: the log's origin, its size, the 32-byte root and the extension lines.
 * @typedef {{ origin: string, size: number, root: Uint8Array, extensions: string[] }} Checkpoint
 */

/** Parses a checkpoint body: {origin, size, root (Uint8Array 32), extensions}. @param {string} body @returns {Checkpoint} */
export function parseCheckpointBody(body) {
  if (!body.endsWith('\n')) throw new NoteError('checkpoint body must end in a newline', 'malformed_checkpoint');
  const [origin, sizeText, rootText, ...extensions] = body.slice(0, -1).split('\n');
  if (rootText === undefined) throw new NoteError('checkpoint needs origin, size and root lines', 'malformed_checkpoint');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new NoteError('size must be a decimal number without leading zeros', 'malformed_checkpoint');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new NoteError('size too large', 'malformed_checkpoint');
  let root;
  try {
    root = b64StdDecode(rootText);
  } catch {
    root = null;
  }
  if (!root || root.length !== 32) throw new NoteError('root must be base64 of 32 bytes', 'malformed_checkpoint');
  /** @param {string} line */
  const validLine = (line) => line.length > 0 && !hasControl(line);
  if (!validLine(origin)) throw new NoteError('checkpoint origin', 'malformed_checkpoint');
  if (!extensions.every(validLine)) throw new NoteError('checkpoint extension line', 'malformed_checkpoint');
  return { origin, size, root, extensions };
}

/** Opens a signed checkpoint note with `verifier` and parses its body. @param {string} note @param {NoteVerifier} verifier */
export async function openSignedCheckpoint(note, verifier) {
  return parseCheckpointBody(await openNote(note, verifier));
}
