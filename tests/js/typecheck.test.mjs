// The browser code is type-checked: every file under web/js/ starts with `// @ts-check`, and
// `tsc -p tests/js/tsconfig.json` (strict, DOM + ES2022, JSDoc types, no emit) reports no error.
// TypeScript is a devDependency of tests/js (npm ci --prefix tests/js installs it).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const JS = join(here, '..', '..', 'web', 'js');

test('every module under web/js/ opts into checking with // @ts-check', () => {
  const unchecked = readdirSync(JS, { recursive: true })
    .filter((f) => f.endsWith('.js'))
    .filter((f) => !readFileSync(join(JS, f), 'utf8').startsWith('// @ts-check\n'));
  assert.deepEqual(unchecked, []);
});

test('tsc finds no type error in web/js/', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  let output = '';
  let status = 0;
  try {
    output = execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8' });
  } catch (e) {
    status = e.status;
    output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  assert.equal(status, 0, `tsc failed:\n${output}`);
  assert.equal(output.trim(), '');
});
