// web/js/reporter.js against an in-memory mock of the API (mock-server.mjs): the whole flow
// works, and it refuses a receipt with another cmt or sub, a bad inclusion proof, a checkpoint
// signed by another key, a message without its signed statement or a signed message without
// its item, a missing proof, a reporter wrap to a key of the server's choosing (also for
// sending), a receipt for another ref or site, a second report among the item pages; what it
// shows comes from signed statements; a signed message that does not decrypt is marked
// unreadable instead of locking the reporter out; items come in pages; a message beyond the
// free ones carries a proof of work. The real server is exercised by tests/js_interop.rs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { b64uEncode } from '../../web/js/crypto/b64.js';
import { generateKeyPair } from '../../web/js/crypto/hpke.js';
import { openItem, sealItem } from '../../web/js/crypto/item.js';
import { openCaseKey, x25519Kid } from '../../web/js/crypto/wrap.js';
import { ReceiptError, ReporterClient, addMonths, recipientsFor } from '../../web/js/reporter.js';
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

for (const [fault, name] of [
  ['proofPath', 'LogError'],
  ['proofMissing', 'LogError'],
  ['checkpointKey', 'NoteError'],
  ['itemDuplicate', 'ReceiptError'],
  ['messageHidden', 'ReceiptError'],
  ['wrapSwap', 'ReceiptError'],
  ['secondReport', 'ReceiptError'],
]) {
  test(`readCase refuses: ${fault}`, async () => {
    const faults = {};
    const mock = await startMock([], faults);
    const client = new ReporterClient('http://mock');
    const submitted = await client.submit(draft);
    await client.sendMessage(submitted.code, 'x');
    await client.sendMessage(submitted.code, 'y');
    faults[fault] = true;
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

test('a wrap to a key of the server\'s choosing: readCase refuses, sendMessage never uses it', async () => {
  const national = await recipient('national');
  const faults = {};
  const mock = await startMock([national.view], faults);
  const client = new ReporterClient('http://mock');
  const submitted = await client.submit(draft);
  const verified = await client.readCase(submitted.code);
  faults.wrapSwap = true;
  await assert.rejects(client.readCase(submitted.code), (e) => e instanceof ReceiptError && /commit/.test(e.message));
  const stored = [...mock.cases.values()][0];
  // Without a checked case, sendMessage reads and checks it first, and sends nothing.
  await assert.rejects(client.sendMessage(submitted.code, 'geheim'), ReceiptError);
  assert.equal(stored.items.length, 1);
  // With the case checked before the swap, the message is sealed to the real thread key.
  await client.sendMessage(submitted.code, 'geheim', verified);
  assert.equal(stored.items.length, 2);
  const caseId = Uint8Array.from(Buffer.from(stored.case_id, 'base64url'));
  const realKey = await openCaseKey(national.pair.privateKey, caseId, stored.wraps[1]);
  assert.equal(JSON.parse(new TextDecoder().decode(await openItem(realKey, caseId, stored.items[1]))).text, 'geheim');
  await assert.rejects(openItem(mock.serverKey, caseId, stored.items[1]));
  verified.wipe();
  assert.ok(verified.threadKey.every((b) => b === 0), 'wipe() clears the thread key');
});

test('status, ref and deadlines come from the signed statements, not the view', async () => {
  const faults = { viewLies: true };
  const mock = await startMock([], faults);
  const client = new ReporterClient('http://mock');
  const submitted = await client.submit(draft);
  let opened = await client.readCase(submitted.code);
  assert.equal(opened.ref, 'MP-TEST-0001');
  assert.equal(opened.status, 'received');
  assert.deepEqual(opened.deadlines, { acknowledge_by: 1700002800 + 7 * 86400, feedback_by: null });
  // 2023-11-30T14:00Z acknowledged: feedback by 2024-02-29T14:00Z (day clamped, leap year).
  const ack = Date.UTC(2023, 10, 30, 14) / 1000;
  await mock.setStatus('acknowledged', ack);
  await mock.setStatus('investigating', ack + 86400);
  opened = await client.readCase(submitted.code);
  assert.equal(opened.status, 'investigating');
  assert.equal(opened.deadlines.feedback_by, Date.UTC(2024, 1, 29, 14) / 1000);
});

test('addMonths follows src/time.rs add_months', () => {
  const t = 1795874400; // 2026-11-28T14:00:00Z
  assert.equal(addMonths(t, 3), Date.UTC(2027, 1, 28, 14) / 1000);
  assert.equal(addMonths(Date.UTC(2024, 10, 30) / 1000, 3), Date.UTC(2025, 1, 28) / 1000);
  assert.equal(addMonths(Date.UTC(2023, 10, 30) / 1000, 3), Date.UTC(2024, 1, 29) / 1000);
  assert.equal(addMonths(Date.UTC(2025, 0, 31, 23, 59, 59) / 1000, 1), Date.UTC(2025, 1, 28, 23, 59, 59) / 1000);
  assert.equal(addMonths(Date.UTC(2025, 9, 15, 7) / 1000, 3), Date.UTC(2026, 0, 15, 7) / 1000);
});

test('submit refuses a receipt for another ref than the answer', async () => {
  await startMock([], { receiptRef: true });
  await assert.rejects(new ReporterClient('http://mock').submit(draft), (e) => e instanceof ReceiptError && /ref/.test(e.message));
});

test('the receipt must name this site as iss when an origin is given', async () => {
  await startMock([]);
  const other = new ReporterClient('http://mock', { origin: 'https://elders.test' });
  await assert.rejects(other.submit(draft), (e) => e instanceof ReceiptError && /iss/.test(e.message));
  const same = new ReporterClient('http://mock', { origin: 'https://meldpunt.test' });
  const submitted = await same.submit(draft);
  assert.equal((await same.readCase(submitted.code)).ref, 'MP-TEST-0001');
  await assert.rejects(other.readCase(submitted.code), ReceiptError);
});

// Hardening finding 7: a colleague with access posts a message whose ciphertext is not under
// the thread key; the server signs a statement for it. The reporter still sees the case, with
// that one message marked unreadable.
test('a signed message that does not decrypt is marked, and the rest is shown', async () => {
  const mock = await startMock([]);
  const client = new ReporterClient('http://mock');
  const submitted = await client.submit(draft);
  await client.sendMessage(submitted.code, 'eerste');
  const stored = [...mock.cases.values()][0];
  const caseId = Uint8Array.from(Buffer.from(stored.case_id, 'base64url'));
  const wrongKey = crypto.getRandomValues(new Uint8Array(32));
  await mock.addStaffMessage(await sealItem(wrongKey, caseId, crypto.getRandomValues(new Uint8Array(16)), 'message', new TextEncoder().encode('{"text":"x"}')));
  await client.sendMessage(submitted.code, 'derde');
  const opened = await client.readCase(submitted.code);
  assert.deepEqual(
    opened.messages.map((m) => [m.from, m.text, m.unreadable]),
    [['reporter', 'eerste', false], ['staff', null, true], ['reporter', 'derde', false]],
  );
  assert.deepEqual(opened.report, draft.report);
  assert.equal(opened.items.length, 3, 'three pages of one item each were read');
});

// Hardening finding 2: beyond a case's free messages of the hour, a message needs a proof of
// work; the client solves one and sends the message again.
test('a message beyond the free ones is sent with a proof of work', async () => {
  const mock = await startMock([], { freeMessages: 1 });
  const client = new ReporterClient('http://mock');
  const submitted = await client.submit(draft);
  await client.sendMessage(submitted.code, 'gratis');
  assert.equal(mock.paid, 0);
  await client.sendMessage(submitted.code, 'betaald');
  assert.equal(mock.paid, 1);
  const opened = await client.readCase(submitted.code);
  assert.deepEqual(opened.messages.map((m) => m.text), ['gratis', 'betaald']);
});
