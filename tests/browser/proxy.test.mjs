// Must-show 1 of the directory issue (DESIGN §1 G8, §11), in real headless Chromium against
// the real binary: a hostile proxy at the reporter's origin (hostile-proxy.mjs) rewrites API
// answers, never the bundle files. Each case drives the real report form: (a) an entry the
// proxy holds added to the signed payload, (b) the directory replaced by one signed by keys
// that are no officers, (c) the checkpoint re-signed by another log key, (d) the checkpoint
// without its cosignatures, (e) another seq claimed for the signed directory, and (e') an older
// version served after the newer one, when the proxy makes the server seem to refuse the
// report with directory_changed. Every time the page shows why it stopped, and no report the
// proxy sees is encrypted to a kid outside the readers of the officer-signed directory. An
// honest pass through the same proxy succeeds. Not tested, because it is no guarantee: the
// suspension list is unsigned, so the proxy can hide a suspension (it can only ever remove a
// reader the officers listed from the list, never add one).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fillReport, cli, launchBrowser, newPage, signDirectoryOffline, startServer } from './harness.mjs';
import {
  foreignLogSigner, payloadOf, proxyEntry, resignedNote, signedByStrangers, startProxy, withAddedEntry, withoutCosignatures,
} from './hostile-proxy.mjs';

let server;
let proxy;
let browser;
let signed; // the honest directory's payload (version 2)
let stranger; // the entry the proxy slips in

before(async () => {
  proxy = await startProxy();
  // A second reader, for amsterdam, in version 2 of the directory; version 1 lists national only.
  const beforeServe = (dir) => {
    const publicKey = cli(dir, ['keygen', '--out', `${dir}/amsterdam.key`]).match(/^public key (\S+)/m)[1];
    cli(dir, ['recipient', 'add', '--unit', 'amsterdam', '--public-key', publicKey]);
    signDirectoryOffline(dir);
  };
  server = await startServer({ powBits: 0, publicUrl: proxy.url, beforeServe });
  proxy.target = server.url;
  const view = await (await fetch(`${server.url}/api/v1/directory`)).json();
  assert.equal(view.seq, 2);
  signed = payloadOf(view.directory);
  stranger = await proxyEntry();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await proxy?.close();
});

/** The kids an amsterdam report may be encrypted to: the reporter and the signed readers. */
function allowed() {
  const readers = signed.entries.filter((e) => e.roles.includes('intake') && (e.units.includes('national') || e.units.includes('amsterdam')));
  return new Set(['reporter', ...readers.map((e) => e.kid)]);
}

/** Every report the proxy saw was encrypted only to the signed readers. */
function assertOnlySignedReaders() {
  const ok = allowed();
  for (const post of proxy.posts) {
    for (const wrap of post.wraps) assert.ok(ok.has(wrap.to), `a wrap to ${wrap.to}, which the signed directory does not list as a reader`);
    assert.ok(!post.wraps.some((w) => w.to === stranger.kid));
  }
}

/** Opens the form through the proxy with `rewrite` on /api/v1/directory; expects the stop notice. */
async function expectStopped(rewrite, reason) {
  proxy.posts.length = 0;
  proxy.intercept = null;
  proxy.rewrite = async (path, status, text) => (path === '/api/v1/directory' && status === 200 ? rewrite(text) : undefined);
  const { context, page } = await newPage(browser);
  try {
    await page.goto(`${proxy.url}/melden`);
    await page.waitForSelector('#trust-failed:not([hidden])', { timeout: 30000 });
    assert.match(await page.textContent('#trust-failed'), /Deze pagina is gestopt/);
    assert.match(await page.textContent('#trust-failed-text'), reason);
    // The reporter is given no form to type a story into.
    assert.equal(await page.isVisible('#what'), false);
    assert.equal(await page.isVisible('#submit'), false);
    assert.equal(proxy.posts.length, 0);
    assertOnlySignedReaders();
  } finally {
    await context.close();
    proxy.rewrite = null;
  }
}

const SIGNATURE = /niet ondertekend door genoeg functionarissen/;

test('(a) an entry added to the signed payload stops the page', async () => {
  await expectStopped((text) => withAddedEntry(text, stranger), SIGNATURE);
});

test('(b) a directory signed by keys that are no officers stops the page', async () => {
  await expectStopped((text) => signedByStrangers(text, stranger), SIGNATURE);
});

test('(c) a checkpoint re-signed by another log key stops the page', async () => {
  await expectStopped(async (text) => {
    const view = JSON.parse(text);
    view.checkpoint = await resignedNote(view.checkpoint, await foreignLogSigner(view.checkpoint));
    return JSON.stringify(view);
  }, /niet aantoonbaar in het openbare logboek/);
});

test('(d) a checkpoint without the witnesses\' cosignatures stops the page', async () => {
  await expectStopped((text) => {
    const view = JSON.parse(text);
    view.checkpoint = withoutCosignatures(view.checkpoint);
    return JSON.stringify(view);
  }, /niet bevestigd door genoeg onafhankelijke getuigen/);
});

test('(e) another seq claimed for the signed directory stops the page', async () => {
  await expectStopped((text) => JSON.stringify({ ...JSON.parse(text), seq: 3 }), SIGNATURE);
});

test('(e\') an older version after the newer one is refused when sending, with a reason', async () => {
  proxy.posts.length = 0;
  const { context, page } = await newPage(browser);
  try {
    await page.goto(`${proxy.url}/melden`);
    // The send button is enabled once the page holds the verified directory (version 2).
    await page.waitForSelector('#submit:not([disabled])');
    // From now on: the server "refuses" every report, and the directory is version 1, with a
    // valid inclusion proof, as a proxy holding an old answer could serve it.
    proxy.intercept = async (method, path) =>
      method === 'POST' && path === '/api/v1/reports' ? { status: 409, json: { error: { code: 'directory_changed', message: 'fetch it again' } } } : undefined;
    proxy.rewrite = async (path, status, text) => {
      if (path !== '/api/v1/directory') return undefined;
      const view = JSON.parse(text);
      const old = await (await fetch(`${server.url}/api/v1/directory/versions/1`)).json();
      const size = view.proof.size;
      const proof = await (await fetch(`${server.url}/api/v1/log/proof/inclusion?index=${old.log}&size=${size}`)).json();
      return JSON.stringify({ ...view, directory: old.directory, seq: 1, log: old.log, proof });
    };
    await fillReport(page, { what: 'Een melding terwijl de proxy een oude lijst toont.' });
    await page.click('#submit');
    await page.waitForSelector('#send-error:not([hidden])', { timeout: 60000 });
    assert.match(await page.textContent('#send-error-text'), /sluit niet aan op de lijst die uw browser al had/);
    assert.equal(proxy.posts.length, 1, 'no second attempt with the older directory');
    assertOnlySignedReaders();
  } finally {
    proxy.intercept = null;
    proxy.rewrite = null;
    await context.close();
  }
});

test('an honest pass through the proxy sends the report to exactly the signed readers', async () => {
  proxy.posts.length = 0;
  const { context, page } = await newPage(browser);
  try {
    await page.goto(`${proxy.url}/melden`);
    await page.waitForSelector('#theme option[value="exclusion"]', { state: 'attached' });
    await fillReport(page, { what: 'Een eerlijke melding door de proxy heen.' });
    await page.click('#submit');
    await page.waitForSelector('#done-view:not([hidden])', { timeout: 60000 });
    assert.match(await page.textContent('#done-h'), /Uw melding is ontvangen/);
    assert.equal(proxy.posts.length, 1);
    assert.deepEqual(new Set(proxy.posts[0].wraps.map((w) => w.to)), allowed());
    assertOnlySignedReaders();
  } finally {
    await context.close();
  }
});
