// Ed25519 strictness as in Rust (web/js/crypto/ed25519.js against ed25519-dalek's from_bytes,
// is_weak and verify_strict, which src/protocol/log/note.rs and statements/jws.rs use): point
// decoding and small order, then every refusal of note.js and jws.js that Rust makes and
// WebCrypto alone does not — weak and invalid note keys, an unreduced S, a small-order R, a
// weak key in a JWKS, a JWK x that is no point — plus the note-name and trimming rules. An
// unreduced S and a small-order R in a JWS or a note are conformance testkit cases
// (tests/testkit/: jws_unreduced_s, jws_small_order_r, note_unreduced_s, note_small_order_r).
import test from 'node:test';
import assert from 'node:assert/strict';
import { b64StdEncode, concat, fromHex, toHex, utf8 } from '../../web/js/crypto/b64.js';
import { L, decodePoint, isSmallOrder, publicKeyProblem, verifyStrict } from '../../web/js/crypto/ed25519.js';
import { importJwks, verifyStatement } from '../../web/js/crypto/jws.js';
import { NoteError, isValidName, noteKeyId, openNote, parseNoteVerifierKey } from '../../web/js/crypto/note.js';
import { verifyCaseLog } from '../../web/js/log-check.js';
import { IDENTITY, ed25519Signer, noteSigner, signJws, smallOrderRSignature, withUnreducedS } from './sign-helpers.mjs';

const subtle = globalThis.crypto.subtle;
const P = 2n ** 255n - 19n;
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;

// Every encoding of a point of order 1, 2, 4 or 8 that dalek decodes: the eight canonical ones
// and six non-canonical (y + p, or x = 0 with the sign bit), as listed in "Taming the many
// EdDSAs" (Chalkias et al., 2020) and libsodium's blocklist.
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  '0100000000000000000000000000000000000000000000000000000000000080',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
].map(fromHex);
// y = 2 (no x solves the curve equation for it), with the sign bit both ways.
const NOT_A_POINT = [fromHex(`02${'00'.repeat(31)}`), fromHex(`02${'00'.repeat(30)}80`)];

const encode = ({ x, y }) => {
  const out = Uint8Array.from({ length: 32 }, (_, i) => Number((y >> BigInt(8 * i)) & 0xffn));
  out[31] |= Number(x & 1n) << 7;
  return out;
};
const onCurve = ({ x, y }) => ((y * y - x * x - 1n - D * x * x * y * y) % P + P) % P === 0n;
const importRaw = (x) => subtle.importKey('raw', x, { name: 'Ed25519' }, false, ['verify']);

/** A verifier key text for `x` under `name`, with the right key id. */
async function verifierKeyFor(name, x) {
  return `${name}+${toHex(await noteKeyId(name, x))}+${b64StdEncode(concat(0x01, x))}`;
}

test('points: WebCrypto keys decode to curve points that re-encode to the same bytes', async () => {
  const base = decodePoint(fromHex('5866666666666666666666666666666666666666666666666666666666666666'));
  assert.equal(base.x, 15112221349535400772501151409588531511454012693041857206046113283949847762202n);
  for (let i = 0; i < 20; i++) {
    const { x } = await ed25519Signer();
    const point = decodePoint(x);
    assert.ok(point && onCurve(point), toHex(x));
    assert.equal(toHex(encode(point)), toHex(x));
    assert.equal(isSmallOrder(point), false);
    assert.equal(publicKeyProblem(x), null);
  }
});

test('points: the small-order encodings are weak, y = 2 is no point', () => {
  for (const bytes of SMALL_ORDER) {
    const point = decodePoint(bytes);
    assert.ok(point && onCurve(point), toHex(bytes));
    assert.equal(publicKeyProblem(bytes), 'weak', toHex(bytes));
  }
  for (const bytes of NOT_A_POINT) assert.equal(publicKeyProblem(bytes), 'invalid', toHex(bytes));
  // Decoding agrees with Euler's criterion on (y² − 1)/(dy² + 1) for small y.
  const power = (b, e) => (e === 0n ? 1n : (power((b * b) % P, e / 2n) * (e % 2n ? b : 1n)) % P);
  for (let y = 0n; y < 64n; y++) {
    const ratio = ((y * y - 1n + P) * power((D * y * y + 1n) % P, P - 2n)) % P;
    const square = ratio === 0n || power(ratio, (P - 1n) / 2n) === 1n;
    assert.equal(decodePoint(encode({ x: 0n, y })) !== null, square, `y = ${y}`);
  }
});

test('verifyStrict: an unreduced S and a small-order R are refused where WebCrypto may accept', async (t) => {
  const signer = await ed25519Signer();
  const message = utf8('meldpunt.test/log\n1\n');
  const good = await signer.sign(message);
  assert.equal(await verifyStrict(signer.x, signer.publicKey, good, message), true);
  const unreduced = withUnreducedS(good);
  assert.ok(unreduced.subarray(32).reduceRight((n, b) => (n << 8n) | BigInt(b), 0n) >= L);
  assert.equal(await verifyStrict(signer.x, signer.publicKey, unreduced, message), false);
  const forged = await smallOrderRSignature(signer, message);
  assert.equal(await verifyStrict(signer.x, signer.publicKey, forged, message), false);
  // The forgery is a real cofactorless signature: this engine's own verify takes it.
  t.diagnostic(`WebCrypto alone accepts the small-order R: ${await subtle.verify({ name: 'Ed25519' }, signer.publicKey, forged, message)}`);
  // A weak key "signs" everything with R = identity, S = 0; verifyStrict never takes it.
  const zeroS = concat(IDENTITY, new Uint8Array(32));
  assert.equal(await verifyStrict(IDENTITY, await importRaw(IDENTITY), zeroS, message), false);
  t.diagnostic(`WebCrypto alone accepts the identity key's empty signature: ${await subtle.verify({ name: 'Ed25519' }, await importRaw(IDENTITY), zeroS, message)}`);
});

test('note keys: weak and invalid keys are refused when parsed, before the key id', async () => {
  for (const x of SMALL_ORDER) {
    await assert.rejects(parseNoteVerifierKey(await verifierKeyFor('meldpunt.test/log', x)), (e) => e instanceof NoteError && /weak Ed25519 key/.test(e.message), toHex(x));
  }
  for (const x of NOT_A_POINT) {
    await assert.rejects(parseNoteVerifierKey(await verifierKeyFor('meldpunt.test/log', x)), (e) => e instanceof NoteError && /invalid Ed25519 key/.test(e.message), toHex(x));
  }
  // Rust checks the point before the key id: a weak key with a wrong id is refused as weak.
  await assert.rejects(parseNoteVerifierKey(`meldpunt.test/log+00000000+${b64StdEncode(concat(0x01, IDENTITY))}`), /weak Ed25519 key/);
});

test('notes: a verifier around a weak key verifies nothing', async () => {
  const body = 'meldpunt.test/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
  // A verifier built around a weak key (parseNoteVerifierKey would not make one) verifies nothing.
  const weak = { x: IDENTITY, sign: async () => concat(IDENTITY, new Uint8Array(32)) };
  const weakVerifier = { name: 'meldpunt.test/log', keyId: await noteKeyId('meldpunt.test/log', IDENTITY), publicKey: IDENTITY, key: await importRaw(IDENTITY) };
  await assert.rejects(openNote(await (await noteSigner('meldpunt.test/log', weak)).sign(body), weakVerifier), /signature does not verify/);
});

test('notes: names as Rust is_valid_name, no lone surrogates', async () => {
  for (const bad of ['', 'a b', 'a+b', 'a\tb', 'a\u0085b', 'a\u00a0b', 'a\u2028b', 'a\u3000b', 'a\u0000b', 'a\u007fb', 'a\ud800b']) {
    assert.equal(isValidName(bad), false, JSON.stringify(bad));
  }
  // U+FEFF is neither White_Space nor Cc, so Rust takes it (String.prototype.trim and \s do not).
  for (const good of ['meldpunt.test/log', 'a\ufeffb', 'é', '😀']) assert.equal(isValidName(good), true, JSON.stringify(good));
  const signer = await noteSigner('a\ufeffb');
  const body = 'text\n';
  assert.equal(await openNote(await signer.sign(body), await parseNoteVerifierKey(signer.verifierKey)), body);
  await assert.rejects(parseNoteVerifierKey(signer.verifierKey.replace('\ufeff', '\ud800')), /invalid key name/);
  // A lone surrogate in the text: UTF-8 would turn it into U+FFFD, so the signed bytes would not
  // be the text returned.
  const other = await noteSigner('meldpunt.test/log');
  const note = await other.sign('meldpunt.test/log\n1\n\ufffd\n');
  await assert.rejects(openNote(note.replace('\ufffd', '\ud800'), await parseNoteVerifierKey(other.verifierKey)), /not valid Unicode/);
});

test('log key text is trimmed as Rust trims it (White_Space only)', async () => {
  const signer = await noteSigner('meldpunt.test/log');
  const view = { statements: [], proofs: [], checkpoint: await signer.sign(`meldpunt.test/log\n0\n${b64StdEncode(new Uint8Array(32))}\n`) };
  for (const padded of [`${signer.verifierKey}\n`, ` \t${signer.verifierKey}\u0085\u3000`]) {
    assert.equal((await verifyCaseLog(view, [], padded)).checkpoint.size, 0, JSON.stringify(padded));
  }
  // U+FEFF is not White_Space: Rust keeps it as part of the name, whose key id then differs.
  await assert.rejects(verifyCaseLog(view, [], `\ufeff${signer.verifierKey}`), /key id does not match/);
});

test('JWS: a JWK x that is no point is refused; a weak key imports but verifies nothing', async () => {
  const signer = await ed25519Signer();
  const { ed25519Kid } = await import('../../web/js/crypto/jws.js');
  const jwkFor = async (x) => ({ ...signer.jwk, x: Buffer.from(x).toString('base64url'), kid: await ed25519Kid(x) });
  for (const x of NOT_A_POINT) {
    await assert.rejects(importJwks({ keys: [await jwkFor(x)] }), (e) => e.code === 'invalid_jwk' && /not a valid point/.test(e.message));
  }
  const payload = { iss: 'https://meldpunt.test', ref: 'MP-1', seq: 0, status: 'received', iat: 3600, sub: 'A'.repeat(43), cmt: 'A'.repeat(43), log: 0 };
  const weakJwk = await jwkFor(IDENTITY);
  const keys = await importJwks({ keys: [weakJwk] });
  const weakSigner = { kid: weakJwk.kid, sign: async () => concat(IDENTITY, new Uint8Array(32)) };
  await assert.rejects(verifyStatement(await signJws(weakSigner, 'meldpunt-receipt+jws', payload), keys), (e) => e.code === 'bad_signature');
});
