// web/js/reporter.js against an in-memory mock of the API (mock-server.mjs): the whole flow
// works, and it refuses a receipt with another cmt or sub, a bad inclusion proof, a checkpoint
// signed by another key, and a message without its signed statement. The real server is
// exercised by tests/js_interop.rs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { b64uEncode } from '../../web/js/crypto/b64.js';
import { generateKeyPair } from '../../web/js/crypto/hpke.js';
import { openCaseKey, x25519Kid } from '../../web/js/crypto/wrap.js';
import { ReceiptError, ReporterClient, recipientsFor } from '../../web/js/reporter.js';
import { startMock } from './mock-server.mjs';

const realFetch = globalThis.fetch;
test.after(() => {
  globalThis.fetch = realFetch;
});

const draft = { theme: 'exclusion', unit: 'amsterdam', relation: 'employee', report: { what: 'Het gebeurde in mei. ✓' } };

async function recipient(unit) {
  const pair = await generateKeyPair();
  return { pair, view: { kid: await x25519Kid(pair.publicKey), public_key: b64uEncode(pair.publicKey), unit } };
}

test('recipientsFor keeps the unit and national', () => {
  const all = [{ unit: 'national' }, { unit: 'amsterdam' }, { unit: 'utrecht' }];
  assert.deepEqual(recipientsFor(all, 'amsterdam').map((r) => r.unit), ['national', 'amsterdam']);
});

test('submit, read, message, read with log inclusion', async () => {
  const national = await recipient('national');
  const utrecht = await recipient('utrecht');
  const mock = await startMock([national.view, utrecht.view]);
  const client = new ReporterClient('http://mock');
  const submitted = await client.submit(draft);
  assert.equal(submitted.payload.seq, 0);
  const stored = [...mock.cases.values()][0];
  assert.deepEqual(stored.wraps.map((w) => w.to), ['reporter', national.view.kid]);
  const key = await openCaseKey(national.pair.privateKey, Uint8Array.from(Buffer.from(stored.case_id, 'base64url')), stored.wraps[1]);
  assert.equal(key.length, 32);

  let opened = await client.readCase(submitted.display.toLowerCase());
  assert.deepEqual(opened.report, draft.report);
  assert.deepEqual(opened.log.included, [null]);
  await client.sendMessage(submitted.code, 'nog iets');
  await mock.issueCheckpoint();
  await client.sendMessage(submitted.code, 'en nog iets');
  opened = await client.readCase(submitted.display);
  assert.deepEqual(opened.messages.map((m) => [m.from, m.text]), [['reporter', 'nog iets'], ['reporter', 'en nog iets']]);
  assert.deepEqual(opened.log.included, [true, true, null]);
  assert.equal(opened.log.checkpoint.size, 2);
});

for (const fault of ['receiptCmt', 'receiptSub']) {
  test(`submit refuses a receipt with a wrong ${fault === 'receiptCmt' ? 'cmt' : 'sub'}`, async () => {
    await startMock([(await recipient('national')).view], { [fault]: true });
    await assert.rejects(new ReporterClient('http://mock').submit(draft), ReceiptError);
  });
}

test('submit refuses a receipt signed by a key not in the JWKS', async () => {
  const mock = await startMock([]);
  const other = await startMock([]);
  globalThis.fetch = (url, init) => (url.endsWith('/.well-known/jwks.json') ? other.fetch(url, init) : mock.fetch(url, init));
  await assert.rejects(new ReporterClient('http://mock').submit(draft), (e) => e.code === 'unknown_key');
});

for (const [fault, name] of [['proofPath', 'LogError'], ['checkpointKey', 'NoteError'], ['itemDuplicate', 'ReceiptError']]) {
  test(`readCase refuses: ${fault}`, async () => {
    const mock = await startMock([], { [fault]: true });
    const client = new ReporterClient('http://mock');
    const submitted = await client.submit(draft);
    await client.sendMessage(submitted.code, 'x');
    await client.sendMessage(submitted.code, 'y');
    await mock.issueCheckpoint();
    const rejected = client.readCase(submitted.code);
    if (name) await assert.rejects(rejected, (e) => e.name === name);
    else await assert.rejects(rejected);
  });
}

test('a wrong code is an unauthorized API error', async () => {
  await startMock([]);
  const client = new ReporterClient('http://mock');
  await client.submit(draft);
  await assert.rejects(client.readCase(new Uint8Array(16)), (e) => e.name === 'ApiError' && e.status === 401);
});
