// A smoke run of the reporter web app in Firefox (Debian's firefox-esr), driven over WebDriver
// BiDi with a minimal client of our own: playwright-core's BiDi mode needs commands this
// Firefox does not have yet. Not part of scripts/test (Firefox is not installed there); run
// by hand: `apt-get install -y firefox-esr && cargo build && node --experimental-websocket
// tests/browser/firefox-smoke.mjs`. It submits a report through the form, reads the access
// code, opens the status page with it, sends a message, and checks the browser feature test
// (WebCrypto X25519 and Ed25519) passes; it prints what it saw and exits non-zero on failure.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './harness.mjs';

const FIREFOX = process.env.FIREFOX ?? '/usr/bin/firefox-esr';
const PORT = 9300 + Math.floor(Math.random() * 500);

function bidi(url) {
  const ws = new WebSocket(url);
  let next = 1;
  const pending = new Map();
  ws.onmessage = ({ data }) => {
    const msg = JSON.parse(data);
    const waiter = pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.type === 'error') waiter.reject(new Error(`${msg.error}: ${msg.message}`));
    else waiter.resolve(msg.result);
  };
  const opened = new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  return {
    opened,
    send(method, params = {}) {
      const id = next++;
      ws.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    close: () => ws.close(),
  };
}

const server = await startServer({ powBits: 12 });
const profile = mkdtempSync(join(tmpdir(), 'meldpunt-ff-'));
const ff = spawn(FIREFOX, ['--headless', '--no-remote', '--profile', profile, `--remote-debugging-port=${PORT}`], {
  stdio: ['ignore', 'ignore', 'pipe'],
  env: { ...process.env, HOME: profile },
});
let failed = false;
try {
  let conn;
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 200));
    try {
      conn = bidi(`ws://127.0.0.1:${PORT}/session`);
      await conn.opened;
      break;
    } catch {
      conn = null;
    }
  }
  if (!conn) throw new Error('Firefox did not open its BiDi port');
  const session = await conn.send('session.new', { capabilities: {} });
  console.log(`firefox ${session.capabilities.browserVersion}`);
  const { contexts } = await conn.send('browsingContext.getTree', {});
  const context = contexts[0].context;
  const go = (path) => conn.send('browsingContext.navigate', { context, url: `${server.url}${path}`, wait: 'complete' });
  const run = async (expression) => {
    const r = await conn.send('script.evaluate', { expression, target: { context }, awaitPromise: true });
    if (r.type === 'exception') throw new Error(`${r.exceptionDetails.text}`);
    return r.result.value;
  };
  const waitFor = async (expression, ms = 60000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await run(`Boolean(${expression})`)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${expression}`);
  };

  await go('/melden');
  await waitFor(`document.querySelector('#theme option[value="exclusion"]')`);
  console.log('feature test passed:', await run(`document.getElementById('unsupported').hidden`));
  await run(`(() => {
    const f = document.getElementById('report-form');
    f.theme.value = 'exclusion'; f.unit.value = 'amsterdam';
    f.what.value = 'Een melding vanuit Firefox, voor de rooktest.';
    document.getElementById('wish-advice').checked = true;
    f.requestSubmit();
  })()`);
  await waitFor(`!document.getElementById('done-view').hidden`);
  const code = await run(`document.getElementById('access-code').textContent`);
  console.log('receipt verified, code shown:', /^[0-9A-Z*~$=-]{33}$/.test(code));
  await run(`document.getElementById('saved-code').click()`);
  await run(`document.getElementById('done').click()`);
  await waitFor(`location.pathname === '/'`);
  await go('/status');
  await waitFor(`!document.getElementById('login-view').hidden && document.querySelector('[data-app]:not([hidden])')`);
  await run(`(() => { document.getElementById('code').value = ${JSON.stringify(code)}; document.getElementById('code-form').requestSubmit(); })()`);
  await waitFor(`!document.getElementById('case-view').hidden`, 30000);
  console.log('timeline:', await run(`document.getElementById('timeline').textContent`));
  await run(`(() => { document.getElementById('reply').value = 'Bericht uit Firefox'; document.getElementById('reply-form').requestSubmit(); })()`);
  await waitFor(`document.querySelectorAll('#messages li.message').length === 1`);
  console.log('message shown:', await run(`document.getElementById('messages').textContent`));
  console.log('storage left behind:', await run(`localStorage.length + sessionStorage.length + document.cookie.length`));
  await conn.send('session.end', {}).catch(() => {});
  conn.close();
  console.log('firefox smoke run: OK');
} catch (e) {
  failed = true;
  console.error(`firefox smoke run: FAILED: ${e.message}`);
} finally {
  ff.kill('SIGTERM');
  await new Promise((r) => ff.once('exit', r));
  rmSync(profile, { recursive: true, force: true });
  await server.stop();
}
process.exit(failed ? 1 : 0);
