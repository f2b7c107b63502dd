// Padding (padding.js), items (item.js) and wraps (wrap.js), PROTOCOL §3–4: Padmé properties as
// in src/crypto/padding.rs, and that any flipped byte of enc, ct, nonce, id, case id, kind or
// purpose makes opening fail.
import test from 'node:test';
import assert from 'node:assert/strict';
import { b64uDecode, b64uEncode, randomBytes } from '../../web/js/crypto/b64.js';
import { generateKeyPair } from '../../web/js/crypto/hpke.js';
import { itemBytes, openItem, sealItem } from '../../web/js/crypto/item.js';
import { MIN_PADDED_LEN, pad, padmeLen, unpad } from '../../web/js/crypto/padding.js';
import { openCaseKey, sealCaseKey, wrapInfo } from '../../web/js/crypto/wrap.js';

/** Whether `paddedLen` is a length pad() can produce. */
const isPadmeLen = (paddedLen) => paddedLen >= MIN_PADDED_LEN && padmeLen(paddedLen - 1) === paddedLen;
/** Whether an item's ct is a Padmé length plus the tag, as an honest sealItem produces. */
const hasPaddedLen = (item) => isPadmeLen(b64uDecode(item.ct).length - 16);

const flip = (text, i, bit = 1) => {
  const bytes = b64uDecode(text);
  bytes[i] ^= bit;
  return b64uEncode(bytes);
};

test('Padmé known lengths and overhead', () => {
  const cases = [[0, 1024], [1022, 1024], [1023, 1024], [1024, 1088], [1100, 1152], [2000, 2048], [5000, 5120], [65536, 67584], [100000, 100352]];
  for (const [n, p] of cases) assert.equal(padmeLen(n), p);
  for (let n = 1024; n < 70000; n += 7) {
    const p = padmeLen(n);
    assert.ok(p > n && p - n <= 0.12 * n && isPadmeLen(p), `${n}`);
  }
  for (let k = 10; k < 50; k++) for (const n of [2 ** k, 2 ** k - 1, 2 ** k + 1]) assert.ok(isPadmeLen(padmeLen(n)), `${n}`);
  assert.ok(!isPadmeLen(1023) && !isPadmeLen(1025) && !isPadmeLen(1087) && isPadmeLen(1088));
});

test('pad/unpad round trip and bad padding', () => {
  for (const n of [0, 1, 100, 1023, 1024, 1025, 4097]) {
    const pt = Uint8Array.from({ length: n }, (_, i) => i % 251);
    const padded = pad(pt);
    assert.equal(padded.length, padmeLen(n));
    assert.deepEqual(unpad(padded), pt);
  }
  for (const pt of [Uint8Array.of(0x80), Uint8Array.of(0, 0), Uint8Array.of(0x61, 0x80, 0)]) assert.deepEqual(unpad(pad(pt)), pt);
  assert.throws(() => unpad(new Uint8Array(0)));
  assert.throws(() => unpad(new Uint8Array(1024)));
  const p = pad(Uint8Array.of(1, 2, 3));
  p[3] = 0x81;
  assert.throws(() => unpad(p));
});

test('item round trip, length, and every tampering fails', async () => {
  const key = randomBytes(32);
  const caseId = randomBytes(16);
  const pt = new TextEncoder().encode('{"text":"hallo"}');
  const item = await sealItem(key, caseId, randomBytes(16), 'message', pt);
  assert.ok(hasPaddedLen(item));
  assert.equal(itemBytes(item).length, 16 + 1 + 12 + 1024 + 16);
  assert.deepEqual(await openItem(key, caseId, item), pt);
  for (let i = 0; i < 12; i++) await assert.rejects(openItem(key, caseId, { ...item, nonce: flip(item.nonce, i) }), `nonce ${i}`);
  for (let i = 0; i < 16; i++) await assert.rejects(openItem(key, caseId, { ...item, id: flip(item.id, i) }), `id ${i}`);
  const ctLen = b64uDecode(item.ct).length;
  for (let i = 0; i < ctLen; i += 13) await assert.rejects(openItem(key, caseId, { ...item, ct: flip(item.ct, i, 0x80) }), `ct ${i}`);
  await assert.rejects(openItem(key, caseId, { ...item, ct: flip(item.ct, ctLen - 1) }));
  for (let i = 0; i < 16; i++) {
    const other = caseId.slice();
    other[i] ^= 1;
    await assert.rejects(openItem(key, other, item), `case id ${i}`); // the AAD's case id
  }
  await assert.rejects(openItem(key, caseId, { ...item, kind: 'report' }));
  await assert.rejects(openItem(randomBytes(32), caseId, item));
  await assert.rejects(openItem(key, caseId, { ...item, ct: b64uEncode(b64uDecode(item.ct).slice(0, -1)) }));
});

test('wrap info layout', () => {
  const info = wrapInfo(new Uint8Array(16).fill(0xab), 'identity');
  assert.equal(new TextDecoder().decode(info.slice(0, 17)), 'meldpunt wrap v1\u0000');
  assert.deepEqual([...info.slice(17, 33)], new Array(16).fill(0xab));
  assert.deepEqual([...info.slice(33)], [3]);
  assert.throws(() => wrapInfo(new Uint8Array(16), 'toString'));
});

test('wrap round trip and every tampering fails', async () => {
  const { privateKey, publicKey } = await generateKeyPair();
  const caseId = randomBytes(16);
  const key = randomBytes(32);
  const wrap = await sealCaseKey(publicKey, 'reporter', caseId, 'thread', key);
  assert.deepEqual(Object.keys(wrap), ['to', 'purpose', 'enc', 'ct']);
  assert.equal(b64uDecode(wrap.ct).length, 48);
  assert.deepEqual(await openCaseKey(privateKey, caseId, wrap), key);
  for (let i = 0; i < 32; i++) await assert.rejects(openCaseKey(privateKey, caseId, { ...wrap, enc: flip(wrap.enc, i) }), `enc ${i}`);
  for (let i = 0; i < 48; i++) await assert.rejects(openCaseKey(privateKey, caseId, { ...wrap, ct: flip(wrap.ct, i, 0x80) }), `ct ${i}`);
  for (let i = 0; i < 16; i++) {
    const other = caseId.slice();
    other[i] ^= 1;
    await assert.rejects(openCaseKey(privateKey, other, wrap), `case id ${i}`);
  }
  for (const purpose of ['internal', 'identity']) await assert.rejects(openCaseKey(privateKey, caseId, { ...wrap, purpose }));
  await assert.rejects(openCaseKey((await generateKeyPair()).privateKey, caseId, wrap));
  await assert.rejects(openCaseKey(privateKey, caseId, { ...wrap, ct: b64uEncode(b64uDecode(wrap.ct).slice(0, 47)) }));
});
