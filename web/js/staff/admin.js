// @ts-check
// Administration (#admin-view, route #/admin, admins only): the users with their roles, unit
// and state; inviting a user (the enrolment link is shown once, to hand over, with a copy
// button); disabling and enabling; resetting a user's second factor (a new link); the units
// that have no reader (no report about them could be read, so the report form refuses them);
// and whether a directory change waits for the officers' signatures.
//
// Contract: nothing here reads or shows case content: only the admin routes, /api/v1/config
// and the public directory proposal. Every action runs online (no restart) and shows its
// error next to itself: the invite's under the form, a user's action in that user's row.
// Links are shown in readonly inputs, never as HTML.

import { ApiError } from '../api.js';
import { t } from '../i18n.js';
import { byId as $, focusOn } from '../pages/common.js';
import { ROLES, busy, choiceLabel, el, errorText, fillSelect, formatDay, roleLabel, rolesLabel, say, showError, wireCopy } from './shared.js';

/** @typedef {import('./shared.js').Ctx} Ctx */
/** @typedef {import('../staff-client.js').UserListEntry} UserEntry */
/** @typedef {import('../staff-client.js').UnitReaders} UnitReaders */

/** A list the client gives bare or inside `{[key]: list}`. @param {unknown} answer @param {string} key @returns {unknown[]} */
function listOf(answer, key) {
  if (Array.isArray(answer)) return answer;
  const inner = answer && typeof answer === 'object' ? /** @type {Record<string, unknown>} */ (answer)[key] : null;
  return Array.isArray(inner) ? inner : [];
}

const UNIT_ROLES = ['intake', 'investigator'];
/** @type {Ctx | null} */
let ctx = null;
let wired = false;

function wire() {
  if (wired) return;
  wired = true;
  const choices = $('invite-role-choices');
  choices.replaceChildren(
    ...ROLES.map((role) => {
      const div = el('div', 'choice');
      const input = el('input');
      input.type = 'checkbox';
      input.id = `invite-role-${role}`;
      input.name = 'roles';
      input.value = role;
      const labelEl = el('label', '', roleLabel(role));
      labelEl.htmlFor = input.id;
      div.append(input, labelEl);
      return div;
    }),
  );
  $('invite-form').addEventListener('submit', onInvite);
  wireCopy('invite-copy', 'invite-link', 'invite-copy-status');
  wireCopy('reset-copy', 'reset-link', 'reset-copy-status');
}

/** @param {SubmitEvent} event */
async function onInvite(event) {
  event.preventDefault();
  const c = ctx;
  if (!c) return;
  const nameInput = $('invite-name', HTMLInputElement);
  const name = nameInput.value.trim();
  const roles = ROLES.filter((r) => $(`invite-role-${r}`, HTMLInputElement).checked);
  const unit = $('invite-unit', HTMLSelectElement).value;
  showError('invite-error', null);
  nameInput.removeAttribute('aria-invalid');
  const problem = !name
    ? t('staff.admin.err_name')
    : roles.length === 0
      ? t('staff.admin.err_roles')
      : roles.some((r) => UNIT_ROLES.includes(r)) && !unit
        ? t('staff.admin.err_unit')
        : !roles.some((r) => UNIT_ROLES.includes(r)) && unit
          ? t('staff.admin.err_no_unit')
          : null;
  if (problem) {
    showError('invite-error', problem);
    if (!name) {
      nameInput.setAttribute('aria-invalid', 'true');
      nameInput.focus();
    }
    return;
  }
  await busy($('invite-submit'), async () => {
    say('invite-status', t('staff.admin.inviting'));
    try {
      const result = await c.client.invite({ name, roles, unit: unit || null });
      say('invite-status');
      $('invite-result-text').textContent = t('staff.admin.link_text', { name: result.name, date: formatDay(result.expires) });
      $('invite-link', HTMLInputElement).value = result.link;
      say('invite-copy-status');
      $('invite-result').hidden = false;
      nameInput.value = '';
      for (const r of ROLES) $(`invite-role-${r}`, HTMLInputElement).checked = false;
      $('invite-unit', HTMLSelectElement).value = '';
      focusOn($('invite-result'));
      await Promise.all([loadUsers(c), loadDirectoryState(c), loadUnits(c)]);
    } catch (e) {
      say('invite-status');
      c.fail('invite-error', e);
    }
  });
}

/** @param {Ctx} c @param {UserEntry} user @param {'disable' | 'enable' | 'reset'} action @param {HTMLButtonElement} button @param {HTMLElement} message */
async function userAction(c, user, action, button, message) {
  message.textContent = '';
  message.hidden = true;
  await busy(button, async () => {
    try {
      if (action === 'disable') await c.client.disable(user.id);
      else if (action === 'enable') await c.client.enable(user.id);
      else {
        const result = await c.client.resetSecondFactor(user.id);
        $('reset-result-text').textContent = t('staff.admin.reset_text', { name: user.name, date: formatDay(result.expires) });
        $('reset-link', HTMLInputElement).value = result.link;
        say('reset-copy-status');
        $('reset-result').hidden = false;
        focusOn($('reset-result'));
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return c.fail('users-error', e);
      message.textContent = errorText(e);
      message.hidden = false;
      return;
    }
    if (action !== 'reset') {
      say('users-status', t(action === 'disable' ? 'staff.admin.disabled_done' : 'staff.admin.enabled_done', { name: user.name }));
      await Promise.all([loadUsers(c), loadDirectoryState(c), loadUnits(c)]);
    }
  });
}

/** @param {Ctx} c @param {UserEntry} user */
function userRow(c, user) {
  const tr = el('tr');
  tr.dataset.userId = user.id;
  tr.dataset.status = user.status;
  const nameCell = el('th', '', user.name);
  nameCell.scope = 'row';
  const actions = el('td', 'row-actions');
  const message = el('p', 'field-error');
  message.setAttribute('role', 'alert');
  message.hidden = true;
  /** @param {'disable' | 'enable' | 'reset'} action @param {string} key */
  const button = (action, key) => {
    const b = el('button', 'button secondary small-button', t(key));
    b.type = 'button';
    b.dataset.action = action;
    b.setAttribute('aria-label', t(`${key}_for`, { name: user.name }));
    b.addEventListener('click', () => userAction(c, user, action, b, message));
    return b;
  };
  if (user.status === 'disabled') actions.append(button('enable', 'staff.admin.enable'));
  else actions.append(button('disable', 'staff.admin.disable'));
  if (user.status === 'active') actions.append(button('reset', 'staff.admin.reset'));
  actions.append(message);
  tr.append(
    nameCell,
    el('td', '', rolesLabel(user.roles)),
    el('td', '', user.unit ? choiceLabel(c.config?.units, user.unit) : t('staff.admin.no_unit_short')),
    el('td', '', t(`staff.admin.state_${user.status}`)),
    actions,
  );
  return tr;
}

/** @param {Ctx} c */
async function loadUsers(c) {
  showError('users-error', null);
  try {
    const users = /** @type {UserEntry[]} */ (listOf(await c.client.users(), 'users'));
    if (ctx !== c) return;
    $('user-rows').replaceChildren(...users.map((u) => userRow(c, u)));
  } catch (e) {
    c.fail('users-error', e);
  }
}

/** @param {Ctx} c */
async function loadUnits(c) {
  showError('units-error', null);
  const list = $('units-no-reader');
  try {
    const units = /** @type {UnitReaders[]} */ (listOf(await c.client.units(), 'units'));
    if (ctx !== c) return;
    const empty = units.filter((u) => u.readers === 0);
    const nationalOnly = units.filter((u) => u.own === 0 && u.readers > 0);
    $('units-summary').textContent = empty.length ? t('staff.admin.units_missing', { n: empty.length }) : t('staff.admin.units_all');
    list.replaceChildren(
      ...empty.map((u) => el('li', '', choiceLabel(c.config?.units, u.unit))),
      ...(empty.length === 0 && nationalOnly.length
        ? [el('li', '', t('staff.admin.units_national_only', { units: nationalOnly.map((u) => choiceLabel(c.config?.units, u.unit)).join(', ') }))]
        : []),
    );
  } catch (e) {
    list.replaceChildren();
    $('units-summary').textContent = '';
    if (e instanceof ApiError && e.status === 404) showError('units-error', t('staff.admin.units_unavailable'));
    else c.fail('units-error', e);
  }
}

/** Whether a directory change waits for the officers (the public proposal route). @param {Ctx} c */
async function loadDirectoryState(c) {
  const status = $('directory-status');
  try {
    const proposal = /** @type {{ signed_by: string[], needed: number }} */ (await c.api.getJson('/api/v1/directory/proposal'));
    status.textContent = t('staff.admin.directory_waiting', { signed: proposal.signed_by.length, needed: proposal.needed });
    status.className = 'verdict pending';
  } catch (e) {
    if (e instanceof ApiError && e.code === 'no_proposal') {
      status.textContent = t('staff.admin.directory_current');
      status.className = 'verdict ok';
    } else {
      status.textContent = errorText(e);
      status.className = 'verdict bad';
    }
  }
}

/** @param {Ctx} c */
export async function show(c) {
  ctx = c;
  wire();
  fillSelect($('invite-unit', HTMLSelectElement), (c.config?.units ?? []).map((u) => ({ value: u.id, text: choiceLabel(c.config?.units, u.id) })));
  await Promise.all([loadUsers(c), loadUnits(c), loadDirectoryState(c)]);
}

export function leave() {
  ctx = null;
  $('user-rows').replaceChildren();
  $('invite-result').hidden = true;
  $('reset-result').hidden = true;
  $('invite-link', HTMLInputElement).value = '';
  $('reset-link', HTMLInputElement).value = '';
  for (const id of ['invite-error', 'users-error', 'units-error']) showError(id, null);
  for (const id of ['invite-status', 'users-status', 'invite-copy-status', 'reset-copy-status']) say(id);
}
