// @ts-check
// The status page: the reporter types the access code; typos are caught by its check symbol
// before anything is sent. Then the case is read and checked by ../reporter.js (statement
// signatures and chain, receipt bound to this code and committing to the report, log inclusion
// against the signed checkpoint) and shown: status, deadlines, decrypted messages, a reply box,
// the report, and the timeline of signed statements.
//
// Contract: the typed code stays in this page's memory only (never in a URL, storage or cookie)
// and is forgotten — with the checked thread key, the reply draft and everything shown — by
// "Close" and when the page is left (pagehide). Nothing unverified is shown as verified: if
// any check fails, the case is not shown and the reporter is told. Replies are encrypted with
// the thread key and case id that readCase checked, never with a wrap fetched afresh.

import { ApiError, NetworkError } from '../api.js';
import { checkAccessCode } from '../crypto/access-code.js';
import { solveInWorker } from '../crypto/pow.js';
import { ReporterClient } from '../reporter.js';
import { label, t } from '../i18n.js';
import { boot, byId as $, focusOn, formatDate } from './common.js';
import { renderCase } from './case-view.js';
import { receiptDownload } from './receipt.js';

const client = new ReporterClient('');
/** @type {string | null} */
let code = null;
/** @type {import('../reporter.js').Config | null} */
let config = null;
/** @type {import('../reporter.js').OpenedCase | null} the checked case (readCase), holding the verified thread key */
let opened = null;
let sending = false;

/** @param {string | null} message */
function codeError(message) {
  const el = $('code-error');
  const input = $('code', HTMLInputElement);
  if (message) {
    el.textContent = message;
    el.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', 'code-error code-help');
  } else {
    el.textContent = '';
    el.hidden = true;
    input.removeAttribute('aria-invalid');
    input.setAttribute('aria-describedby', 'code-help');
  }
}

/** Reads, checks and shows the case of `accessCode`. @param {string} accessCode */
async function load(accessCode) {
  const result = await client.readCase(accessCode);
  opened?.wipe();
  opened = result;
  if (!config) config = await client.getConfig().catch(() => null);
  renderCase(result, { config, label, t, formatDate });
  const download = receiptDownload({
    ref: result.ref,
    receipt: result.view.statements[0],
    payload: result.statements[0],
    origin: location.origin,
  });
  $('download-receipt').onclick = download.save;
}

/** @param {boolean} show */
function showCase(show) {
  $('login-view').hidden = show;
  $('case-view').hidden = !show;
}

/** @param {SubmitEvent} event */
async function onOpen(event) {
  event.preventDefault();
  const input = $('code', HTMLInputElement);
  const text = input.value.trim();
  if (!text) return codeError(t('status.err_empty'));
  const problem = checkAccessCode(text);
  if (problem) {
    codeError(t(`status.err_${problem === 'overflow' ? 'typo' : problem}`));
    input.focus();
    return;
  }
  codeError(null);
  const open = $('open-case', HTMLButtonElement);
  open.disabled = true;
  $('login-status').textContent = t('status.opening');
  code = text;
  try {
    await load(text);
    input.value = '';
    $('login-status').textContent = '';
    showCase(true);
    focusOn($('case-h'));
  } catch (e) {
    code = null;
    $('login-status').textContent = '';
    if (e instanceof ApiError && e.status === 401) codeError(t('status.err_unknown'));
    else if (e instanceof ApiError || e instanceof NetworkError) codeError(t('status.err_network'));
    else codeError(t('status.err_verify'));
    input.focus();
  } finally {
    open.disabled = false;
  }
}

/** @param {SubmitEvent} event */
async function onReply(event) {
  event.preventDefault();
  if (sending || !opened || code === null) return;
  const textarea = $('reply', HTMLTextAreaElement);
  const text = textarea.value.trim();
  const error = $('reply-error');
  error.hidden = true;
  textarea.removeAttribute('aria-invalid');
  textarea.setAttribute('aria-describedby', 'reply-help');
  if (!text) {
    error.textContent = t('status.reply_empty');
    error.hidden = false;
    textarea.setAttribute('aria-invalid', 'true');
    textarea.setAttribute('aria-describedby', 'reply-error reply-help');
    textarea.focus();
    return;
  }
  // aria-disabled, not disabled: the button keeps the focus while the message is sent.
  sending = true;
  const button = $('send-reply');
  button.setAttribute('aria-disabled', 'true');
  $('reply-status').textContent = t('status.sending');
  try {
    await client.sendMessage(code, text, opened, { solve: solveInWorker });
    textarea.value = '';
    // Closed while the message was on its way: the case is not shown again.
    const current = /** @type {string | null} */ (code);
    if (current === null) return;
    await load(current);
    $('reply-status').textContent = t('status.sent');
  } catch {
    $('reply-status').textContent = t('status.reply_failed');
  } finally {
    sending = false;
    button.removeAttribute('aria-disabled');
  }
}

/**
 * Forgets the code, the checked thread key, the draft and everything the case view showed.
 * @param {{ focus?: boolean }} [options]
 */
function forget({ focus = true } = {}) {
  code = null;
  opened?.wipe();
  opened = null;
  const reply = $('reply', HTMLTextAreaElement);
  reply.value = '';
  reply.removeAttribute('aria-invalid');
  reply.setAttribute('aria-describedby', 'reply-help');
  $('reply-error').textContent = '';
  $('reply-error').hidden = true;
  $('reply-status').textContent = '';
  $('download-receipt').onclick = null;
  for (const id of ['case-ref', 'case-status', 'case-theme', 'case-unit', 'status-explain', 'log-summary']) {
    $(id).textContent = '';
  }
  for (const id of ['deadlines', 'messages', 'report-fields', 'timeline']) $(id).replaceChildren();
  showCase(false);
  if (focus) focusOn($('login-h'));
}

async function main() {
  // Handlers first, so a form can never be submitted natively (which would put the code in
  // the address); the forms only become visible in boot().
  $('code-form').addEventListener('submit', onOpen);
  $('reply-form').addEventListener('submit', onReply);
  $('close-case').addEventListener('click', () => forget());
  addEventListener('pagehide', () => forget({ focus: false }));
  if (!(await boot({ needsCrypto: true }))) return;
  document.title = t('titles.status');
}

main();
