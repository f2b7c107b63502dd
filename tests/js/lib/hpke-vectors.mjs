// The parts of RFC 9180 that only the test vectors need, on top of the shipped base mode of
// web/js/crypto/hpke.js (its key schedule, Encap/Decap, ExtractAndExpand and Context):
// DeriveKeyPair (§7.1.3), the psk, auth and auth-psk setups (§5.1.2–5.1.4 with AuthEncap and
// AuthDecap, §4.1) and the secret export (§5.3).
//
// Contract: mode 0 goes through hpke.setupBaseSender/setupBaseReceiver unchanged, so the
// base-mode vector checks the code the pages ship; modes 1–3 reuse hpke.keySchedule. Nothing
// here is served to browsers (tests/js/bundle.test.mjs checks that web/ holds only what pages
// import).
import { concat, wipe } from '../../../web/js/crypto/b64.js';
import * as hpke from '../../../web/js/crypto/hpke.js';
import { x25519, x25519PublicKey } from '../../../web/js/crypto/primitives.js';

const MODE_PSK = 1;
const MODE_AUTH = 2;
const MODE_AUTH_PSK = 3;
const EMPTY = new Uint8Array(0);

/** RFC 9180 §7.1.3 DeriveKeyPair: the private key unclamped, exactly as the RFC prints skXm. */
export async function deriveKeyPair(ikm) {
  const prk = await hpke.labeledExtract(hpke.KEM_SUITE_ID, EMPTY, 'dkp_prk', ikm);
  const privateKey = await hpke.labeledExpand(hpke.KEM_SUITE_ID, prk, 'sk', EMPTY, 32);
  wipe(prk);
  return { privateKey, publicKey: await x25519PublicKey(privateKey) };
}

const isAuth = (mode) => mode === MODE_AUTH || mode === MODE_AUTH_PSK;

/**
 * Any mode's sender setup with the ephemeral key DeriveKeyPair(ikmE): `psk`/`pskId` for modes
 * 1 and 3, the sender's key pair `sender` for modes 2 and 3 (AuthEncap). Mode 0 is the shipped
 * setupBaseSender. Returns {enc, sharedSecret, context}.
 */
export async function setupSender(mode, pkR, info, ikmE, { psk, pskId, sender } = {}) {
  const ephemeral = await deriveKeyPair(ikmE);
  if (mode === 0) return hpke.setupBaseSender(pkR, info, ephemeral);
  let sharedSecret;
  if (isAuth(mode)) {
    const dh = concat(await x25519(ephemeral.privateKey, pkR), await x25519(sender.privateKey, pkR));
    sharedSecret = await hpke.extractAndExpand(dh, concat(ephemeral.publicKey, pkR, sender.publicKey));
  } else {
    sharedSecret = (await hpke.encap(pkR, ephemeral)).sharedSecret;
  }
  const { context } = await hpke.keySchedule(mode, sharedSecret, info, psk, pskId);
  return { enc: ephemeral.publicKey, sharedSecret, context };
}

/** Any mode's receiver setup; `pkS` (the sender's public key) for modes 2 and 3 (AuthDecap). */
export async function setupReceiver(mode, enc, skR, info, { psk, pskId, pkS } = {}) {
  if (mode === 0) return hpke.setupBaseReceiver(enc, skR, info);
  let sharedSecret;
  if (isAuth(mode)) {
    const dh = concat(await x25519(skR, enc), await x25519(skR, pkS));
    sharedSecret = await hpke.extractAndExpand(dh, concat(enc, await x25519PublicKey(skR), pkS));
  } else {
    sharedSecret = await hpke.decap(enc, skR);
  }
  return (await hpke.keySchedule(mode, sharedSecret, info, psk, pskId)).context;
}

/** RFC 9180 §5.3 secret export: LabeledExpand(exporter_secret, "sec", exporter_context, L). */
export function exportSecret(context, exporterContext, length) {
  return hpke.labeledExpand(hpke.HPKE_SUITE_ID, context.exporterSecret, 'sec', exporterContext, length);
}
