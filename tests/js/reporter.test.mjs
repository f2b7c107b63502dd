// web/js/reporter.js against an in-memory mock of the API (mock-server.mjs): the whole flow
// works; submit reports its steps in order, checks the JWKS before it posts, keeps the access
// code once the report went out (a lost answer, a 5xx, a receipt that does not check out) and
// drops it when the server refused the report, and tries once more when the recipients
// changed; it refuses a receipt with another cmt or sub, a bad inclusion proof, a checkpoint
// signed by another key, a message without its signed statement or a signed message without
// its item, a missing proof, a reporter wrap to a key of the server's choosing (also for
// sending), a receipt for another ref or site, a second report among the item pages; what it
// shows comes from signed statements; a signed message that does not decrypt is marked
// unreadable instead of locking the reporter out; items come in pages; a message beyond the
// free ones carries a proof of work. DESIGN §11: it wraps only to the readers of the
// officer-signed directory (national only when asked, minus the suspended), refuses a unit
// without readers and every broken directory answer before anything is sent, follows a newer
// directory only as a verified successor, checks version-2 receipts (dir, labels, holders)
// and reads version-1 ones, and asks for a cosigned checkpoint. The real server is exercised
// by tests/js_interop.rs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { ApiError, NetworkError } from '../../web/js/api.js';
import { b64uDecode, b64uEncode, toHex } from '../../web/js/crypto/b64.js';
import { generateKeyPair } from '../../web/js/crypto/hpke.js';
import { openItem, sealItem } from '../../web/js/crypto/item.js';
import { openCaseKey, x25519Kid } from '../../web/js/crypto/wrap.js';
import { solvePow } from '../../web/js/crypto/pow.js';
import { addMonths } from '../../web/js/case-facts.js';
import { TrustError } from '../../web/js/crypto/trust-root.js';
import { ReceiptError, ReporterClient, SUBMIT_STEPS, UnconfirmedSubmissionError } from '../../web/js/reporter.js';
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
  // Leaf 0 is the directory, then the receipt and the first message.
  assert.equal(opened.log.checkpoint.size, 3);
});

/** Whether `e` is the error of a sent report whose receipt failed `check`, keeping the code. */
const unchecked = (check) => (e) =>
  e instanceof UnconfirmedSubmissionError && e.reason === 'receipt_unchecked' && e.accessCode.length === 16 && check(e.cause);

for (const fault of ['receiptCmt', 'receiptSub']) {
  test(`submit refuses a receipt with a wrong ${fault === 'receiptCmt' ? 'cmt' : 'sub'}`, async () => {
    await startMock([(await recipient('national')).view], { [fault]: true });
    await assert.rejects(new ReporterClient('http://mock').submit(draft), unchecked((cause) => cause instanceof ReceiptError));
  });
}

test('submit refuses a receipt signed by a key not in the JWKS', async () => {
  const mock = await startMock([]);
  const other = await startMock([]);
  globalThis.fetch = (url, init) => (url.endsWith('/.well-known/jwks.json') ? other.fetch(url, init) : mock.fetch(url, init));
  await assert.rejects(new ReporterClient('http://mock').submit(draft), unchecked((cause) => cause.code === 'unknown_key'));
});

/** submit with every onStep call recorded as "step:state" (progress as "pow:progress"). */
async function submitRecording(client, options = {}) {
  const steps = [];
  const progress = [];
  const onStep = (step, detail) => {
    assert.ok(SUBMIT_STEPS.includes(step), step);
    steps.push(`${step}:${detail.state}`);
    if (detail.state === 'progress') progress.push(detail);
  };
  try {
    return { result: await client.submit(draft, { ...options, onStep }), steps, progress };
  } catch (error) {
    return { error, steps, progress };
  }
}

const busyDone = (...names) => names.flatMap((n) => [`${n}:busy`, ...(n === 'pow' ? ['pow:progress'] : []), `${n}:done`]);

test('submit reports its steps in order and solves with the solve it is given', async () => {
  const mock = await startMock([]);
  const solved = [];
  const solve = async (challenge, { onProgress }) => {
    onProgress(1 << 16);
    const nonce = solvePow(b64uDecode(challenge.challenge), challenge.bits);
    solved.push({ challenge: challenge.challenge, nonce });
    return { challenge: challenge.challenge, nonce };
  };
  const { result, steps, progress } = await submitRecording(new ReporterClient('http://mock'), { solve });
  assert.deepEqual(SUBMIT_STEPS, ['code', 'encrypt', 'pow', 'submit', 'verify']);
  const expected = busyDone(...SUBMIT_STEPS);
  expected.splice(expected.indexOf('pow:done'), 0, 'pow:progress');
  assert.deepEqual(steps, expected);
  assert.deepEqual(progress, [{ state: 'progress', hashes: 0, bits: 4 }, { state: 'progress', hashes: 65536, bits: 4 }]);
  assert.deepEqual(mock.posts.map((r) => r.pow), solved);
  assert.equal(result.payload.seq, 0);
  assert.equal(result.display.length, 27 + 6);
});

test('the JWKS is fetched and checked before anything is sent', async () => {
  const mock = await startMock([], { jwksInvalid: true });
  const { error, steps } = await submitRecording(new ReporterClient('http://mock'));
  assert.equal(error.code, 'invalid_jwk');
  assert.ok(!(error instanceof UnconfirmedSubmissionError));
  assert.deepEqual(steps, [...busyDone('code'), 'encrypt:busy', 'encrypt:failed']);
  assert.equal(mock.posts.length, 0);
});

test('a lost answer or a 5xx keeps the code, which opens the stored report', async () => {
  for (const fault of ['postLost', 'postFails']) {
    const faults = { [fault]: true };
    await startMock([], faults);
    const client = new ReporterClient('http://mock');
    const { error, steps } = await submitRecording(client);
    assert.ok(error instanceof UnconfirmedSubmissionError, fault);
    assert.equal(error.reason, 'maybe_sent');
    assert.ok(fault === 'postLost' ? error.cause instanceof NetworkError : error.cause instanceof ApiError && error.cause.status === 500);
    assert.deepEqual(steps, [...busyDone('code', 'encrypt', 'pow'), 'submit:busy', 'submit:failed']);
    assert.equal(error.display.length, 27 + 6);
    // The code is no enumerable property: printing the error does not print it.
    assert.ok(!Object.keys(error).includes('accessCode'));
    assert.ok(!inspect(error, { depth: 5 }).includes(error.display) && !inspect(error).includes(toHex(error.accessCode)));
    delete faults[fault];
    assert.deepEqual((await client.readCase(error.display)).report, draft.report);
  }
});

test('a report the server refuses (4xx) throws the refusal and drops the code', async () => {
  const mock = await startMock([], { postRefused: true });
  const { error, steps } = await submitRecording(new ReporterClient('http://mock'));
  assert.ok(error instanceof ApiError && error.status === 400 && error.code === 'invalid_request');
  assert.equal(error.accessCode, undefined);
  assert.deepEqual(steps, [...busyDone('code', 'encrypt', 'pow'), 'submit:busy', 'submit:failed']);
  assert.equal(mock.posts.length, 1);
  assert.equal(mock.cases.size, 0);
});

test('wraps_mismatch: once more from the start with the fresh directory, not twice', async () => {
  const faults = { wrapsMismatch: 1 };
  const mock = await startMock([], faults);
  const { result, steps } = await submitRecording(new ReporterClient('http://mock'));
  assert.equal(result.ref, 'MP-TEST-0001');
  assert.deepEqual(steps, [...busyDone('code', 'encrypt', 'pow'), 'submit:busy', ...busyDone(...SUBMIT_STEPS)]);
  assert.equal(mock.directories, 2);
  assert.equal(mock.posts.length, 2);
  assert.notEqual(mock.posts[0].verifier, mock.posts[1].verifier, 'a new access code for the second attempt');
  faults.wrapsMismatch = 2;
  const again = await submitRecording(new ReporterClient('http://mock'));
  assert.equal(again.error.code, 'wraps_mismatch');
  assert.deepEqual(again.steps.slice(-2), ['submit:busy', 'submit:failed']);
  assert.equal(mock.posts.length, 4);
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

test('submit refuses a receipt for another ref than the answer, and keeps the code', async () => {
  const faults = { receiptRef: true };
  await startMock([], faults);
  const client = new ReporterClient('http://mock');
  const { error, steps } = await submitRecording(client);
  assert.ok(unchecked((cause) => cause instanceof ReceiptError && /ref/.test(cause.message))(error));
  assert.deepEqual(steps.slice(-4), ['submit:busy', 'submit:done', 'verify:busy', 'verify:failed']);
  // The report was stored with an honest receipt: the kept code opens it.
  delete faults.receiptRef;
  assert.equal((await client.readCase(error.accessCode)).ref, 'MP-TEST-0001');
});

test('the receipt must name this site as iss when an origin is given', async () => {
  await startMock([]);
  const other = new ReporterClient('http://mock', { origin: 'https://elders.test' });
  await assert.rejects(other.submit(draft), unchecked((cause) => cause instanceof ReceiptError && /iss/.test(cause.message)));
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

// DESIGN §11: the directory decides who can read a report.

/** The `to` of every wrap of the one posted report, sorted. */
const wrapsOf = (post) => post.wraps.map((w) => w.to).sort();

test('wraps go to exactly the readers of the signed directory: unit and national, national only, minus suspended', async () => {
  const national = await recipient('national');
  const amsterdam = await recipient('amsterdam');
  const utrecht = await recipient('utrecht');
  const mock = await startMock([national.view, amsterdam.view, utrecht.view]);
  const client = new ReporterClient('http://mock');
  await client.submit(draft);
  assert.deepEqual(wrapsOf(mock.posts[0]), ['reporter', national.view.kid, amsterdam.view.kid].sort());
  assert.equal(mock.posts[0].directory, mock.versions[0].hash);
  assert.equal(mock.posts[0].national_only, undefined);
  await client.submit({ ...draft, nationalOnly: true });
  assert.deepEqual(wrapsOf(mock.posts[1]), ['reporter', national.view.kid].sort());
  assert.equal(mock.posts[1].national_only, true);
  // A suspension the server publishes is honoured (on a fresh page load).
  mock.suspended = [amsterdam.view.kid];
  await new ReporterClient('http://mock').submit(draft);
  assert.deepEqual(wrapsOf(mock.posts[2]), ['reporter', national.view.kid].sort());
  assert.equal(mock.directories, 2, 'one directory fetch per client');
});

test('a unit nobody reads is refused before anything is sent', async () => {
  const amsterdam = await recipient('amsterdam');
  const mock = await startMock([amsterdam.view], { noNational: true });
  const client = new ReporterClient('http://mock');
  const { error, steps } = await submitRecording(client, {});
  assert.ok(!error, 'amsterdam has a reader');
  assert.deepEqual(steps.at(-1), 'verify:done');
  await assert.rejects(client.submit({ ...draft, unit: 'utrecht' }), (e) => e instanceof TrustError && e.code === 'no_reader');
  await assert.rejects(client.submit({ ...draft, nationalOnly: true }), (e) => e instanceof TrustError && e.code === 'no_reader');
  assert.equal(mock.posts.length, 1);
});

for (const [fault, code] of [
  ['addEntry', 'bad_signature'],
  ['stranger', 'unknown_signer'],
  ['oneOfficer', 'no_quorum'],
  ['wrongSeq', 'seq_mismatch'],
  ['noProof', 'not_yet_logged'],
  ['foreignLog', 'log_signature'],
  ['noCosignature', 'not_witnessed'],
]) {
  test(`a directory answer with ${fault} stops the submission (${code}) before anything is sent`, async () => {
    const mock = await startMock([(await recipient('amsterdam')).view], { directory: fault });
    const { error, steps } = await submitRecording(new ReporterClient('http://mock'));
    assert.ok(error instanceof TrustError, String(error));
    assert.equal(error.code, code);
    assert.deepEqual(steps, [...busyDone('code'), 'encrypt:busy', 'encrypt:failed']);
    assert.equal(mock.posts.length, 0);
  });
}

test('directory_changed: the newer version is taken as a verified successor (across a jump) and the report sent once more', async () => {
  const national = await recipient('national');
  const amsterdam = await recipient('amsterdam');
  const mock = await startMock([national.view]);
  const client = new ReporterClient('http://mock');
  await client.directory();
  await mock.publishDirectory([national.view]);
  await mock.publishDirectory([national.view, amsterdam.view]);
  const { result, steps } = await submitRecording(client);
  assert.equal(result.ref, 'MP-TEST-0001');
  assert.deepEqual(steps, [...busyDone('code', 'encrypt', 'pow'), 'submit:busy', ...busyDone(...SUBMIT_STEPS)]);
  assert.equal(mock.posts.length, 2);
  assert.equal(mock.posts[1].directory, mock.versions[2].hash);
  assert.deepEqual(wrapsOf(mock.posts[1]), ['reporter', national.view.kid, amsterdam.view.kid].sort());
});

test('a newer directory that does not follow the held one is refused, and nothing more is sent', async () => {
  const national = await recipient('national');
  const mock = await startMock([national.view]);
  const client = new ReporterClient('http://mock');
  await client.directory();
  const proxyKey = await recipient('national');
  await mock.publishDirectory([national.view, proxyKey.view], { prev: b64uEncode(new Uint8Array(32)) });
  const { error, steps } = await submitRecording(client);
  assert.ok(error instanceof TrustError && error.code === 'discontinuous', String(error));
  assert.deepEqual(steps.slice(-2), ['submit:busy', 'submit:failed']);
  assert.equal(mock.posts.length, 1);
  assert.ok(mock.posts.every((p) => !p.wraps.some((w) => w.to === proxyKey.view.kid)));
});

test('a receipt without dir (version 1) is not accepted for a new submission, but an old case still reads', async () => {
  const faults = { legacyReceipt: true };
  await startMock([], faults);
  const client = new ReporterClient('http://mock');
  const { error } = await submitRecording(client);
  assert.ok(unchecked((cause) => cause instanceof ReceiptError && /dir|cmt/.test(cause.message))(error));
  const opened = await client.readCase(error.accessCode);
  assert.equal(opened.statements[0].dir, undefined);
  assert.deepEqual(opened.report, draft.report);
});

for (const fault of ['submittedToLies', 'labelLies']) {
  test(`readCase refuses a view whose ${fault === 'labelLies' ? 'unit' : 'submitted_to'} is not what the receipt commits to`, async () => {
    const faults = {};
    await startMock([], faults);
    const client = new ReporterClient('http://mock');
    const submitted = await client.submit(draft);
    assert.ok(submitted.payload.dir);
    faults[fault] = true;
    await assert.rejects(client.readCase(submitted.code), (e) => e instanceof ReceiptError && /commit/.test(e.message));
  });
}

test('readCase needs the checkpoint cosigned by the pinned witness and signed by the root\'s log key', async () => {
  const faults = {};
  const mock = await startMock([], faults);
  const client = new ReporterClient('http://mock');
  const submitted = await client.submit(draft);
  await mock.issueCheckpoint();
  assert.deepEqual((await client.readCase(submitted.code)).log.included, [true]);
  faults.caseNoCosignature = true;
  await assert.rejects(client.readCase(submitted.code), (e) => e.name === 'LogError' && /cosigned/.test(e.message));
});

test('a pinned trust root wins over the server\'s', async () => {
  const mock = await startMock([]);
  const other = await startMock([]);
  globalThis.fetch = (url, init) => mock.fetch(url, init);
  const client = new ReporterClient('http://mock', { trustRoot: other.rootText });
  await assert.rejects(client.submit(draft), (e) => e instanceof TrustError && e.code === 'unknown_signer');
  assert.equal(mock.posts.length, 0);
});
