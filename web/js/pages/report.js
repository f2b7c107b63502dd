// @ts-check
// The report page: shows the form, then renders ReporterClient.submit's five visible steps
// (make the access code; derive keys, encrypt and pad; proof of work in a Web Worker with a
// progress bar; submit; verify the receipt's signature, cmt and sub), then shows the access
// code with a copy button, the receipt download, and holds the reporter on the page until they
// confirm they saved the code. Once the report has gone out the code is never dropped: if the
// answer is lost ("may have been sent") or the receipt does not check out, submit throws
// UnconfirmedSubmissionError with the code, which is still shown, with a warning, so the
// reporter can look on the status page. Progress is announced through one polite live region:
// step changes, and the proof of work only at 25% steps.
//
// Contract: renders only; the flow (configuration, code, encryption, proof of work, POST,
// receipt check, the retry when the directory changed) is ReporterClient.submit's, with
// solveInWorker as its solver. The trust root and the recipient directory are fetched and
// verified once, before the form is usable: a directory that does not verify stops the page
// (readers.js), and a unit nobody can read cannot be sent. The access code lives in this
// page's memory only (never in a URL, storage or cookie) and is dropped when the reporter
// leaves. Nothing is sent before the form validates.

import { ApiError } from '../api.js';
import { wipe } from '../crypto/b64.js';
import { solveInWorker } from '../crypto/pow.js';
import { JwsError } from '../crypto/jws.js';
import { TrustError } from '../crypto/trust-root.js';
import { ReporterClient, SUBMIT_STEPS, UnconfirmedSubmissionError } from '../reporter.js';
import { t, withLang } from '../i18n.js';
import { boot, byId as $, focusOn } from './common.js';
import { fillChoices, readDraft, showErrors, validate } from './form-fields.js';
import { stopForTrust, trustReason, wireReaders } from './readers.js';
import { receiptDownload, renderCode } from './receipt.js';

/** @typedef {import('../reporter.js').SubmitStep} SubmitStep */
/** @typedef {import('../reporter.js').StepDetail} StepDetail */
/** @typedef {import('../crypto/b64.js').Bytes} Bytes */
/** @typedef {import('../crypto/statement-shape.js').Payload} Payload */
/**
 * What the done view shows: a confirmed submission, or a code whose report went out unconfirmed.
 * @typedef {{ code: Bytes, display: string } & ({ warning?: undefined, ref: string, receipt: string, payload: Payload } | { warning: 'maybe_sent' | 'receipt_unchecked' })} Outcome
 */

const client = new ReporterClient('');
/** @type {import('../reporter.js').Config | null} */
let config = null;
/** @type {((event: BeforeUnloadEvent) => string) | null} */
let leaveGuard = null;
/** Whether a draft has a reader in the verified directory (set once it is). @type {(draft: { unit: string, nationalOnly?: boolean }) => boolean} */
let canSend = () => false;

/** @param {string} text */
function announce(text) {
  $('send-announce').textContent = text;
}

/** The list item of a step, and the element that says its state. @param {SubmitStep} name */
function stepItem(name) {
  const li = $('progress-steps').querySelector(`li[data-step="${name}"]`);
  const state = li?.querySelector('.step-state');
  if (!(li instanceof HTMLElement) || !(state instanceof HTMLElement)) throw new Error(`no step ${name} in the page`);
  return { li, state };
}

/** @param {SubmitStep} name @param {'busy' | 'done' | 'failed'} state */
function setStep(name, state) {
  const { li, state: stateText } = stepItem(name);
  li.className = state;
  stateText.textContent = t(`send.state_${state}`);
  if (state === 'busy') li.setAttribute('aria-current', 'step');
  else li.removeAttribute('aria-current');
  announce(t('send.announce', { step: t(`send.step_${name}`), state: t(`send.state_${state}`) }));
}

/** @param {'form-view' | 'sending-view' | 'done-view'} id */
function showView(id) {
  for (const view of ['form-view', 'sending-view', 'done-view']) $(view).hidden = view !== id;
}

let announcedQuarter = 0;

/** @param {number} hashes @param {number} bits */
function powProgress(hashes, bits) {
  // The chance that a solution has been found by now; the bar moves smoothly towards 100%.
  const percent = Math.min(99, Math.floor(100 * (1 - Math.exp(-hashes / 2 ** bits))));
  $('pow-progress', HTMLProgressElement).value = percent;
  $('pow-text').textContent = t('send.pow_text', { percent });
  // Screen readers hear the percentage only at 25, 50 and 75%, not at every update.
  const quarter = Math.floor(percent / 25);
  if (quarter > announcedQuarter) {
    announcedQuarter = quarter;
    announce(t('send.pow_text', { percent: quarter * 25 }));
  }
}

function clearSteps() {
  for (const step of SUBMIT_STEPS) {
    const { li, state } = stepItem(step);
    li.className = '';
    li.removeAttribute('aria-current');
    state.textContent = '';
  }
}

/** Renders one report of ReporterClient.submit (see SUBMIT_STEPS). @param {SubmitStep} step @param {StepDetail} detail */
function onStep(step, detail) {
  if (detail.state === 'progress') {
    powProgress(detail.hashes, detail.bits);
    return;
  }
  const { state } = detail;
  // A new attempt (the recipients changed) starts from a clean list.
  if (step === SUBMIT_STEPS[0] && state === 'busy') clearSteps();
  setStep(step, state);
  if (step === 'pow' && state === 'busy') {
    $('pow-progress', HTMLProgressElement).value = 0;
    announcedQuarter = 0;
  } else if (step === 'pow' && state === 'done') {
    $('pow-progress', HTMLProgressElement).value = 100;
    $('pow-text').textContent = t('send.pow_done');
  }
}

// The whole flow, as submit runs it: {code, display, ref, receipt, payload} with a checked
// receipt, or {code, display, warning: 'maybe_sent' | 'receipt_unchecked'} once the report
// went out unconfirmed. Anything thrown was refused before anything was stored, and submit
// dropped the code.
/** @param {import('../reporter.js').Draft} draft @returns {Promise<Outcome>} */
async function send(draft) {
  try {
    const { code, display, ref, receipt, payload } = await client.submit(draft, { onStep, solve: solveInWorker });
    return { code, display, ref, receipt, payload };
  } catch (e) {
    if (e instanceof UnconfirmedSubmissionError) return { code: e.accessCode, display: e.display, warning: e.reason };
    throw e;
  }
}

/** @param {unknown} e */
function failureText(e) {
  if (e instanceof TrustError && e.code === 'no_reader') return t('send.failed_no_reader');
  // A directory that changed and whose successor does not check out: nothing was sent.
  if (e instanceof TrustError) return t('send.failed_trust', { reason: trustReason(e) });
  if (e instanceof ApiError && e.code === 'no_reader') return t('send.failed_no_reader');
  if (e instanceof ApiError) return t('send.failed_server', { code: e.code || e.status });
  // Keys that cannot check a receipt: refused before anything was sent.
  if (e instanceof JwsError) return t('send.failed_server', { code: e.code || 'jwks' });
  return t('send.failed_network');
}

/** @param {SubmitEvent} event */
async function onSubmit(event) {
  event.preventDefault();
  if (!config) return;
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const errors = validate(form);
  const draft = readDraft(form);
  if (draft.unit && !canSend(draft)) errors.unshift({ field: 'unit', message: t('form.unit_no_reader') });
  showErrors(errors);
  if (errors.length > 0) return;
  clearSteps();
  $('send-error').hidden = true;
  showView('sending-view');
  focusOn($('sending-h'));
  let result;
  try {
    result = await send(draft);
  } catch (e) {
    // submit has marked the step that failed.
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

/** @param {Outcome} outcome */
function showDone(outcome) {
  const { code, display, warning } = outcome;
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
  $('case-ref').textContent = outcome.warning === undefined ? outcome.ref : '';
  wipe(code);
  renderCode($('access-code'), display);
  $('copy-code').onclick = async () => {
    try {
      await navigator.clipboard.writeText(display);
      $('copy-status').textContent = t('done.copied');
    } catch {
      const range = document.createRange();
      range.selectNodeContents($('access-code'));
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      $('copy-status').textContent = t('done.copy_failed');
    }
  };
  if (outcome.warning === undefined) {
    const { ref, receipt, payload } = outcome;
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
  $('saved-code', HTMLInputElement).checked = false;
  $('done', HTMLButtonElement).disabled = true;
  showView('done-view');
  focusOn($('done-h'));
}

function wireDone() {
  const saved = $('saved-code', HTMLInputElement);
  saved.addEventListener('change', () => {
    $('done', HTMLButtonElement).disabled = !saved.checked;
  });
  $('done').addEventListener('click', () => {
    if (!saved.checked) return;
    if (leaveGuard) removeEventListener('beforeunload', leaveGuard);
    $('access-code').replaceChildren();
    location.assign(withLang('/'));
  });
  $('back-to-form').addEventListener('click', () => {
    showView('form-view');
    focusOn($('form-h'));
  });
  $('before-choices').addEventListener('change', () => {
    const yes = $('before-yes', HTMLInputElement).checked;
    $('field-before_detail').hidden = !yes;
  });
}

async function main() {
  // The handler first, so the form can never be submitted natively; it becomes visible in boot().
  $('report-form').addEventListener('submit', onSubmit);
  const submit = $('submit', HTMLButtonElement);
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
  // Who could read a report is settled before the reporter writes a word (DESIGN §11, G9).
  try {
    const [root, trusted] = await Promise.all([client.trustRoot(), client.directory()]);
    canSend = wireReaders(trusted, root);
  } catch (e) {
    stopForTrust(e);
    return;
  }
}

main();
