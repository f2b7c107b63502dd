// A hostile TLS-terminating proxy for the browser tests (DESIGN §1 G8, §11): an HTTP server
// at the reporter's origin (the service's public URL) in front of the real server. It passes
// the static bundle files (pages, scripts, /trust-root.json) through untouched, since their
// integrity is the published bundle hash's job, and may rewrite every API answer and answer
// any API request itself. It records the body of every POST /api/v1/reports it sees, so a test
// can check to whom each report was encrypted.
//
// Contract: `startProxy()` resolves {url, posts, target, rewrite, intercept, close()} once it
// listens on a free loopback port; set `target` (the real server's URL) before the first
// request. `intercept(method, path, body)` may resolve {status, json} to answer without the
// server; `rewrite(path, status, text)` may resolve a new body text for an API answer. Both
// are read on every request, so a test switches them per case. Also the rewrites the tests
// use, built with the test signers: another entry in the signed payload, a directory signed by
// strangers, a checkpoint re-signed by another log key, a checkpoint without cosignatures.

import { createServer } from 'node:http';
import { b64uDecode, b64uEncode, fromUtf8, utf8 } from '../../web/js/crypto/b64.js';
import { generateKeyPair } from '../../web/js/crypto/hpke.js';
import { ed25519Signer, entryFor, noteSigner, payloadJson, signDirectory } from '../js/lib/trust-fixtures.mjs';

const HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'accept-encoding']);
const isApi = (path) => path.startsWith('/api/') || path.startsWith('/.well-known/');

/** @returns {Promise<{ url: string, posts: object[], target: string, rewrite: Function | null, intercept: Function | null, close: () => Promise<void> }>} */
export async function startProxy() {
  const proxy = { url: '', posts: [], target: '', rewrite: null, intercept: null, close: null };
  const server = createServer(async (req, res) => {
    try {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const body = Buffer.concat(chunks);
      const path = new URL(req.url, 'http://proxy').pathname;
      if (req.method === 'POST' && path === '/api/v1/reports') proxy.posts.push(JSON.parse(body.toString('utf8')));
      const own = isApi(path) && proxy.intercept ? await proxy.intercept(req.method, path, body.toString('utf8')) : undefined;
      if (own) {
        res.writeHead(own.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(own.json));
        return;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP.has(name)));
      const upstream = await fetch(`${proxy.target}${req.url}`, {
        method: req.method,
        headers,
        body: body.length ? body : undefined,
        redirect: 'manual',
      });
      let bytes = Buffer.from(await upstream.arrayBuffer());
      if (isApi(path) && proxy.rewrite) {
        const out = await proxy.rewrite(path, upstream.status, bytes.toString('utf8'));
        if (out !== undefined) bytes = Buffer.from(out, 'utf8');
      }
      const out = {};
      for (const [name, value] of upstream.headers) if (!HOP.has(name) && name !== 'content-encoding') out[name] = value;
      res.writeHead(upstream.status, out);
      res.end(bytes);
    } catch (e) {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`proxy: ${e}`);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${server.address().port}`;
  proxy.close = () => new Promise((resolve) => server.close(resolve));
  return proxy;
}

/** The signed payload of a directory document, parsed. */
export const payloadOf = (text) => JSON.parse(fromUtf8(b64uDecode(JSON.parse(text).payload)));

/** A key the proxy holds, as a directory entry reading national reports. */
export async function proxyEntry() {
  return entryFor((await generateKeyPair()).publicKey, ['national'], ['intake'], 'proxy');
}

/** The view with `entry` added to the signed payload; the officers' signatures are kept. */
export function withAddedEntry(viewText, entry) {
  const view = JSON.parse(viewText);
  const doc = JSON.parse(view.directory);
  const p = payloadOf(view.directory);
  doc.payload = b64uEncode(utf8(payloadJson({ ...p, entries: [...p.entries, entry] })));
  view.directory = JSON.stringify(doc);
  return JSON.stringify(view);
}

/** The view with the directory (plus `entry`) signed by two fresh keys that are no officers. */
export async function signedByStrangers(viewText, entry) {
  const view = JSON.parse(viewText);
  const p = payloadOf(view.directory);
  view.directory = (await signDirectory({ ...p, entries: [...p.entries, entry] }, [await ed25519Signer(), await ed25519Signer()])).text;
  return JSON.stringify(view);
}

/** A checkpoint note whose log signature is replaced by one of `signer` (same name); cosignatures kept. */
export async function resignedNote(note, signer) {
  const split = note.indexOf('\n\n');
  const body = note.slice(0, split + 1);
  const origin = body.split('\n')[0];
  const others = note.slice(split + 2).split('\n').filter((l) => l && !l.startsWith(`\u2014 ${origin} `));
  const signed = await signer.sign(body);
  return `${signed}${others.map((l) => `${l}\n`).join('')}`;
}

/** A checkpoint note with only the log's own signature line (the witnesses' stripped). */
export function withoutCosignatures(note) {
  const split = note.indexOf('\n\n');
  const origin = note.slice(0, note.indexOf('\n'));
  const lines = note.slice(split + 2).split('\n').filter((l) => l.startsWith(`\u2014 ${origin} `));
  return `${note.slice(0, split + 2)}${lines.map((l) => `${l}\n`).join('')}`;
}

/** A note signer under the log's own name whose key the trust root does not pin. */
export const foreignLogSigner = (note) => noteSigner(note.slice(0, note.indexOf('\n')));
