// @ts-check
// Start-up shared by every page: translations, links that keep the language, the language
// switch, the current page in the navigation, and the check that this browser can do the
// cryptography (WebCrypto X25519 and Ed25519) before any form is shown.
//
// Contract: `boot({ needsCrypto })` resolves to true when the page may run. Page content sits
// in elements with `data-app` and the `hidden` attribute; they are shown only once the texts
// are in place. When the crypto check fails, `#unsupported` is shown instead and the result
// is false. Nothing is stored in the browser. `byId(id, type)` is the pages' element lookup:
// it throws when the HTML has no such element of that type, instead of failing later on null.

import { currentLanguage, loadLanguage, t, translate, withLang } from '../i18n.js';

/** Whether WebCrypto can make an X25519 key and import an Ed25519 public key here. */
export async function cryptoSupported() {
  try {
    if (!globalThis.crypto?.subtle || !globalThis.crypto.getRandomValues) return false;
    await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']);
    await crypto.subtle.importKey('raw', new Uint8Array(32), { name: 'Ed25519' }, false, ['verify']);
    return typeof Worker === 'function';
  } catch {
    return false;
  }
}

/**
 * The element `#id` of the page, an instance of `type` (HTMLElement unless given).
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @param {{ new (): T }} [type]
 * @returns {T}
 */
export function byId(id, type) {
  const el = document.getElementById(id);
  const expected = type ?? HTMLElement;
  if (!(el instanceof expected)) throw new Error(`#${id} is missing or not a ${expected.name}`);
  return /** @type {T} */ (el);
}

function wireNavigation() {
  for (const a of document.querySelectorAll('a[data-nav]')) {
    if (!(a instanceof HTMLAnchorElement)) continue;
    a.setAttribute('href', withLang(a.getAttribute('href') ?? '/'));
    const target = new URL(a.href).pathname;
    if (target === location.pathname || (target === '/' && location.pathname === '/index.html')) {
      if (a.closest('nav')) a.setAttribute('aria-current', 'page');
    }
  }
  const other = currentLanguage() === 'en' ? 'nl' : 'en';
  for (const a of document.querySelectorAll('a[data-lang-switch]')) {
    a.setAttribute('href', withLang(location.pathname, other));
    a.setAttribute('hreflang', other);
    a.setAttribute('lang', other);
    a.textContent = t('nav.switch');
  }
}

/** @param {string} selector */
function show(selector) {
  for (const el of document.querySelectorAll(selector)) if (el instanceof HTMLElement) el.hidden = false;
}

/** Prepares the page; see the module contract. @param {{ needsCrypto?: boolean }} [options] */
export async function boot({ needsCrypto = false } = {}) {
  try {
    await loadLanguage();
  } catch {
    show('#load-failed');
    return false;
  }
  translate();
  wireNavigation();
  show('[data-chrome]');
  if (needsCrypto && !(await cryptoSupported())) {
    show('#unsupported');
    return false;
  }
  show('[data-app]');
  return true;
}

/** Moves focus to an element (making it focusable if needed), e.g. a new heading. @param {HTMLElement | null} el */
export function focusOn(el) {
  if (!el) return;
  if (!el.hasAttribute('tabindex') && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) {
    el.setAttribute('tabindex', '-1');
  }
  el.focus();
}

/** Formats unix seconds as a date (and hour) in the current language, in local time. @param {number} seconds @param {boolean} [withHour] */
export function formatDate(seconds, withHour = false) {
  /** @type {Intl.DateTimeFormatOptions} */
  const opts = { day: 'numeric', month: 'long', year: 'numeric' };
  if (withHour) Object.assign(opts, { hour: '2-digit', minute: '2-digit' });
  return new Intl.DateTimeFormat(currentLanguage() === 'en' ? 'en-GB' : 'nl-NL', opts).format(
    new Date(seconds * 1000),
  );
}
