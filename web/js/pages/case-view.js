// @ts-check
// Renders a checked case (the result of ReporterClient.readCase) into the status page: the
// status and its explanation, the deadlines, the messages (reporter vs staff), the report's
// answers, and the timeline of statements with signature and log-inclusion marks. A signed
// message that could not be decrypted is shown in its place as unreadable, with why.
//
// Contract: `renderCase(result, {config, label, t, formatDate})` only writes text nodes (no
// HTML from the server or the decrypted content is ever parsed), and replaces what an earlier
// call rendered. Every statement in `result.statements` has passed the signature and chain
// check before this is called; `result.log.included[i]` is true when statement i's inclusion
// in the signed checkpoint was verified, null when no checkpoint covers it yet. The ref,
// status and deadlines shown are those readCase took from the signed statements
// (`result.ref`, `result.status`, `result.deadlines`), never the view's unsigned fields.

import { byId as $ } from './common.js';

/** @typedef {import('../reporter.js').OpenedCase} OpenedCase */
/** @typedef {import('../reporter.js').Config} Config */
/** @typedef {import('../i18n.js').Choice} Choice */
/** @typedef {import('../crypto/statement-shape.js').Payload} Payload */
/** @typedef {typeof import('../i18n.js').t} Translate */
/** @typedef {typeof import('./common.js').formatDate} FormatDate */
/**
 * What renderCase needs besides the case: the configuration (for labels; null when it could
 * not be fetched) and the page's text and date functions.
 * @typedef {{ config: Config | null, label: (choice: Choice) => string, t: Translate, formatDate: FormatDate }} Context
 */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {Choice[] | undefined} list @param {string} id @param {Context['label']} label */
function choiceLabel(list, id, label) {
  const found = list?.find((c) => c.id === id);
  return found ? label(found) : id;
}

/** @param {Payload} s @param {Translate} t */
function statementTitle(s, t) {
  if (s.seq === 0) return t('status.kind.received');
  if (s.kind === 'status') return t('status.kind.status', { status: t(`status.statuses.${s.status}`) });
  if (s.kind === 'message') return t(s.from === 'reporter' ? 'status.kind.message_reporter' : 'status.kind.message_staff');
  if (s.kind === 'identity_viewed') return t('status.kind.identity_viewed');
  return s.kind;
}

/** @param {OpenedCase} result @param {Translate} t @param {FormatDate} formatDate */
function renderTimeline(result, t, formatDate) {
  const list = $('timeline');
  list.replaceChildren();
  result.statements.forEach((s, i) => {
    const li = el('li');
    li.append(el('span', 'when', formatDate(s.iat, true)), el('strong', 'what', statementTitle(s, t)));
    if (s.outcome) li.append(el('span', 'outcome', t('status.kind.outcome', { outcome: t(`status.outcomes.${s.outcome}`) })));
    const marks = el('span', 'marks');
    marks.append(el('span', 'mark ok', t('status.sig_ok')));
    const included = result.log?.included?.[i];
    marks.append(el('span', included ? 'mark ok' : 'mark pending', t(included ? 'status.log_ok' : 'status.log_pending')));
    li.append(marks);
    list.append(li);
  });
  const cp = result.log?.checkpoint;
  $('log-summary').textContent = cp ? t('status.log_summary', { size: cp.size, state: t('status.log_sig_ok') }) : '';
}

/** @param {OpenedCase} result @param {Translate} t @param {FormatDate} formatDate */
function renderMessages(result, t, formatDate) {
  const list = $('messages');
  list.replaceChildren();
  if (result.messages.length === 0) {
    list.append(el('li', 'empty', t('status.no_messages')));
    return;
  }
  for (const m of result.messages) {
    const li = el('li', m.from === 'reporter' ? 'message mine' : 'message theirs');
    const head = el('p', 'message-head');
    head.append(
      el('strong', '', t(m.from === 'reporter' ? 'status.from_reporter' : 'status.from_staff')),
      document.createTextNode(' · '),
      el('span', '', formatDate(m.iat, true)),
    );
    if (m.unreadable) {
      // Marked, never hidden and never a reason to refuse the rest (hardening finding 7).
      li.classList.add('unreadable');
      li.append(head, el('p', 'message-text unreadable-text', t('status.unreadable')));
    } else {
      li.append(head, el('p', 'message-text', m.text));
    }
    list.append(li);
  }
}

/** @param {OpenedCase} result @param {Context} ctx */
function renderReport(result, { config, label, t }) {
  const dl = $('report-fields');
  dl.replaceChildren();
  const report = result.report ?? {};
  /** @param {string} key @param {string | undefined} value */
  const add = (key, value) => {
    if (!value) return;
    const div = el('div');
    div.append(el('dt', '', t(`report_fields.${key}`)), el('dd', '', value));
    dl.append(div);
  };
  if (result.view.relation) add('relation', choiceLabel(config?.relations, result.view.relation, label));
  for (const key of ['what', 'when', 'where', 'who', 'witnesses']) add(key, report[key]);
  if (report.before) add('before', t(`form.before.${report.before}`));
  add('before_detail', report.before_detail);
  if (report.wish) add('wish', t(`form.wish.${report.wish}`));
}

/** Fills the case view; see the module contract. @param {OpenedCase} result @param {Context} ctx */
export function renderCase(result, ctx) {
  const { config, label, t, formatDate } = ctx;
  const view = result.view;
  const { status, deadlines: due } = result;
  $('case-ref').textContent = result.ref;
  $('case-status').textContent = t(`status.statuses.${status}`);
  $('case-theme').textContent = choiceLabel(config?.themes, view.theme, label);
  $('case-unit').textContent = choiceLabel(config?.units, view.unit, label);
  $('status-explain').textContent = t(`status.explain.${status}`);
  const deadlines = $('deadlines');
  const ackKey = status === 'received' ? 'status.deadline_ack' : 'status.deadline_ack_done';
  deadlines.replaceChildren(el('li', '', t(ackKey, { date: formatDate(due.acknowledge_by) })));
  deadlines.append(
    el(
      'li',
      '',
      due.feedback_by
        ? t('status.deadline_feedback', { date: formatDate(due.feedback_by) })
        : t('status.deadline_feedback_later'),
    ),
  );
  renderMessages(result, t, formatDate);
  renderReport(result, ctx);
  renderTimeline(result, t, formatDate);
}
