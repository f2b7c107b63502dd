// @ts-check
// The recipient directory (DESIGN §11; Rust: src/protocol/trust/directory.rs and witnessed.rs):
// the keys that may receive case keys, signed by a quorum of the trust root's officers, and
// the check of a whole GET /api/v1/directory answer against the pinned root.
//
// Contract, as Rust's verify_directory: a document (≤ 1 MiB) is exactly
// {"payload": b64u, "signatures": [{"protected": b64u, "signature": b64u}, …]}; its payload is
// exactly {v, origin, seq, prev?, hour, entries: [{kid, public_key, units, roles, label}]} and
// canonical — re-serialised in that member order it gives the same bytes, v is 1, seq ≥ 1
// with prev exactly when seq > 1, hour a whole hour, at most 2000 entries ordered by kid
// (UTF-8 byte order, as Rust's String) without repeats, each kid the RFC 7638 thumbprint of
// its X25519 key, units non-empty, sorted, unique, 1 to 64 bytes each, roles non-empty and
// sorted unique in Rust's enum order (intake < investigator < custodian; auditor and admin
// hold no case keys), a label of 1 to 100 characters without control characters — and its
// origin is the root's; every signature's protected header is exactly {alg: Ed25519, kid,
// typ: meldpunt-directory+jws}, by an officer of the root (by the RFC 7638 kid of their
// Ed25519 key), valid under strict Ed25519 over protected || "." || payload; no officer twice;
// at least `threshold` officers. checkDirectoryView, as Rust's check_directory_view, also
// needs the answer's seq to be the signed one, and the exact document text to be leaf `log`
// of a checkpoint signed by the root's log_key (never the server's /api/v1/log/key) and
// cosigned by at least witness_threshold pinned witnesses. Failures throw TrustError with the
// code of Rust's error variant. Known limits: seq or hour above 2^53 is refused (Rust takes
// u64), and a JSON member given twice is read as JSON.parse reads it (the last) where serde
// refuses; both only change which refusal, never let a document through that Rust refuses
// (the signatures and canonical bytes still have to match).

import { b64uDecode, b64uEncode, fromUtf8, utf8 } from './b64.js';
import { verifyCosignatures } from './cosignature.js';
import { verifyStrict } from './ed25519.js';
import { ed25519Kid } from './jws.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { NoteError, openSignedCheckpoint, parseNoteVerifierKey } from './note.js';
import { sha256 } from './primitives.js';
import { TrustError, hasExactMembers, isUint } from './trust-root.js';
import { x25519Kid } from './wrap.js';

/** @typedef {import('./trust-root.js').TrustRoot} TrustRoot */
/** @typedef {'intake' | 'investigator' | 'custodian' | 'auditor' | 'admin'} Role */
/** @typedef {{ kid: string, public_key: string, units: string[], roles: Role[], label: string }} DirectoryEntry */
/** @typedef {{ v: number, origin: string, seq: number, prev?: string, hour: number, entries: DirectoryEntry[] }} DirectoryPayload */
/** A directory that passed verifyDirectory; `hash` = SHA-256(payload bytes). @typedef {{ payload: DirectoryPayload, hash: Uint8Array, hashB64: string, signers: string[], text: string }} VerifiedDirectory */
/** @typedef {{ index: number, size: number, leaf_hash: string, path: string[] }} Proof */
/** GET /api/v1/directory. @typedef {{ directory: string, seq: number, log: number, checkpoint?: string, proof?: Proof | null, suspended: string[] }} DirectoryView */

export const TYP_DIRECTORY = 'meldpunt-directory+jws';
/** The recipient unit that reads every report (src/protocol/domain.rs NATIONAL_UNIT). */
export const NATIONAL_UNIT = 'national';
const MAX_DOCUMENT_LEN = 1024 * 1024;
const MAX_ENTRIES = 2000;
/** Rust's Role in declaration order: the order `roles` must be sorted in. */
const ROLES = ['intake', 'investigator', 'custodian', 'auditor', 'admin'];
const KEY_ROLES = ['intake', 'investigator', 'custodian'];

/** Rust's String order: by UTF-8 bytes (JS `<` compares UTF-16 units). @param {string} a @param {string} b */
export function compareUtf8(a, b) {
  const x = utf8(a);
  const y = utf8(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** @template T @param {T[]} list @param {(a: T, b: T) => number} cmp */
const strictlyIncreasing = (list, cmp) => list.every((v, i) => i === 0 || cmp(list[i - 1], v) < 0);

/** @param {unknown} v */
const isHash = (v) => {
  try {
    return typeof v === 'string' && b64uDecode(v, 32).length === 32;
  } catch {
    return false;
  }
};

/** The payload bytes as Rust's serde writes them: its member order, no whitespace. @param {DirectoryPayload} p */
export function payloadText(p) {
  const entries = p.entries.map((e) => ({ kid: e.kid, public_key: e.public_key, units: e.units, roles: e.roles, label: e.label }));
  return JSON.stringify({ v: p.v, origin: p.origin, seq: p.seq, ...(p.prev === undefined ? {} : { prev: p.prev }), hour: p.hour, entries });
}

/** Whether `p` has the payload's shape (serde's deny_unknown_fields and types). @param {any} p */
function isPayloadShape(p) {
  if (!hasExactMembers(p, ['v', 'origin', 'seq', 'hour', 'entries'], ['prev'])) return false;
  if (!isUint(p.v) || typeof p.origin !== 'string' || !isUint(p.seq) || !isUint(p.hour) || !Array.isArray(p.entries)) return false;
  if (p.prev !== undefined && !isHash(p.prev)) return false;
  return p.entries.every(
    (/** @type {any} */ e) =>
      hasExactMembers(e, ['kid', 'public_key', 'units', 'roles', 'label']) &&
      typeof e.kid === 'string' && isHash(e.public_key) && typeof e.label === 'string' &&
      Array.isArray(e.units) && e.units.every((/** @type {unknown} */ u) => typeof u === 'string') &&
      Array.isArray(e.roles) && e.roles.every((/** @type {unknown} */ r) => ROLES.includes(/** @type {string} */ (r))),
  );
}

/** Rust's check_canonical; throws TrustError('not_canonical'). @param {DirectoryPayload} p */
async function checkCanonical(p) {
  /** @param {string} why @returns {never} */
  const bad = (why) => {
    throw new TrustError('not_canonical', `the directory's payload is not canonical: ${why}`);
  };
  if (p.v !== 1) bad('unknown version');
  if (p.seq === 0 || (p.seq === 1) !== (p.prev === undefined)) bad('seq starts at 1, and every later version names its prev');
  if (p.hour % 3600 !== 0) bad('hour must be a whole hour');
  if (p.entries.length > MAX_ENTRIES) bad('too many entries');
  if (!strictlyIncreasing(p.entries.map((e) => e.kid), compareUtf8)) bad('entries must be ordered by kid, each once');
  for (const e of p.entries) {
    if (e.kid !== (await x25519Kid(b64uDecode(e.public_key, 32)))) bad("an entry's kid is not its key's thumbprint");
    const unitsOk = e.units.length > 0 && strictlyIncreasing(e.units, compareUtf8) && e.units.every((u) => u.length > 0 && utf8(u).length <= 64);
    const order = (/** @type {Role} */ a, /** @type {Role} */ b) => ROLES.indexOf(a) - ROLES.indexOf(b);
    const rolesOk = e.roles.length > 0 && strictlyIncreasing(e.roles, order) && e.roles.every((r) => KEY_ROLES.includes(r));
    if (!unitsOk || !rolesOk) bad('units and roles must be non-empty, sorted and unique');
    if (e.label.length === 0 || [...e.label].length > 100 || /\p{Cc}/u.test(e.label)) bad('a label must be 1 to 100 characters');
  }
}

/** Rust's open_payload: the payload and its hash. @param {TrustRoot} root @param {unknown} payloadB64 */
async function openPayload(root, payloadB64) {
  let bytes, parsed;
  try {
    bytes = b64uDecode(/** @type {string} */ (payloadB64));
    parsed = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new TrustError('malformed', 'the directory payload is not b64u JSON');
  }
  if (!isPayloadShape(parsed)) throw new TrustError('malformed', 'the directory payload has the wrong shape');
  const payload = /** @type {DirectoryPayload} */ (parsed);
  if (b64uEncode(utf8(payloadText(payload))) !== payloadB64) {
    throw new TrustError('not_canonical', 'payload bytes are not its serialization');
  }
  await checkCanonical(payload);
  if (payload.origin !== root.origin) throw new TrustError('wrong_origin', `the directory is for ${payload.origin}, not ${root.origin}`);
  return { payload, hash: await sha256(bytes) };
}

/** Rust's verify_signature: the officer kid of one valid signature. @param {TrustRoot} root @param {string} payloadB64 @param {any} sig */
async function verifySignature(root, payloadB64, sig) {
  /** @type {any} */
  let header;
  try {
    header = JSON.parse(fromUtf8(b64uDecode(sig.protected)));
  } catch {
    throw new TrustError('malformed', 'protected header');
  }
  if (!hasExactMembers(header, ['alg', 'kid', 'typ']) || typeof header.kid !== 'string' || header.alg !== 'Ed25519' || header.typ !== TYP_DIRECTORY) {
    throw new TrustError('malformed', 'a signature is not an Ed25519 directory signature');
  }
  let officer = null;
  for (const o of root.officers) if ((await ed25519Kid(b64uDecode(o.public_key, 32))) === header.kid) officer = o;
  if (!officer) throw new TrustError('unknown_signer', 'a signature by a key that is not a directory officer');
  const badSignature = new TrustError('bad_signature', "an officer's signature on the directory does not verify");
  const publicKey = b64uDecode(officer.public_key, 32);
  let signature, key;
  try {
    signature = b64uDecode(sig.signature, 64);
    key = await globalThis.crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    throw badSignature;
  }
  if (!(await verifyStrict(publicKey, key, signature, utf8(`${sig.protected}.${payloadB64}`)))) throw badSignature;
  return /** @type {string} */ (header.kid);
}

/**
 * Verifies a directory document against the trust root (see the module contract).
 * @param {TrustRoot} root
 * @param {unknown} text
 * @returns {Promise<VerifiedDirectory>}
 */
export async function verifyDirectory(root, text) {
  if (typeof text !== 'string' || utf8(text).length > MAX_DOCUMENT_LEN) throw new TrustError('malformed', 'no directory, or too long');
  /** @type {any} */
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new TrustError('malformed', 'the directory is not JSON');
  }
  const sigShape = (/** @type {any} */ s) => hasExactMembers(s, ['protected', 'signature']) && typeof s.protected === 'string' && typeof s.signature === 'string';
  if (!hasExactMembers(doc, ['payload', 'signatures']) || typeof doc.payload !== 'string' || !Array.isArray(doc.signatures) || !doc.signatures.every(sigShape)) {
    throw new TrustError('malformed', 'the directory is not a JWS JSON serialization');
  }
  const { payload, hash } = await openPayload(root, doc.payload);
  const signers = new Set();
  for (const sig of doc.signatures) {
    const kid = await verifySignature(root, doc.payload, sig);
    if (signers.has(kid)) throw new TrustError('duplicate_signer', 'two signatures by the same officer');
    signers.add(kid);
  }
  if (signers.size < root.threshold) {
    throw new TrustError('no_quorum', `signed by ${signers.size} officers; the trust root needs ${root.threshold}`);
  }
  return { payload, hash, hashB64: b64uEncode(hash), signers: [...signers].sort(compareUtf8), text };
}

/**
 * The entries a new report about `unit` is wrapped to: intake keys of that unit or national
 * (national only for a national-only report), minus the suspended kids.
 * @param {VerifiedDirectory} dir
 * @param {string} unit
 * @param {boolean} nationalOnly
 * @param {string[]} suspended
 */
export function readers(dir, unit, nationalOnly, suspended) {
  return dir.payload.entries.filter(
    (e) => e.roles.includes('intake') && (e.units.includes(NATIONAL_UNIT) || (!nationalOnly && e.units.includes(unit))) && !suspended.includes(e.kid),
  );
}

/** Checks that `next` is the version right after `prev` (Rust's check_successor). @param {VerifiedDirectory} prev @param {VerifiedDirectory} next */
export function checkSuccessor(prev, next) {
  /** @param {string} reason @returns {never} */
  const fail = (reason) => {
    throw new TrustError('discontinuous', `directory ${next.payload.seq} does not follow directory ${prev.payload.seq}: ${reason}`);
  };
  if (next.payload.seq !== prev.payload.seq + 1) fail('its seq is not the next one');
  if (next.payload.prev !== prev.hashB64) fail("its prev is not the previous version's hash");
  if (next.payload.hour < prev.payload.hour) fail('it is dated before the previous version');
}

/**
 * Opens a checkpoint note against the root: signed by its log_key, the origin that key's
 * name, cosigned by at least witness_threshold pinned witnesses (Rust's open_witnessed_checkpoint).
 * @param {TrustRoot} root
 * @param {string} note
 */
export async function openWitnessedCheckpoint(root, note) {
  let checkpoint, verifier;
  try {
    verifier = await parseNoteVerifierKey(root.log_key);
    checkpoint = await openSignedCheckpoint(note, verifier);
  } catch (e) {
    if (!(e instanceof NoteError)) throw e;
    throw new TrustError('log_signature', `the checkpoint is not signed by the pinned log key: ${e.message}`);
  }
  if (checkpoint.origin !== verifier.name) throw new TrustError('checkpoint_origin', "the checkpoint's origin is not the pinned log's");
  const found = await verifyCosignatures(note, root.witnesses);
  if (found < root.witness_threshold) {
    throw new TrustError('not_witnessed', `the checkpoint is cosigned by ${found} of the pinned witnesses; the trust root needs ${root.witness_threshold}`);
  }
  return checkpoint;
}

/**
 * Checks a GET /api/v1/directory answer against the root (see the module contract); returns
 * the directory, the checkpoint and the (unsigned) suspension list the caller must subtract.
 * @param {TrustRoot} root
 * @param {DirectoryView} view
 */
export async function checkDirectoryView(root, view) {
  const directory = await verifyDirectory(root, view?.directory);
  if (directory.payload.seq !== view.seq) {
    throw new TrustError('seq_mismatch', `the answer claims version ${view.seq} but the signed directory is ${directory.payload.seq}`);
  }
  const { checkpoint: note, proof } = view;
  if (!note || !proof) throw new TrustError('not_yet_logged', 'the directory is not in a published checkpoint yet');
  const checkpoint = await openWitnessedCheckpoint(root, note);
  const leaf = await leafHash(utf8(view.directory));
  let path = null;
  try {
    path = proof.path.map((h) => b64uDecode(h, 32));
  } catch {
    // a malformed path proves nothing
  }
  const fits = path && proof.index === view.log && proof.size === checkpoint.size && proof.leaf_hash === b64uEncode(leaf);
  if (!fits || !(await verifyInclusion(leaf, view.log, checkpoint.size, path ?? [], checkpoint.root))) {
    throw new TrustError('not_included', "the directory's inclusion proof does not verify against the checkpoint");
  }
  if (!Array.isArray(view.suspended) || !view.suspended.every((k) => typeof k === 'string')) {
    throw new TrustError('malformed', 'the suspension list is not a list of kids');
  }
  return { directory, checkpoint, suspended: view.suspended };
}
