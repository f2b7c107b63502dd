// The report page: shows the form, then sends the report in five visible steps (make the access
// code; derive keys, encrypt and pad; proof of work in a Web Worker with a progress bar; submit;
// verify the receipt's signature, cmt and sub), then shows the access code with a copy button,
// the receipt download, and holds the reporter on the page until they confirm they saved the
// code.
//
// Contract: uses only the protocol client of ../reporter.js and the crypto modules' exports;
// the access code lives in this page's memory only (never in a URL, storage or cookie) and is
// dropped when the reporter leaves. Nothing is sent before the form validates.

import { ApiError } from '../api.js';
import { displayAccessCode, generateAccessCode } from '../crypto/access-code.js';
import { wipe } from '../crypto/b64.js';
import { solveInWorker } from '../crypto/pow.js';
import { ReporterClient, checkReceipt, prepareSubmission } from '../reporter.js';
import { t, withLang } from '../i18n.js';
import { boot, focusOn } from './common.js';
import { fillChoices, readDraft, showErrors, validate } from './form-fields.js';
import { receiptDownload, renderCode } from './receipt.js';

const client = new ReporterClient('');
let config = null;
let leaveGuard = null;

const $ = (id) => document.getElementById(id);

function setStep(name, state) {
  const li = document.querySelector(`#progress-steps li[data-step="${name}"]`);
  if (!li) return;
  li.className = state;
  li.querySelector('.step-state').textContent = t(`send.state_${state}`);
  if (state === 'busy') li.setAttribute('aria-current', 'step');
  else li.removeAttribute('aria-current');
}

function showView(id) {
  for (const view of ['form-view', 'sending-view', 'done-view']) $(view).hidden = view !== id;
}

function powProgress(hashes, bits) {
  // The chance that a solution has been found by now; the bar moves smoothly towards 100%.
  const percent = Math.min(99, Math.floor(100 * (1 - Math.exp(-hashes / 2 ** bits))));
  $('pow-progress').value = percent;
  $('pow-text').textContent = t('send.pow_text', { percent });
}

async function solve(challenge) {
  $('pow-progress').value = 0;
  powProgress(0, challenge.bits);
  const pow = await solveInWorker(challenge, { onProgress: (hashes) => powProgress(hashes, challenge.bits) });
  $('pow-progress').value = 100;
  $('pow-text').textContent = t('send.pow_done');
  return pow;
}

// One attempt at the whole flow; throws ApiError, ReceiptError, JwsError or network errors.
async function send(draft) {
  setStep('code', 'busy');
  const code = generateAccessCode();
  setStep('code', 'done');
  try {
    setStep('encrypt', 'busy');
    // The challenge is fetched first only so that the request can carry it; the solving
    // happens after encryption, as the request is complete then.
    const prepared = await prepareSubmission(config, draft, code, { challenge: '', nonce: 0 });
    wipe(prepared.threadKey);
    setStep('encrypt', 'done');
    setStep('pow', 'busy');
    prepared.request.pow = await solve(await client.getPow());
    setStep('pow', 'done');
    setStep('submit', 'busy');
    const response = await client.api.postJson('/api/v1/reports', prepared.request);
    setStep('submit', 'done');
    setStep('verify', 'busy');
    const payload = await checkReceipt(response.receipt, await client.getJwks(), prepared);
    setStep('verify', 'done');
    return { code, ref: response.ref, receipt: response.receipt, payload };
  } catch (e) {
    wipe(code);
    throw e;
  }
}

function failureText(e) {
  if (e instanceof ApiError) return t('send.failed_server', { code: e.code || e.status });
  if (e?.name === 'ReceiptError' || e?.name === 'JwsError') return t('send.failed_receipt');
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
  form.reset();
  $('field-before_detail').hidden = true;
  showDone(result);
}

function showDone({ code, ref, receipt, payload }) {
  $('case-ref').textContent = ref;
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
  const download = receiptDownload({ ref, receipt, payload, origin: location.origin });
  $('download-receipt').onclick = download.save;
  $('verify-command').textContent = download.command;
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
