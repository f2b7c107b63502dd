// Statement verification (web/js/crypto/jws.js, PROTOCOL §5) against src/receipts/jws.rs rules:
// any flipped character fails, EdDSA/none and unknown header members are refused, payload shapes
// are checked, and checkChain catches reordered, altered or foreign statements.
import test from 'node:test';
import assert from 'node:assert/strict';
import { b64uEncode, utf8 } from '../../web/js/crypto/b64.js';
import { checkChain, chainHash, importJwks, verifyStatement } from '../../web/js/crypto/jws.js';
import { ed25519Signer, signJws } from './sign-helpers.mjs';

const HASH = b64uEncode(new Uint8Array(32).fill(7));
const ISS = 'https://meldpunt.example';
const receiptPayload = (log = 3) => ({ iss: ISS, ref: 'MP-7K3Q-9XM2', seq: 0, status: 'received', iat: 1700002800, sub: HASH, cmt: HASH, log });

async function setup() {
  const signer = await ed25519Signer();
  const keys = await importJwks({ keys: [signer.jwk] });
  return { signer, keys };
}

async function chain(signer, n, firstLog = 3) {
  const statements = [await signJws(signer, 'meldpunt-receipt+jws', receiptPayload(firstLog))];
  for (let seq = 1; seq < n; seq++) {
    const prev = await chainHash(statements[seq - 1]);
    const payload = seq % 2
      ? { iss: ISS, ref: 'MP-7K3Q-9XM2', seq, kind: 'message', from: 'staff', item: HASH, iat: 1700006400, prev, log: firstLog + seq }
      : { iss: ISS, ref: 'MP-7K3Q-9XM2', seq, kind: 'status', status: 'acknowledged', iat: 1700006400, prev, log: firstLog + seq };
    statements.push(await signJws(signer, 'meldpunt-statement+jws', payload));
  }
  return statements;
}

test('a receipt verifies; every changed character fails', async () => {
  const { signer, keys } = await setup();
  const jws = await signJws(signer, 'meldpunt-receipt+jws', receiptPayload());
  const verified = await verifyStatement(jws, keys);
  assert.equal(verified.typ, 'meldpunt-receipt+jws');
  assert.deepEqual(verified.payload, receiptPayload());
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < jws.length; i++) {
    if (jws[i] === '.') continue;
    const replacement = alphabet[(alphabet.indexOf(jws[i]) + 1) % 64];
    const forged = jws.slice(0, i) + replacement + jws.slice(i + 1);
    await assert.rejects(verifyStatement(forged, keys), `position ${i}`);
  }
});

// EdDSA, crit, typ JWT, a duplicate member and a key outside the JWKS are testkit cases (jws_*).
test('header rules: alg, typ, kid, exact members', async () => {
  const { signer, keys } = await setup();
  const p = receiptPayload();
  const typ = 'meldpunt-receipt+jws';
  const code = async (header) => {
    try {
      await verifyStatement(await signJws(signer, typ, p, header), keys);
      return 'ok';
    } catch (e) {
      return e.code;
    }
  };
  const kid = signer.kid;
  assert.equal(await code(`{"alg":"Ed25519","kid":"${kid}","typ":"${typ}"}`), 'ok');
  assert.equal(await code(` { "typ" : "${typ}", "alg":"Ed25519" ,"kid":"${kid}"}`), 'ok');
  assert.equal(await code(`{"alg":"none","kid":"${kid}","typ":"${typ}"}`), 'unsupported_alg');
  assert.equal(await code(`{"kid":"${kid}","typ":"${typ}"}`), 'unsupported_alg');
  assert.equal(await code(`["Ed25519"]`), 'unsupported_alg');
  assert.equal(await code(`{"alg":"Ed25519","kid":"${kid}","typ":"${typ}","jwk":{}}`), 'malformed');
  assert.equal(await code(`{"alg":"Ed25519","kid":"${kid}","kid":"${kid}","typ":"${typ}"}`), 'malformed');
  assert.equal(await code(`{"alg":"Ed25519","kid":"${kid}"}`), 'malformed');
  assert.equal(await code(`{"alg":"Ed25519","kid":"other","typ":"${typ}"}`), 'unknown_key');
  // `none` with an empty signature.
  const none = `${b64uEncode(utf8('{"alg":"none"}'))}.${b64uEncode(utf8(JSON.stringify(p)))}.`;
  await assert.rejects(verifyStatement(none, keys), (e) => e.code === 'unsupported_alg');
});

// The shapes of Rust's typed statement table are pinned by the testkit (tests/testkit/, cases
// shape_*); these are the ones it does not cover.
test('payload shapes', async () => {
  const { signer, keys } = await setup();
  const bad = async (typ, payload) => assert.rejects(verifyStatement(await signJws(signer, typ, payload), keys), (e) => e.code === 'bad_payload', JSON.stringify(payload));
  await bad('meldpunt-receipt+jws', { ...receiptPayload(), seq: 1 });
  await bad('meldpunt-receipt+jws', { ...receiptPayload(), cmt: 'short' });
  await bad('meldpunt-receipt+jws', { ...receiptPayload(), kind: 'status' });
  const { sub, ...noSub } = receiptPayload();
  await bad('meldpunt-receipt+jws', noSub);
  await bad('meldpunt-statement+jws', { iss: ISS, ref: 'r', seq: 1, kind: 'status', status: 'acknowledged', outcome: 'x', iat: 0, prev: HASH, log: 1 });
  await bad('meldpunt-statement+jws', { iss: ISS, ref: 'r', seq: 1, kind: 'status', status: 'acknowledged', iat: 0, log: 1 });
});

test('JWKS rules', async () => {
  const { signer } = await setup();
  await importJwks({ keys: [signer.jwk] });
  for (const change of [{ kid: 'x' }, { alg: 'EdDSA' }, { use: 'enc' }, { crv: 'X25519' }, { x: 'AAAA' }]) {
    await assert.rejects(importJwks({ keys: [{ ...signer.jwk, ...change }] }), (e) => e.code === 'invalid_jwk', JSON.stringify(change));
  }
});

test('checkChain: valid chain, and removed, reordered, altered, foreign statements', async () => {
  const { signer, keys } = await setup();
  const statements = await chain(signer, 4);
  const payloads = await checkChain(statements, keys);
  assert.deepEqual(payloads.map((p) => p.seq), [0, 1, 2, 3]);
  const broken = (list) => assert.rejects(checkChain(list, keys), (e) => e.code === 'broken_chain' || e.code === 'bad_signature');
  await broken([]);
  await broken([statements[0], statements[2], statements[3]]);
  await broken([statements[0], statements[2], statements[1], statements[3]]);
  await broken([statements[1]]);
  const other = await chain(signer, 2, 1); // a case whose receipt differs
  await broken([statements[0], other[1]]);
  // A later statement with a wrong prev, a receipt in position 1, a non-increasing log.
  const prev = await chainHash(statements[0]);
  const base = { iss: ISS, ref: 'MP-7K3Q-9XM2', seq: 1, kind: 'status', status: 'acknowledged', iat: 0 };
  await broken([statements[0], await signJws(signer, 'meldpunt-statement+jws', { ...base, prev: HASH, log: 9 })]);
  await broken([statements[0], await signJws(signer, 'meldpunt-statement+jws', { ...base, prev, log: 3 })]);
  await broken([statements[0], await signJws(signer, 'meldpunt-statement+jws', { ...base, ref: 'MP-OTHER', prev, log: 9 })]);
  await broken([statements[0], await signJws(signer, 'meldpunt-receipt+jws', receiptPayload(9))]);
});
