// @ts-check
// One case (#case-view, route #/case/<ref>): the facts, deadlines, the decrypted report with
// its field labels, the conversation (who sent each message: the reporter, or a staff role
// with the colleague's name — the reporter only ever sees "Meldpunt"), the internal notes with
// author and day, and the signed timeline with each statement's verification state. The
// actions (triage, assign, status, reply, note, export) are case-actions.js's.
//
// Contract: the case is opened with client.openCase(ref), which decrypts in the page; this
// module only writes text nodes (decrypted text is never parsed as HTML). A message or note
// that did not decrypt is shown in its place as unreadable. A statement whose signature did
// not verify is marked so, with the reason; the chain's state is written above the list.
// `leave()` drops the opened case and empties everything it showed.

import { t } from '../i18n.js';
import { byId as $ } from '../pages/common.js';
import { deadlineCell } from './inbox.js';
import { renderActions, resetActions, wireActions } from './case-actions.js';
import { choiceLabel, el, formatDay, outcomeLabel, rolesLabel, say, showError, statusLabel, tMaybe } from './shared.js';

/** @typedef {import('./shared.js').Ctx} Ctx */
/** @typedef {import('./shared.js').Route} Route */
/** @typedef {import('./inbox.js').CaseRow} CaseRow */
/** @typedef {import('./case-actions.js').TimelineEntry} TimelineEntry */
/** @typedef {import('./case-actions.js').CheckedStatement} CheckedStatement */
/** @typedef {import('./case-actions.js').Opened} Opened */

/** @type {Opened | null} */
let opened = null;
/** @type {string | null} */
let openRef = null;
let wired = false;

/** The case's row (the detail is the row and more, as on the wire). @param {import('../staff-case.js').CaseDetail} detail @returns {CaseRow} */
export function rowOf(detail) {
  return detail;
}

/** @param {Ctx} ctx @param {CaseRow} row */
function renderFacts(ctx, row) {
  $('case-ref').textContent = row.ref;
  $('case-status').textContent = statusLabel(row.status);
  $('case-theme').textContent = choiceLabel(ctx.config?.themes, row.theme);
  $('case-unit').textContent = choiceLabel(ctx.config?.units, row.unit);
  $('case-received').textContent = formatDay(row.received_hour);
  $('case-assigned').textContent = row.assigned.length ? row.assigned.join(', ') : t('staff.inbox.nobody');
  $('case-triage').textContent = row.triage
    ? t('staff.case.triage_done', { outcome: outcomeLabel(row.triage.outcome), date: formatDay(row.triage.hour) })
    : t('staff.case.triage_open');
}

/** @param {CaseRow} row */
function renderDeadlines(row) {
  const list = $('case-deadlines');
  const { acknowledge_by: ack, feedback_by: feedback } = row.deadlines;
  const items = [
    el('li', '', t(row.status === 'received' ? 'staff.case.deadline_ack' : 'staff.case.deadline_ack_done', { date: formatDay(ack) })),
    el('li', '', feedback ? t('staff.case.deadline_feedback', { date: formatDay(feedback) }) : t('staff.case.deadline_feedback_later')),
  ];
  const state = deadlineCell(row).querySelector('.badge');
  if (state) {
    const li = el('li');
    li.append(state);
    items.push(li);
  }
  list.replaceChildren(...items);
}

/** @param {Ctx} ctx @param {CaseRow} row @param {unknown} answers */
function renderReport(ctx, row, answers) {
  const dl = $('case-report');
  dl.replaceChildren();
  const report = answers && typeof answers === 'object' ? /** @type {Record<string, unknown>} */ (answers) : null;
  if (!report) {
    dl.append(el('div', 'unreadable-text', t('staff.case.report_unreadable')));
    return;
  }
  /** @param {string} key @param {unknown} value */
  const add = (key, value) => {
    if (typeof value !== 'string' || !value) return;
    const div = el('div');
    div.append(el('dt', '', tMaybe(`report_fields.${key}`) ?? key), el('dd', '', value));
    dl.append(div);
  };
  if (row.relation) add('relation', choiceLabel(ctx.config?.relations, row.relation));
  for (const key of ['what', 'when', 'where', 'who', 'witnesses']) add(key, report[key]);
  if (typeof report.before === 'string') add('before', tMaybe(`form.before.${report.before}`) ?? report.before);
  add('before_detail', report.before_detail);
  if (typeof report.wish === 'string') add('wish', tMaybe(`form.wish.${report.wish}`) ?? report.wish);
  // The language the reporter wrote in (and reads replies in): staff answer in it.
  if (typeof report.lang === 'string' && report.lang) {
    const div = el('div');
    div.append(el('dt', '', t('staff.case.report_lang')), el('dd', '', tMaybe(`staff.case.lang_${report.lang}`) ?? report.lang));
    dl.append(div);
  }
  // Fields this page does not know yet are shown too, under their own names: never hidden.
  const known = new Set(['what', 'when', 'where', 'who', 'witnesses', 'before', 'before_detail', 'wish', 'relation', 'theme', 'unit', 'national_only', 'lang']);
  for (const [key, value] of Object.entries(report)) {
    if (!known.has(key)) add(key, value);
  }
}

/** Who wrote an entry, as staff see it. @param {TimelineEntry} entry */
export function senderText(entry) {
  if (entry.kind === 'message' && entry.from === 'reporter') return t('staff.case.from_reporter');
  if (entry.author) return t('staff.case.from_colleague', { name: entry.author.name, roles: rolesLabel(entry.author.roles) });
  return t('staff.case.from_staff');
}

/** @param {TimelineEntry} entry */
function entryItem(entry) {
  const mine = entry.kind === 'message' && entry.from === 'reporter';
  const li = el('li', entry.kind === 'note' ? 'message note-item' : mine ? 'message from-reporter' : 'message theirs');
  li.dataset.entryId = entry.id;
  li.dataset.kind = entry.kind;
  li.dataset.from = entry.kind === 'note' ? 'staff' : entry.from ?? 'staff';
  const head = el('p', 'message-head');
  head.append(el('strong', 'sender', senderText(entry)), document.createTextNode(' · '), el('span', 'when', entry.hour === null ? t('staff.case.date_unknown') : formatDay(entry.hour)));
  if (entry.text === null) {
    li.classList.add('unreadable');
    li.append(head, el('p', 'message-text unreadable-text', t(entry.kind === 'note' ? 'staff.case.note_unreadable' : 'staff.case.message_unreadable')));
  } else {
    li.append(head, el('p', 'message-text', entry.text));
  }
  return li;
}

/** @param {TimelineEntry[]} timeline */
function renderTimeline(timeline) {
  const messages = timeline.filter((e) => e.kind === 'message');
  const notes = timeline.filter((e) => e.kind === 'note');
  $('conversation').replaceChildren(...(messages.length ? messages.map(entryItem) : [el('li', 'empty', t('staff.case.no_messages'))]));
  $('notes').replaceChildren(...(notes.length ? notes.map(entryItem) : [el('li', 'empty', t('staff.case.no_notes'))]));
}

/** @param {NonNullable<CheckedStatement['payload']>} p */
function statementTitle(p) {
  if (p.seq === 0) return t('staff.case.st_received');
  if (p.kind === 'status' && p.status) return t('staff.case.st_status', { status: statusLabel(p.status) });
  if (p.kind === 'message') return t(p.from === 'reporter' ? 'staff.case.st_message_reporter' : 'staff.case.st_message_staff');
  if (p.kind === 'identity_viewed') return t('staff.case.st_identity');
  return p.kind ?? '';
}

/** @param {CheckedStatement[]} statements @param {boolean} chainOk */
function renderStatements(statements, chainOk) {
  const state = $('chain-state');
  state.className = `verdict ${chainOk ? 'ok' : 'bad'}`;
  state.textContent = chainOk ? t('staff.case.chain_ok', { n: statements.length }) : t('staff.case.chain_bad');
  $('statement-timeline').replaceChildren(
    ...statements.map((s, i) => {
      const li = el('li');
      const p = s.payload;
      li.dataset.seq = String(p?.seq ?? i);
      li.dataset.verified = String(s.verified);
      if (p) {
        li.append(el('span', 'when', formatDay(p.iat)), el('strong', 'what', statementTitle(p)));
        if (p.outcome) li.append(el('span', 'outcome', t('staff.case.st_outcome', { outcome: outcomeLabel(p.outcome) })));
      } else {
        li.append(el('strong', 'what', t('staff.case.st_unreadable')));
      }
      const marks = el('span', 'marks');
      marks.append(
        s.verified
          ? el('span', 'mark ok', t('staff.case.sig_ok'))
          : el('span', 'mark bad', s.error ? t('staff.case.sig_bad_why', { why: s.error }) : t('staff.case.sig_bad')),
      );
      li.append(marks);
      return li;
    }),
  );
}

/** Renders `result` (an opened case). @param {Ctx} ctx @param {Opened} result */
function render(ctx, result) {
  const row = rowOf(result.detail);
  renderFacts(ctx, row);
  renderDeadlines(row);
  renderReport(ctx, row, result.report);
  renderTimeline(result.timeline);
  renderStatements(result.statements, result.chainOk);
  renderActions(ctx, result, () => reload(ctx, row.ref));
  $('case-body').hidden = false;
}

/** Opens (again) and shows case `ref`; resolves true when shown. @param {Ctx} ctx @param {string} ref */
export async function reload(ctx, ref) {
  const result = await ctx.client.openCase(ref);
  if (openRef !== ref) return false; // left meanwhile
  opened = result;
  render(ctx, result);
  return true;
}

/** @param {Ctx} ctx @param {Route} route */
export async function show(ctx, route) {
  if (!wired) {
    wired = true;
    wireActions();
  }
  const ref = route.arg;
  openRef = ref;
  $('case-ref').textContent = ref;
  $('case-body').hidden = true;
  showError('case-error', null);
  say('case-status-line', t('staff.case.opening'));
  try {
    await reload(ctx, ref);
    say('case-status-line');
  } catch (e) {
    say('case-status-line');
    ctx.fail('case-error', e);
  }
}

export function leave() {
  opened = null;
  openRef = null;
  $('case-body').hidden = true;
  for (const id of ['case-ref', 'case-status', 'case-theme', 'case-unit', 'case-received', 'case-assigned', 'case-triage', 'chain-state']) $(id).textContent = '';
  for (const id of ['case-deadlines', 'case-report', 'conversation', 'notes', 'statement-timeline']) $(id).replaceChildren();
  resetActions();
}
