// @ts-check
// Helpers shared by the staff pages (web/staff/*.html): building elements from text, showing
// an error next to the action it belongs to, the labels of roles, statuses, outcomes and the
// configured choices (themes, units, relations), dates, copy buttons and busy buttons.
//
// Contract: nothing here ever parses HTML: every text (typed by a user, from the server or
// decrypted) goes in with textContent. `errorText(e)` turns an ApiError (by its code, with the
// server's message when the code has no text of its own), a NetworkError or any other error
// into one plain sentence in the current language. `showError(id, e)` writes it into the
// element `#id` (a `.field-error` with role="alert") and shows it; `showError(id, null)` hides
// it. Dates shown to staff are days (the server keeps hours at most). `busy(button, work)`
// marks the button aria-disabled while `work` runs and refuses a second click meanwhile.

import { ApiError, NetworkError } from '../api.js';
import { currentLanguage, label, t } from '../i18n.js';
import { byId as $ } from '../pages/common.js';

/** @typedef {import('../i18n.js').Choice} Choice */
/** GET /api/v1/config, as far as the staff pages read it. @typedef {{ themes: Choice[], units: Choice[], relations: Choice[] }} Config */
/** @typedef {import('../staff-client.js').StaffClient} StaffClient */
/** The route in the hash: #/<name>/<arg>?<params>. @typedef {{ name: string, arg: string, params: URLSearchParams }} Route */
/**
 * What a view gets from the app: the API, the configuration (null when it could not be read),
 * navigation, and `fail(id, e)`, which shows `e` in `#id` unless it ended the session.
 * @typedef {{ api: import('../api.js').Api, config: Config | null, navigate: (hash: string) => void, fail: (id: string, e: unknown) => void }} BaseCtx
 */
/** A signed-in view's context. @typedef {BaseCtx & { client: StaffClient, user: import('../staff-client.js').UserView }} Ctx */

export const ROLES = /** @type {const} */ (['intake', 'investigator', 'custodian', 'auditor', 'admin']);
export const STATUSES = /** @type {const} */ (['received', 'acknowledged', 'investigating', 'referred', 'handled_in_line', 'closed']);
export const OUTCOMES = /** @type {const} */ (['handled_in_line', 'internal_investigation', 'national_triage', 'referred', 'no_further_action']);

/**
 * A new element with a class and text (textContent, never HTML).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The text at `key` if the translations have one, else null. @param {string} key @param {Record<string, string | number>} [vars] */
export function tMaybe(key, vars) {
  const text = t(key, vars);
  return text === key ? null : text;
}

/** One plain sentence for an error (see the module contract). @param {unknown} e */
export function errorText(e) {
  if (e instanceof ApiError) {
    const own = e.code ? tMaybe(`staff.errors.${e.code}`) : null;
    if (own) return own;
    return t('staff.errors.server', { status: e.status, message: e.message || e.code || String(e.status) });
  }
  if (e instanceof NetworkError) return t('staff.errors.network');
  // The client's own refusals (StaffKeyError, TrustError, ReceiptError) carry a code too.
  const code = e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : '';
  const own = code ? tMaybe(`staff.errors.${code}`) : null;
  if (own) return own;
  return t('staff.errors.client', { message: e instanceof Error ? e.message : String(e) });
}

/** Whether `e` says the staff session is gone (signed out, expired, ended elsewhere). @param {unknown} e */
export function sessionGone(e) {
  return e instanceof ApiError && e.status === 401 && e.code !== 'login_failed';
}

/** Shows `e` as a sentence in `#id`, or hides `#id` when `e` is null. @param {string} id @param {unknown} e */
export function showError(id, e) {
  const box = $(id);
  if (e === null || e === undefined) {
    box.textContent = '';
    box.hidden = true;
    return;
  }
  box.textContent = typeof e === 'string' ? e : errorText(e);
  box.hidden = false;
}

/** Sets the text of a live region (empty clears it). @param {string} id @param {string} [text] */
export function say(id, text = '') {
  $(id).textContent = text;
}

/**
 * Marks `input` invalid with the message in `#errorId` (or valid again when `message` is null),
 * keeping its help text in aria-describedby.
 * @param {HTMLElement} input
 * @param {string} errorId
 * @param {string | null} message
 * @param {string} [helpId]
 */
export function fieldError(input, errorId, message, helpId) {
  showError(errorId, message);
  const described = [message ? errorId : '', helpId ?? ''].filter(Boolean).join(' ');
  if (described) input.setAttribute('aria-describedby', described);
  else input.removeAttribute('aria-describedby');
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

/**
 * Runs `work` with `button` marked busy (aria-disabled, so it keeps the focus); a click while
 * busy does nothing. Resolves to what `work` resolved to, or undefined when refused.
 * @template T
 * @param {HTMLElement} button
 * @param {() => Promise<T>} work
 * @returns {Promise<T | undefined>}
 */
export async function busy(button, work) {
  if (button.getAttribute('aria-disabled') === 'true') return undefined;
  button.setAttribute('aria-disabled', 'true');
  try {
    return await work();
  } finally {
    button.removeAttribute('aria-disabled');
  }
}

/** @param {string} role */
export const roleLabel = (role) => tMaybe(`staff.roles.${role}`) ?? role;
/** @param {string[]} roles */
export const rolesLabel = (roles) => roles.map(roleLabel).join(', ');
/** @param {string} status */
export const statusLabel = (status) => tMaybe(`status.statuses.${status}`) ?? status;
/** @param {string} outcome */
export const outcomeLabel = (outcome) => tMaybe(`staff.outcomes.${outcome}`) ?? outcome;

/** The label of choice `id` in `list` (the id itself when unknown). @param {Choice[] | undefined} list @param {string | null | undefined} id */
export function choiceLabel(list, id) {
  if (!id) return '';
  const found = list?.find((c) => c.id === id);
  return found ? label(found) : id;
}

/** A day in the current language (unix seconds). @param {number} seconds */
export function formatDay(seconds) {
  return new Intl.DateTimeFormat(currentLanguage() === 'en' ? 'en-GB' : 'nl-NL', { day: 'numeric', month: 'long', year: 'numeric' }).format(
    new Date(seconds * 1000),
  );
}

/** A short day (for tables). @param {number} seconds */
export function formatShortDay(seconds) {
  return new Intl.DateTimeFormat(currentLanguage() === 'en' ? 'en-GB' : 'nl-NL', { day: 'numeric', month: 'short', year: 'numeric' }).format(
    new Date(seconds * 1000),
  );
}

/**
 * Fills a <select> with options after its first (the "choose"/"all" option), keeping that one.
 * @param {HTMLSelectElement} select
 * @param {{ value: string, text: string }[]} options
 */
export function fillSelect(select, options) {
  const first = select.options[0];
  select.replaceChildren(...(first && first.value === '' ? [first] : []));
  for (const { value, text } of options) {
    const option = el('option', '', text);
    option.value = value;
    select.append(option);
  }
}

/**
 * Wires a copy button for the readonly input `#inputId`: the clipboard when allowed, else the
 * text is selected so the user can copy it; the outcome goes to the live region `#statusId`.
 * @param {string} buttonId
 * @param {string} inputId
 * @param {string} statusId
 */
export function wireCopy(buttonId, inputId, statusId) {
  $(buttonId).addEventListener('click', async () => {
    const input = $(inputId, HTMLInputElement);
    try {
      await navigator.clipboard.writeText(input.value);
      say(statusId, t('staff.common.copied'));
    } catch {
      input.focus();
      input.select();
      say(statusId, t('staff.common.copy_failed'));
    }
  });
}

/** Offers `blob` as a download named `name`. @param {Blob} blob @param {string} name */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** The otpauth secret in groups of four, for typing it over. @param {string} secret */
export function groupSecret(secret) {
  return (secret.match(/.{1,4}/g) ?? []).join(' ');
}
