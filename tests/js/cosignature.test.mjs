// C2SP tlog-cosignature v1 (web/js/crypto/cosignature.js) against tests/vectors/cosignature.json,
// which src/protocol/log/cosignature_tests.rs writes and checks (the Rust count_cosigners gives
// each case's count); plus the known-answer line checked there with Python's cryptography.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cosignatureKeyId, parseCosignerKey, verifyCosignatures } from '../../web/js/crypto/cosignature.js';
import { NoteError } from '../../web/js/crypto/note.js';
import { b64StdDecode, toHex } from '../../web/js/crypto/b64.js';

const vector = JSON.parse(readFileSync(new URL('../vectors/cosignature.json', import.meta.url), 'utf8'));

test('every vector case counts as in Rust', async () => {
  assert.ok(vector.cases.length >= 9);
  for (const c of vector.cases) {
    assert.equal(await verifyCosignatures(c.note, c.witnesses), c.count, c.why);
  }
});

test('the known answer: key id, and the line on the spec example body', async () => {
  const { vkey, body, timestamp, line } = vector.known_answer;
  const cosigner = await parseCosignerKey(vkey);
  assert.equal(toHex(await cosignatureKeyId(cosigner.name, cosigner.publicKey)), vkey.split('+')[1]);
  const blob = b64StdDecode(line.split(' ')[2]);
  assert.equal(new DataView(blob.buffer).getBigUint64(4), BigInt(timestamp));
  const note = `${body}\n\u2014 example.com/behind-the-sofa AAAAAAA=\n${line}\n`;
  assert.equal(await verifyCosignatures(note, [{ name: cosigner.name, vkey }]), 1);
  // One flipped bit anywhere in the signature, or in the body, and it no longer counts.
  const flipped = line.slice(0, -6) + (line.at(-6) === 'A' ? 'B' : 'A') + line.slice(-5);
  assert.equal(await verifyCosignatures(note.replace(line, flipped), [{ name: cosigner.name, vkey }]), 0);
  assert.equal(await verifyCosignatures(note.replace('20852163', '20852164'), [{ name: cosigner.name, vkey }]), 0);
});

test('a malformed note counts 0; a broken pin throws', async () => {
  const good = vector.cases[0];
  for (const bad of ['', 'no signatures\n', good.note.replace('\n\n', '\n\u0007\n'), `${good.note}junk\n`]) {
    assert.equal(await verifyCosignatures(bad, good.witnesses), 0, JSON.stringify(bad));
  }
  const { name, vkey } = good.witnesses[0];
  await assert.rejects(verifyCosignatures(good.note, [{ name: 'other.example', vkey }]), NoteError);
  await assert.rejects(verifyCosignatures(good.note, [{ name, vkey: vkey.replace('+BA', '+AQ') }]), NoteError);
  await assert.rejects(verifyCosignatures(good.note, [{ name, vkey: `${vkey}x` }]), NoteError);
});

test('verifyCaseLog asks for the witness threshold when given a policy', async () => {
  const { verifyCaseLog, LogError } = await import('../../web/js/log-check.js');
  const both = vector.cases[1];
  const view = { statements: [], proofs: [], checkpoint: both.note };
  assert.equal((await verifyCaseLog(view, [], vector.log_vkey)).checkpoint.size, 20852163);
  const policy = (threshold) => ({ witnesses: both.witnesses, threshold });
  assert.equal((await verifyCaseLog(view, [], vector.log_vkey, policy(2))).checkpoint.size, 20852163);
  await assert.rejects(verifyCaseLog(view, [], vector.log_vkey, policy(3)), LogError);
  const one = { ...view, checkpoint: vector.cases[2].note };
  await assert.rejects(verifyCaseLog(one, [], vector.log_vkey, policy(2)), LogError);
});
