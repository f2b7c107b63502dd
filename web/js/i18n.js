// @ts-check
// Translations for the reporter web app: the language comes from `?lang=en` in the address
// (Dutch otherwise), never from cookies or storage, so nothing stays behind on the device.
//
// Contract: `loadLanguage()` fetches /i18n/<lang>.json once and sets <html lang>. `t(key, vars)`
// returns the text at a dotted key with `{name}` placeholders filled (the key itself when
// missing, so a gap is visible). `translate(root)` fills every element with `data-i18n`
// (textContent), `data-i18n-attr` ("attr:key;attr:key") and `data-i18n-list` (an array of
// strings as <li> children). `withLang(href)` keeps the language on internal links.

/** A translation file: texts, lists of texts, and sections of them. @typedef {{ [key: string]: string | string[] | Messages }} Messages */
/** A choice of /api/v1/config (theme, unit, relation) with its labels. @typedef {{ id: string, label?: { nl?: string, en?: string } }} Choice */

/** @type {Messages} */
let messages = {};
/** @type {'nl' | 'en'} */
let lang = 'nl';

/** The language asked for in the address: 'en' or 'nl'. @returns {'nl' | 'en'} */
export function requestedLanguage() {
  return new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'nl';
}

/** The current language. */
export function currentLanguage() {
  return lang;
}

/** Loads the translation file of the requested language and marks the document with it. */
export async function loadLanguage() {
  lang = requestedLanguage();
  const res = await fetch(`/i18n/${lang}.json`);
  if (!res.ok) throw new Error(`translations: ${res.status}`);
  messages = await res.json();
  document.documentElement.lang = lang;
  return lang;
}

/** @param {string} key @returns {Messages[string] | undefined} */
function lookup(key) {
  /** @type {Messages[string]} */
  let node = messages;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, part)) return undefined;
    node = node[part];
  }
  return node;
}

/**
 * The text at `key`, with `{name}` replaced from `vars`.
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars = {}) {
  const value = lookup(key);
  if (typeof value !== 'string') return key;
  return value.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** The array of strings at `key` (empty when missing). @param {string} key @returns {string[]} */
export function tList(key) {
  const value = lookup(key);
  return Array.isArray(value) ? value : [];
}

/** Fills the translatable elements under `root`. @param {ParentNode} [root] */
export function translate(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.getAttribute('data-i18n') ?? '');
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of (el.getAttribute('data-i18n-attr') ?? '').split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
  for (const el of root.querySelectorAll('[data-i18n-list]')) {
    el.replaceChildren(
      ...tList(el.getAttribute('data-i18n-list') ?? '').map((text) => {
        const li = document.createElement('li');
        li.textContent = text;
        return li;
      }),
    );
  }
}

/** An internal link that keeps the current language. @param {string} href @param {'nl' | 'en'} [language] */
export function withLang(href, language = lang) {
  const url = new URL(href, location.origin);
  if (language === 'en') url.searchParams.set('lang', 'en');
  else url.searchParams.delete('lang');
  return url.pathname + url.search + url.hash;
}

/** A label object {nl, en} from /api/v1/config in the current language. @param {Choice} choice */
export function label(choice) {
  return choice.label?.[lang] ?? choice.label?.nl ?? choice.id;
}
