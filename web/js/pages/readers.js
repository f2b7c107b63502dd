// @ts-check
// What the report form says about who can read a report (DESIGN §11, G9), before the reporter
// writes: a unit without a reader in the verified directory is marked in the unit list, said
// so next to the field when chosen, and cannot be sent; the "national desk only" checkbox is
// enabled only while the directory has a national reader; and a directory that could not be
// verified stops the page with its reason, instead of a form whose story could not be sent.
//
// Contract: wireReaders(trusted) keeps the unit field, the checkbox and the send button in
// step with the directory and returns canSend(draft), true exactly when readersFor gives the
// draft at least one reader. stopForTrust(error) hides the form and shows why. trustReason
// maps a TrustError (or any failure to fetch) to the reporter's words.

import { TrustError } from '../crypto/trust-root.js';
import { t } from '../i18n.js';
import { readersFor } from '../submission.js';
import { byId } from './common.js';

/** @typedef {import('../submission.js').TrustedDirectory} TrustedDirectory */

/** The reporter's words for each TrustError code (the rest: the directory's signature). */
const REASONS = /** @type {Record<string, () => string>} */ ({
  bad_root: () => t('trust.root'),
  log_signature: () => t('trust.log'),
  checkpoint_origin: () => t('trust.log'),
  not_included: () => t('trust.log'),
  not_witnessed: () => t('trust.witness'),
  discontinuous: () => t('trust.discontinuous'),
  not_yet_logged: () => t('trust.not_yet_logged'),
  no_directory: () => t('trust.no_directory'),
});

/** Why the directory was refused, in words (unavailable for a failure that is no refusal). @param {unknown} e */
export function trustReason(e) {
  if (!(e instanceof TrustError)) return t('trust.unavailable');
  return (REASONS[e.code] ?? (() => t('trust.signature')))();
}

/** Hides the form and says plainly that the page stopped, and why. @param {unknown} e */
export function stopForTrust(e) {
  byId('report-form').hidden = true;
  byId('trust-failed-text').textContent = t('form.trust_reason', { reason: trustReason(e) });
  byId('trust-failed').hidden = false;
}

/**
 * Keeps the form in step with `trusted` (see the module contract).
 * @param {TrustedDirectory} trusted
 * @param {{ development?: boolean }} root
 * @returns {(draft: { unit: string, nationalOnly?: boolean }) => boolean}
 */
export function wireReaders(trusted, root) {
  const unit = byId('unit', HTMLSelectElement);
  const box = byId('national_only', HTMLInputElement);
  const note = byId('unit-readers');
  const submit = byId('submit', HTMLButtonElement);
  byId('dev-root').hidden = !root.development;
  /** @param {{ unit: string, nationalOnly?: boolean }} draft */
  const canSend = (draft) => readersFor(trusted, draft).length > 0;
  const nationalReader = canSend({ unit: '', nationalOnly: true });
  box.disabled = !nationalReader;
  byId('national_only-help').textContent = t(nationalReader ? 'form.national_only.help' : 'form.national_only.unavailable');
  for (const option of unit.options) {
    if (option.value && !canSend({ unit: option.value })) option.textContent += ` ${t('form.unit_no_reader_option')}`;
  }
  const update = () => {
    const blocked = unit.value !== '' && !canSend({ unit: unit.value, nationalOnly: box.checked });
    note.hidden = !blocked;
    note.textContent = blocked ? t('form.unit_no_reader') : '';
    // Tied to the field while shown, so a screen reader hears it with the unit.
    unit.setAttribute('aria-describedby', blocked ? 'unit-readers unit-help' : 'unit-help');
    submit.disabled = blocked;
  };
  unit.addEventListener('change', update);
  box.addEventListener('change', update);
  // After a sent report the form is reset without change events.
  byId('report-form').addEventListener('reset', () => setTimeout(update));
  update();
  return canSend;
}
