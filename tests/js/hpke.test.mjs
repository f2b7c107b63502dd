// RFC 9180 Appendix A.1 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM) against
// web/js/crypto/hpke.js: every base-mode and psk-mode vector of tests/vectors/hpke-rfc9180-a1.json
// — DeriveKeyPair for R, E (and S), deterministic encapsulation, the key schedule, every
// sequential encryption and decryption, every export — for all four modes. The protocol itself
// uses only base mode, which is the shipped setupBaseSender/setupBaseReceiver; the other modes,
// DeriveKeyPair and the export are test code (lib/hpke-vectors.mjs) on the shipped key schedule.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as hpke from '../../web/js/crypto/hpke.js';
import { fromHex, toHex } from '../../web/js/crypto/b64.js';
import { deriveKeyPair, exportSecret, setupReceiver, setupSender } from './lib/hpke-vectors.mjs';

const file = JSON.parse(readFileSync(new URL('../vectors/hpke-rfc9180-a1.json', import.meta.url), 'utf8'));
const vectors = file.vectors;

test('the file holds the base-mode vector', () => {
  assert.equal(file.vectors.filter((v) => v.mode === 0).length, 1);
  for (const v of file.vectors) assert.deepEqual([v.kem_id, v.kdf_id, v.aead_id], [32, 1, 1]);
});

for (const v of vectors) {
  test(`RFC 9180 A.1 mode ${v.mode}`, async () => {
    const info = fromHex(v.info);
    const r = await deriveKeyPair(fromHex(v.ikmR));
    assert.equal(toHex(r.privateKey), v.skRm);
    assert.equal(toHex(r.publicKey), v.pkRm);
    const e = await deriveKeyPair(fromHex(v.ikmE));
    assert.equal(toHex(e.privateKey), v.skEm);
    assert.equal(toHex(e.publicKey), v.pkEm);

    const options = {};
    if (v.psk) Object.assign(options, { psk: fromHex(v.psk), pskId: fromHex(v.psk_id) });
    if (v.ikmS) {
      const s = await deriveKeyPair(fromHex(v.ikmS));
      assert.equal(toHex(s.privateKey), v.skSm);
      assert.equal(toHex(s.publicKey), v.pkSm);
      Object.assign(options, { sender: s, pkS: s.publicKey });
    }
    // Mode 0: the shipped setupBaseSender with the ephemeral key DeriveKeyPair(ikmE).
    const sender =
      v.mode === 0
        ? await hpke.setupBaseSender(fromHex(v.pkRm), info, await deriveKeyPair(fromHex(v.ikmE)))
        : await setupSender(v.mode, fromHex(v.pkRm), info, fromHex(v.ikmE), options);
    assert.equal(toHex(sender.enc), v.enc);
    assert.equal(toHex(sender.sharedSecret), v.shared_secret);
    assert.equal(toHex(sender.context.key), v.key);
    assert.equal(toHex(sender.context.baseNonce), v.base_nonce);
    assert.equal(toHex(sender.context.exporterSecret), v.exporter_secret);

    const receiver =
      v.mode === 0
        ? await hpke.setupBaseReceiver(fromHex(v.enc), fromHex(v.skRm), info)
        : await setupReceiver(v.mode, fromHex(v.enc), fromHex(v.skRm), info, options);

    // The vectors list a subset of sequence numbers (0, 1, 2, 4, 255, 256): seal and open the
    // skipped ones too, so each listed ct comes from a context that really advanced to it.
    for (const enc of v.encryptions) {
      while (sender.context.seq < enc['sequence number']) {
        const skipped = await sender.context.seal(fromHex(enc.aad), fromHex(enc.pt));
        await receiver.open(fromHex(enc.aad), skipped);
      }
      assert.equal(sender.context.seq, enc['sequence number']);
      assert.equal(toHex(sender.context.computeNonce()), enc.nonce);
      const ct = await sender.context.seal(fromHex(enc.aad), fromHex(enc.pt));
      assert.equal(toHex(ct), enc.ct, `ct of seq ${enc['sequence number']}`);
      const pt = await receiver.open(fromHex(enc.aad), fromHex(enc.ct));
      assert.equal(toHex(pt), enc.pt);
    }
    for (const ex of v.exports) {
      assert.equal(toHex(await exportSecret(sender.context, fromHex(ex.exporter_context), ex.L)), ex.exported_value);
      assert.equal(toHex(await exportSecret(receiver, fromHex(ex.exporter_context), ex.L)), ex.exported_value);
    }
  });
}

test('base-mode vector through the single-shot API: open of the first encryption', async () => {
  const v = file.vectors.find((x) => x.mode === 0);
  const first = v.encryptions[0];
  const pt = await hpke.open(fromHex(v.skRm), fromHex(v.enc), fromHex(v.info), fromHex(first.aad), fromHex(first.ct));
  assert.equal(toHex(pt), first.pt);
  await assert.rejects(hpke.open(fromHex(v.skRm), fromHex(v.enc), fromHex(v.info), fromHex('00'), fromHex(first.ct)));
});

test('single-shot seal/open round trip, randomised, context-bound', async () => {
  const { privateKey, publicKey } = await hpke.generateKeyPair();
  const pt = new TextEncoder().encode('hello');
  const a = await hpke.seal(publicKey, Uint8Array.of(1), Uint8Array.of(2), pt);
  const b = await hpke.seal(publicKey, Uint8Array.of(1), Uint8Array.of(2), pt);
  assert.equal(a.ct.length, 5 + 16);
  assert.notEqual(toHex(a.enc), toHex(b.enc));
  assert.deepEqual(await hpke.open(privateKey, a.enc, Uint8Array.of(1), Uint8Array.of(2), a.ct), pt);
  await assert.rejects(hpke.open(privateKey, a.enc, Uint8Array.of(9), Uint8Array.of(2), a.ct));
  const other = await hpke.generateKeyPair();
  await assert.rejects(hpke.open(other.privateKey, a.enc, Uint8Array.of(1), Uint8Array.of(2), a.ct));
});

test('low-order public keys are refused', async () => {
  const zero = new Uint8Array(32);
  const one = new Uint8Array(32);
  one[0] = 1;
  await assert.rejects(hpke.seal(zero, new Uint8Array(0), new Uint8Array(0), Uint8Array.of(1)));
  await assert.rejects(hpke.seal(one, new Uint8Array(0), new Uint8Array(0), Uint8Array.of(1)));
});

test('RFC 7748 unclamped private key gives the listed public key', async () => {
  const { x25519PublicKey } = await import('../../web/js/crypto/primitives.js');
  const pk = await x25519PublicKey(fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
  assert.equal(toHex(pk), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
});
