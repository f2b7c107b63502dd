// b64.js strictness as src/b64.rs: canonical b64u without padding, padded standard base64;
// hex and u64be.
import test from 'node:test';
import assert from 'node:assert/strict';
import { b64StdDecode, b64StdEncode, b64uDecode, b64uEncode, fromHex, toHex, u64be } from '../../web/js/crypto/b64.js';

test('b64u round trip and strictness', () => {
  const bytes = Uint8Array.of(0xfb, 0xff, 0x00, 0x10);
  assert.equal(b64uEncode(bytes), '-_8AEA');
  assert.deepEqual(b64uDecode('-_8AEA'), bytes);
  for (const bad of ['-_8AEA==', '+/8AEA', '-_8AEB', '-_8 AEA', 'A', '-_8AE\u00e9']) assert.throws(() => b64uDecode(bad), bad);
  assert.throws(() => b64uDecode('-_8AEA', 3));
  for (let n = 0; n < 70; n++) {
    const b = globalThis.crypto.getRandomValues(new Uint8Array(n));
    assert.deepEqual(b64uDecode(b64uEncode(b)), b);
    assert.equal(b64uEncode(b), Buffer.from(b).toString('base64url'));
    assert.equal(b64StdEncode(b), Buffer.from(b).toString('base64'));
    assert.deepEqual(b64StdDecode(b64StdEncode(b)), b);
  }
});

test('standard base64 strictness', () => {
  assert.equal(b64StdEncode(Uint8Array.of(0xfb, 0xff)), '+/8=');
  for (const bad of ['+/8', '+/9=', '+/8==', '-_8=', 'AA=A', 'AAA==']) assert.throws(() => b64StdDecode(bad), bad);
});

test('hex and u64be', () => {
  assert.equal(toHex(fromHex('00ffA0')), '00ffa0');
  assert.equal(toHex(u64be(2 ** 53 - 1)), '001fffffffffffff');
  assert.throws(() => u64be(2 ** 53));
});
