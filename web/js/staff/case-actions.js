// @ts-check
// The actions on an open case (the forms in #case-actions, #reply-form and #note-form):
// triage (outcome and reason), assign (to a colleague from client.assignable, whose key the
// client checks against the signed directory before wrapping), set the status (only the
// next statuses the server allows; closing needs an outcome), reply to the reporter (with a
// preview of what the reporter will see: "Meldpunt", never a name), add an internal note, and
// export the case for offline reading.
//
// Contract: `renderActions(ctx, opened, reload)` shows the forms the user's roles and the
// case's state allow and fills their choices; `wireActions()` attaches the handlers once.
// Each action checks its input before anything is sent, shows an API error next to its own
// form, and on success reloads the case (the new state is then what the server signed).
// Texts typed here are sent only through the client, which encrypts them; `resetActions()`
// empties every form and draft.

import { t } from '../i18n.js';
import { byId as $ } from '../pages/common.js';
import { OUTCOMES, busy, choiceLabel, download, fillSelect, formatDay, outcomeLabel, say, showError, statusLabel } from './shared.js';

/** @typedef {import('./shared.js').Ctx} Ctx */
/** @typedef {import('./inbox.js').CaseRow} CaseRow */
/** @typedef {import('../staff-case.js').OpenedCase} Opened */
/** @typedef {import('../staff-case.js').TimelineEntry} TimelineEntry */
/** @typedef {import('../staff-case.js').CheckedStatement} CheckedStatement */
/** @typedef {import('../staff-client.js').Assignee} Assignee */

/** The transitions of PROTOCOL §13.7, used only when the server does not send next_statuses. */
const NEXT = /** @type {Record<string, string[]>} */ ({
  received: ['acknowledged'],
  acknowledged: ['investigating', 'referred', 'handled_in_line'],
  investigating: ['closed'],
  referred: ['closed'],
  handled_in_line: ['closed'],
  closed: [],
});
const MAX_TEXT = 20000;

/** @type {{ ctx: Ctx, opened: Opened, reload: () => Promise<boolean>, assignable: Assignee[] } | null} */
let state = null;

/** The case's row (the detail is the row and more, as on the wire). @param {import('../staff-case.js').CaseDetail} detail @returns {CaseRow} */
const rowOf = (detail) => detail;

/** @param {Opened} opened */
function nextStatuses(opened) {
  const given = opened.detail.next_statuses;
  return Array.isArray(given) ? given : (NEXT[rowOf(opened.detail).status] ?? []);
}

/** @param {Ctx} ctx @param {Opened} opened @param {() => Promise<boolean>} reload */
export function renderActions(ctx, opened, reload) {
  const previous = state;
  state = { ctx, opened, reload, assignable: previous?.opened === opened ? previous.assignable : [] };
  const roles = ctx.user.roles;
  const row = rowOf(opened.detail);
  const intake = roles.includes('intake');
  const closed = row.status === 'closed';
  $('triage-form').hidden = !intake || Boolean(row.triage);
  fillSelect($('triage-outcome', HTMLSelectElement), OUTCOMES.map((o) => ({ value: o, text: outcomeLabel(o) })));
  fillSelect($('status-outcome', HTMLSelectElement), OUTCOMES.map((o) => ({ value: o, text: outcomeLabel(o) })));
  const next = nextStatuses(opened);
  $('status-form').hidden = next.length === 0;
  $('status-none').hidden = next.length > 0;
  fillSelect($('status-next', HTMLSelectElement), next.map((s) => ({ value: s, text: statusLabel(s) })));
  $('status-outcome-field').hidden = true;
  $('reply-form').hidden = closed;
  // Notes are under the internal key, which triage makes and wraps to the holders then.
  $('note-form').hidden = !opened.internal;
  $('note-unavailable').hidden = opened.internal;
  $('note-unavailable').textContent = t(row.triage ? 'staff.case.note_no_key' : 'staff.case.note_unavailable');
  $('assign-form').hidden = !intake || closed;
  if (intake && !closed) loadAssignable(ctx, row.ref);
}

/** @param {Ctx} ctx @param {string} ref */
async function loadAssignable(ctx, ref) {
  const select = $('assign-user', HTMLSelectElement);
  showError('assign-error', null);
  $('assign-fields').hidden = false;
  $('assign-submit-row').hidden = false;
  $('assign-none').hidden = true;
  try {
    const list = await ctx.client.assignable(ref);
    if (!state || rowOf(state.opened.detail).ref !== ref) return;
    const assigned = rowOf(state.opened.detail).assigned;
    state.assignable = list.filter((a) => !assigned.includes(a.name));
    fillSelect(
      select,
      state.assignable.map((a) => ({
        value: a.user_id,
        text: a.unit ? t('staff.case.assignee', { name: a.name, unit: choiceLabel(ctx.config?.units, a.unit) }) : a.name,
      })),
    );
    // Nobody (left) to assign to: a plain note instead of a form that cannot be used.
    const nobody = state.assignable.length === 0;
    $('assign-fields').hidden = nobody;
    $('assign-submit-row').hidden = nobody;
    $('assign-none').hidden = !nobody;
  } catch (e) {
    fillSelect(select, []);
    ctx.fail('assign-error', e);
  }
}

/**
 * The common shape of an action: clear the form's error, run `work` with the button busy,
 * show an error in `errorId` or, on success, `doneKey` in `statusId` and reload the case.
 * @param {string} buttonId
 * @param {string} errorId
 * @param {string} statusId
 * @param {string} doneKey
 * @param {(s: NonNullable<typeof state>, ref: string) => Promise<void>} work
 */
async function act(buttonId, errorId, statusId, doneKey, work) {
  const s = state;
  if (!s) return;
  const ref = rowOf(s.opened.detail).ref;
  showError(errorId, null);
  await busy($(buttonId), async () => {
    say(statusId, t('staff.case.working'));
    try {
      await work(s, ref);
    } catch (e) {
      say(statusId);
      s.ctx.fail(errorId, e);
      return;
    }
    // Said once the case shows what the server now holds, so what is read matches what is said.
    try {
      await s.reload();
    } catch (e) {
      s.ctx.fail('case-error', e);
    }
    say(statusId, t(doneKey));
    // The form may be gone now (triage is done once): say it where it stays visible.
    if ($(statusId).closest('[hidden]')) say('case-status-line', t(doneKey));
  });
}

/** A required text field's value, or null with the error shown. @param {string} id @param {string} errorId @param {string} emptyKey */
function requiredText(id, errorId, emptyKey) {
  const input = $(id, HTMLTextAreaElement);
  const text = input.value.trim();
  const problem = !text ? t(emptyKey) : text.length > MAX_TEXT ? t('staff.case.too_long', { max: MAX_TEXT }) : null;
  if (problem) {
    showError(errorId, problem);
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return null;
  }
  input.removeAttribute('aria-invalid');
  return text;
}

/** @param {string} id @param {string} errorId @param {string} key */
function requiredChoice(id, errorId, key) {
  const select = $(id, HTMLSelectElement);
  if (select.value) {
    select.removeAttribute('aria-invalid');
    return select.value;
  }
  showError(errorId, t(key));
  select.setAttribute('aria-invalid', 'true');
  select.focus();
  return null;
}

function updatePreview() {
  const text = $('reply-text', HTMLTextAreaElement).value.trim();
  $('reply-preview-box').hidden = !text;
  $('reply-preview-text').textContent = text;
  $('reply-preview-date').textContent = formatDay(Date.now() / 1000);
}

export function wireActions() {
  $('triage-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const outcome = requiredChoice('triage-outcome', 'triage-error', 'staff.case.err_outcome');
    if (!outcome) return;
    const reason = requiredText('triage-reason', 'triage-error', 'staff.case.err_reason');
    if (reason === null) return;
    act('triage-submit', 'triage-error', 'triage-status', 'staff.case.triage_saved', async (s, ref) => {
      await s.ctx.client.triage(ref, /** @type {any} */ (outcome), reason);
      $('triage-reason', HTMLTextAreaElement).value = '';
    });
  });
  $('assign-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = requiredChoice('assign-user', 'assign-error', 'staff.case.err_assignee');
    const assignee = state?.assignable.find((a) => a.user_id === id);
    if (!id || !assignee) return;
    act('assign-submit', 'assign-error', 'assign-status', 'staff.case.assigned_saved', async (s, ref) => {
      await s.ctx.client.assign(ref, assignee);
    });
  });
  $('status-next').addEventListener('change', () => {
    $('status-outcome-field').hidden = $('status-next', HTMLSelectElement).value !== 'closed';
  });
  $('status-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const status = requiredChoice('status-next', 'status-error', 'staff.case.err_status');
    if (!status) return;
    const outcome = status === 'closed' ? requiredChoice('status-outcome', 'status-error', 'staff.case.err_outcome') : undefined;
    if (outcome === null) return;
    act('status-submit', 'status-error', 'status-status', 'staff.case.status_saved', async (s, ref) => {
      await s.ctx.client.setStatus(ref, /** @type {any} */ (status), /** @type {any} */ (outcome));
    });
  });
  $('reply-text').addEventListener('input', updatePreview);
  $('reply-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = requiredText('reply-text', 'reply-error', 'staff.case.err_reply');
    if (text === null) return;
    act('reply-send', 'reply-error', 'reply-status', 'staff.case.reply_sent', async (s, ref) => {
      await s.ctx.client.reply(ref, text);
      $('reply-text', HTMLTextAreaElement).value = '';
      updatePreview();
    });
  });
  $('note-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = requiredText('note-text', 'note-error', 'staff.case.err_note');
    if (text === null) return;
    act('note-add', 'note-error', 'note-status', 'staff.case.note_saved', async (s, ref) => {
      await s.ctx.client.note(ref, text);
      $('note-text', HTMLTextAreaElement).value = '';
    });
  });
  $('case-export').addEventListener('click', async () => {
    const s = state;
    if (!s) return;
    showError('export-error', null);
    await busy($('case-export'), async () => {
      say('export-status', t('staff.case.working'));
      try {
        const blob = s.ctx.client.exportCase(s.opened);
        download(blob, `meldpunt-${rowOf(s.opened.detail).ref}.json`);
        say('export-status', t('staff.case.exported'));
      } catch (e) {
        say('export-status');
        s.ctx.fail('export-error', e);
      }
    });
  });
}

export function resetActions() {
  state = null;
  for (const id of ['triage-reason', 'reply-text', 'note-text']) {
    const area = $(id, HTMLTextAreaElement);
    area.value = '';
    area.removeAttribute('aria-invalid');
  }
  updatePreview();
  for (const id of ['triage-error', 'assign-error', 'status-error', 'reply-error', 'note-error', 'export-error']) showError(id, null);
  for (const id of ['triage-status', 'assign-status', 'status-status', 'reply-status', 'note-status', 'export-status']) say(id);
  fillSelect($('assign-user', HTMLSelectElement), []);
}
