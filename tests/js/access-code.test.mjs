// Access codes (web/js/crypto/access-code.js, PROTOCOL §2): display/parse round trips, the
// forgiven variations, and exhaustively every single-symbol substitution caught as an error.
import test from 'node:test';
import assert from 'node:assert/strict';
import { AccessCodeError, checkAccessCode, displayAccessCode, generateAccessCode, parseAccessCode } from '../../web/js/crypto/access-code.js';
import { toHex } from '../../web/js/crypto/b64.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U';

test('random codes round-trip and have the shown form', () => {
  for (let i = 0; i < 200; i++) {
    const code = generateAccessCode();
    const shown = displayAccessCode(code);
    assert.match(shown, /^[0-7][0-9A-Z]{3}(-[0-9A-Z]{4}){5}-[0-9A-Z]{2}[0-9A-Z*~$=]$/);
    assert.equal(toHex(parseAccessCode(shown)), toHex(code));
    assert.equal(toHex(parseAccessCode(shown.toLowerCase().replaceAll('-', '  '))), toHex(code));
    assert.equal(checkAccessCode(shown), null);
  }
});

test('I and L read as 1, O as 0', () => {
  const code = new Uint8Array(16);
  code[15] = 1;
  const shown = displayAccessCode(code); // 0000-…-001 + check
  const typed = shown.replaceAll('0', 'O').replace(/1/, 'l');
  assert.equal(toHex(parseAccessCode(typed)), toHex(code));
  assert.equal(toHex(parseAccessCode(shown.replaceAll('0', 'o').replace(/1/, 'I'))), toHex(code));
});

test('every single-symbol substitution is refused', () => {
  for (let round = 0; round < 3; round++) {
    const symbols = [...displayAccessCode(generateAccessCode()).replaceAll('-', '')];
    for (let pos = 0; pos < symbols.length; pos++) {
      for (const replacement of ALPHABET) {
        if (replacement === symbols[pos]) continue;
        const typed = symbols.map((s, i) => (i === pos ? replacement : s)).join('');
        assert.throws(() => parseAccessCode(typed), AccessCodeError, `${pos}: ${typed}`);
      }
    }
  }
});

test('error reasons', () => {
  const shown = displayAccessCode(generateAccessCode());
  assert.equal(checkAccessCode(shown.slice(0, -1)), 'length');
  assert.equal(checkAccessCode(`${shown}0`), 'length');
  assert.equal(checkAccessCode(`#${shown.slice(1)}`), 'symbol');
  assert.equal(checkAccessCode(`ß${shown.slice(1)}`), 'symbol');
  assert.equal(checkAccessCode(`*${shown.slice(1)}`), 'symbol');
  assert.equal(checkAccessCode(`9${shown.slice(1)}`), 'overflow');
  assert.equal(checkAccessCode(''), 'length');
});
