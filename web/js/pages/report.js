// The report page: shows the form, then sends the report in five visible steps (make the access
// code; derive keys, encrypt and pad; proof of work in a Web Worker with a progress bar; submit;
// verify the receipt's signature, cmt and sub), then shows the access code with a copy button,
// the receipt download, and holds the reporter on the page until they confirm they saved the
// code. Everything needed to check the receipt (the JWKS) is fetched before the report is
// posted; once the POST has gone out the code is never dropped: if the answer is lost
// ("may have been sent") or the receipt does not check out, the code is still shown, with a
// warning, so the reporter can look on the status page. Progress is announced through one
// polite live region: step changes, and the proof of work only at 25% steps.
//
// Contract: uses only the protocol client of ../reporter.js and the crypto modules' exports;
// the access code lives in this page's memory only (never in a URL, storage or cookie) and is
// dropped when the reporter leaves. Nothing is sent before the form validates.

import { ApiError } from '../api.js';
import { displayAccessCode, generateAccessCode } from '../crypto/access-code.js';
import { wipe } from '../crypto/b64.js';
import { solveInWorker } from '../crypto/pow.js';
import { importJwks } from '../crypto/jws.js';
import { ReporterClient, checkReceipt, prepareSubmission } from '../reporter.js';
import { t, withLang } from '../i18n.js';
import { boot, focusOn } from './common.js';
import { fillChoices, readDraft, showErrors, validate } from './form-fields.js';
import { receiptDownload, renderCode } from './receipt.js';

const client = new ReporterClient('');
let config = null;
let leaveGuard = null;

const $ = (id) => document.getElementById(id);

function announce(text) {
  $('send-announce').textContent = text;
}

function setStep(name, state) {
  const li = document.querySelector(`#progress-steps li[data-step="${name}"]`);
  if (!li) return;
  li.className = state;
  li.querySelector('.step-state').textContent = t(`send.state_${state}`);
  if (state === 'busy') li.setAttribute('aria-current', 'step');
  else li.removeAttribute('aria-current');
  announce(t('send.announce', { step: t(`send.step_${name}`), state: t(`send.state_${state}`) }));
}


function showView(id) {
  for (const view of ['form-view', 'sending-view', 'done-view']) $(view).hidden = view !== id;
}

let announcedQuarter = 0;

function powProgress(hashes, bits) {
  // The chance that a solution has been found by now; the bar moves smoothly towards 100%.
  const percent = Math.min(99, Math.floor(100 * (1 - Math.exp(-hashes / 2 ** bits))));
  $('pow-progress').value = percent;
  $('pow-text').textContent = t('send.pow_text', { percent });
  // Screen readers hear the percentage only at 25, 50 and 75%, not at every update.
  const quarter = Math.floor(percent / 25);
  if (quarter > announcedQuarter) {
    announcedQuarter = quarter;
    announce(t('send.pow_text', { percent: quarter * 25 }));
  }
}

async function solve(challenge) {
  $('pow-progress').value = 0;
  announcedQuarter = 0;
  powProgress(0, challenge.bits);
  const pow = await solveInWorker(challenge, { onProgress: (hashes) => powProgress(hashes, challenge.bits) });
  $('pow-progress').value = 100;
  $('pow-text').textContent = t('send.pow_done');
  return pow;
}

// One attempt at the whole flow. Before the POST: throws (ApiError, network errors) and drops
// the code, as nothing was sent. From the POST on the code is kept: a refusal by the server
// (4xx) still throws, as nothing was stored; a lost answer or a server failure (5xx) returns
// {code, warning: 'maybe_sent'}; a receipt that does not check out returns
// {code, warning: 'receipt_unchecked'}.
async function send(draft) {
  setStep('code', 'busy');
  const code = generateAccessCode();
  setStep('code', 'done');
  let prepared;
  let jwks;
  try {
    setStep('encrypt', 'busy');
    // The challenge is fetched first only so that the request can carry it; the solving
    // happens after encryption, as the request is complete then.
    prepared = await prepareSubmission(config, draft, code, { challenge: '', nonce: 0 });
    wipe(prepared.threadKey);
    // The keys that check the receipt, fetched now: after the POST, nothing may fail
    // for want of them.
    jwks = await client.getJwks();
    await importJwks(jwks);
    setStep('encrypt', 'done');
    setStep('pow', 'busy');
    prepared.request.pow = await solve(await client.getPow());
    setStep('pow', 'done');
  } catch (e) {
    wipe(code);
    throw e;
  }
  setStep('submit', 'busy');
  let response;
  try {
    response = await client.api.postJson('/api/v1/reports', prepared.request);
  } catch (e) {
    if (e instanceof ApiError && e.status < 500) {
      // Refused by the server: nothing was stored.
      wipe(code);
      throw e;
    }
    setStep('submit', 'failed');
    return { code, warning: 'maybe_sent' };
  }
  setStep('submit', 'done');
  setStep('verify', 'busy');
  try {
    const payload = await checkReceipt(response.receipt, jwks, prepared, { ref: response.ref, origin: location.origin });
    setStep('verify', 'done');
    return { code, ref: response.ref, receipt: response.receipt, payload };
  } catch {
    setStep('verify', 'failed');
    return { code, warning: 'receipt_unchecked' };
  }
}

function failureText(e) {
  if (e instanceof ApiError) return t('send.failed_server', { code: e.code || e.status });
  // Keys that cannot check a receipt: refused before anything was sent.
  if (e?.name === 'JwsError') return t('send.failed_server', { code: e.code || 'jwks' });
  return t('send.failed_network');
}

async function onSubmit(event) {
  event.preventDefault();
  if (!config) return;
  const form = event.target;
  const errors = validate(form);
  showErrors(errors);
  if (errors.length > 0) return;
  const draft = readDraft(form);
  for (const step of ['code', 'encrypt', 'pow', 'submit', 'verify']) {
    const li = document.querySelector(`#progress-steps li[data-step="${step}"]`);
    li.className = '';
    li.querySelector('.step-state').textContent = '';
  }
  $('send-error').hidden = true;
  showView('sending-view');
  focusOn($('sending-h'));
  let result;
  try {
    try {
      result = await send(draft);
    } catch (e) {
      // The recipients changed since the form was loaded: fetch them again and retry once.
      if (!(e instanceof ApiError && e.code === 'wraps_mismatch')) throw e;
      config = await client.getConfig();
      result = await send(draft);
    }
  } catch (e) {
    const busy = document.querySelector('#progress-steps li.busy');
    if (busy) setStep(busy.dataset.step, 'failed');
    $('send-error-text').textContent = failureText(e);
    $('send-error').hidden = false;
    return;
  }
  if (result.warning !== 'maybe_sent') {
    form.reset();
    $('field-before_detail').hidden = true;
  }
  showDone(result);
}

function showDone({ code, ref, receipt, payload, warning }) {
  // Only a checked receipt is offered, and its ref shown; a warning takes the place of the
  // confirmation otherwise, and the code is shown in every case.
  const confirmed = !warning;
  $('done-title').textContent = t(confirmed ? 'done.h1' : `done.h1_${warning === 'maybe_sent' ? 'unsure' : 'unchecked'}`);
  $('done-icon').hidden = !confirmed;
  $('done-lead').hidden = !confirmed;
  $('done-warning').hidden = confirmed;
  $('done-warning-text').textContent = confirmed ? '' : t(`done.${warning}`);
  $('ref-line').hidden = !confirmed;
  $('receipt-card').hidden = !confirmed;
  $('case-ref').textContent = confirmed ? ref : '';
  renderCode($('access-code'), displayAccessCode(code));
  const text = displayAccessCode(code);
  wipe(code);
  $('copy-code').onclick = async () => {
    try {
      await navigator.clipboard.writeText(text);
      $('copy-status').textContent = t('done.copied');
    } catch {
      const range = document.createRange();
      range.selectNodeContents($('access-code'));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      $('copy-status').textContent = t('done.copy_failed');
    }
  };
  if (confirmed) {
    const download = receiptDownload({ ref, receipt, payload, origin: location.origin });
    $('download-receipt').onclick = download.save;
    $('verify-command').textContent = download.command;
  }
  leaveGuard = (event) => {
    event.preventDefault();
    event.returnValue = t('done.leave_warning');
    return event.returnValue;
  };
  addEventListener('beforeunload', leaveGuard);
  $('saved-code').checked = false;
  $('done').disabled = true;
  showView('done-view');
  focusOn($('done-h'));
}

function wireDone() {
  $('saved-code').addEventListener('change', (event) => {
    $('done').disabled = !event.target.checked;
  });
  $('done').addEventListener('click', () => {
    if (!$('saved-code').checked) return;
    removeEventListener('beforeunload', leaveGuard);
    $('access-code').replaceChildren();
    location.assign(withLang('/'));
  });
  $('back-to-form').addEventListener('click', () => {
    showView('form-view');
    focusOn($('form-h'));
  });
  const before = document.getElementById('before-choices');
  before.addEventListener('change', () => {
    const yes = document.getElementById('before-yes').checked;
    $('field-before_detail').hidden = !yes;
  });
}

async function main() {
  // The handler first, so the form can never be submitted natively; it becomes visible in boot().
  $('report-form').addEventListener('submit', onSubmit);
  const submit = $('submit');
  submit.disabled = true;
  if (!(await boot({ needsCrypto: true }))) return;
  document.title = t('titles.report');
  try {
    config = await client.getConfig();
  } catch {
    $('send-error-text').textContent = t('form.config_failed');
    showView('sending-view');
    $('send-error').hidden = false;
    return;
  }
  fillChoices(config);
  wireDone();
  submit.disabled = false;
}

main();
