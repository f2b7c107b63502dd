// @ts-check
// The access-code display and the receipt file offered after a submission.
//
// Contract: `renderCode(el, text)` shows the grouped code as separate, unbreakable groups so it
// wraps cleanly on a phone. `receiptDownload({ref, receipt, payload, origin})` returns
// {command, save}: the `meldpunt verify` command line to show, and a function that downloads
// the receipt as a small .txt file (JSON that `meldpunt verify` reads directly, with plain
// explanations beside the JWS) through a Blob object URL, named ontvangstbewijs.txt (receipt.txt
// in English) without the ref, as the name stays in the download history. The file holds
// nothing secret: not the access code, only the signed receipt.

import { currentLanguage, t } from '../i18n.js';

/** Fills `el` with the code's groups. @param {HTMLElement} el @param {string} text */
export function renderCode(el, text) {
  const groups = text.split('-');
  el.replaceChildren(
    ...groups.map((group, i) => {
      const span = document.createElement('span');
      span.className = 'code-group';
      span.textContent = i < groups.length - 1 ? `${group}-` : group;
      return span;
    }),
  );
}

// A neutral name, without the case's ref, as it stays in the browser's download history.
function fileName() {
  return currentLanguage() === 'en' ? 'receipt.txt' : 'ontvangstbewijs.txt';
}

/**
 * The verify command and a download action for one receipt.
 * @param {{ ref: string, receipt: string, payload: import('../crypto/statement-shape.js').Payload, origin: string }} receiptInfo
 */
export function receiptDownload({ ref, receipt, payload, origin }) {
  const name = fileName();
  const command = `meldpunt verify ${name} --server ${origin}`;
  const received = new Date(payload.iat * 1000).toISOString().replace(':00.000Z', ' UTC');
  const body = {
    receipt,
    ref,
    received_hour: received,
    server: origin,
    uitleg: [
      'Dit is het ondertekende ontvangstbewijs van uw melding bij het meldpunt.',
      'Het bewijst dat het meldpunt uw melding heeft ontvangen, in welk uur en met welke (versleutelde) inhoud.',
      'Uw meldcode staat hier niet in: met dit bestand alleen kan niemand uw melding lezen.',
      `Controleren: ${command}`,
      `Of met een JOSE-bibliotheek en de sleutels op ${origin}/.well-known/jwks.json (algoritme Ed25519).`,
    ],
    explanation: [
      'This is the signed receipt of your report to the reporting channel.',
      'It proves that the channel received your report, in which hour and with what (encrypted) content.',
      'Your access code is not in it: this file alone lets nobody read your report.',
      `To check it: ${command}`,
      `Or with a JOSE library and the keys at ${origin}/.well-known/jwks.json (algorithm Ed25519).`,
    ],
  };
  const text = `${JSON.stringify(body, null, 2)}\n`;
  function save() {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
  return { command, save, text, name, title: t('done.download') };
}
