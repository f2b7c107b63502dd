// @ts-check
// The sign-in and unlock views of the staff app (#signin-view, #unlock-view).
//
// Contract: `wireSignIn(api, onSignedIn)` handles #signin-form once: it checks that name,
// password and a six-digit code are filled in before anything is sent, signs in with a new
// StaffClient (the password never leaves the page: the client derives the auth hash and the
// key-wrap key from it) and hands the signed-in client to `onSignedIn`. `wireUnlock(getClient,
// onUnlocked)` handles #unlock-form: after a reload the tab still has its session but not the
// private key, which `client.unlock(password)` derives again. Password fields are emptied
// after every attempt, right or wrong. Errors are shown next to the form (#signin-error,
// #unlock-error); a wrong name, password or code is one message, as the server gives one.

import { ApiError } from '../api.js';
import { StaffClient } from '../staff-client.js';
import { t } from '../i18n.js';
import { byId as $, focusOn } from '../pages/common.js';
import { busy, errorText, say, showError } from './shared.js';

/** @typedef {import('../api.js').Api} Api */

/** Shows the sign-in view, with `notice` (e.g. "your session ended") above the form. @param {string} [notice] */
export function showSignIn(notice) {
  const box = $('signin-ended');
  box.textContent = notice ?? '';
  box.hidden = !notice;
  $('signin-view').hidden = false;
  showError('signin-error', null);
  say('signin-status');
}

/**
 * @param {Api} api
 * @param {(client: StaffClient) => void | Promise<void>} onSignedIn
 */
export function wireSignIn(api, onSignedIn) {
  const form = $('signin-form', HTMLFormElement);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = $('signin-name', HTMLInputElement);
    const password = $('signin-password', HTMLInputElement);
    const code = $('signin-totp', HTMLInputElement);
    const totp = code.value.replace(/\s+/g, '');
    showError('signin-error', null);
    for (const input of [name, password, code]) input.removeAttribute('aria-invalid');
    /** @type {[HTMLInputElement, string] | null} */
    const missing = !name.value.trim()
      ? [name, 'staff.signin.err_name']
      : !password.value
        ? [password, 'staff.signin.err_password']
        : !/^[0-9]{6}$/.test(totp)
          ? [code, 'staff.signin.err_totp']
          : null;
    if (missing) {
      missing[0].setAttribute('aria-invalid', 'true');
      showError('signin-error', t(missing[1]));
      missing[0].focus();
      return;
    }
    await busy($('signin-submit'), async () => {
      say('signin-status', t('staff.signin.busy'));
      const client = new StaffClient(api);
      try {
        await client.signIn(name.value.trim(), password.value, totp);
      } catch (e) {
        say('signin-status');
        showError('signin-error', e instanceof ApiError && e.code === 'login_failed' ? t('staff.signin.failed') : errorText(e));
        password.value = '';
        code.value = '';
        password.focus();
        return;
      }
      password.value = '';
      code.value = '';
      say('signin-status');
      $('signin-view').hidden = true;
      await onSignedIn(client);
    });
  });
}

/** Shows the unlock view for `name`. */
export function showUnlock() {
  $('unlock-view').hidden = false;
  showError('unlock-error', null);
  say('unlock-status');
  focusOn($('unlock-h'));
}

/**
 * @param {() => StaffClient | null} getClient
 * @param {() => void | Promise<void>} onUnlocked
 * @param {(e: unknown) => boolean} handledElsewhere true when the error ended the session (the caller shows sign-in)
 */
export function wireUnlock(getClient, onUnlocked, handledElsewhere) {
  $('unlock-form', HTMLFormElement).addEventListener('submit', async (event) => {
    event.preventDefault();
    const password = $('unlock-password', HTMLInputElement);
    showError('unlock-error', null);
    password.removeAttribute('aria-invalid');
    if (!password.value) {
      password.setAttribute('aria-invalid', 'true');
      showError('unlock-error', t('staff.signin.err_password'));
      password.focus();
      return;
    }
    const client = getClient();
    if (!client) return;
    await busy($('unlock-submit'), async () => {
      say('unlock-status', t('staff.unlock.busy'));
      try {
        await client.unlock(password.value);
      } catch (e) {
        password.value = '';
        say('unlock-status');
        if (handledElsewhere(e)) return;
        // A wrong password shows as a key that does not open (not an answer from the server).
        showError('unlock-error', e instanceof ApiError ? errorText(e) : t('staff.unlock.wrong'));
        password.setAttribute('aria-invalid', 'true');
        password.focus();
        return;
      }
      password.value = '';
      say('unlock-status');
      $('unlock-view').hidden = true;
      await onUnlocked();
    });
  });
}
