// The proof-of-work solver (pow.js, pow-worker.js; PROTOCOL §6) and its plain-JS SHA-256
// (sha256.js: padding and compression), checked against WebCrypto on random inputs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { b64uEncode, concat, randomBytes, toHex, u64be } from '../../web/js/crypto/b64.js';
import { solvePow } from '../../web/js/crypto/pow.js';
import { handleRequest } from '../../web/js/crypto/pow-worker.js';
import { INITIAL_STATE, compress, paddedWords } from '../../web/js/crypto/sha256.js';

/** SHA-256 of `bytes` from sha256.js's padding and compression, as the solver computes it. */
function sha256Sync(bytes) {
  const words = paddedWords(bytes);
  const state = Uint32Array.from(INITIAL_STATE);
  for (let offset = 0; offset < words.length; offset += 16) compress(state, words, offset);
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  state.forEach((word, i) => view.setUint32(4 * i, word));
  return out;
}

/** Leading zero bits of a byte string, as Rust's leading_zero_bits: the oracle for solutions. */
function leadingZeroBitsOfBytes(hash) {
  let bits = 0;
  for (const byte of hash) {
    bits += Math.clz32(byte) - 24;
    if (byte !== 0) break;
  }
  return bits;
}

const webSha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));

test('sha256Sync equals WebCrypto on every length up to 300 and random inputs', async () => {
  assert.equal(toHex(sha256Sync(new TextEncoder().encode('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  for (let n = 0; n <= 300; n++) {
    const data = randomBytes(n);
    assert.equal(toHex(sha256Sync(data)), toHex(await webSha256(data)), `length ${n}`);
  }
  for (let i = 0; i < 50; i++) {
    const data = randomBytes(Math.floor(Math.random() * 5000));
    assert.equal(toHex(sha256Sync(data)), toHex(await webSha256(data)));
  }
});

test('leading zero bits as Rust', () => {
  assert.equal(leadingZeroBitsOfBytes(Uint8Array.of(0x80)), 0);
  assert.equal(leadingZeroBitsOfBytes(Uint8Array.of(0x01, 0xff)), 7);
  assert.equal(leadingZeroBitsOfBytes(Uint8Array.of(0, 0, 0x10)), 19);
  assert.equal(leadingZeroBitsOfBytes(Uint8Array.of(0, 0)), 16);
});

test('solutions are the smallest nonce, checked with WebCrypto', async () => {
  // 40-byte challenges as the server issues, and odd lengths so the nonce straddles words.
  for (const length of [40, 40, 41, 43, 57, 64]) {
    const challenge = randomBytes(length);
    const bits = 10;
    const nonce = solvePow(challenge, bits);
    const hash = await webSha256(concat(challenge, u64be(nonce)));
    assert.ok(leadingZeroBitsOfBytes(hash) >= bits, `length ${length}`);
    for (let smaller = Math.max(0, nonce - 50); smaller < nonce; smaller++) {
      assert.ok(leadingZeroBitsOfBytes(await webSha256(concat(challenge, u64be(smaller)))) < bits);
    }
  }
  assert.equal(solvePow(randomBytes(40), 0), 0);
});

test('progress is reported and the worker glue answers', () => {
  const challenge = randomBytes(40);
  const reports = [];
  const nonce = solvePow(challenge, 12, { onProgress: (h) => reports.push(h), progressEvery: 256 });
  assert.equal(reports.length, Math.floor(nonce / 256));
  const messages = [];
  handleRequest({ challenge: b64uEncode(challenge), bits: 12 }, (m) => messages.push(m));
  assert.deepEqual(messages.at(-1), { type: 'solved', nonce });
  const errors = [];
  handleRequest({ challenge: 'not base64!', bits: 1 }, (m) => errors.push(m));
  assert.equal(errors[0].type, 'error');
});
