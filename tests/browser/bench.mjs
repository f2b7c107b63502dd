// Benchmarks of the reporter web app (issue 5, must-show 4), printed as a table; not timed
// assertions. Run after `cargo build`: `node tests/browser/bench.mjs [runs]`.
//
// 1. Bytes to render the report form: a fresh browser context (empty cache) opens /melden and
//    waits until the form's choices are filled from /api/v1/config; for every request
//    (HTML, CSS, JS modules, translations, config, icons; the PoW worker loads only on send)
//    the response body as sent (gzip where the server compresses), the headers, and the
//    decoded body are summed; the total transferred is Chromium's own count (CDP).
// 2. Proof-of-work solve time at the default difficulty (16 bits): the page's own solver
//    (crypto/pow.js in a module Web Worker, as the form runs it) solves fresh challenges from
//    /api/v1/pow; the median, minimum and maximum over `runs` challenges are reported. Each
//    challenge's expected work is 2^16 hashes, but any single one varies (geometric
//    distribution), so the median over many runs is the number to compare with the goal.

import { launchBrowser, newPage, startServer } from './harness.mjs';

const RUNS = Number(process.argv[2] ?? 25);
const server = await startServer({ powBits: 16 });
const browser = await launchBrowser();
const rows = [];
try {
  {
    const { context, page } = await newPage(browser, { viewport: { width: 390, height: 844 } });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    let wire = 0;
    cdp.on('Network.loadingFinished', (e) => {
      wire += e.encodedDataLength;
    });
    const bodies = [];
    page.on('requestfinished', async (req) => {
      const res = await req.response();
      const sizes = await req.sizes();
      const body = await res.body().catch(() => Buffer.alloc(0));
      bodies.push({ url: req.url(), bytes: body.length, encoded: sizes.responseBodySize, headers: sizes.responseHeadersSize });
    });
    await page.goto(`${server.url}/melden`, { waitUntil: 'networkidle' });
    await page.waitForSelector('#theme option[value="exclusion"]', { state: 'attached' });
    await page.waitForTimeout(300);
    const total = bodies.reduce((a, b) => a + b.bytes, 0);
    rows.push(['report form: requests', String(bodies.length), '']);
    const encoded = bodies.reduce((a, b) => a + b.encoded, 0);
    const headers = bodies.reduce((a, b) => a + b.headers, 0);
    rows.push(['report form: response bodies as sent (gzip)', `${(encoded / 1024).toFixed(1)} KiB`, 'goal ≤ 100 KB']);
    rows.push(['report form: response headers', `${(headers / 1024).toFixed(1)} KiB`, '']);
    rows.push(['report form: total transferred (CDP encodedDataLength)', `${(wire / 1024).toFixed(1)} KiB`, '']);
    rows.push(['report form: response bodies decoded', `${(total / 1024).toFixed(1)} KiB`, '']);
    for (const b of bodies.sort((x, y) => y.bytes - x.bytes).slice(0, 5)) {
      rows.push([`  largest: ${new URL(b.url).pathname}`, `${(b.bytes / 1024).toFixed(1)} KiB`, '']);
    }
    await context.close();
  }
  {
    const { context, page } = await newPage(browser);
    await page.goto(`${server.url}/melden`);
    await page.waitForSelector('#theme option[value="exclusion"]', { state: 'attached' });
    const times = await page.evaluate(async (runs) => {
      const { solveInWorker } = await import('/js/crypto/pow.js');
      const out = [];
      for (let i = 0; i < runs; i++) {
        const challenge = await (await fetch('/api/v1/pow')).json();
        const start = performance.now();
        await solveInWorker(challenge);
        out.push({ ms: performance.now() - start, bits: challenge.bits });
      }
      return out;
    }, RUNS);
    const ms = times.map((x) => x.ms).sort((a, b) => a - b);
    const median = ms.length % 2 ? ms[(ms.length - 1) / 2] : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2;
    rows.push([`proof of work, ${times[0].bits} bits: median of ${RUNS}`, `${(median / 1000).toFixed(2)} s`, 'goal ≤ 3 s']);
    rows.push(['proof of work: min / max', `${(ms[0] / 1000).toFixed(2)} s / ${(ms.at(-1) / 1000).toFixed(2)} s`, '']);
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
const w = Math.max(...rows.map((r) => r[0].length));
console.log(`| ${'measurement'.padEnd(w)} | value | goal |`);
console.log(`|${'-'.repeat(w + 2)}|-------|------|`);
for (const [a, b, c] of rows) console.log(`| ${a.padEnd(w)} | ${b} | ${c} |`);
