// What the pages do when something goes wrong after the report left, in real headless
// Chromium against the real binary: the receipt keys are fetched before the POST; a POST whose
// answer is lost shows the code as "possibly sent" (and the stored report opens with it); a
// receipt that does not check out still shows the code, with a warning and no receipt to
// download; a report the server refuses shows the refusal and no code; when the recipients
// changed (wraps_mismatch) the page starts again from a clean list of steps. On the status page: a view that fails a check is "not shown", not a network
// problem; a request without an answer is a network problem; the send button keeps the focus;
// "Close" forgets the draft and everything shown. Progress goes through one polite live region.
// axe-core checks the two warning screens.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fillReport, launchBrowser, newPage, startServer } from './harness.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's default rules on the page as it is (see a11y.test.mjs). */
async function axe(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document));
  assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.help}`), [], `${name}: axe violations`);
}

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

async function sendReport(page, what) {
  await page.goto(`${server.url}/melden`);
  await page.waitForSelector('#theme option[value="exclusion"]', { state: 'attached' });
  await fillReport(page, { what });
  await page.click('#submit');
  await page.waitForSelector('#done-view:not([hidden])', { timeout: 60000 });
  return (await page.textContent('#access-code')).replace(/\s+/g, '');
}

async function openCase(page, code) {
  await page.goto(`${server.url}/status`);
  await page.waitForSelector('#code-form');
  await page.fill('#code', code);
  await page.click('#open-case');
  await page.waitForSelector('#case-view:not([hidden])', { timeout: 30000 });
}

test('a lost answer to the POST: the code is shown as possibly sent, and it opens the report', async () => {
  const { context, page, requests } = await newPage(browser);
  await page.route('**/api/v1/reports', async (route) => {
    await route.fetch(); // the server stores the report…
    await route.abort('connectionreset'); // …but the page never hears back
  });
  const code = await sendReport(page, 'Een melding waarvan het antwoord verloren gaat.');
  assert.match(await page.textContent('#done-h'), /mogelijk verstuurd/);
  assert.match(await page.textContent('#done-warning'), /niet zeker/);
  assert.equal(await page.isVisible('#receipt-card'), false);
  assert.equal(await page.isVisible('#ref-line'), false);
  assert.match(code, /^[0-9A-Z*~$=]{4}(-[0-9A-Z*~$=]{4}){5}-[0-9A-Z*~$=]{3}$/);
  await axe(page, 'possibly sent');
  const paths = requests.map((r) => new URL(r.url).pathname);
  assert.ok(paths.indexOf('/.well-known/jwks.json') < paths.indexOf('/api/v1/reports'), 'the JWKS is fetched before the POST');
  await page.unroute('**/api/v1/reports');
  await openCase(page, code);
  assert.match(await page.textContent('#report-fields'), /antwoord verloren gaat/);
  await context.close();
});

test('a receipt that does not check out: the code is still shown, with a warning', async () => {
  const { context, page } = await newPage(browser);
  await page.route('**/api/v1/reports', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    body.ref = 'MP-0000-0000'; // not the ref the receipt signs
    await route.fulfill({ response, json: body });
  });
  const code = await sendReport(page, 'Een melding met een ontvangstbewijs dat niet klopt.');
  assert.match(await page.textContent('#done-h'), /niet bevestigd/);
  assert.match(await page.textContent('#done-warning'), /ontvangstbewijs niet controleren/);
  assert.equal(await page.isVisible('#receipt-card'), false);
  assert.equal(await page.getAttribute('#progress-steps li[data-step="verify"]', 'class'), 'failed');
  await axe(page, 'receipt not confirmed');
  await page.unroute('**/api/v1/reports');
  await openCase(page, code);
  assert.match(await page.textContent('#report-fields'), /ontvangstbewijs dat niet klopt/);
  await context.close();
});

test('a report the server refuses: the refusal is shown, the submit step failed, no code', async () => {
  const { context, page, requests } = await newPage(browser);
  await page.route('**/api/v1/reports', (route) =>
    route.fulfill({ status: 400, json: { error: { code: 'invalid_request', message: 'refused for the test' } } }),
  );
  await page.goto(`${server.url}/melden`);
  await page.waitForSelector('#theme option[value="exclusion"]', { state: 'attached' });
  await fillReport(page, { what: 'Een melding die het meldpunt weigert.' });
  await page.click('#submit');
  await page.waitForSelector('#send-error:not([hidden])', { timeout: 60000 });
  assert.match(await page.textContent('#send-error-text'), /foutmelding \(invalid_request\)/);
  assert.equal(await page.getAttribute('#progress-steps li[data-step="submit"]', 'class'), 'failed');
  assert.equal(await page.getAttribute('#progress-steps li[data-step="verify"]', 'class'), '');
  assert.equal(await page.isVisible('#done-view'), false);
  assert.equal(await page.textContent('#access-code'), '');
  assert.equal(requests.filter((r) => r.method === 'POST').length, 1);
  // The text is still in the form.
  await page.click('#back-to-form');
  assert.equal(await page.inputValue('#what'), 'Een melding die het meldpunt weigert.');
  await context.close();
});

test('wraps_mismatch: the page takes the directory again and starts over with a clean list of steps', async () => {
  const { context, page, requests } = await newPage(browser);
  let refused = 0;
  await page.route('**/api/v1/reports', async (route) => {
    if (refused++ === 0) {
      await route.fulfill({ status: 409, json: { error: { code: 'wraps_mismatch', message: 'the recipients changed' } } });
      return;
    }
    await route.continue();
  });
  const code = await sendReport(page, 'Een melding terwijl de ontvangers veranderen.');
  assert.match(await page.textContent('#done-h'), /Uw melding is ontvangen/);
  for (const step of ['code', 'encrypt', 'pow', 'submit', 'verify']) {
    assert.equal(await page.getAttribute(`#progress-steps li[data-step="${step}"]`, 'class'), 'done', step);
  }
  assert.equal(await page.locator('#progress-steps li[aria-current]').count(), 0);
  const paths = requests.map((r) => new URL(r.url).pathname);
  assert.equal(paths.filter((p) => p === '/api/v1/reports').length, 2);
  // The directory once for the form, and once more after the refusal (checked as a successor).
  assert.equal(paths.filter((p) => p === '/api/v1/directory').length, 2);
  assert.equal(paths.filter((p) => p === '/trust-root.json').length, 1, 'the trust root is fetched once per page');
  await page.unroute('**/api/v1/reports');
  await openCase(page, code);
  assert.match(await page.textContent('#report-fields'), /ontvangers veranderen/);
  await context.close();
});

test('sending announces steps in one polite live region, not every progress update', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${server.url}/melden`);
  await page.waitForSelector('#theme option[value="exclusion"]', { state: 'attached' });
  assert.equal(await page.getAttribute('#pow-text', 'aria-live'), null);
  assert.equal(await page.locator('#sending-view [aria-live]').count(), 1);
  assert.equal(await page.getAttribute('#send-announce', 'aria-live'), 'polite');
  await fillReport(page, { what: 'Een melding voor de aankondigingen.' });
  await page.click('#submit');
  await page.waitForSelector('#done-view:not([hidden])', { timeout: 60000 });
  assert.match(await page.textContent('#send-announce'), /Ontvangstbewijs controleren: \(klaar\)/);
  await context.close();
});

test('status: a failed check is not called a network problem; a lost request is', async () => {
  const { context, page } = await newPage(browser);
  const code = await sendReport(page, 'Een melding voor de foutmeldingen van de statuspagina.');
  await page.goto(`${server.url}/status`);
  await page.waitForSelector('#code-form');
  // A view the browser cannot check (here: a malformed case id, which throws a TypeError).
  await page.route('**/api/v1/reporter/case', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    body.case_id = '!!';
    await route.fulfill({ response, json: body });
  });
  await page.fill('#code', code);
  await page.click('#open-case');
  await page.waitForFunction(() => /niet veilig worden gecontroleerd/.test(document.getElementById('code-error').textContent));
  assert.equal(await page.isVisible('#case-view'), false);
  await page.unroute('**/api/v1/reporter/case');
  await page.route('**/api/v1/reporter/case', (route) => route.abort('connectionreset'));
  await page.click('#open-case');
  await page.waitForFunction(() => /Controleer uw verbinding/.test(document.getElementById('code-error').textContent));
  await context.close();
});

test('status: the send button keeps the focus, and Close forgets the draft and the case', async () => {
  const { context, page } = await newPage(browser);
  const code = await sendReport(page, 'Een melding voor de focus en het vergeten.');
  await openCase(page, code);
  await page.fill('#reply', 'Een bericht.');
  await page.focus('#send-reply');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('reply-status').textContent.includes('is verstuurd'));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'send-reply');
  assert.equal(await page.getAttribute('#send-reply', 'aria-disabled'), null);
  await page.fill('#reply', 'Een concept dat niet verstuurd wordt.');
  await page.click('#close-case');
  await page.waitForSelector('#login-view:not([hidden])');
  const left = await page.evaluate(() =>
    ['reply-status', 'case-ref', 'case-status', 'deadlines', 'messages', 'timeline', 'report-fields'].map(
      (id) => document.getElementById(id).textContent,
    ),
  );
  assert.deepEqual(left, ['', '', '', '', '', '', '']);
  assert.equal(await page.inputValue('#reply'), '');
  await context.close();
});
