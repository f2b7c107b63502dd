// @ts-check
// The inbox (#cases-view, route #/cases?status=&theme=&unit=&overdue=true&assigned=me&q=&page=):
// the cases the signed-in user may see, one page at a time, with filters and search by
// reference.
//
// Contract: the filters live in the address's hash, so back and forward and a reload keep
// them; applying them goes to page 1. Each row shows the reference (a link to #/case/<ref>),
// theme, unit and status by their labels, the day received, the next deadline with "overdue"
// or "due soon" written out (never colour alone), new messages, and who is assigned. Nothing
// here is case content: the list is what the server knows without any key. `leave()` empties
// the table.

import { t } from '../i18n.js';
import { byId as $ } from '../pages/common.js';
import { STATUSES, choiceLabel, el, fillSelect, formatShortDay, say, showError, statusLabel } from './shared.js';

/** @typedef {import('./shared.js').Ctx} Ctx */
/** @typedef {import('./shared.js').Route} Route */
/** A row of GET /api/v1/staff/cases (and the head of a case's detail). @typedef {import('../staff-case.js').CaseRow} CaseRow */

const PER_PAGE = 25;
const FILTERS = ['status', 'theme', 'unit', 'q'];
let wired = false;
/** @type {Ctx | null} */
let ctx = null;

/** The hash for these filters and page. @param {URLSearchParams} params */
function hashFor(params) {
  const clean = new URLSearchParams();
  for (const [k, v] of params) if (v) clean.set(k, v);
  const query = clean.toString();
  return `#/cases${query ? `?${query}` : ''}`;
}

/** The filters as the form shows them. */
function formParams() {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const input = $(`filter-${name}`);
    if (input instanceof HTMLInputElement || input instanceof HTMLSelectElement) {
      const value = input.value.trim();
      if (value) params.set(name, value);
    }
  }
  if ($('filter-overdue', HTMLInputElement).checked) params.set('overdue', 'true');
  if ($('filter-mine', HTMLInputElement).checked) params.set('assigned', 'me');
  return params;
}

function wire() {
  if (wired) return;
  wired = true;
  $('case-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    ctx?.navigate(hashFor(formParams()));
  });
  $('filter-reset').addEventListener('click', () => ctx?.navigate('#/cases'));
  for (const [id, delta] of /** @type {const} */ ([['page-prev', -1], ['page-next', 1]])) {
    $(id).addEventListener('click', () => {
      if ($(id).getAttribute('aria-disabled') === 'true') return;
      const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
      const page = Math.max(1, Number(params.get('page') ?? '1') + delta);
      params.set('page', String(page));
      ctx?.navigate(hashFor(params));
    });
  }
}

/** Fills the filter selects (once the config is known) and sets them from `params`. @param {Ctx} c @param {URLSearchParams} params */
function setForm(c, params) {
  fillSelect($('filter-status', HTMLSelectElement), STATUSES.map((s) => ({ value: s, text: statusLabel(s) })));
  fillSelect($('filter-theme', HTMLSelectElement), (c.config?.themes ?? []).map((x) => ({ value: x.id, text: choiceLabel(c.config?.themes, x.id) })));
  fillSelect($('filter-unit', HTMLSelectElement), (c.config?.units ?? []).map((x) => ({ value: x.id, text: choiceLabel(c.config?.units, x.id) })));
  for (const name of FILTERS) {
    const input = $(`filter-${name}`);
    if (input instanceof HTMLInputElement || input instanceof HTMLSelectElement) input.value = params.get(name) ?? '';
  }
  $('filter-overdue', HTMLInputElement).checked = params.get('overdue') === 'true';
  $('filter-mine', HTMLInputElement).checked = params.get('assigned') === 'me';
}

/** The deadline that matters now, as text, with its state written out. @param {CaseRow} row */
export function deadlineCell(row) {
  const cell = el('td', 'deadline');
  const { deadlines } = row;
  const closed = row.status === 'closed';
  let text;
  if (closed) text = t('staff.inbox.deadline_closed');
  else if (row.status === 'received') text = t('staff.inbox.deadline_ack', { date: formatShortDay(deadlines.acknowledge_by) });
  else if (deadlines.feedback_by) text = t('staff.inbox.deadline_feedback', { date: formatShortDay(deadlines.feedback_by) });
  else text = t('staff.inbox.deadline_none');
  cell.append(el('span', '', text));
  if (!closed && row.overdue) cell.append(' ', el('strong', 'badge overdue', t('staff.inbox.overdue')));
  else if (!closed && row.due_soon) cell.append(' ', el('strong', 'badge due-soon', t('staff.inbox.due_soon')));
  return cell;
}

/** @param {CaseRow} row */
function unreadCell(row) {
  const cell = el('td');
  // `new`: the user never opened the case; `unread`: messages from the reporter since they last did.
  const n = row.unread ?? 0;
  if (n > 0) {
    cell.append(el('strong', 'badge unread', t('staff.inbox.unread_n', { n })));
  } else if (row.new) {
    cell.append(el('strong', 'badge unread', t('staff.inbox.unread')));
  } else {
    cell.append(el('span', 'muted', t('staff.inbox.no_unread')));
  }
  return cell;
}

/** @param {Ctx} c @param {CaseRow} row */
function rowFor(c, row) {
  const tr = el('tr');
  tr.dataset.ref = row.ref;
  if (row.overdue) tr.dataset.overdue = 'true';
  const refCell = el('th');
  refCell.scope = 'row';
  const a = el('a', 'mono', row.ref);
  a.href = `#/case/${encodeURIComponent(row.ref)}`;
  a.dataset.caseLink = row.ref;
  refCell.append(a);
  tr.append(
    refCell,
    el('td', '', choiceLabel(c.config?.themes, row.theme)),
    el('td', '', choiceLabel(c.config?.units, row.unit)),
    el('td', '', statusLabel(row.status)),
    el('td', '', formatShortDay(row.received_hour)),
    deadlineCell(row),
    unreadCell(row),
    el('td', '', row.assigned.length ? row.assigned.join(', ') : t('staff.inbox.nobody')),
  );
  return tr;
}

/** Shows the inbox for `route`. @param {Ctx} c @param {Route} route */
export async function show(c, route) {
  ctx = c;
  wire();
  const params = route.params;
  setForm(c, params);
  showError('cases-error', null);
  say('cases-status', t('staff.inbox.loading'));
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const status = params.get('status');
  /** @type {import('../staff-client.js').CaseFilters} */
  const query = {
    page,
    per_page: PER_PAGE,
    status: STATUSES.find((s) => s === status),
    theme: params.get('theme') || undefined,
    unit: params.get('unit') || undefined,
    q: params.get('q') || undefined,
    overdue: params.get('overdue') === 'true' || undefined,
    assigned: params.get('assigned') === 'me' ? 'me' : undefined,
  };
  let list;
  try {
    list = await c.client.cases(query);
  } catch (e) {
    say('cases-status');
    $('case-rows').replaceChildren();
    $('cases-pager').hidden = true;
    c.fail('cases-error', e);
    return;
  }
  if (ctx !== c) return;
  $('case-rows').replaceChildren(...list.cases.map((row) => rowFor(c, row)));
  const pages = Math.max(1, Math.ceil(list.total / list.per_page));
  $('cases-empty').hidden = list.cases.length > 0;
  $('cases-pager').hidden = pages <= 1;
  $('page-info').textContent = t('staff.inbox.page_info', { page: list.page, pages, total: list.total });
  $('page-prev').setAttribute('aria-disabled', String(list.page <= 1));
  $('page-next').setAttribute('aria-disabled', String(list.page >= pages));
  const filtered = [...params.keys()].some((k) => k !== 'page');
  const countKey = filtered ? 'staff.inbox.count_filtered' : 'staff.inbox.count';
  say('cases-status', t(list.total === 1 ? `${countKey}_one` : countKey, { total: list.total }));
}

export function leave() {
  ctx = null;
  $('case-rows').replaceChildren();
  say('cases-status');
}
