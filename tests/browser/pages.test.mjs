// The pages themselves, beyond the main flow: the language switch (?lang=en, kept on every
// internal link, <html lang> set), the no-JavaScript notice, the message for a browser
// without WebCrypto X25519, the published web-bundle hash matching what is served, content
// types and the JSON 404 for unknown paths, and that the pages leave nothing in the browser
// (no cookies, no localStorage, sessionStorage or IndexedDB).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { launchBrowser, newPage, startServer } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer({ powBits: 0 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('English is one link away and stays on every internal link', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${server.url}/`);
  await page.waitForSelector('main [data-app]:not([hidden])');
  assert.equal(await page.getAttribute('html', 'lang'), 'nl');
  assert.match(await page.textContent('h1'), /Veilig en anoniem melden/);
  await page.click('a[data-lang-switch]');
  await page.waitForURL(`${server.url}/?lang=en`);
  await page.waitForSelector('main [data-app]:not([hidden])');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('h1'), /Report safely and anonymously/);
  for (const href of await page.$$eval('a[data-nav]', (as) => as.map((a) => a.getAttribute('href')))) {
    assert.match(href, /\?lang=en$/, href);
  }
  await page.goto(`${server.url}/melden?lang=en`);
  await page.waitForSelector('#theme option[value="exclusion"]', { state: 'attached' });
  assert.equal(await page.textContent('#theme option[value="exclusion"]'), 'Exclusion, discrimination and racism');
  assert.equal(await page.title(), 'Make a report – Meldpunt');
  await context.close();
});

test('without JavaScript the pages explain why it is needed', async () => {
  const { context, page } = await newPage(browser, { javaScriptEnabled: false });
  for (const path of ['/', '/melden', '/status']) {
    await page.goto(`${server.url}${path}`);
    const text = await page.textContent('body');
    assert.match(text, /JavaScript staat uit/, path);
    assert.match(text, /JavaScript is off/, path);
    assert.equal(await page.isVisible('#report-form'), false);
  }
  await context.close();
});

test('a browser without WebCrypto X25519 gets a clear message and no form', async () => {
  const { context, page } = await newPage(browser);
  await page.addInitScript(() => {
    const generate = crypto.subtle.generateKey.bind(crypto.subtle);
    crypto.subtle.generateKey = (alg, ...rest) =>
      alg?.name === 'X25519' ? Promise.reject(new DOMException('unsupported', 'NotSupportedError')) : generate(alg, ...rest);
  });
  for (const path of ['/melden', '/status']) {
    await page.goto(`${server.url}${path}`);
    await page.waitForSelector('#unsupported:not([hidden])');
    assert.match(await page.textContent('#unsupported'), /kan uw melding niet veilig versleutelen/);
    assert.equal(await page.isVisible('form'), false, path);
  }
  await context.close();
});

test('the web-bundle hash describes exactly what is served', async () => {
  const bundle = await (await fetch(`${server.url}/api/v1/web-bundle`)).json();
  const paths = Object.keys(bundle.files);
  for (const must of ['index.html', 'melden.html', 'status.html', 'css/site.css', 'i18n/nl.json', 'js/reporter.js']) {
    assert.ok(paths.includes(must), must);
  }
  const parts = [Buffer.from('meldpunt web bundle v1\0')];
  for (const path of paths.sort()) {
    const body = Buffer.from(await (await fetch(`${server.url}/${path}`)).arrayBuffer());
    const hash = createHash('sha256').update(body).digest();
    assert.equal(hash.toString('base64url'), bundle.files[path], path);
    parts.push(Buffer.from(path), Buffer.from([0]), hash);
  }
  assert.equal(createHash('sha256').update(Buffer.concat(parts)).digest('base64url'), bundle.bundle);
});

test('clean URLs, content types, and the JSON 404', async () => {
  const types = {
    '/': 'text/html',
    '/melden': 'text/html',
    '/status': 'text/html',
    '/css/site.css': 'text/css',
    '/js/reporter.js': 'text/javascript',
    '/i18n/en.json': 'application/json',
    '/img/logo.svg': 'image/svg+xml',
  };
  for (const [path, type] of Object.entries(types)) {
    const res = await fetch(`${server.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.ok(res.headers.get('content-type').startsWith(type), `${path}: ${res.headers.get('content-type')}`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('content-security-policy'), /default-src 'none'/);
  }
  // (fetch normalises '/js/../x' itself; the Rust unit test covers dot segments.)
  for (const path of ['/nothing', '/melden/', '/css/', '/%2e%2e/Cargo.toml']) {
    const res = await fetch(`${server.url}${path}`);
    assert.equal(res.status, 404, path);
    assert.equal((await res.json()).error.code, 'not_found');
  }
  const post = await fetch(`${server.url}/`, { method: 'POST' });
  assert.equal(post.status, 404);
});

test('the pages leave nothing in the browser', async () => {
  const { context, page } = await newPage(browser);
  for (const path of ['/', '/melden', '/status']) {
    await page.goto(`${server.url}${path}`);
    await page.waitForSelector('[data-app]:not([hidden])');
  }
  const stored = await page.evaluate(async () => ({
    local: localStorage.length,
    session: sessionStorage.length,
    idb: (await indexedDB.databases()).length,
    cookie: document.cookie,
  }));
  assert.deepEqual(stored, { local: 0, session: 0, idb: 0, cookie: '' });
  assert.deepEqual(await context.cookies(), []);
  await context.close();
});

// Hardening finding 6: Chrome's enhanced spell check and Edge's editor send what is typed in a
// field with spell checking on to a server, outside the end-to-end encryption. Every field a
// reporter types case content into has it off (checked in the live DOM, so a script that
// turned it back on would be caught), and the form says why.
test('spell checking is off wherever case text is typed, and the form says why', async () => {
  const { context, page } = await newPage(browser);
  const typed = 'textarea, input:not([type]), input[type="text"], input[type="search"]';
  for (const [path, ready] of [['/melden', '#theme option[value="exclusion"]'], ['/status', '#code-form']]) {
    await page.goto(`${server.url}${path}`);
    await page.waitForSelector(ready, { state: 'attached' });
    const fields = await page.$$eval(typed, (els) => els.map((el) => ({ id: el.id, spellcheck: el.spellcheck })));
    assert.ok(fields.length > 0, path);
    for (const field of fields) assert.equal(field.spellcheck, false, `${path} #${field.id}`);
  }
  await page.goto(`${server.url}/melden`);
  await page.waitForSelector('#spellcheck-note');
  assert.match(await page.textContent('#spellcheck-note'), /spellingcontrole staat uit/);
  assert.equal(await page.isVisible('#spellcheck-note'), true);
  await page.goto(`${server.url}/melden?lang=en`);
  await page.waitForSelector('#spellcheck-note');
  assert.match(await page.textContent('#spellcheck-note'), /Spell checking is off/);
  await context.close();
});
