// @ts-check
// What the reporter is shown about a case, from its signed statements alone: status and
// deadlines, with the calendar arithmetic of src/protocol/time.rs (the same rules, so the page
// and the server never disagree on a due date).

/** @typedef {import('./crypto/statement-shape.js').Payload} Payload */
/** @typedef {import('./crypto/statement-shape.js').Status} Status */
/** @typedef {{ acknowledge_by: number, feedback_by: number | null }} Deadlines */
/** @typedef {{ ref: string, status: Status | undefined, deadlines: Deadlines }} CaseFacts */

const DAY = 86400;

/** Days since 1970-01-01 for a proleptic Gregorian date (src/protocol/time.rs days_from_civil). @param {number} y @param {number} m @param {number} d */
function daysFromCivil(y, m, d) {
  return Math.floor(Date.UTC(y, m - 1, d) / 1000 / DAY);
}

/**
 * `secs` (unix seconds) plus `months` calendar months, the day clamped to the new month's
 * length, the time of day kept: the rule of src/protocol/time.rs add_months.
 * @param {number} secs
 * @param {number} months
 */
export function addMonths(secs, months) {
  const days = Math.floor(secs / DAY);
  const rest = secs - days * DAY;
  const date = new Date(days * DAY * 1000);
  const total = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12 + 1;
  const length = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  return daysFromCivil(ny, nm, Math.min(date.getUTCDate(), length)) * DAY + rest;
}

/**
 * What the reporter is shown about the case, taken only from signed statements: the ref and
 * the receipt's hour, the status of the last status statement ("received" from the receipt
 * when there is none), the acknowledge deadline (receipt iat + 7 days) and the feedback
 * deadline (the acknowledging statement's iat + 3 calendar months, null before that).
 * @param {Payload[]} statements checked by checkChain, the receipt first
 * @returns {CaseFacts}
 */
export function signedCaseFacts(statements) {
  const receipt = statements[0];
  let status = receipt.status;
  /** @type {number | null} */
  let acknowledged = null;
  for (const s of statements.slice(1)) {
    if (s.kind !== 'status') continue;
    status = s.status;
    if (s.status === 'acknowledged') acknowledged = s.iat;
  }
  return {
    ref: receipt.ref,
    status,
    deadlines: {
      acknowledge_by: receipt.iat + 7 * DAY,
      feedback_by: acknowledged === null ? null : addMonths(acknowledged, 3),
    },
  };
}
