// RFC 9162 proofs (web/js/crypto/merkle.js; consistency: lib/consistency.mjs) on the RFC 6962
// test leaves (root at size 8 = 5dc9da79…4328), with proofs from an independent recursive
// implementation of the RFC's PATH and PROOF; and C2SP signed notes / checkpoints (note.js) as
// src/log/note.rs, checkpoint.rs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { b64StdEncode, fromHex, toHex } from '../../web/js/crypto/b64.js';
import { leafHash, nodeHash, verifyInclusion } from '../../web/js/crypto/merkle.js';
import { verifyConsistency } from './lib/consistency.mjs';
import { NoteError, openNote, openSignedCheckpoint, parseCheckpointBody, parseNoteVerifierKey } from '../../web/js/crypto/note.js';
import { noteSigner } from './sign-helpers.mjs';

const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(fromHex);

// RFC 9162 §2.1.1 MTH, §2.1.3.1 PATH, §2.1.4.1 SUBPROOF, recursively.
const split = (n) => 2 ** Math.floor(Math.log2(n - 1));
async function mth(leaves) {
  if (leaves.length === 0) return new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(0)));
  if (leaves.length === 1) return leafHash(leaves[0]);
  const k = split(leaves.length);
  return nodeHash(await mth(leaves.slice(0, k)), await mth(leaves.slice(k)));
}
async function path(m, leaves) {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k
    ? [...(await path(m, leaves.slice(0, k))), await mth(leaves.slice(k))]
    : [...(await path(m - k, leaves.slice(k))), await mth(leaves.slice(0, k))];
}
async function subproof(m, leaves, b) {
  const n = leaves.length;
  if (m === n) return b ? [] : [await mth(leaves)];
  const k = split(n);
  return m <= k
    ? [...(await subproof(m, leaves.slice(0, k), b)), await mth(leaves.slice(k))]
    : [...(await subproof(m - k, leaves.slice(k), false)), await mth(leaves.slice(0, k))];
}

test('RFC 6962 root at size 8', async () => {
  assert.equal(toHex(await mth(LEAVES)), '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
});

test('every inclusion proof of every tree up to 8 verifies; altered ones do not', async () => {
  for (let size = 1; size <= 8; size++) {
    const tree = LEAVES.slice(0, size);
    const root = await mth(tree);
    for (let i = 0; i < size; i++) {
      const leaf = await leafHash(tree[i]);
      const proof = await path(i, tree);
      assert.ok(await verifyInclusion(leaf, i, size, proof, root), `${i}/${size}`);
      // (The same path can also fit another size whose tree has the same shape along it, e.g.
      // index 0 of sizes 3 and 4, so a wrong size is not always caught: RFC 9162 as written.)
      assert.ok(!(await verifyInclusion(leaf, size, size, proof, root)));
      if (size > 1) assert.ok(!(await verifyInclusion(leaf, i ^ 1, size, proof, root)) || (i ^ 1) >= size);
      assert.ok(!(await verifyInclusion(await leafHash(fromHex('ff')), i, size, proof, root)));
      assert.ok(!(await verifyInclusion(leaf, i, size, [...proof, root], root)));
      for (let j = 0; j < proof.length; j++) {
        const bad = proof.map((p) => p.slice());
        bad[j][0] ^= 1;
        assert.ok(!(await verifyInclusion(leaf, i, size, bad, root)));
      }
    }
  }
});

test('consistency proofs between all sizes up to 8', async () => {
  for (let n = 1; n <= 8; n++) {
    for (let m = 0; m <= n; m++) {
      const oldRoot = await mth(LEAVES.slice(0, m));
      const newRoot = await mth(LEAVES.slice(0, n));
      const proof = m === 0 || m === n ? [] : await subproof(m, LEAVES.slice(0, n), true);
      assert.ok(await verifyConsistency(m, n, oldRoot, newRoot, proof), `${m}→${n}`);
      if (m > 0 && m < n) assert.ok(!(await verifyConsistency(m, n, newRoot, newRoot, proof)) || oldRoot.every((b, i) => b === newRoot[i]));
    }
  }
  assert.ok(!(await verifyConsistency(3, 2, new Uint8Array(32), new Uint8Array(32), [])));
});

test('signed notes and checkpoints', async () => {
  const signer = await noteSigner('meldpunt.example/log');
  const verifier = await parseNoteVerifierKey(signer.verifierKey);
  const body = `meldpunt.example/log\n8\n${b64StdEncode(fromHex('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'))}\n`;
  const note = await signer.sign(body);
  assert.equal(await openNote(note, verifier), body);
  const checkpoint = await openSignedCheckpoint(note, verifier);
  assert.equal(checkpoint.origin, 'meldpunt.example/log');
  assert.equal(checkpoint.size, 8);
  assert.equal(toHex(checkpoint.root), '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
  // A foreign signature line before ours is skipped.
  const other = await noteSigner('witness.example');
  const otherLine = (await other.sign(body)).slice(body.length + 1);
  assert.equal(await openNote(note + otherLine, verifier), body);
  // An altered signature (altered text, a line by another key only, two lines by this key: the
  // testkit's note_text_altered, note_other_key_only, note_duplicate_signature).
  const sigAt = note.lastIndexOf(' ') + 10;
  await assert.rejects(openNote(note.slice(0, sigAt) + (note[sigAt] === 'A' ? 'B' : 'A') + note.slice(sigAt + 1), verifier), NoteError);
  await assert.rejects(openNote(body, verifier), NoteError);
  await assert.rejects(openNote(note.replace('\u2014', '-'), verifier), NoteError);
  await assert.rejects(openNote(`\t${note}`, verifier), NoteError);
});

test('verifier keys and checkpoint bodies are parsed strictly', async () => {
  const signer = await noteSigner('meldpunt.example/log');
  const [name, id, key] = signer.verifierKey.split('+');
  await assert.rejects(parseNoteVerifierKey(`${name}+${id.toUpperCase()}+${key}`), NoteError);
  await assert.rejects(parseNoteVerifierKey(`other+${id}+${key}`), NoteError);
  await assert.rejects(parseNoteVerifierKey(`${name}+${id}`), NoteError);
  const root = b64StdEncode(new Uint8Array(32).fill(0xfb));
  assert.equal(root, '+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s=');
  assert.deepEqual(parseCheckpointBody(`o\n0\n${root}\next one\n`).extensions, ['ext one']);
  for (const bad of [`o\n01\n${root}\n`, `o\n-1\n${root}\n`, `o\n1\n${root}`, `o\n1\n`, `\n1\n${root}\n`, `o\n1\n${root}\n\n`, `o\n1\nAAAA\n`, `o\n1\n${root.slice(0, -1)}\n`]) {
    assert.throws(() => parseCheckpointBody(bad), NoteError, JSON.stringify(bad));
  }
});
