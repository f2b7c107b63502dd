// Shared set-up of the browser tests: a fresh meldpunt server (the real debug binary, its own
// temporary data and keys folders, a free loopback port chosen first, one national recipient
// registered with `keygen` and `recipient add` and put in a recipient directory signed by the
// development root's two officers with `directory sign`) and Debian's Chromium driven by
// playwright-core with a new empty profile. Also a request recorder for the privacy checks.
//
// Contract: `startServer({powBits, checkpointSecs, beforeServe, units, publicUrl, env})` resolves
// {url, dir, keyFile, child, stop(), restart(), prepared} once the server answers and its
// directory is in a cosigned
// checkpoint (`prepared` is what `beforeServe(dir)` returned, run while the database is still
// free for CLI commands; `units` the recipient's units, default national; `publicUrl` the
// URL the service names itself by, default its own, e.g. a proxy's in front; `env` more
// variables for `serve`, e.g. the MELDPUNT_STAFF_* settings; `restart()` stops the process with
// SIGTERM and starts it again on the same folders and port). Every CLI call
// (`cli(dir, args)`) gets MELDPUNT_PUBLIC_URL of that server, because the first one makes the
// trust root and the log name for it. `signDirectory(server)` has both officers sign the
// pending change on the running server and waits until the new version is logged.
// `launchBrowser()` resolves a playwright Browser; `newPage(browser, opts)` gives {context,
// page, requests, responses, errors} where `requests` lists every request the page made
// ({url, method, type, postData}).
// Everything is removed by the returned stop/close functions. Requires `cargo build`.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..', '..');
export const BINARY = process.env.MELDPUNT_BIN ?? join(ROOT, 'target', 'debug', 'meldpunt');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The public URL of each test folder's server, set before its first CLI call. */
const publicUrls = new Map();

/** Runs the CLI against the test folders (with the folder's public URL); returns stdout. */
export function cli(dir, args) {
  const url = publicUrls.get(dir);
  if (!url) throw new Error(`no public URL for ${dir}: start it with startServer`);
  return execFileSync(BINARY, args, {
    env: { PATH: process.env.PATH, MELDPUNT_DATA: join(dir, 'data'), MELDPUNT_KEYS: join(dir, 'keys'), MELDPUNT_PUBLIC_URL: url },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The development officers' key files (src/server/trust.rs DEV_OFFICER_FILES). */
export const officerKeys = (dir) => ['dev-officer-1.key', 'dev-officer-2.key'].map((f) => join(dir, 'keys', f));

/** Has both officers sign the pending directory change, on the local database (server stopped). */
export function signDirectoryOffline(dir) {
  for (const key of officerKeys(dir)) cli(dir, ['directory', 'sign', '--key', key, '--yes']);
}

/** GET /api/v1/directory, or null while there is none. */
async function directoryView(url) {
  const res = await fetch(`${url}/api/v1/directory`);
  return res.ok ? res.json() : null;
}

/** Waits until the server's directory has version `seq` (or any, without) with an inclusion proof. */
export async function waitForLoggedDirectory(url, seq, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await directoryView(url).catch(() => null);
    if (view?.proof && (seq === undefined || view.seq >= seq)) return view;
    if (Date.now() > deadline) throw new Error(`directory ${seq ?? ''} is not logged: ${JSON.stringify(view)?.slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Has both officers sign the pending change on the running `server`; waits until it is logged. */
export async function signDirectory(server) {
  const before = (await directoryView(server.url))?.seq ?? 0;
  for (const key of officerKeys(server.dir)) cli(server.dir, ['directory', 'sign', '--server', server.url, '--key', key, '--yes']);
  return waitForLoggedDirectory(server.url, before + 1);
}

/** A server with one national recipient; see the module contract. */
export async function startServer({ powBits = 0, checkpointSecs = 3600, beforeServe, units = ['national'], publicUrl, env = {} } = {}) {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run cargo build first`);
  const dir = mkdtempSync(join(tmpdir(), 'meldpunt-browser-'));
  // The port first: the first CLI call makes the trust root and the log name for this URL.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  publicUrls.set(dir, publicUrl ?? url);
  // The database as a first `serve` makes it: the offline commands below never create one.
  cli(dir, ['init']);
  const keyFile = join(dir, 'intake.key');
  const keygen = cli(dir, ['keygen', '--out', keyFile]);
  const publicKey = keygen.match(/^public key (\S+)/m)[1];
  for (const unit of units) cli(dir, ['recipient', 'add', '--unit', unit, '--public-key', publicKey]);
  signDirectoryOffline(dir);
  const prepared = beforeServe ? beforeServe(dir) : undefined;
  const spawnServe = () =>
    spawn(BINARY, ['serve'], {
      env: {
        PATH: process.env.PATH,
        MELDPUNT_BIND: `127.0.0.1:${port}`,
        MELDPUNT_DATA: join(dir, 'data'),
        MELDPUNT_KEYS: join(dir, 'keys'),
        MELDPUNT_PUBLIC_URL: publicUrl ?? url,
        MELDPUNT_POW_BITS: String(powBits),
        MELDPUNT_CHECKPOINT_SECS: String(checkpointSecs),
        RUST_LOG: 'warn',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const server = { url, publicUrl: publicUrl ?? url, dir, keyFile, child: spawnServe(), stop, restart, prepared };
  async function answering() {
    const deadline = Date.now() + 20000;
    for (;;) {
      try {
        const res = await fetch(`${url}/api/v1/config`);
        if (res.ok) return;
      } catch {
        // not up yet
      }
      if (server.child.exitCode !== null) throw new Error(`meldpunt serve exited with ${server.child.exitCode}`);
      if (Date.now() > deadline) throw new Error('meldpunt serve did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  async function halt() {
    const { child } = server;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
  /** Stops the server process (SIGTERM) and starts it again on the same folders and port. */
  async function restart() {
    await halt();
    server.child = spawnServe();
    await answering();
  }
  async function stop() {
    await halt();
    rmSync(dir, { recursive: true, force: true });
    publicUrls.delete(dir);
  }
  await answering();
  await waitForLoggedDirectory(url, 1);
  return server;
}

/** Debian's Chromium, headless, with a fresh profile. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A new context (empty profile, no storage) and page that records every request. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  const page = await context.newPage();
  const requests = [];
  const responses = [];
  const errors = [];
  page.on('request', (req) => requests.push({ url: req.url(), method: req.method(), type: req.resourceType(), postData: req.postData() }));
  page.on('response', (res) => responses.push(res));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  return { context, page, requests, responses, errors };
}

/** Fills the report form in Dutch with `what` as the description and submits it. */
export async function fillReport(page, { what, theme = 'exclusion', unit = 'amsterdam' } = {}) {
  await page.selectOption('#theme', theme);
  await page.selectOption('#unit', unit);
  await page.check('#relation-employee');
  await page.fill('#what', what);
  await page.fill('#when', 'voorjaar 2025');
  await page.fill('#where', 'een basisteam');
  await page.fill('#who', 'een leidinggevende');
  await page.fill('#witnesses', 'twee collega’s');
  await page.check('#before-no');
  await page.check('#wish-investigation');
}

/**
 * The privacy checks of must-show 2 over everything a page did: no request left the origin,
 * every HTML document came with a CSP without 'unsafe-inline', and no cookie was set.
 */
export async function assertPrivate(assert, { requests, responses, context, origin }) {
  assert.ok(requests.length > 0, 'no requests were recorded');
  for (const r of requests) {
    const u = new URL(r.url);
    const sameOrigin = u.origin === origin || (u.protocol === 'blob:' && r.url.startsWith(`blob:${origin}/`));
    assert.ok(sameOrigin, `a request left the origin: ${r.method} ${r.url}`);
  }
  const documents = responses.filter((res) => res.request().resourceType() === 'document');
  assert.ok(documents.length > 0, 'no documents were loaded');
  for (const res of documents) {
    const csp = (await res.allHeaders())['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'/, `${res.url()} has no strict CSP`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${res.url()} allows inline code`);
    assert.equal((await res.allHeaders())['set-cookie'], undefined, `${res.url()} sets a cookie`);
  }
  for (const res of responses) {
    assert.equal((await res.allHeaders())['set-cookie'], undefined, `${res.url()} sets a cookie`);
  }
  assert.deepEqual(await context.cookies(), [], 'cookies were set');
}
