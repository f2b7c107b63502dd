// web/js/crypto/staff-keys.js against tests/vectors/meldpunt-staff.json (computed independently
// in Python; tests/staff_vectors.rs pins the Rust side to the same file), its refusals (wrong
// password, wrong user id, tampered ciphertext or nonce, wrong length, a key of another
// account), that the unlocked key is a non-extractable X25519 CryptoKey, and that HPKE and
// openCaseKey give the same result with that CryptoKey as with the raw bytes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { b64uDecode, b64uEncode, randomBytes } from '../../web/js/crypto/b64.js';
import * as hpke from '../../web/js/crypto/hpke.js';
import {
  StaffKeyError,
  deriveStaffKeyBytes,
  deriveStaffSecrets,
  importStaffKey,
  newStaffKeyPair,
  unwrapPrivateKey,
  wrapPrivateKey,
} from '../../web/js/crypto/staff-keys.js';
import { openCaseKey, sealCaseKey } from '../../web/js/crypto/wrap.js';

const { cases } = JSON.parse(readFileSync(new URL('../vectors/meldpunt-staff.json', import.meta.url), 'utf8'));

const wrongPassword = (e) => e instanceof StaffKeyError && e.code === 'wrong_password';

test('the vector file has at least two cases, one at the production iteration count', () => {
  assert.ok(cases.length >= 2);
  assert.ok(cases.some((c) => c.iterations === 600000));
});

for (const c of cases) {
  test(`vector: ${c.password} (${c.iterations} iterations)`, async () => {
    const salt = b64uDecode(c.kdf_salt, 16);
    const bytes = await deriveStaffKeyBytes(c.password, salt, c.iterations);
    assert.equal(b64uEncode(bytes.master), c.master);
    assert.equal(b64uEncode(bytes.authHash), c.auth_hash);
    assert.equal(b64uEncode(bytes.wrapKey), c.wrap_key);

    const secrets = await deriveStaffSecrets(c.password, salt, c.iterations);
    assert.equal(b64uEncode(secrets.authHash), c.auth_hash);
    assert.equal(secrets.wrapKey.extractable, false);
    assert.deepEqual(secrets.wrapKey.algorithm, { name: 'AES-GCM', length: 256 });
    const sk = b64uDecode(c.private_key, 32);
    // The user id as the wire carries it (b64u) and as bytes give the same wrap.
    const wrapped = await wrapPrivateKey(secrets.wrapKey, c.user_id, sk, b64uDecode(c.nonce, 12));
    assert.deepEqual(wrapped, c.wrapped_private_key);
    assert.deepEqual(await wrapPrivateKey(secrets.wrapKey, b64uDecode(c.user_id, 16), sk, b64uDecode(c.nonce, 12)), wrapped);

    const { privateKey, publicKey } = await unwrapPrivateKey(secrets.wrapKey, c.user_id, c.wrapped_private_key);
    assert.equal(privateKey.extractable, false);
    assert.equal(privateKey.type, 'private');
    assert.equal(privateKey.algorithm.name, 'X25519');
    assert.deepEqual(privateKey.usages, ['deriveBits']);
    await assert.rejects(globalThis.crypto.subtle.exportKey('pkcs8', privateKey));
    await assert.rejects(globalThis.crypto.subtle.exportKey('jwk', privateKey));
    const expected = (await importStaffKey(sk.slice())).publicKey;
    assert.deepEqual(publicKey, expected);
  });
}

test('refusals: wrong password, wrong user id, tampered ct or nonce, wrong length', async () => {
  const c = cases[0];
  const salt = b64uDecode(c.kdf_salt, 16);
  const good = await deriveStaffSecrets(c.password, salt, c.iterations);
  const w = c.wrapped_private_key;
  const wrong = await deriveStaffSecrets(`${c.password}!`, salt, c.iterations);
  await assert.rejects(unwrapPrivateKey(wrong.wrapKey, c.user_id, w), wrongPassword);
  const otherSalt = await deriveStaffSecrets(c.password, new Uint8Array(16), c.iterations);
  await assert.rejects(unwrapPrivateKey(otherSalt.wrapKey, c.user_id, w), wrongPassword);
  const otherUser = b64uDecode(c.user_id, 16);
  otherUser[15] ^= 1;
  await assert.rejects(unwrapPrivateKey(good.wrapKey, otherUser, w), wrongPassword);
  await assert.rejects(unwrapPrivateKey(good.wrapKey, cases[1].user_id, w), wrongPassword);
  for (let i = 0; i < 48; i += 7) {
    const ct = b64uDecode(w.ct, 48);
    ct[i] ^= 0x80;
    await assert.rejects(unwrapPrivateKey(good.wrapKey, c.user_id, { nonce: w.nonce, ct: b64uEncode(ct) }), wrongPassword, `byte ${i}`);
  }
  const nonce = b64uDecode(w.nonce, 12);
  nonce[0] ^= 1;
  await assert.rejects(unwrapPrivateKey(good.wrapKey, c.user_id, { nonce: b64uEncode(nonce), ct: w.ct }), wrongPassword);
  const short = b64uEncode(b64uDecode(w.ct, 48).subarray(0, 47));
  await assert.rejects(unwrapPrivateKey(good.wrapKey, c.user_id, { nonce: w.nonce, ct: short }), wrongPassword);
  await assert.rejects(unwrapPrivateKey(good.wrapKey, c.user_id, { nonce: w.nonce, ct: `${w.ct}A` }), wrongPassword);
  await assert.rejects(unwrapPrivateKey(good.wrapKey, c.user_id, /** @type {any} */ (null)), wrongPassword);
  // A user id that is not 16 bytes is a caller error, not a wrong password.
  await assert.rejects(unwrapPrivateKey(good.wrapKey, 'AAAA', w), (e) => e instanceof StaffKeyError && e.code === 'bad_input');
  await assert.rejects(deriveStaffSecrets('x', new Uint8Array(15), 1), (e) => e.code === 'bad_input');
  await assert.rejects(deriveStaffSecrets('x', new Uint8Array(16), 0), (e) => e.code === 'bad_input');
  // And the right one still opens.
  await unwrapPrivateKey(good.wrapKey, c.user_id, w);
});

test('a key that is not the account public key is refused (key_mismatch)', async () => {
  const c = cases[0];
  const secrets = await deriveStaffSecrets(c.password, b64uDecode(c.kdf_salt, 16), c.iterations);
  const own = (await importStaffKey(b64uDecode(c.private_key, 32))).publicKey;
  await unwrapPrivateKey(secrets.wrapKey, c.user_id, c.wrapped_private_key, own);
  const other = (await newStaffKeyPair()).publicKey;
  await assert.rejects(
    unwrapPrivateKey(secrets.wrapKey, c.user_id, c.wrapped_private_key, other),
    (e) => e instanceof StaffKeyError && e.code === 'key_mismatch',
  );
});

test('enrolment round trip: a fresh pair, wrapped and unwrapped, random nonces', async () => {
  const userId = randomBytes(16);
  const secrets = await deriveStaffSecrets('hunter2 hunter2', randomBytes(16), 1000);
  const pair = await newStaffKeyPair();
  const raw = pair.privateKey.slice();
  const a = await wrapPrivateKey(secrets.wrapKey, userId, pair.privateKey);
  const b = await wrapPrivateKey(secrets.wrapKey, userId, pair.privateKey);
  assert.notEqual(a.nonce, b.nonce);
  const unlocked = await unwrapPrivateKey(secrets.wrapKey, b64uEncode(userId), a, pair.publicKey);
  assert.deepEqual(unlocked.publicKey, pair.publicKey);
  // importStaffKey wipes the bytes it is given.
  const imported = await importStaffKey(pair.privateKey);
  assert.ok(pair.privateKey.every((x) => x === 0));
  assert.equal(imported.privateKey.extractable, false);
  assert.deepEqual(imported.publicKey, unlocked.publicKey);
  // The unlocked key opens what was sealed to the pair: a wrap, same as the raw bytes do.
  const caseId = randomBytes(16);
  const key = randomBytes(32);
  const wrap = await sealCaseKey(unlocked.publicKey, 'kid', caseId, 'thread', key);
  assert.deepEqual(await openCaseKey(unlocked, caseId, wrap), key);
  assert.deepEqual(await openCaseKey(raw, caseId, wrap), key);
  await assert.rejects(openCaseKey(unlocked, randomBytes(16), wrap), /decryption failed/);
  await assert.rejects(openCaseKey({ ...unlocked, publicKey: (await newStaffKeyPair()).publicKey }, caseId, wrap), /decryption failed/);
});

test('HPKE open with a CryptoKey recipient gives the same as with raw bytes (RFC 9180 A.1 base vector)', async () => {
  const { fromHex, toHex } = await import('../../web/js/crypto/b64.js');
  const file = JSON.parse(readFileSync(new URL('../vectors/hpke-rfc9180-a1.json', import.meta.url), 'utf8'));
  const v = file.vectors.find((x) => x.mode === 0);
  const first = v.encryptions[0];
  const skR = fromHex(v.skRm);
  const handle = await importStaffKey(skR.slice());
  assert.equal(toHex(handle.publicKey), v.pkRm);
  const withBytes = await hpke.open(skR, fromHex(v.enc), fromHex(v.info), fromHex(first.aad), fromHex(first.ct));
  const withKey = await hpke.open(handle, fromHex(v.enc), fromHex(v.info), fromHex(first.aad), fromHex(first.ct));
  assert.equal(toHex(withKey), first.pt);
  assert.deepEqual(withKey, withBytes);
  const receiver = await hpke.setupBaseReceiver(fromHex(v.enc), handle, fromHex(v.info));
  assert.equal(toHex(receiver.key), v.key);
  assert.equal(toHex(receiver.baseNonce), v.base_nonce);
  assert.deepEqual(await hpke.decap(fromHex(v.enc), handle), fromHex(v.shared_secret));
  await assert.rejects(hpke.open(handle, fromHex(v.enc), fromHex(v.info), fromHex('00'), fromHex(first.ct)));
});
