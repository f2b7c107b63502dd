// @ts-check
// The enrolment page (web/staff/enrol.html, from the link /staff/enrol#<token>): shows whom
// the account is for, lets the invitee choose a password (strength meter, at least
// MIN_PASSWORD characters, typed twice), set up the authenticator app from a QR code made in
// the page, and confirm with a current code; then StaffClient.enrol makes the key pair in the
// page, wraps the private key under the password and sends only that and the public key.
//
// Contract: the token stays in the fragment (browsers never send it) and goes only to
// /api/v1/staff/enrol/<token>. Nothing is sent before the form validates. The passwords are
// emptied once the account is made; on failure they stay so the user can try again (the code
// field is emptied: a code works once). A link that is unknown, used or expired says so and
// shows no form.

import { ApiError, Api } from '../api.js';
import { StaffClient } from '../staff-client.js';
import { t } from '../i18n.js';
import { boot, byId as $, focusOn } from '../pages/common.js';
import { acceptable, clearTotp, linkToken, MIN_PASSWORD, showTotp, wireStrength } from './setup.js';
import { busy, choiceLabel, errorText, rolesLabel, say, showError } from './shared.js';

const api = new Api('');
const client = new StaffClient(api);

/** @param {string} text */
function linkError(text) {
  $('enrol-link-error-text').textContent = text;
  $('enrol-link-error').hidden = false;
}

/**
 * The first problem with the form, as [field, message], or null.
 * @returns {[HTMLInputElement, string] | null}
 */
function problem() {
  const pw = $('enrol-password', HTMLInputElement);
  const pw2 = $('enrol-password2', HTMLInputElement);
  const code = $('enrol-totp', HTMLInputElement);
  if ([...pw.value].length < MIN_PASSWORD) return [pw, t('staff.setup.err_short', { min: MIN_PASSWORD })];
  if (!acceptable(pw.value)) return [pw, t('staff.setup.err_weak')];
  if (pw2.value !== pw.value) return [pw2, t('staff.setup.err_mismatch')];
  if (!/^[0-9]{6}$/.test(code.value.replace(/\s+/g, ''))) return [code, t('staff.setup.err_code')];
  return null;
}

/** @param {string} token @param {import('../staff-client.js').EnrolInfo} info */
function wireForm(token, info) {
  const form = $('enrol-form', HTMLFormElement);
  $('enrol-show-password').addEventListener('change', () => {
    const type = $('enrol-show-password', HTMLInputElement).checked ? 'text' : 'password';
    for (const id of ['enrol-password', 'enrol-password2']) $(id, HTMLInputElement).type = type;
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError('enrol-error', null);
    for (const id of ['enrol-password', 'enrol-password2', 'enrol-totp']) $(id).removeAttribute('aria-invalid');
    const wrong = problem();
    if (wrong) {
      wrong[0].setAttribute('aria-invalid', 'true');
      showError('enrol-error', wrong[1]);
      wrong[0].focus();
      return;
    }
    const pw = $('enrol-password', HTMLInputElement);
    const code = $('enrol-totp', HTMLInputElement);
    await busy($('enrol-submit'), async () => {
      say('enrol-status', t('staff.enrol.busy'));
      try {
        await client.enrol(token, info, pw.value, code.value.replace(/\s+/g, ''));
      } catch (e) {
        say('enrol-status');
        code.value = '';
        const message =
          e instanceof ApiError && e.code === 'totp_invalid' ? t('staff.setup.err_code_wrong') : errorText(e);
        showError('enrol-error', message);
        (e instanceof ApiError && e.code === 'totp_invalid' ? code : pw).focus();
        return;
      }
      say('enrol-status');
      for (const id of ['enrol-password', 'enrol-password2', 'enrol-totp']) $(id, HTMLInputElement).value = '';
      clearTotp('enrol-qr', 'enrol-secret');
      form.hidden = true;
      $('enrol-done-text').textContent = t('staff.enrol.done_text', { name: info.name });
      $('enrol-done').hidden = false;
      focusOn($('enrol-done'));
    });
  });
}

async function main() {
  // The submit handler is attached before the form can be seen; until then it is hidden.
  $('enrol-form').addEventListener('submit', (event) => event.preventDefault());
  // Another link pasted into this tab changes only the fragment: start again for that link.
  addEventListener('hashchange', () => location.reload());
  if (!(await boot({ needsCrypto: true }))) return;
  document.title = `${t('staff.enrol.h1')} – ${t('staff.brand')}`;
  wireStrength('enrol-password', 'enrol-strength', 'enrol-strength-text');
  const token = linkToken();
  if (!token) return linkError(t('staff.enrol.link_missing'));
  say('enrol-loading', t('staff.enrol.loading'));
  let info;
  try {
    info = await client.enrolInfo(token);
  } catch (e) {
    say('enrol-loading');
    return linkError(e instanceof ApiError && e.code === 'invite_invalid' ? t('staff.enrol.link_invalid') : errorText(e));
  }
  say('enrol-loading');
  $('enrol-name').textContent = info.name;
  $('enrol-roles').textContent = rolesLabel(info.roles);
  const config = /** @type {import('./shared.js').Config | null} */ (await api.getJson('/api/v1/config').catch(() => null));
  $('enrol-unit').textContent = info.unit ? choiceLabel(config?.units, info.unit) : t('staff.admin.no_unit_short');
  $('enrol-username', HTMLInputElement).value = info.name;
  showTotp(info.totp, 'enrol-qr', 'enrol-secret');
  wireForm(token, info);
  $('enrol-form').hidden = false;
}

main();
