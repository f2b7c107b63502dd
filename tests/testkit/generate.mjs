// Writes the conformance testkit (tests/testkit/cases/, format in tests/testkit/README.md):
// one file per case, each a few header lines (expect, kind, comment), a blank line, and the
// case's inputs as JSON. Deterministic: every key comes from a fixed label, Ed25519 and AES-GCM
// are deterministic, and nothing reads the clock or a random source, so running it twice
// writes the same bytes (tests/js/testkit.test.mjs checks that).
//
//   node tests/testkit/generate.mjs [OUT_DIR]     (default: tests/testkit/cases)
//
// It builds its inputs with node:crypto and BigInt only, not with web/js or the Rust code, so
// neither implementation under test made its own vectors. Files in OUT_DIR that are no case are
// removed, so a dropped case disappears.

import { createCipheriv, createHash, createPrivateKey, createPublicKey, sign as edSign } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---- bytes -------------------------------------------------------------------------------

const bytes = (text) => Buffer.from(text, 'utf8');
const sha256 = (data) => createHash('sha256').update(data).digest();
const sha512 = (data) => createHash('sha512').update(data).digest();
const b64u = (data) => Buffer.from(data).toString('base64url');
const b64 = (data) => Buffer.from(data).toString('base64');
const hex = (data) => Buffer.from(data).toString('hex');

// ---- Ed25519 -----------------------------------------------------------------------------

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const le = (buf) => [...buf].reduceRight((n, b) => (n << 8n) | BigInt(b), 0n);
const toLe32 = (n) => Buffer.from(Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn)));
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The identity point (order 1): a small-order R, and the weakest public key. */
const IDENTITY = Buffer.from(`01${'00'.repeat(31)}`, 'hex');
/** A point of order 8 (canonical encoding, from libsodium's blocklist). */
const ORDER_8 = Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex');
/** y = 2: no x solves the curve equation, so these bytes are no point at all. */
const NOT_A_POINT = Buffer.from(`02${'00'.repeat(31)}`, 'hex');

/** An Ed25519 key from a fixed label: {x, a (secret scalar), sign(message)}. */
function ed25519(label) {
  const seed = sha256(bytes(`meldpunt testkit ${label}`));
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const x = Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x, 'base64url');
  const h = sha512(seed).subarray(0, 32);
  h[0] &= 248;
  h[31] = (h[31] & 127) | 64;
  return { x, a: le(h), sign: (message) => edSign(null, message, key) };
}

/** S replaced by S + L: the same signature to a verifier that does not insist on S < L. */
const unreducedS = (sig) => Buffer.concat([sig.subarray(0, 32), toLe32(le(sig.subarray(32)) + L)]);

/**
 * R = the identity, S = k·a mod L with k = SHA-512(R || A || M): [S]B = R + [k]A holds, so a
 * cofactorless verifier accepts it, though R is of small order (verify_strict refuses).
 */
function smallOrderR(key, message) {
  const k = le(sha512(Buffer.concat([IDENTITY, key.x, message]))) % L;
  return Buffer.concat([IDENTITY, toLe32((k * key.a) % L)]);
}

/**
 * A "signature" under the identity key A: R = [a]B (another key's public key), S = a mod L, so
 * [S]B = R = R + [k]A for every message. Valid for the plain equation; a weak key signs anything.
 */
function weakKeySignature(helper) {
  return Buffer.concat([helper.x, toLe32(helper.a % L)]);
}

// ---- JWS ---------------------------------------------------------------------------------

const TYP_RECEIPT = 'meldpunt-receipt+jws';
const TYP_STATEMENT = 'meldpunt-statement+jws';
const kidOf = (x) => b64u(sha256(bytes(`{"crv":"Ed25519","kty":"OKP","x":"${b64u(x)}"}`)));
const jwkOf = (x) => ({ kty: 'OKP', crv: 'Ed25519', x: b64u(x), kid: kidOf(x), use: 'sig', alg: 'Ed25519' });

const SERVER = ed25519('receipt signing key');
const STRANGER = ed25519('a key the JWKS does not hold');
const JWKS = { keys: [jwkOf(SERVER.x)] };

/**
 * A compact JWS. `payload` is an object (serialised as given) or raw text/bytes; `header` is
 * the header text (default the server's); `signature(input)` makes the signature bytes.
 */
function jws(typ, payload, { key = SERVER, header, signature } = {}) {
  const headerText = header ?? `{"alg":"Ed25519","kid":"${kidOf(key.x)}","typ":"${typ}"}`;
  const payloadBytes = typeof payload === 'object' && !Buffer.isBuffer(payload) ? bytes(JSON.stringify(payload)) : Buffer.from(payload);
  const input = `${b64u(bytes(headerText))}.${b64u(payloadBytes)}`;
  const sig = signature ? signature(bytes(input)) : key.sign(bytes(input));
  return `${input}.${b64u(sig)}`;
}

const chainHash = (token) => b64u(sha256(bytes(token)));

// ---- statements --------------------------------------------------------------------------

const ISS = 'https://meldpunt.example';
const REF = 'MP-7K3Q-9XM2';
const IAT = 1700002800; // a whole hour
const LATER = IAT + 7 * 24 * 3600;
const HASH = (label) => b64u(sha256(bytes(`meldpunt testkit ${label}`)));

const receipt = { iss: ISS, ref: REF, seq: 0, status: 'received', iat: IAT, sub: HASH('sub'), cmt: HASH('cmt'), log: 41 };
const later = (seq, fields, prev, log) => ({ iss: ISS, ref: REF, seq, ...fields, iat: LATER, prev, log });

/** receipt, message from the reporter, acknowledged, identity viewed, closed. */
function honestChain() {
  const bodies = [
    { kind: 'message', from: 'reporter', item: HASH('message item') },
    { kind: 'status', status: 'acknowledged' },
    { kind: 'identity_viewed' },
    { kind: 'status', status: 'closed', outcome: 'national_triage' },
  ];
  const statements = [jws(TYP_RECEIPT, receipt)];
  bodies.forEach((fields, i) => {
    statements.push(jws(TYP_STATEMENT, later(i + 1, fields, chainHash(statements[i]), 44 + 3 * i)));
  });
  return statements;
}

// ---- notes and checkpoints ---------------------------------------------------------------

const LOG_NAME = 'meldpunt.example/log';
const noteKeyId = (name, x) => sha256(Buffer.concat([bytes(name), Buffer.from([0x0a, 0x01]), x])).subarray(0, 4);
const vkeyOf = (name, x, id = noteKeyId(name, x)) => `${name}+${hex(id)}+${b64(Buffer.concat([Buffer.from([0x01]), x]))}`;
const LOG_KEY = ed25519('log note key');
const WITNESS = ed25519('witness note key');
const LOG_VKEY = vkeyOf(LOG_NAME, LOG_KEY.x);

/** The signature line of `key` named `name` over `text`; `signature` overrides the bytes. */
function sigLine(name, key, text, signature) {
  const sig = signature ? signature(bytes(text)) : key.sign(bytes(text));
  return `\u2014 ${name} ${b64(Buffer.concat([noteKeyId(name, key.x), sig]))}\n`;
}
const note = (text, ...lines) => `${text}\n${lines.join('')}`;

const ROOT8 = Buffer.from('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328', 'hex'); // RFC 6962 test tree
const AUDIT = `audit 17 ${HASH('audit head')}`;
const checkpointBody = (origin = LOG_NAME, size = '8', root = b64(ROOT8)) => `${origin}\n${size}\n${root}\n${AUDIT}\n`;
const BODY = checkpointBody();

// ---- padding and items -------------------------------------------------------------------

function padmeLen(n) {
  const l = n + 1;
  if (l <= 1024) return 1024;
  const e = Math.floor(Math.log2(l));
  const s = Math.floor(Math.log2(e)) + 1;
  const step = 2 ** (e - s);
  return Math.ceil(l / step) * step;
}
const pad = (pt) => {
  const out = Buffer.alloc(padmeLen(pt.length));
  pt.copy(out);
  out[pt.length] = 0x80;
  return out;
};

const ITEM_KINDS = { report: 1, message: 2, attachment: 3, note: 4, identity: 5 };
const THREAD_KEY = sha256(bytes('meldpunt testkit thread key'));
const CASE_ID = sha256(bytes('meldpunt testkit case id')).subarray(0, 16);
const OTHER_CASE = sha256(bytes('meldpunt testkit another case')).subarray(0, 16);
const ITEM_ID = sha256(bytes('meldpunt testkit item id')).subarray(0, 16);
const NONCE = sha256(bytes('meldpunt testkit nonce')).subarray(0, 12);
const REPORT = bytes('{"theme":"exclusion","text":"Testkit report."}');

/** AES-256-GCM over `padded` (already padded bytes) with the item AAD of `kind`. */
function sealPadded(padded, kind = 'report', caseId = CASE_ID) {
  const aad = Buffer.concat([bytes('meldpunt item v1\0'), caseId, ITEM_ID, Buffer.from([ITEM_KINDS[kind]])]);
  const cipher = createCipheriv('aes-256-gcm', THREAD_KEY, NONCE).setAAD(aad);
  const ct = Buffer.concat([cipher.update(padded), cipher.final(), cipher.getAuthTag()]);
  return { id: b64u(ITEM_ID), kind, nonce: b64u(NONCE), ct: b64u(ct) };
}
const itemHash = (item) =>
  b64u(sha256(Buffer.concat([ITEM_ID, Buffer.from([ITEM_KINDS[item.kind]]), NONCE, Buffer.from(item.ct, 'base64url')])));
const itemCase = (item, extra = {}) => ({ key: b64u(THREAD_KEY), case_id: b64u(CASE_ID), item, ...extra });

// ---- Merkle tree (RFC 9162 §2.1.1, §2.1.3.1) ---------------------------------------------

const leafHash = (leaf) => sha256(Buffer.concat([Buffer.from([0]), leaf]));
const nodeHash = (l, r) => sha256(Buffer.concat([Buffer.from([1]), l, r]));
const split = (n) => 2 ** Math.floor(Math.log2(n - 1));
const mth = (leaves) => (leaves.length === 1 ? leafHash(leaves[0]) : nodeHash(mth(leaves.slice(0, split(leaves.length))), mth(leaves.slice(split(leaves.length)))));
function path(m, leaves) {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}
const LEAVES = honestChain().map(bytes);

// ---- the cases ---------------------------------------------------------------------------

/** @type {{ name: string, expect: string, kind: string, comment: string, input: object }[]} */
const cases = [];
const add = (name, expect, kind, comment, input) => cases.push({ name, expect, kind, comment, input });
const jwsCase = (name, expect, comment, token, jwks = JWKS) => add(name, expect, 'jws_statement', comment, { jwks, jws: token });
const shapeCase = (name, comment, typ, payload) => jwsCase(name, 'bad_shape', comment, jws(typ, payload));

// JWS: signature, header, keys.
jwsCase('jws_receipt_ok', 'ok', 'a receipt as the server signs it verifies', jws(TYP_RECEIPT, receipt));
{
  const token = jws(TYP_RECEIPT, receipt);
  const [h, , s] = token.split('.');
  const altered = b64u(bytes(JSON.stringify({ ...receipt, log: 42 })));
  jwsCase('jws_payload_altered', 'bad_signature', 'the payload was changed after signing (log 41 → 42)', `${h}.${altered}.${s}`);
}
jwsCase('jws_unreduced_s', 'bad_signature', 'S + L: the same signature to a lax verifier; strict Ed25519 requires S < L (no malleability)',
  jws(TYP_RECEIPT, receipt, { signature: (input) => unreducedS(SERVER.sign(input)) }));
jwsCase('jws_small_order_r', 'bad_signature', 'R is the identity point and S = k·a: the cofactorless equation holds, strict verification refuses a small-order R',
  jws(TYP_RECEIPT, receipt, { signature: (input) => smallOrderR(SERVER, input) }));
{
  const weak = { x: IDENTITY, sign: () => weakKeySignature(STRANGER) };
  jwsCase('jws_weak_jwk_key', 'bad_signature', 'the JWKS holds the identity point (a weak key may be listed), whose "signature" R = [a]B, S = a fits every message; strict verification refuses it',
    jws(TYP_RECEIPT, receipt, { key: weak }), { keys: [jwkOf(IDENTITY)] });
}
jwsCase('jws_alg_eddsa', 'unsupported_alg', 'alg EdDSA (deprecated by RFC 9864) is refused: only the fully-specified Ed25519',
  jws(TYP_RECEIPT, receipt, { header: `{"alg":"EdDSA","kid":"${kidOf(SERVER.x)}","typ":"${TYP_RECEIPT}"}` }));
{
  const input = `${b64u(bytes('{"alg":"none","typ":"meldpunt-receipt+jws"}'))}.${b64u(bytes(JSON.stringify(receipt)))}`;
  jwsCase('jws_alg_none', 'unsupported_alg', 'an unsigned token (alg none, empty signature) is refused', `${input}.`);
}
jwsCase('jws_typ_jwt', 'unsupported_typ', 'typ must be meldpunt-receipt+jws or meldpunt-statement+jws',
  jws(TYP_RECEIPT, receipt, { header: `{"alg":"Ed25519","kid":"${kidOf(SERVER.x)}","typ":"JWT"}` }));
jwsCase('jws_kid_unknown', 'unknown_key', 'signed by a key the JWKS does not list', jws(TYP_RECEIPT, receipt, { key: STRANGER }));
jwsCase('jws_header_crit', 'malformed_jws', 'an unknown header member (crit) is refused, never ignored',
  jws(TYP_RECEIPT, receipt, { header: `{"alg":"Ed25519","kid":"${kidOf(SERVER.x)}","typ":"${TYP_RECEIPT}","crit":["exp"]}` }));
jwsCase('jws_header_duplicate_typ', 'malformed_jws', 'a header member given twice is refused (a JSON parser that keeps the last one would read typ JWT as a receipt)',
  jws(TYP_RECEIPT, receipt, { header: `{"alg":"Ed25519","kid":"${kidOf(SERVER.x)}","typ":"JWT","typ":"${TYP_RECEIPT}"}` }));
jwsCase('jws_jwk_not_a_point', 'invalid_jwk', 'a JWK whose x is no curve point (y = 2) rejects the whole JWKS',
  jws(TYP_RECEIPT, receipt), { keys: [JWKS.keys[0], jwkOf(NOT_A_POINT)] });

// Statement shapes (payload.rs StatementBody), each signed correctly so only the shape is wrong.
const prev = HASH('previous statement');
const { cmt: _cmt, ...receiptWithoutCmt } = receipt;
shapeCase('shape_receipt_missing_cmt', 'a receipt carries sub and cmt', TYP_RECEIPT, receiptWithoutCmt);
shapeCase('shape_receipt_extra_field', 'an unknown member (theme) in a receipt is refused', TYP_RECEIPT, { ...receipt, theme: 'exclusion' });
shapeCase('shape_receipt_as_statement', 'a receipt payload signed with typ meldpunt-statement+jws', TYP_STATEMENT, receipt);
shapeCase('shape_unknown_kind', 'kind is one of status, message, identity_viewed', TYP_STATEMENT, later(1, { kind: 'gossip' }, prev, 44));
shapeCase('shape_status_received_later', 'received is the receipt\'s status: a status statement cannot set it', TYP_STATEMENT,
  later(1, { kind: 'status', status: 'received' }, prev, 44));
shapeCase('shape_closed_without_outcome', 'closed carries its outcome', TYP_STATEMENT, later(1, { kind: 'status', status: 'closed' }, prev, 44));
shapeCase('shape_unknown_outcome', 'outcome is one of the five triage outcomes', TYP_STATEMENT,
  later(1, { kind: 'status', status: 'closed', outcome: 'lost' }, prev, 44));
shapeCase('shape_outcome_without_closed', 'outcome only with status closed', TYP_STATEMENT,
  later(1, { kind: 'status', status: 'referred', outcome: 'referred' }, prev, 44));
shapeCase('shape_unknown_status', 'status is one of the six statuses', TYP_STATEMENT, later(1, { kind: 'status', status: 'archived' }, prev, 44));
shapeCase('shape_message_without_item', 'a message statement carries from and item', TYP_STATEMENT, later(1, { kind: 'message', from: 'staff' }, prev, 44));
shapeCase('shape_message_with_status', 'a message statement carries no status', TYP_STATEMENT,
  later(1, { kind: 'message', status: 'acknowledged', from: 'staff', item: HASH('item') }, prev, 44));
shapeCase('shape_message_from_person', 'from is a side (reporter or staff), never a person', TYP_STATEMENT,
  later(1, { kind: 'message', from: 'investigator', item: HASH('item') }, prev, 44));
shapeCase('shape_iat_not_hour', 'iat is a whole hour, so no exact time is signed (G2)', TYP_RECEIPT, { ...receipt, iat: IAT + 1 });
shapeCase('shape_iat_float', 'iat is an integer: 1700002800.0 is a JSON float', TYP_RECEIPT,
  JSON.stringify(receipt).replace(`"iat":${IAT}`, `"iat":${IAT}.0`));
shapeCase('shape_duplicate_member', 'a member given twice (status) is refused, not resolved to the last', TYP_STATEMENT,
  JSON.stringify(later(1, { kind: 'status', status: 'acknowledged' }, prev, 44)).replace('"status":"acknowledged"', '"status":"received","status":"acknowledged"'));
shapeCase('shape_lone_surrogate', 'a string with a lone surrogate escape (\\ud800) is no Unicode text', TYP_RECEIPT,
  JSON.stringify(receipt).replace(`"ref":"${REF}"`, '"ref":"MP-\\ud800"'));
shapeCase('shape_payload_bom', 'a UTF-8 byte order mark before the payload JSON is no JSON', TYP_RECEIPT,
  Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(JSON.stringify(receipt))]));

// Chains (chain.rs check_chain).
{
  const chain = honestChain();
  const chainCase = (name, expect, comment, statements) => add(name, expect, 'statement_chain', comment, { jwks: JWKS, statements });
  chainCase('chain_ok', 'ok', 'receipt, message, acknowledged, identity viewed, closed: every link and log index in order', chain);
  chainCase('chain_truncated_ok', 'ok', 'a prefix of a chain is a valid chain: truncation is caught by the log, not here', chain.slice(0, 2));
  chainCase('chain_reordered', 'broken_chain', 'statements 1 and 2 swapped (seq out of order)', [chain[0], chain[2], chain[1], ...chain.slice(3)]);
  chainCase('chain_wrong_prev', 'broken_chain', 'statement 1 links to another hash than the receipt\'s',
    [chain[0], jws(TYP_STATEMENT, later(1, { kind: 'status', status: 'acknowledged' }, prev, 44))]);
  chainCase('chain_foreign_ref', 'broken_chain', 'statement 1 names another case (ref) though it links to this receipt',
    [chain[0], jws(TYP_STATEMENT, { ...later(1, { kind: 'status', status: 'acknowledged' }, chainHash(chain[0]), 44), ref: 'MP-XXXX-XXXX' })]);
  chainCase('chain_log_not_increasing', 'broken_chain', 'statement 1 claims the receipt\'s log index',
    [chain[0], jws(TYP_STATEMENT, later(1, { kind: 'status', status: 'acknowledged' }, chainHash(chain[0]), 41))]);
  const [h, , s] = chain[2].split('.');
  const altered = b64u(bytes(JSON.stringify(later(2, { kind: 'status', status: 'investigating' }, chainHash(chain[1]), 47))));
  chainCase('chain_altered_statement', 'bad_signature', 'statement 2 altered (acknowledged → investigating) keeps its old signature',
    [chain[0], chain[1], `${h}.${altered}.${s}`, ...chain.slice(3)]);
}

// Signed notes (note.rs NoteVerifier::parse, open).
{
  const noteCase = (name, expect, comment, input) => add(name, expect, 'note', comment, input);
  const good = note(BODY, sigLine(LOG_NAME, LOG_KEY, BODY));
  noteCase('note_ok', 'ok', 'a checkpoint note signed by the log key opens to its text', { vkey: LOG_VKEY, note: good, text: BODY });
  noteCase('note_foreign_line_skipped', 'ok', 'a signature line by another key (a witness) before ours is skipped',
    { vkey: LOG_VKEY, note: note(BODY, sigLine('witness.example', WITNESS, BODY), sigLine(LOG_NAME, LOG_KEY, BODY)), text: BODY });
  noteCase('note_weak_key_identity', 'weak_key', 'the verifier key is the identity point (order 1), with its correct key id',
    { vkey: vkeyOf(LOG_NAME, IDENTITY), note: note(BODY, `\u2014 ${LOG_NAME} ${b64(Buffer.concat([noteKeyId(LOG_NAME, IDENTITY), weakKeySignature(STRANGER)]))}\n`) });
  noteCase('note_weak_key_order_8', 'weak_key', 'the verifier key is a point of order 8, with its correct key id', { vkey: vkeyOf(LOG_NAME, ORDER_8), note: good });
  noteCase('note_key_not_a_point', 'bad_vkey', 'the verifier key\'s 32 bytes are no curve point (y = 2)', { vkey: vkeyOf(LOG_NAME, NOT_A_POINT), note: good });
  noteCase('note_key_id_mismatch', 'bad_vkey', 'the key id in the verifier key is not SHA-256(name || "\\n" || 0x01 || key)[0..4]',
    { vkey: vkeyOf(LOG_NAME, LOG_KEY.x, Buffer.from('00000000', 'hex')), note: good });
  noteCase('note_unreduced_s', 'bad_signature', 'S + L in the log key\'s signature: strict Ed25519 requires S < L',
    { vkey: LOG_VKEY, note: note(BODY, sigLine(LOG_NAME, LOG_KEY, BODY, (m) => unreducedS(LOG_KEY.sign(m)))) });
  noteCase('note_small_order_r', 'bad_signature', 'R is the identity and S = k·a: valid for the cofactorless equation, refused by strict verification',
    { vkey: LOG_VKEY, note: note(BODY, sigLine(LOG_NAME, LOG_KEY, BODY, (m) => smallOrderR(LOG_KEY, m))) });
  noteCase('note_text_altered', 'bad_signature', 'the size line changed from 8 to 9 after signing',
    { vkey: LOG_VKEY, note: good.replace(`${LOG_NAME}\n8\n`, `${LOG_NAME}\n9\n`) });
  noteCase('note_other_key_only', 'not_signed', 'signed only by a witness key, not by the log key',
    { vkey: LOG_VKEY, note: note(BODY, sigLine('witness.example', WITNESS, BODY)) });
  noteCase('note_duplicate_signature', 'malformed_note', 'two signature lines by the log key',
    { vkey: LOG_VKEY, note: note(BODY, sigLine(LOG_NAME, LOG_KEY, BODY), sigLine(LOG_NAME, LOG_KEY, BODY)) });
  const tabbed = BODY.replace(AUDIT, AUDIT.replace(' ', '\t'));
  noteCase('note_control_character', 'malformed_note', 'a tab in the text (validly signed): no control character but newline',
    { vkey: LOG_VKEY, note: note(tabbed, sigLine(LOG_NAME, LOG_KEY, tabbed)) });
}

// Checkpoints (checkpoint.rs open_signed_checkpoint; the origin must be the key's name).
{
  const cpCase = (name, expect, comment, body, extra = {}) =>
    add(name, expect, 'checkpoint', comment, { vkey: LOG_VKEY, note: note(body, sigLine(LOG_NAME, LOG_KEY, body)), ...extra });
  cpCase('checkpoint_ok', 'ok', 'origin, size, root and the audit extension line of a signed checkpoint', BODY,
    { size: 8, root: b64u(ROOT8), extensions: [AUDIT] });
  cpCase('checkpoint_wrong_origin', 'wrong_origin', 'signed by this log\'s key, but the body names another log', checkpointBody('other.example/log'));
  cpCase('checkpoint_size_leading_zero', 'malformed_checkpoint', 'the size is canonical decimal: 08 is refused', checkpointBody(LOG_NAME, '08'));
  cpCase('checkpoint_root_unpadded', 'malformed_checkpoint', 'the root is padded standard base64 of 32 bytes', checkpointBody(LOG_NAME, '8', b64(ROOT8).replace(/=$/, '')));
}

// Padding (padding.rs pad, unpad).
{
  const padCase = (name, expect, comment, padded, plaintext) =>
    add(name, expect, 'padding', comment, plaintext === undefined ? { padded: b64u(padded) } : { plaintext: b64u(plaintext), padded: b64u(padded) });
  padCase('padding_empty_ok', 'ok', 'the empty plaintext pads to the 1 KiB minimum: 0x80 then zeros', pad(Buffer.alloc(0)), Buffer.alloc(0));
  const long = Buffer.from(Array.from({ length: 1100 }, (_, i) => i % 251));
  padCase('padding_padme_ok', 'ok', '1100 bytes pad to the Padmé length 1152', pad(long), long);
  const marker = Buffer.from([0x61, 0x80, 0x00]);
  padCase('padding_plaintext_ends_like_padding_ok', 'ok', 'a plaintext ending in 0x80 0x00 survives: unpad strips zeros and exactly one 0x80', pad(marker), marker);
  padCase('padding_all_zero', 'bad_padding', 'no 0x80 marker at all', Buffer.alloc(1024));
  const wrong = pad(bytes('hello'));
  wrong[5] = 0x81;
  padCase('padding_wrong_marker', 'bad_padding', 'the last non-zero byte is 0x81, not 0x80', wrong);
}

// Items (item.rs Item::open, hash).
{
  const report = sealPadded(pad(REPORT));
  add('item_report_ok', 'ok', 'item', 'a report item opens under the thread key, in its case, to its plaintext; its hash is SHA-256(item bytes)',
    itemCase(report, { plaintext: b64u(REPORT), hash: itemHash(report) }));
  add('item_kind_swapped', 'bad_item', 'item', 'the kind (in the AAD) changed from report to message', itemCase({ ...report, kind: 'message' }));
  add('item_other_case', 'bad_item', 'item', 'opened as an item of another case (case id in the AAD)', { ...itemCase(report), case_id: b64u(OTHER_CASE) });
  add('item_bad_padding', 'bad_padding', 'item', 'authentic ciphertext whose plaintext (1024 zero bytes) carries no padding marker', itemCase(sealPadded(Buffer.alloc(1024))));
  add('item_short_ct', 'bad_item', 'item', 'a ciphertext shorter than the 1 KiB minimum plus the tag (authentic, over 1023 bytes)',
    itemCase(sealPadded(Buffer.concat([bytes('short'), Buffer.from([0x80]), Buffer.alloc(1017)]))));
}

// Inclusion proofs (proof.rs verify_inclusion), over the leaves of the honest chain.
{
  const root = mth(LEAVES);
  const proof = path(2, LEAVES).map(b64u);
  const incl = (index, p) => ({ leaf: b64u(LEAVES[2]), index, size: LEAVES.length, path: p, root: b64u(root) });
  add('inclusion_ok', 'ok', 'inclusion', 'statement 2 of the honest chain at index 2 of a 5-leaf tree', incl(2, proof));
  add('inclusion_wrong_index', 'bad_proof', 'inclusion', 'the proof of index 2 does not prove index 3', incl(3, proof));
  add('inclusion_path_too_long', 'bad_proof', 'inclusion', 'the proof with the root appended', incl(2, [...proof, b64u(root)]));
}

// ---- trust root, directories, witnesses (DESIGN §11) ------------------------------------

const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
/** An X25519 public key from a fixed label. */
function x25519(label) {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, sha256(bytes(`meldpunt testkit ${label}`))]), format: 'der', type: 'pkcs8' });
  return Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x, 'base64url');
}
const x25519Kid = (x) => b64u(sha256(bytes(`{"crv":"X25519","kty":"OKP","x":"${b64u(x)}"}`)));
const OFFICER_1 = ed25519('directory officer 1');
const OFFICER_2 = ed25519('directory officer 2');
const NOT_AN_OFFICER = ed25519('a key that is no directory officer');
const cosignerVkey = (name, x) =>
  `${name}+${hex(sha256(Buffer.concat([bytes(name), Buffer.from([0x0a, 0x04]), x])).subarray(0, 4))}+${b64(Buffer.concat([Buffer.from([0x04]), x]))}`;
const WITNESS_A = { name: 'witness-a.example', key: ed25519('witness a cosignature key') };
const WITNESS_B = { name: 'witness-b.example', key: ed25519('witness b cosignature key') };
const OTHER_LOG = ed25519('a log key the root does not pin');

/** A trust root (the JSON object) pinning the two officers, the log key and `witnesses`. */
const trustRoot = (witnesses = [WITNESS_A], witnessThreshold = 1) => ({
  v: 1,
  origin: ISS,
  officers: [{ name: 'desk', public_key: b64u(OFFICER_1.x) }, { name: 'ombudsman', public_key: b64u(OFFICER_2.x) }],
  threshold: 2,
  log_key: LOG_VKEY,
  witnesses: witnesses.map((w) => ({ name: w.name, vkey: cosignerVkey(w.name, w.key.x) })),
  witness_threshold: witnessThreshold,
});
const ROOT = trustRoot();

const entry = (label, units, roles, key = x25519(label)) => ({ kid: x25519Kid(key), public_key: b64u(key), units, roles, label });
const ENTRIES = [
  entry('national intake', ['national'], ['intake']),
  entry('amsterdam intake', ['amsterdam'], ['intake']),
  entry('amsterdam investigator', ['amsterdam'], ['investigator', 'custodian']),
].sort((a, b) => (a.kid < b.kid ? -1 : 1));

/** The payload text in Rust's member order (serde's struct order, no whitespace). */
const payloadText = ({ origin = ISS, seq = 1, prev, hour = IAT, entries = ENTRIES }) =>
  JSON.stringify({ v: 1, origin, seq, ...(prev ? { prev } : {}), hour, entries });

/** A directory document of payload text `text`, signed by `signers` (sorted by kid). */
function directoryDoc(text, signers = [OFFICER_1, OFFICER_2], payloadB64 = b64u(bytes(text))) {
  const signatures = signers
    .map((key) => {
      const protectedB64 = b64u(bytes(`{"alg":"Ed25519","kid":"${kidOf(key.x)}","typ":"meldpunt-directory+jws"}`));
      return { kid: kidOf(key.x), protected: protectedB64, signature: b64u(key.sign(bytes(`${protectedB64}.${payloadB64}`))) };
    })
    .sort((a, b) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0))
    .map(({ protected: p, signature }) => ({ protected: p, signature }));
  return JSON.stringify({ payload: payloadB64, signatures });
}
const dirHash = (text) => b64u(sha256(bytes(text)));

/** The cosignature line of witness `w` over a note's text at `timestamp`. */
function cosigLine(w, text, timestamp = 1700002800) {
  const id = sha256(Buffer.concat([bytes(w.name), Buffer.from([0x0a, 0x04]), w.key.x])).subarray(0, 4);
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(timestamp));
  const sig = w.key.sign(bytes(`cosignature/v1\ntime ${timestamp}\n${text}`));
  return `\u2014 ${w.name} ${b64(Buffer.concat([id, ts, sig]))}\n`;
}

// Directories (directory.rs verify_directory; web/js/crypto/directory.js verifyDirectory).
{
  const dirCase = (name, expect, comment, text, extra = {}) => add(name, expect, 'directory', comment, { root: ROOT, directory: directoryDoc(text, extra.signers), ...(extra.out ?? {}) });
  const first = payloadText({});
  dirCase('directory_ok', 'ok', 'three entries, canonical, signed by both officers of the root', first, { out: { hash: dirHash(first), seq: 1 } });
  dirCase('directory_no_quorum', 'no_quorum', 'signed by one of the two officers the threshold needs', first, { signers: [OFFICER_1] });
  dirCase('directory_unknown_signer', 'unknown_signer', 'a third signature by a key that is no officer refuses the whole document', first,
    { signers: [OFFICER_1, OFFICER_2, NOT_AN_OFFICER] });
  dirCase('directory_duplicate_signer', 'duplicate_signer', 'one officer signing twice is no quorum of two', first, { signers: [OFFICER_1, OFFICER_1] });
  {
    const added = payloadText({ entries: [...ENTRIES, entry('a key the server added', ['national'], ['intake'])].sort((a, b) => (a.kid < b.kid ? -1 : 1)) });
    const doc = JSON.parse(directoryDoc(first));
    doc.payload = b64u(bytes(added));
    add('directory_payload_altered', 'bad_signature', 'directory', 'an entry added to the payload after the officers signed it',
      { root: ROOT, directory: JSON.stringify(doc) });
  }
  dirCase('directory_entries_unsorted', 'not_canonical', 'entries in reverse kid order (validly signed): one payload, one byte string',
    payloadText({ entries: [...ENTRIES].reverse() }));
  dirCase('directory_roles_not_enum_order', 'not_canonical', 'roles custodian, investigator are sorted by name, not in the order of Rust\'s Role (intake < investigator < custodian)',
    payloadText({ entries: ENTRIES.map((e) => (e.roles.length > 1 ? { ...e, roles: ['custodian', 'investigator'] } : e)) }));
  dirCase('directory_whitespace', 'not_canonical', 'a space after a colon: the signed bytes must be the payload\'s serialisation',
    first.replace('"seq":1', '"seq": 1'));
  {
    const wrong = ENTRIES.map((e, i) => (i === 0 ? { ...e, public_key: b64u(x25519('another key')) } : e));
    dirCase('directory_wrong_kid', 'not_canonical', 'an entry whose kid is not the RFC 7638 thumbprint of its X25519 key', payloadText({ entries: wrong }));
  }
  dirCase('directory_payload_unknown_member', 'malformed_directory', 'an unknown payload member (expires), validly signed, is refused, never ignored',
    first.replace('"hour":', '"expires":1,"hour":'));
  {
    const protectedB64 = b64u(bytes(`{"alg":"Ed25519","kid":"${kidOf(OFFICER_2.x)}","typ":"meldpunt-directory+jws","crit":["exp"]}`));
    const doc = JSON.parse(directoryDoc(first));
    const payloadB64 = doc.payload;
    doc.signatures.push({ protected: protectedB64, signature: b64u(OFFICER_2.sign(bytes(`${protectedB64}.${payloadB64}`))) });
    add('directory_header_extra_member', 'malformed_directory', 'directory', 'a protected header with a member besides alg, kid and typ (crit)',
      { root: ROOT, directory: JSON.stringify(doc) });
  }
  dirCase('directory_wrong_origin', 'wrong_origin', 'signed by the officers, but for another instance', payloadText({ origin: 'https://elders.example' }));
}

// Successors (directory.rs check_successor).
{
  const first = payloadText({});
  const next = (seq, prev) => payloadText({ seq, prev, hour: IAT + 3600 * (seq - 1), entries: ENTRIES.slice(0, 2) });
  const succCase = (name, expect, comment, text) =>
    add(name, expect, 'directory_successor', comment, { root: ROOT, prev: directoryDoc(first), next: directoryDoc(text) });
  succCase('successor_ok', 'ok', 'version 2 names version 1\'s hash as prev', next(2, dirHash(first)));
  succCase('successor_wrong_prev', 'discontinuous', 'version 2 names another hash than version 1\'s', next(2, HASH('another directory')));
  succCase('successor_skipped_seq', 'discontinuous', 'version 3 right after version 1: a version was skipped', next(3, dirHash(first)));
}

// Witnessed checkpoints (witnessed.rs open_witnessed_checkpoint).
{
  const logLine = sigLine(LOG_NAME, LOG_KEY, BODY);
  const wCase = (name, expect, comment, root, noteText, out = {}) => add(name, expect, 'witnessed_checkpoint', comment, { root, note: noteText, ...out });
  wCase('witnessed_ok', 'ok', 'signed by the pinned log key and cosigned by the one pinned witness', ROOT, note(BODY, logLine, cosigLine(WITNESS_A, BODY)), { size: 8 });
  wCase('witnessed_too_few', 'not_witnessed', 'the root needs two of its two witnesses; one cosigned', trustRoot([WITNESS_A, WITNESS_B], 2),
    note(BODY, logLine, cosigLine(WITNESS_A, BODY)));
  wCase('witnessed_unpinned_witness', 'not_witnessed', 'cosigned, but by a witness the root does not pin', ROOT, note(BODY, logLine, cosigLine(WITNESS_B, BODY)));
  wCase('witnessed_foreign_log_key', 'log_signature', 'signed under the log\'s name by a key the root does not pin (the pinned witness cosigned the body)', ROOT,
    note(BODY, sigLine(LOG_NAME, OTHER_LOG, BODY), cosigLine(WITNESS_A, BODY)));
}

// Commitment version 2 (commit.rs submission_commitment_v2).
{
  const report = sealPadded(pad(REPORT));
  const kc = HASH('kc');
  const directory = HASH('directory');
  const str = (text) => {
    const b = bytes(text);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const cmtV2 = ({ theme, unit, relation = '', holders }) => {
    const unique = [...new Set(holders)].map(bytes).sort(Buffer.compare);
    const n = Buffer.alloc(4);
    n.writeUInt32BE(unique.length);
    const itemBytes = Buffer.concat([ITEM_ID, Buffer.from([ITEM_KINDS.report]), NONCE, Buffer.from(report.ct, 'base64url')]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(itemBytes.length);
    return b64u(sha256(Buffer.concat([
      bytes('meldpunt submission v2\0'), CASE_ID, Buffer.from(kc, 'base64url'), Buffer.from(directory, 'base64url'),
      str(theme), str(unit), str(relation), n, ...unique.map(str), len, itemBytes,
    ])));
  };
  const filing = { theme: 'exclusion', unit: 'amsterdam', relation: 'employee', holders: ['reporter', ENTRIES[1].kid, ENTRIES[0].kid] };
  const cCase = (name, expect, comment, fields, cmt) =>
    add(name, expect, 'commitment_v2', comment, { case_id: b64u(CASE_ID), kc, directory, ...fields, items: [report], cmt });
  cCase('commitment_v2_ok', 'ok', 'the labels, the directory hash and the wrap holders are bound', filing, cmtV2(filing));
  cCase('commitment_v2_holders_unordered_ok', 'ok', 'holders in another order and one twice: a set, sorted by bytes', { ...filing, holders: [ENTRIES[0].kid, 'reporter', ENTRIES[1].kid, 'reporter'] }, cmtV2(filing));
  cCase('commitment_v2_changed_label', 'bad_commitment', 'the unit is zwolle, but the cmt was made for amsterdam', { ...filing, unit: 'zwolle' }, cmtV2(filing));
  const { relation: _r, ...noRelation } = filing;
  cCase('commitment_v2_no_relation_ok', 'ok', 'no relation is bound as the empty string', noRelation, cmtV2({ ...filing, relation: '' }));
}

// ---- writing -----------------------------------------------------------------------------

function render({ expect, kind, comment, input }) {
  if (/[\n]/.test(comment)) throw new Error('one-line comments only');
  return `expect: ${expect}\nkind: ${kind}\ncomment: ${comment}\n\n${JSON.stringify(input, null, 2)}\n`;
}

export function generate(outDir) {
  const names = new Set(cases.map((c) => c.name));
  if (names.size !== cases.length) throw new Error('duplicate case name');
  mkdirSync(outDir, { recursive: true });
  for (const file of readdirSync(outDir)) if (!names.has(file)) rmSync(join(outDir, file));
  for (const c of cases) writeFileSync(join(outDir, c.name), render(c));
  return cases.length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'cases');
  console.log(`wrote ${generate(out)} cases to ${out}`);
}
