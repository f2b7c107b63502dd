// A minimal in-memory stand-in for the meldpunt reporter API (PROTOCOL §7, §12), built from the
// JS crypto and test signers, to test web/js/reporter.js's refusals without the Rust server
// (tests/js_interop.rs covers the real one). Installs itself as globalThis.fetch.
// `faults` lets a test break one thing: receiptCmt, receiptSub, receiptRef, proofPath,
// proofMissing, checkpointKey, itemDuplicate, messageHidden, wrapSwap, viewLies, secondReport;
// for the submission itself: jwksInvalid (a JWK whose kid is not its thumbprint), postLost (the
// report is stored, then the connection fails), postFails (stored, then 500), postRefused (400,
// not stored), wrapsMismatch: n (the next n posts are refused with 400 wraps_mismatch).
// The object is read on every request, so a test may switch a fault on after an honest start.
// `posts` holds every report request posted, `configs` counts the configuration fetches.
// Items after the report come one per page (to exercise paging); `freeMessages: n` refuses a
// message without a Meldpunt-Pow header with 429 pow_required once n were sent.
import { b64StdEncode, b64uDecode, b64uEncode, fromUtf8 } from '../../web/js/crypto/b64.js';
import { keyCommitment, submissionCommitment } from '../../web/js/crypto/commit.js';
import { chainHash } from '../../web/js/crypto/jws.js';
import { itemHash } from '../../web/js/crypto/item.js';
import { sealCaseKey } from '../../web/js/crypto/wrap.js';
import { leafHash, nodeHash } from '../../web/js/crypto/merkle.js';
import { ed25519Signer, noteSigner, signJws } from './sign-helpers.mjs';

const ISS = 'https://meldpunt.test';
const split = (n) => 2 ** Math.floor(Math.log2(n - 1));
async function mth(hashes) {
  if (hashes.length === 1) return hashes[0];
  const k = split(hashes.length);
  return nodeHash(await mth(hashes.slice(0, k)), await mth(hashes.slice(k)));
}
async function auditPath(m, hashes) {
  if (hashes.length <= 1) return [];
  const k = split(hashes.length);
  return m < k
    ? [...(await auditPath(m, hashes.slice(0, k))), await mth(hashes.slice(k))]
    : [...(await auditPath(m - k, hashes.slice(k))), await mth(hashes.slice(0, k))];
}

export async function startMock(recipients, faults = {}) {
  const signer = await ed25519Signer();
  const logSigner = await noteSigner('meldpunt.test/log');
  const strangerLog = await noteSigner('meldpunt.test/log');
  const cases = new Map(); // verifier → case
  const leaves = [];
  let checkpoint = null;

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
    configs: 0,
    cases,
    serverKey,
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
      checkpoint = { size: leaves.length, note: await signing.sign(`meldpunt.test/log\n${leaves.length}\n${b64StdEncode(root)}\n`) };
    },
    async fetch(url, init = {}) {
      const { pathname } = new URL(url);
      const method = init.method ?? 'GET';
      const auth = init.headers?.Authorization?.replace('Bearer ', '');
      const byToken = async () => cases.get(auth && b64uEncode(await sha(b64uDecode(auth))));
      if (pathname === '/api/v1/config') {
        mock.configs += 1;
        return json(200, { themes: [], units: [], relations: [], pow: { bits: 4 }, recipients });
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
          return json(400, { error: { code: 'wraps_mismatch', message: 'the recipients changed' } });
        }
        const caseId = b64uDecode(r.case_id);
        const cmt = await submissionCommitment(caseId, b64uDecode(r.kc), r.items);
        if (faults.receiptCmt) cmt[0] ^= 1;
        const c = {
          ref: 'MP-TEST-0001', case_id: r.case_id, reporter_pk: r.reporter_pk, theme: r.theme, unit: r.unit,
          wraps: r.wraps, items: r.items, statements: [],
        };
        const receipt = await append(c, 'meldpunt-receipt+jws', {
          iss: ISS, ref: c.ref, seq: 0, status: 'received', iat: 1700002800,
          sub: faults.receiptSub ? b64uEncode(new Uint8Array(32)) : r.binding, cmt: b64uEncode(cmt),
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
          if (!checkpoint || index >= checkpoint.size || (faults.proofMissing && index === 0)) {
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
        return json(200, {
          ref: lies ? 'MP-FAKE-0000' : c.ref, case_id: c.case_id, theme: c.theme, unit: c.unit, status: lies ? 'closed' : 'received',
          deadlines: { acknowledge_by: lies ? 1 : 1700607600, ...(lies ? { feedback_by: 2 } : {}) }, statements: c.statements, wraps,
          report: c.items[0], ...(checkpoint ? { checkpoint: checkpoint.note } : {}), proofs,
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
  globalThis.fetch = (url, init) => mock.fetch(url, init);
  return mock;
}
