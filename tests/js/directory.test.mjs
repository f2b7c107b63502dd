// web/js/crypto/directory.js and trust-root.js beyond the conformance testkit (which pins the
// verdicts of verifyDirectory, checkSuccessor and openWitnessedCheckpoint to Rust): who reads a
// report (readers), what a trust root must hold to protect anything (parseTrustRoot), Rust's
// byte order for kids and units, and the serialisation the canonical check compares against.
import test from 'node:test';
import assert from 'node:assert/strict';
import { compareUtf8, payloadText, readers, verifyDirectory } from '../../web/js/crypto/directory.js';
import { TrustError, parseTrustRoot } from '../../web/js/crypto/trust-root.js';
import { generateKeyPair } from '../../web/js/crypto/hpke.js';
import { ed25519Signer, entryFor, noteSigner, payloadJson, signDirectory, trustRootText, witnessSigner } from './lib/trust-fixtures.mjs';

const ORIGIN = 'https://meldpunt.test';

async function fixture() {
  const officers = [await ed25519Signer(), await ed25519Signer()];
  const log = await noteSigner('meldpunt.test/log');
  const witness = await witnessSigner('witness.test');
  const rootText = trustRootText({ origin: ORIGIN, officers, logKey: log.verifierKey, witnesses: [witness] });
  return { officers, log, witness, rootText, root: await parseTrustRoot(rootText) };
}

const key = async () => (await generateKeyPair()).publicKey;

test('readers: intake of the unit and national, national only on request, never investigators or the suspended', async () => {
  const { root, officers } = await fixture();
  const entries = [
    await entryFor(await key(), ['national'], ['intake'], 'landelijk'),
    await entryFor(await key(), ['amsterdam'], ['intake'], 'intake amsterdam'),
    await entryFor(await key(), ['amsterdam'], ['investigator'], 'onderzoeker'),
    await entryFor(await key(), ['zwolle'], ['intake'], 'intake zwolle'),
  ];
  const dir = await verifyDirectory(root, (await signDirectory({ origin: ORIGIN, seq: 1, entries }, officers)).text);
  const labels = (list) => list.map((e) => e.label).sort();
  assert.deepEqual(labels(readers(dir, 'amsterdam', false, [])), ['intake amsterdam', 'landelijk']);
  assert.deepEqual(labels(readers(dir, 'amsterdam', true, [])), ['landelijk']);
  assert.deepEqual(labels(readers(dir, 'rotterdam', false, [])), ['landelijk']);
  const national = entries[0].kid;
  assert.deepEqual(labels(readers(dir, 'amsterdam', false, [national])), ['intake amsterdam']);
  assert.deepEqual(readers(dir, 'rotterdam', false, [national]), []);
});

test('the canonical serialisation is the fixtures\' (Rust member order), and byte order is UTF-8 order', async () => {
  const entries = [await entryFor(await key(), ['amsterdam'], ['intake', 'custodian'], 'é ✓')];
  const fields = { v: 1, origin: ORIGIN, seq: 2, prev: 'A'.repeat(43), hour: 7200, entries };
  assert.equal(payloadText(fields), payloadJson(fields));
  // U+FF5E sorts after U+1F600 in UTF-16 (a surrogate, 0xD83D, is smaller) but before it in
  // UTF-8, as in Rust: JS's own < would accept an order Rust refuses.
  assert.ok('\uff5e' > '\u{1f600}');
  assert.ok(compareUtf8('\uff5e', '\u{1f600}') < 0);
});

test('a trust root that protects nothing is refused', async () => {
  const { rootText } = await fixture();
  const spoil = async (change) => {
    const root = JSON.parse(rootText);
    change(root);
    await assert.rejects(parseTrustRoot(JSON.stringify(root)), (e) => e instanceof TrustError && e.code === 'bad_root');
  };
  await spoil((r) => (r.threshold = 1));
  await spoil((r) => r.officers.pop());
  await spoil((r) => (r.officers[1].public_key = r.officers[0].public_key));
  await spoil((r) => (r.witness_threshold = 0));
  await spoil((r) => (r.witnesses = []));
  await spoil((r) => (r.log_key = 'nonsense'));
  await spoil((r) => (r.origin = 'ftp://meldpunt.test'));
  await spoil((r) => (r.extra = 1));
  await spoil((r) => (r.witnesses[0].name = 'another.name'));
  await assert.rejects(parseTrustRoot('not json'), TrustError);
});
