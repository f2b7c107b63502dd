// A minimal in-memory stand-in for the meldpunt reporter API (PROTOCOL §7, §12), built from the
// JS crypto and test signers, to test web/js/reporter.js's refusals without the Rust server
// (tests/js_interop.rs covers the real one). Installs itself as globalThis.fetch.
// `faults` lets a test break one thing: receiptCmt, receiptSub, receiptRef, proofPath,
// proofMissing, checkpointKey, itemDuplicate, messageHidden, wrapSwap, viewLies, secondReport;
// for the submission itself: jwksInvalid (a JWK whose kid is not its thumbprint), postLost (the
// report is stored, then the connection fails), postFails (stored, then 500), postRefused (400,
// not stored), wrapsMismatch: n (the next n posts are refused with 400 wraps_mismatch),
// legacyReceipt (a version-1 receipt: no dir, cmt v1), submittedToLies and labelLies (the case
// view's submitted_to or unit differ from what was filed). The directory side (DESIGN §11): a
// trust root at /trust-root.json (two officers, one witness), the officer-signed directory of
// `recipients` (each {kid, public_key, unit}; a national key of its own when none is given) as
// log leaf 0 of a cosigned checkpoint, and `directory: '<fault>'` breaks it: addEntry (an
// entry added to the signed payload), stranger (signed by two keys that are no officers),
// oneOfficer, wrongSeq (the answer claims another seq), noProof, foreignLog (checkpoint signed
// by another log key), noCosignature; caseNoCosignature strips the witness from the case
// view's checkpoint; noNational leaves out the national key added by default. mock.publishDirectory(recipients, {prev}) publishes the
// next version (a wrong `prev` makes it no successor); mock.suspended is the suspension list.
// The server side refuses a post for another directory (409 directory_changed) or with other
// wraps than its readers (409 wraps_mismatch), as src/server/reporting.rs does.
// The object is read on every request, so a test may switch a fault on after an honest start.
// `posts` holds every report request posted, `directories` counts the directory fetches.
// Items after the report come one per page (to exercise paging); `freeMessages: n` refuses a
// message without a Meldpunt-Pow header with 429 pow_required once n were sent.
import { b64StdEncode, b64uDecode, b64uEncode, fromUtf8, utf8 } from '../../web/js/crypto/b64.js';
import { submissionCommitment, submissionCommitmentV2 } from '../../web/js/crypto/commit.js';
import { chainHash } from '../../web/js/crypto/jws.js';
import { itemHash } from '../../web/js/crypto/item.js';
import { generateKeyPair } from '../../web/js/crypto/hpke.js';
import { sealCaseKey } from '../../web/js/crypto/wrap.js';
import { leafHash } from '../../web/js/crypto/merkle.js';
import { ed25519Signer, noteSigner, signJws } from './sign-helpers.mjs';
import { auditPath, entryFor, mth, payloadJson, signDirectory, trustRootText, witnessSigner } from './lib/trust-fixtures.mjs';

const ISS = 'https://meldpunt.test';

/** Directory entries for mock recipients ({kid, public_key, unit}). */
export const entriesOf = (recipients) =>
  Promise.all(recipients.map((r, i) => entryFor(b64uDecode(r.public_key, 32), [r.unit], ['intake'], `recipient ${i + 1}`)));

export async function startMock(recipients = [], faults = {}) {
  const signer = await ed25519Signer();
  const logSigner = await noteSigner('meldpunt.test/log');
  const strangerLog = await noteSigner('meldpunt.test/log');
  const officers = [await ed25519Signer(), await ed25519Signer()];
  const strangers = [await ed25519Signer(), await ed25519Signer()];
  const witness = await witnessSigner('witness.test');
  const rootText = trustRootText({ origin: ISS, officers, logKey: logSigner.verifierKey, witnesses: [witness] });
  const cases = new Map(); // verifier → case
  const leaves = [];
  let checkpoint = null;
  // The published directory versions: {text, hash, seq, log, entries}.
  const versions = [];
  if (!faults.noNational && !recipients.some((r) => r.unit === 'national')) {
    const pair = await generateKeyPair();
    recipients = [...recipients, { public_key: b64uEncode(pair.publicKey), unit: 'national' }];
  }

  const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  const text = (body) => new Response(body, { status: 200, headers: { 'Content-Type': 'text/plain' } });
  const sha = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));

  async function append(c, typ, payload) {
    const jws = await signJws(signer, typ, { ...payload, log: leaves.length });
    leaves.push(await leafHash(jws));
    c.statements.push(jws);
    return jws;
  }

  // wrapSwap: the key of the server's choosing that it wraps to the reporter's public key.
  const serverKey = crypto.getRandomValues(new Uint8Array(32));

  const mock = {
    jwks: { keys: [signer.jwk] },
    posts: [],
    directories: 0,
    cases,
    serverKey,
    rootText,
    officers,
    suspended: [],
    versions,
    /** Publishes the next directory version of `list` (mock recipients), logged and checkpointed. */
    async publishDirectory(list, { prev } = {}) {
      const last = versions.at(-1);
      const fields = { origin: ISS, seq: versions.length + 1, prev: prev ?? last?.hash, hour: 1700002800 + 3600 * versions.length, entries: await entriesOf(list) };
      const signed = await signDirectory(fields, officers);
      versions.push({ ...signed, log: leaves.length, entries: fields.entries });
      leaves.push(await leafHash(utf8(signed.text)));
      await mock.issueCheckpoint();
      return signed;
    },
    /** The readers of the newest version for `unit` (as the server computes them). */
    readers(unit, nationalOnly) {
      return versions.at(-1).entries.filter(
        (e) => (e.units.includes('national') || (!nationalOnly && e.units.includes(unit))) && !mock.suspended.includes(e.kid),
      );
    },
    /** Appends a signed status statement to every case (as staff would). */
    async setStatus(status, iat) {
      for (const c of cases.values()) {
        await append(c, 'meldpunt-statement+jws', {
          iss: ISS, ref: c.ref, seq: c.statements.length, kind: 'status', status, iat, prev: await chainHash(c.statements.at(-1)),
        });
      }
    },
    /** Appends `item` with a signed staff message statement to every case (as a colleague
     * with access would, whatever its ciphertext). */
    async addStaffMessage(item) {
      for (const c of cases.values()) {
        c.items.push(item);
        await append(c, 'meldpunt-statement+jws', {
          iss: ISS, ref: c.ref, seq: c.statements.length, kind: 'message', from: 'staff',
          item: b64uEncode(await itemHash(item)), iat: 1700010000, prev: await chainHash(c.statements.at(-1)),
        });
      }
    },
    /** Messages sent with a proof of work, per case. */
    paid: 0,
    /** Signs a checkpoint of the current tree. */
    async issueCheckpoint() {
      const root = await mth(leaves);
      const signing = faults.checkpointKey ? strangerLog : logSigner;
      const note = await signing.sign(`meldpunt.test/log\n${leaves.length}\n${b64StdEncode(root)}\n`);
      checkpoint = { size: leaves.length, note: await witness.cosign(note) };
    },
    /** The GET /api/v1/directory answer, broken as faults.directory says. */
    async directoryView() {
      const v = versions.at(-1);
      const fault = faults.directory;
      let text = v.text;
      if (fault === 'addEntry') {
        const doc = JSON.parse(text);
        const extra = await entryFor((await generateKeyPair()).publicKey, ['national'], ['intake'], 'proxy');
        doc.payload = b64uEncode(utf8(payloadJson({ origin: ISS, seq: v.seq, prev: versions.at(-2)?.hash, hour: 1700002800 + 3600 * (v.seq - 1), entries: [...v.entries, extra] })));
        text = JSON.stringify(doc);
      }
      if (fault === 'stranger' || fault === 'oneOfficer') {
        const fields = { origin: ISS, seq: v.seq, prev: versions.at(-2)?.hash, hour: 1700002800 + 3600 * (v.seq - 1), entries: v.entries };
        text = (await signDirectory(fields, fault === 'stranger' ? strangers : officers.slice(0, 1))).text;
      }
      let note = checkpoint.note;
      if (fault === 'foreignLog') note = await witness.cosign(await strangerLog.sign(note.slice(0, note.indexOf('\n\n') + 1)));
      if (fault === 'noCosignature') note = note.split('\n').filter((l) => !l.startsWith('\u2014 witness.test ')).join('\n');
      const path = await auditPath(v.log, leaves.slice(0, checkpoint.size));
      const proof = { index: v.log, size: checkpoint.size, leaf_hash: b64uEncode(leaves[v.log]), path: path.map(b64uEncode) };
      return {
        directory: text, seq: fault === 'wrongSeq' ? v.seq + 1 : v.seq, log: v.log, checkpoint: note,
        ...(fault === 'noProof' ? {} : { proof }), suspended: mock.suspended,
      };
    },
    async fetch(url, init = {}) {
      // caseNoCosignature: the case view's checkpoint without the witness's line.
      const caseNote = () =>
        faults.caseNoCosignature ? checkpoint.note.split('\n').filter((l) => !l.startsWith('\u2014 witness.test ')).join('\n') : checkpoint.note;
      const { pathname } = new URL(url);
      const method = init.method ?? 'GET';
      const auth = init.headers?.Authorization?.replace('Bearer ', '');
      const byToken = async () => cases.get(auth && b64uEncode(await sha(b64uDecode(auth))));
      if (pathname === '/api/v1/config') return json(200, { themes: [], units: [], relations: [], pow: { bits: 4 } });
      if (pathname === '/trust-root.json') return text(rootText);
      if (pathname === '/api/v1/directory') {
        mock.directories += 1;
        return json(200, await mock.directoryView());
      }
      const version = pathname.match(/^\/api\/v1\/directory\/versions\/(\d+)$/);
      if (version) {
        const v = versions[Number(version[1]) - 1];
        return v ? json(200, { directory: v.text, seq: v.seq, log: v.log }) : json(404, { error: { code: 'not_found', message: 'no such version' } });
      }
      if (pathname === '/api/v1/pow') return json(200, { challenge: b64uEncode(crypto.getRandomValues(new Uint8Array(40))), bits: 4 });
      if (pathname === '/.well-known/jwks.json') {
        return json(200, faults.jwksInvalid ? { keys: [{ ...signer.jwk, kid: 'not-its-thumbprint' }] } : mock.jwks);
      }
      if (pathname === '/api/v1/log/key') return text(logSigner.verifierKey);
      if (pathname === '/api/v1/reports' && method === 'POST') {
        const r = JSON.parse(init.body);
        mock.posts.push(r);
        if (faults.postRefused) return json(400, { error: { code: 'invalid_request', message: 'refused' } });
        if (faults.wrapsMismatch > 0) {
          faults.wrapsMismatch -= 1;
          return json(409, { error: { code: 'wraps_mismatch', message: 'the recipients changed' } });
        }
        if (r.directory !== versions.at(-1).hash) return json(409, { error: { code: 'directory_changed', message: 'fetch the directory again' } });
        const expected = ['reporter', ...mock.readers(r.unit, r.national_only === true).map((e) => e.kid)].sort();
        if (JSON.stringify(r.wraps.map((w) => w.to).sort()) !== JSON.stringify(expected)) {
          return json(409, { error: { code: 'wraps_mismatch', message: 'not the readers' } });
        }
        const caseId = b64uDecode(r.case_id);
        const submittedTo = r.wraps.map((w) => w.to);
        const filing = { theme: r.theme, unit: r.unit, relation: r.relation, directory: b64uDecode(r.directory, 32), holders: submittedTo };
        const legacy = faults.legacyReceipt;
        const cmt = legacy ? await submissionCommitment(caseId, b64uDecode(r.kc), r.items) : await submissionCommitmentV2(caseId, b64uDecode(r.kc), filing, r.items);
        if (faults.receiptCmt) cmt[0] ^= 1;
        const c = {
          ref: 'MP-TEST-0001', case_id: r.case_id, reporter_pk: r.reporter_pk, theme: r.theme, unit: r.unit, relation: r.relation,
          wraps: r.wraps, items: r.items, statements: [], submitted_to: legacy ? [] : submittedTo,
        };
        const receipt = await append(c, 'meldpunt-receipt+jws', {
          iss: ISS, ref: c.ref, seq: 0, status: 'received', iat: 1700002800,
          sub: faults.receiptSub ? b64uEncode(new Uint8Array(32)) : r.binding, cmt: b64uEncode(cmt), ...(legacy ? {} : { dir: r.directory }),
        });
        cases.set(r.verifier, c);
        if (faults.postLost) throw new TypeError('fetch failed');
        if (faults.postFails) return json(500, { error: { code: 'internal', message: 'stored, then failed' } });
        return json(201, { ref: faults.receiptRef ? 'MP-TEST-9999' : c.ref, receipt });
      }
      if (pathname === '/api/v1/reporter/messages' && method === 'POST') {
        const c = await byToken();
        if (!c) return json(401, { error: { code: 'unauthorized', message: 'no' } });
        const item = JSON.parse(init.body);
        const sent = c.items.length - 1;
        const pow = init.headers?.['Meldpunt-Pow'];
        if (faults.freeMessages !== undefined && sent >= faults.freeMessages) {
          if (!pow) return json(429, { error: { code: 'pow_required', message: 'solve a proof of work' } });
          if (!/^[A-Za-z0-9_-]{54}:\d+$/.test(pow)) return json(400, { error: { code: 'pow_invalid', message: pow } });
          mock.paid += 1;
        }
        c.items.push(item);
        const statement = await append(c, 'meldpunt-statement+jws', {
          iss: ISS, ref: c.ref, seq: c.statements.length, kind: 'message', from: 'reporter',
          item: b64uEncode(await itemHash(item)), iat: 1700006400, prev: await chainHash(c.statements.at(-1)),
        });
        return json(201, { statement });
      }
      if (pathname === '/api/v1/reporter/case') {
        const c = await byToken();
        if (!c) return json(401, { error: { code: 'unauthorized', message: 'no' } });
        const proofs = [];
        for (const jws of c.statements) {
          const index = JSON.parse(fromUtf8(b64uDecode(jws.split('.')[1]))).log;
          if (!checkpoint || index >= checkpoint.size || (faults.proofMissing && jws === c.statements[0])) {
            proofs.push(null);
            continue;
          }
          const path = await auditPath(index, leaves.slice(0, checkpoint.size));
          if (faults.proofPath && path.length) path[0][0] ^= 1;
          proofs.push({ index, size: checkpoint.size, leaf_hash: b64uEncode(leaves[index]), path: path.map(b64uEncode) });
        }
        // itemDuplicate: the server shows the first message twice in place of the second.
        // messageHidden: the server leaves out the last message.
        let wraps = c.wraps.filter((w) => w.to === 'reporter');
        if (faults.wrapSwap) wraps = [await sealCaseKey(b64uDecode(c.reporter_pk, 32), 'reporter', b64uDecode(c.case_id, 16), 'thread', serverKey)];
        // viewLies: unsigned fields that contradict the signed statements.
        const lies = faults.viewLies;
        const submitted_to = faults.submittedToLies ? c.submitted_to.filter((to) => to === 'reporter') : c.submitted_to;
        return json(200, {
          ref: lies ? 'MP-FAKE-0000' : c.ref, case_id: c.case_id, theme: c.theme, unit: faults.labelLies ? 'zwolle' : c.unit,
          ...(c.relation ? { relation: c.relation } : {}), submitted_to, status: lies ? 'closed' : 'received',
          deadlines: { acknowledge_by: lies ? 1 : 1700607600, ...(lies ? { feedback_by: 2 } : {}) }, statements: c.statements, wraps,
          report: c.items[0], ...(checkpoint ? { checkpoint: caseNote() } : {}), proofs,
        });
      }
      if (pathname === '/api/v1/reporter/items') {
        const c = await byToken();
        if (!c) return json(401, { error: { code: 'unauthorized', message: 'no' } });
        // itemDuplicate: the server shows the first message twice in place of the second.
        // messageHidden: the server leaves out the last message.
        // secondReport: the report again among the later items.
        let items = c.items.slice(1);
        if (faults.itemDuplicate) items = [items[0], items[0], ...items.slice(2)];
        if (faults.messageHidden) items = items.slice(0, -1);
        if (faults.secondReport) items = [c.items[0], ...items];
        const at = Number(new URL(url).searchParams.get('after') ?? 0);
        const next = at + 1 < items.length ? { next: String(at + 1) } : {};
        return json(200, { items: items.slice(at, at + 1), ...next });
      }
      return json(404, { error: { code: 'not_found', message: pathname } });
    },
  };
  await mock.publishDirectory(recipients);
  globalThis.fetch = (url, init) => mock.fetch(url, init);
  return mock;
}
