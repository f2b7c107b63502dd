// The conformance testkit (tests/testkit/, format in its README) through web/js/crypto: every
// case file is run for its `kind` and must give its `expect`, as tests/testkit.rs checks for the
// Rust protocol layer. Also: the committed files are exactly what the generator writes.
// Directory, successor and witnessed-checkpoint cases run through web/js/crypto/directory.js
// against a root parsed by trust-root.js; TrustError codes are the outcome names.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { b64uDecode, toHex } from '../../web/js/crypto/b64.js';
import { JwsError, checkChain, importJwks, verifyStatement } from '../../web/js/crypto/jws.js';
import { itemHash, openItem } from '../../web/js/crypto/item.js';
import { leafHash, verifyInclusion } from '../../web/js/crypto/merkle.js';
import { NoteError, openNote, openSignedCheckpoint, parseNoteVerifierKey } from '../../web/js/crypto/note.js';
import { pad, unpad } from '../../web/js/crypto/padding.js';
import { submissionCommitmentV2 } from '../../web/js/crypto/commit.js';
import { checkSuccessor, openWitnessedCheckpoint, verifyDirectory } from '../../web/js/crypto/directory.js';
import { TrustError, parseTrustRoot } from '../../web/js/crypto/trust-root.js';
import { b64uEncode } from '../../web/js/crypto/b64.js';
import { generate } from '../testkit/generate.mjs';

const KIT = join(dirname(fileURLToPath(import.meta.url)), '..', 'testkit');
const CASES = join(KIT, 'cases');

/** Why the implementation refused a case: `wrong_output` when it accepted with another result. */
class WrongOutput extends Error {}

/** The one mapping from web/js errors to the testkit's outcome names. @param {unknown} e */
function outcome(e) {
  if (e instanceof WrongOutput) return 'wrong_output';
  if (e instanceof JwsError) {
    return { malformed: 'malformed_jws', bad_payload: 'bad_shape' }[e.code] ?? e.code;
  }
  if (e instanceof NoteError) return e.code;
  if (e instanceof TrustError) return { malformed: 'malformed_directory', checkpoint_origin: 'log_signature' }[e.code] ?? e.code;
  if (e instanceof Error && e.message === 'bad commitment') return 'bad_commitment';
  if (e instanceof Error && e.message === 'invalid padding') return 'bad_padding';
  if (e instanceof Error && (e.message === 'decryption failed' || /item kind/.test(e.message))) return 'bad_item';
  if (e instanceof Error && e.message === 'bad proof') return 'bad_proof';
  if (e instanceof Error && e.message === 'wrong origin') return 'wrong_origin';
  throw e;
}

// Expected outputs are checked only where the case gives them (cases of `ok` do; a refused case
// has none, so an implementation that wrongly accepts it is reported as `ok`).
const equalHex = (what, got, want) => {
  if (want === undefined) return;
  if (toHex(got) !== toHex(want)) throw new WrongOutput(`${what}: got ${toHex(got)}, want ${toHex(want)}`);
};
/** @param {string | undefined} text */
const optional = (text) => (text === undefined ? undefined : b64uDecode(text));
const same = (what, got, want) => {
  if (want === undefined) return;
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new WrongOutput(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
};

/** Runs one case's inputs through web/js for its kind; throws what the implementation throws. */
const RUN = {
  async jws_statement(input) {
    await verifyStatement(input.jws, await importJwks(input.jwks));
  },
  async statement_chain(input) {
    await checkChain(input.statements, await importJwks(input.jwks));
  },
  async note(input) {
    const text = await openNote(input.note, await parseNoteVerifierKey(input.vkey));
    same('text', text, input.text);
  },
  async checkpoint(input) {
    // As web/js/log-check.js does: the origin must be the key's name.
    const key = await parseNoteVerifierKey(input.vkey);
    const checkpoint = await openSignedCheckpoint(input.note, key);
    if (checkpoint.origin !== key.name) throw new Error('wrong origin');
    same('size', checkpoint.size, input.size);
    equalHex('root', checkpoint.root, optional(input.root));
    same('extensions', checkpoint.extensions, input.extensions);
  },
  async padding(input) {
    const padded = b64uDecode(input.padded);
    const plaintext = unpad(padded);
    equalHex('plaintext', plaintext, optional(input.plaintext));
    if (input.plaintext !== undefined) equalHex('pad(plaintext)', pad(plaintext), padded);
  },
  async item(input) {
    const plaintext = await openItem(b64uDecode(input.key, 32), b64uDecode(input.case_id, 16), input.item);
    equalHex('plaintext', plaintext, optional(input.plaintext));
    equalHex('hash', await itemHash(input.item), optional(input.hash));
  },
  async directory(input) {
    const dir = await verifyDirectory(await parseTrustRoot(JSON.stringify(input.root)), input.directory);
    same('hash', dir.hashB64, input.hash);
    same('seq', dir.payload.seq, input.seq);
  },
  async directory_successor(input) {
    const root = await parseTrustRoot(JSON.stringify(input.root));
    checkSuccessor(await verifyDirectory(root, input.prev), await verifyDirectory(root, input.next));
  },
  async witnessed_checkpoint(input) {
    const checkpoint = await openWitnessedCheckpoint(await parseTrustRoot(JSON.stringify(input.root)), input.note);
    same('size', checkpoint.size, input.size);
  },
  async commitment_v2(input) {
    const filing = { theme: input.theme, unit: input.unit, relation: input.relation, directory: b64uDecode(input.directory, 32), holders: input.holders };
    const cmt = await submissionCommitmentV2(b64uDecode(input.case_id, 16), b64uDecode(input.kc, 32), filing, input.items);
    if (b64uEncode(cmt) !== input.cmt) throw new Error('bad commitment');
  },
  async inclusion(input) {
    const path = input.path.map((/** @type {string} */ h) => b64uDecode(h, 32));
    const ok = await verifyInclusion(await leafHash(b64uDecode(input.leaf)), input.index, input.size, path, b64uDecode(input.root, 32));
    if (!ok) throw new Error('bad proof');
  },
};

/** @param {string} text */
function parseCase(text) {
  const split = text.indexOf('\n\n');
  assert.ok(split > 0, 'no blank line after the header');
  const header = Object.fromEntries(
    text.slice(0, split).split('\n').map((line) => {
      const at = line.indexOf(': ');
      assert.ok(at > 0, `bad header line ${JSON.stringify(line)}`);
      return [line.slice(0, at), line.slice(at + 2)];
    }),
  );
  assert.ok(header.comment, 'no comment');
  return { expect: header.expect, kind: header.kind, input: JSON.parse(text.slice(split + 2)) };
}

const files = readdirSync(CASES).sort();

test('the testkit has its cases', () => {
  assert.ok(files.length >= 25, `only ${files.length} cases`);
});

for (const file of files) {
  test(`testkit ${file}`, async () => {
    const { expect, kind, input } = parseCase(readFileSync(join(CASES, file), 'utf8'));
    const run = RUN[/** @type {keyof typeof RUN} */ (kind)];
    assert.ok(run, `unknown kind ${kind}`);
    let got = 'ok';
    let detail = '';
    try {
      await run(input);
    } catch (e) {
      got = outcome(e);
      detail = ` (${e instanceof Error ? e.message : e})`;
    }
    assert.equal(got, expect, `${file} [${kind}]: expected ${expect}, got ${got}${detail}`);
  });
}

test('the generator writes exactly the committed cases, and the same bytes twice', () => {
  const dirs = [mkdtempSync(join(tmpdir(), 'testkit-')), mkdtempSync(join(tmpdir(), 'testkit-'))];
  try {
    for (const dir of dirs) generate(dir);
    for (const dir of dirs) {
      assert.deepEqual(readdirSync(dir).sort(), files, 'the case list differs: run node tests/testkit/generate.mjs');
      for (const file of files) {
        assert.equal(readFileSync(join(dir, file), 'utf8'), readFileSync(join(CASES, file), 'utf8'), `${file} differs from what the generator writes`);
      }
    }
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
});
