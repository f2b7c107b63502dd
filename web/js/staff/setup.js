// @ts-check
// What the enrolment and second-factor reset pages share: the link's token, the password
// strength meter, and the TOTP set-up (the QR code made in the page, and the secret as text
// to type over).
//
// Contract: `linkToken()` reads the token from the address's fragment (never sent to any
// server by the browser) and keeps the fragment on the language switch. `passwordStrength(pw)`
// rates a password 0–4 in the page (0: shorter than MIN_PASSWORD) from its length, the kinds of
// characters and common patterns; it is advice, not a guarantee, and the rule the pages
// enforce is only: at least MIN_PASSWORD characters and not rated weak. `wireStrength` keeps
// the meter's text (a polite live region) and bar in step with the field. `showTotp` draws the
// otpauth URI as an SVG QR code (qr.js; parsed as SVG, never as HTML) and the secret in
// groups of four.

import { qrSvg } from '../crypto/qr.js';
import { currentLanguage, t, withLang } from '../i18n.js';
import { byId as $ } from '../pages/common.js';
import { groupSecret } from './shared.js';

/** The shortest password the pages accept (as the CLI: PROTOCOL §13.9). */
export const MIN_PASSWORD = 12;
const COMMON = ['password', 'wachtwoord', 'welkom', 'welcome', 'qwerty', 'azerty', 'politie', 'police', 'meldpunt', 'admin', 'letmein', '123456', 'abcdef'];

/** The token after '#', or null; the language switch keeps it. */
export function linkToken() {
  const token = location.hash.replace(/^#/, '').trim();
  const other = currentLanguage() === 'en' ? 'nl' : 'en';
  for (const a of document.querySelectorAll('a[data-lang-switch]')) a.setAttribute('href', withLang(location.pathname + location.hash, other));
  return /^[A-Za-z0-9_-]{16,200}$/.test(token) ? token : null;
}

/** Whether `text` has a run of `n` characters going up or down by one (abcd, 4321). @param {string} text @param {number} n */
function hasSequence(text, n) {
  let up = 1;
  let down = 1;
  for (let i = 1; i < text.length; i++) {
    const d = text.charCodeAt(i) - text.charCodeAt(i - 1);
    up = d === 1 ? up + 1 : 1;
    down = d === -1 ? down + 1 : 1;
    if (up >= n || down >= n) return true;
  }
  return false;
}

/** The rating 0–4 of `password` (see the module contract). @param {string} password @returns {0 | 1 | 2 | 3 | 4} */
export function passwordStrength(password) {
  const chars = [...password];
  if (chars.length < MIN_PASSWORD) return 0;
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[^A-Za-z0-9]/.test(password)) pool += 33;
  let bits = chars.length * Math.log2(Math.max(pool, 10));
  const distinct = new Set(chars.map((c) => c.toLowerCase())).size;
  if (distinct < chars.length / 2) bits *= 0.5;
  if (distinct <= 3) bits = Math.min(bits, 20);
  const lower = password.toLowerCase();
  if (COMMON.some((w) => lower.includes(w))) bits -= 25;
  if (hasSequence(lower, 4)) bits -= 15;
  if (/(.)\1\1/.test(lower)) bits -= 10;
  if (bits < 50) return 1;
  if (bits < 65) return 2;
  if (bits < 85) return 3;
  return 4;
}

/** Whether the pages accept `password`. @param {string} password */
export const acceptable = (password) => passwordStrength(password) >= 2;

/** Keeps `#<meterId>` (bar) and `#<textId>` (text) in step with `#<inputId>`. @param {string} inputId @param {string} meterId @param {string} textId */
export function wireStrength(inputId, meterId, textId) {
  const input = $(inputId, HTMLInputElement);
  let last = -1;
  const update = () => {
    const level = input.value ? passwordStrength(input.value) : -1;
    $(meterId).className = `strength-bar level-${Math.max(level, 0)}`;
    if (level === last) return;
    last = level;
    $(textId).textContent = level < 0 ? t('staff.setup.strength_empty', { min: MIN_PASSWORD }) : t(`staff.setup.strength_${level}`, { min: MIN_PASSWORD });
  };
  input.addEventListener('input', update);
  update();
}

/** Draws the TOTP set-up into `#<qrId>` and `#<secretId>`. @param {{ secret: string, uri: string }} totp @param {string} qrId @param {string} secretId */
export function showTotp(totp, qrId, secretId) {
  const svgText = qrSvg(totp.uri, { scale: 5, margin: 4, label: t('staff.setup.qr_label') });
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const svg = doc.documentElement;
  if (svg.nodeName.toLowerCase() !== 'svg' || doc.querySelector('parsererror')) throw new Error('QR code');
  $(qrId).replaceChildren(document.importNode(svg, true));
  $(secretId).textContent = groupSecret(totp.secret);
}

/** Empties what showTotp drew. @param {string} qrId @param {string} secretId */
export function clearTotp(qrId, secretId) {
  $(qrId).replaceChildren();
  $(secretId).textContent = '';
}
