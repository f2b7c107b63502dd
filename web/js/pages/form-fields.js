// @ts-check
// The report form's fields: filling the choices from /api/v1/config, reading the values, and
// validating them with accessible messages (error summary with links, aria-invalid, each
// field's message tied to it with aria-describedby).
//
// Contract: `fillChoices(config)` builds the theme and unit options and the relation radios.
// `readDraft(form)` returns {theme, unit, relation?, nationalOnly?, report} where `report`
// holds only the non-empty answers plus the interface language (nationalOnly is not part of
// the encrypted report: the server must see it to check the wraps). `validate(form)` returns a list of
// {field, message}; `showErrors(list)` renders them (and clears old ones) and focuses the
// summary when there are any.

import { currentLanguage, label, t } from '../i18n.js';
import { byId } from './common.js';

/** @typedef {import('../reporter.js').Config} Config */
/** @typedef {import('../reporter.js').Draft} Draft */
/** A problem with a field, and what to tell the reporter. @typedef {{ field: string, message: string }} FieldError */

/** Longest accepted answers, in characters. */
export const MAX_LENGTH = { what: 20000, when: 500, where: 1000, who: 4000, witnesses: 4000, before_detail: 4000 };
const MIN_WHAT = 10;
/** @type {(keyof typeof MAX_LENGTH)[]} */
const TEXT_FIELDS = ['what', 'when', 'where', 'who', 'witnesses', 'before_detail'];

/** @param {string} value @param {string} text */
function option(value, text) {
  const el = document.createElement('option');
  el.value = value;
  el.textContent = text;
  return el;
}

/** @param {string} name @param {string} value @param {string} text */
function radio(name, value, text) {
  const wrap = document.createElement('div');
  wrap.className = 'choice';
  const input = document.createElement('input');
  input.type = 'radio';
  input.name = name;
  input.value = value;
  input.id = `${name}-${value || 'none'}`;
  const lab = document.createElement('label');
  lab.htmlFor = input.id;
  lab.textContent = text;
  wrap.append(input, lab);
  return wrap;
}

/** Builds the options of theme, unit and relation from the server's configuration. @param {Config} config */
export function fillChoices(config) {
  byId('theme', HTMLSelectElement).append(...config.themes.map((c) => option(c.id, label(c))));
  byId('unit', HTMLSelectElement).append(...config.units.map((c) => option(c.id, label(c))));
  byId('relation-choices').replaceChildren(
    ...config.relations.map((c) => radio('relation', c.id, label(c))),
    radio('relation', '', t('form.relation.none')),
  );
}

/** The draft the reporter client encrypts. @param {HTMLFormElement} form @returns {Draft} */
export function readDraft(form) {
  const data = new FormData(form);
  /** @param {string} name */
  const value = (name) => String(data.get(name) ?? '').trim();
  /** @type {Draft['report']} */
  const report = { lang: currentLanguage() };
  for (const name of TEXT_FIELDS) {
    if (name === 'before_detail' && value('before') !== 'yes') continue;
    if (value(name)) report[name] = value(name);
  }
  if (value('before')) report.before = value('before');
  report.wish = value('wish');
  /** @type {Draft} */
  const draft = { theme: value('theme'), unit: value('unit'), report };
  if (value('relation')) draft.relation = value('relation');
  if (value('national_only') === 'yes') draft.nationalOnly = true;
  return draft;
}

/** Problems with the form, in the order of the fields. @param {HTMLFormElement} form @returns {FieldError[]} */
export function validate(form) {
  const data = new FormData(form);
  /** @param {string} name */
  const value = (name) => String(data.get(name) ?? '').trim();
  /** @type {FieldError[]} */
  const errors = [];
  if (!value('theme')) errors.push({ field: 'theme', message: t('form.theme.missing') });
  if (!value('unit')) errors.push({ field: 'unit', message: t('form.unit.missing') });
  if (value('what').length < MIN_WHAT) errors.push({ field: 'what', message: t('form.what.missing') });
  for (const name of TEXT_FIELDS) {
    if (value(name).length > MAX_LENGTH[name]) {
      errors.push({ field: name, message: t('form.too_long', { max: MAX_LENGTH[name] }) });
    }
  }
  if (!value('wish')) errors.push({ field: 'wish', message: t('form.wish.missing') });
  return errors;
}

/**
 * The element that receives focus for a field: the control itself, or a group's first radio.
 * @param {string} field
 * @returns {HTMLElement | null}
 */
function focusTarget(field) {
  return document.getElementById(field) ?? document.querySelector(`input[name="${field}"]`);
}

/** @param {string} field @param {boolean} withError */
function describedBy(field, withError) {
  const control = document.getElementById(field) ?? document.getElementById(`field-${field}`);
  if (!control) return;
  const ids = [`${field}-help`];
  if (withError) ids.unshift(`${field}-error`);
  control.setAttribute('aria-describedby', ids.join(' '));
  if (withError) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

/** Shows `errors` next to their fields and in the summary; clears earlier ones. @param {FieldError[]} errors */
export function showErrors(errors) {
  for (const el of document.querySelectorAll('.field-error')) {
    if (!(el instanceof HTMLElement)) continue;
    if (el.id === 'code-error' || el.id === 'reply-error') continue;
    el.hidden = true;
    el.textContent = '';
    const field = el.id.replace(/-error$/, '');
    document.getElementById(`field-${field}`)?.classList.remove('has-error');
    describedBy(field, false);
  }
  const summary = byId('error-summary');
  const list = byId('error-list');
  list.replaceChildren();
  if (errors.length === 0) {
    summary.hidden = true;
    return;
  }
  for (const { field, message } of errors) {
    const el = document.getElementById(`${field}-error`);
    if (el) {
      el.textContent = message;
      el.hidden = false;
    }
    document.getElementById(`field-${field}`)?.classList.add('has-error');
    describedBy(field, true);
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `#field-${field}`;
    a.textContent = message;
    a.addEventListener('click', (event) => {
      event.preventDefault();
      focusTarget(field)?.focus();
    });
    li.append(a);
    list.append(li);
  }
  summary.hidden = false;
  summary.focus();
}
