// Verifies a meldpunt receipt (JWS compact, alg Ed25519 per RFC 9864) with the stock `jose`
// library against a JWKS, exactly as the README tells an outsider to do.
// Usage: node verify-receipt.mjs JWKS_FILE RECEIPT_FILE  → prints {"header","payload"}; exit 1 on failure.
import { readFileSync } from 'node:fs';
import { compactVerify, createLocalJWKSet } from 'jose';

const [jwksFile, receiptFile] = process.argv.slice(2);
const jwks = createLocalJWKSet(JSON.parse(readFileSync(jwksFile, 'utf8')));
const receipt = readFileSync(receiptFile, 'utf8').trim();
try {
  const { payload, protectedHeader } = await compactVerify(receipt, jwks, {
    algorithms: ['Ed25519'],
  });
  const body = JSON.parse(new TextDecoder().decode(payload));
  console.log(JSON.stringify({ header: protectedHeader, payload: body }));
} catch (e) {
  console.error(`receipt does not verify: ${e.code ?? e.name}: ${e.message}`);
  process.exit(1);
}
