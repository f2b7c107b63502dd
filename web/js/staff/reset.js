// @ts-check
// The second-factor reset page (web/staff/reset.html, from the link /staff/reset#<token> an
// admin hands over): the user proves their password and sets up the authenticator app again
// from a new QR code made in the page, confirmed with a current code.
//
// Contract: GET /api/v1/staff/reset/<token> → {name, kdf:{salt, iterations}, totp:{secret,
// uri}}; the password is turned into auth_hash in the page (crypto/staff-keys.js, as at
// sign-in: it never leaves the page) and POST /api/v1/staff/reset/<token> {auth_hash,
// totp_code} sends only that. The auth hash is wiped once sent. Nothing is sent before both
// fields are filled in. A link that is unknown, used or expired says so and shows no form.

import { ApiError, Api } from '../api.js';
import { b64uDecode, b64uEncode, wipe } from '../crypto/b64.js';
import { deriveStaffSecrets } from '../crypto/staff-keys.js';
import { t } from '../i18n.js';
import { boot, byId as $, focusOn } from '../pages/common.js';
import { clearTotp, linkToken, showTotp } from './setup.js';
import { busy, errorText, say, showError } from './shared.js';

/** @typedef {{ name: string, kdf: { salt: string, iterations: number }, totp: { secret: string, uri: string } }} ResetInfo */

const api = new Api('');

/** @param {string} text */
function linkError(text) {
  $('reset-link-error-text').textContent = text;
  $('reset-link-error').hidden = false;
}

/** @param {string} token @param {ResetInfo} info */
function wireForm(token, info) {
  const form = $('reset-form', HTMLFormElement);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const pw = $('reset-password', HTMLInputElement);
    const code = $('reset-totp', HTMLInputElement);
    const totp = code.value.replace(/\s+/g, '');
    showError('reset-error', null);
    pw.removeAttribute('aria-invalid');
    code.removeAttribute('aria-invalid');
    /** @type {[HTMLInputElement, string] | null} */
    const wrong = !pw.value ? [pw, t('staff.signin.err_password')] : !/^[0-9]{6}$/.test(totp) ? [code, t('staff.setup.err_code')] : null;
    if (wrong) {
      wrong[0].setAttribute('aria-invalid', 'true');
      showError('reset-error', wrong[1]);
      wrong[0].focus();
      return;
    }
    await busy($('reset-submit'), async () => {
      say('reset-status', t('staff.reset.busy'));
      /** @type {Uint8Array | null} */
      let authHash = null;
      try {
        authHash = (await deriveStaffSecrets(pw.value, b64uDecode(info.kdf.salt, 16), info.kdf.iterations)).authHash;
        await api.postJson(`/api/v1/staff/reset/${encodeURIComponent(token)}`, { auth_hash: b64uEncode(authHash), totp_code: totp });
      } catch (e) {
        say('reset-status');
        code.value = '';
        const message =
          e instanceof ApiError && e.code === 'totp_invalid'
            ? t('staff.setup.err_code_wrong')
            : e instanceof ApiError && (e.code === 'login_failed' || e.code === 'password_invalid')
              ? t('staff.reset.wrong_password')
              : errorText(e);
        showError('reset-error', message);
        (e instanceof ApiError && e.code === 'totp_invalid' ? code : pw).focus();
        return;
      } finally {
        if (authHash) wipe(authHash);
      }
      say('reset-status');
      pw.value = '';
      code.value = '';
      clearTotp('reset-qr', 'reset-secret');
      form.hidden = true;
      $('reset-done').hidden = false;
      focusOn($('reset-done'));
    });
  });
}

async function main() {
  $('reset-form').addEventListener('submit', (event) => event.preventDefault());
  // Another link pasted into this tab changes only the fragment: start again for that link.
  addEventListener('hashchange', () => location.reload());
  if (!(await boot({ needsCrypto: true }))) return;
  document.title = `${t('staff.reset.h1')} – ${t('staff.brand')}`;
  const token = linkToken();
  if (!token) return linkError(t('staff.enrol.link_missing'));
  say('reset-loading', t('staff.enrol.loading'));
  let info;
  try {
    info = /** @type {ResetInfo} */ (await api.getJson(`/api/v1/staff/reset/${encodeURIComponent(token)}`));
  } catch (e) {
    say('reset-loading');
    return linkError(e instanceof ApiError && (e.code === 'invite_invalid' || e.status === 404) ? t('staff.enrol.link_invalid') : errorText(e));
  }
  say('reset-loading');
  $('reset-username', HTMLInputElement).value = info.name;
  showTotp(info.totp, 'reset-qr', 'reset-secret');
  wireForm(token, info);
  $('reset-form').hidden = false;
}

main();
