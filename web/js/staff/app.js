// @ts-check
// The staff app's entry (web/staff/index.html): start-up, the header (who is signed in, with
// which roles; sign out; sign out everywhere), and the router that shows one view per hash:
//   #/cases[?filters]  inbox           (intake, investigator or custodian; needs the key)
//   #/case/<ref>       one case        (the same roles; needs the key)
//   #/admin            administration  (admin; never any case content)
//   #/audit            audit chain, checkpoint, counts (auditor)
//   #/officers         directory change review and signature (no sign-in needed: the
//                      officer's key file is what counts)
//   #/ or nothing      the first of those the user may open
//
// Contract: the session lives in the tab only (StaffClient.fromTab: sessionStorage, the
// cookie is HttpOnly and never read here); after a reload the private key must be unlocked
// again with the password before a case view is shown. A view whose role the user lacks
// shows #refused-view, and its module is never run. Leaving a view calls its `leave()`, which
// drops what it showed (a case's decrypted content goes with it). Any answer that says the
// session is gone (401) brings back the sign-in view with a notice.

import { Api } from '../api.js';
import { StaffClient } from '../staff-client.js';
import { t, withLang, currentLanguage } from '../i18n.js';
import { boot, byId as $, focusOn } from '../pages/common.js';
import * as adminView from './admin.js';
import * as auditView from './audit.js';
import * as caseView from './case.js';
import * as inboxView from './inbox.js';
import * as officersView from './officers.js';
import { showSignIn, showUnlock, wireSignIn, wireUnlock } from './signin.js';
import { busy, choiceLabel, rolesLabel, roleLabel, sessionGone, showError } from './shared.js';

/** @typedef {import('./shared.js').Ctx} Ctx */
/** @typedef {import('./shared.js').Route} Route */
/** @typedef {{ show: (ctx: Ctx, route: Route) => Promise<void>, leave: () => void }} ViewModule */

const api = new Api('');
const VIEWS = ['signin-view', 'unlock-view', 'cases-view', 'case-view', 'admin-view', 'officers-view', 'audit-view', 'refused-view'];
const CASE_ROLES = ['intake', 'investigator', 'custodian'];

/** Which roles may open a route (any of them), whether it needs the unlocked key, and its module. */
const ROUTES = /** @type {Record<string, { roles: string[] | null, key: boolean, module: ViewModule, title: string }>} */ ({
  cases: { roles: CASE_ROLES, key: true, module: inboxView, title: 'staff.inbox.h1' },
  case: { roles: CASE_ROLES, key: true, module: caseView, title: 'staff.case.h1' },
  admin: { roles: ['admin'], key: false, module: adminView, title: 'staff.admin.h1' },
  audit: { roles: ['auditor'], key: false, module: auditView, title: 'staff.audit.h1' },
  officers: { roles: null, key: false, module: officersView, title: 'staff.officers.h1' },
});

/** @type {StaffClient | null} */
let client = null;
/** @type {import('./shared.js').Config | null} */
let config = null;
/** @type {ViewModule | null} */
let current = null;
let firstRender = true;

/** The route in the address's hash. @returns {Route} */
function parseRoute() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const [name = '', ...rest] = path.split('/');
  return { name, arg: rest.map((p) => decodeURIComponent(p)).join('/'), params: new URLSearchParams(query) };
}

/** The first route the signed-in user may open. @param {string[]} roles */
function defaultRoute(roles) {
  if (roles.some((r) => CASE_ROLES.includes(r))) return '#/cases';
  if (roles.includes('admin')) return '#/admin';
  if (roles.includes('auditor')) return '#/audit';
  return '#/officers';
}

function hideViews() {
  for (const id of VIEWS) $(id).hidden = true;
}

function updateHeader() {
  const user = client?.user ?? null;
  $('user-bar').hidden = !user;
  $('staff-nav').hidden = false;
  $('staff-user-name').textContent = user?.name ?? '';
  $('staff-user-roles').textContent = user ? `(${rolesLabel(user.roles)}${user.unit ? ` · ${choiceLabel(config?.units, user.unit)}` : ''})` : '';
  const roles = user?.roles ?? [];
  /** @type {Record<string, boolean>} */
  const visible = {
    cases: roles.some((r) => CASE_ROLES.includes(r)),
    admin: roles.includes('admin'),
    audit: roles.includes('auditor'),
    officers: true,
  };
  for (const li of $('staff-nav').querySelectorAll('li[data-nav-role]')) {
    if (li instanceof HTMLElement) li.hidden = !visible[li.dataset.navRole ?? ''];
  }
}

/** Marks the current navigation link and keeps the hash on the language switch. @param {string} name */
function markNavigation(name) {
  for (const a of $('staff-nav').querySelectorAll('a[data-route]')) {
    const active = a.getAttribute('data-route') === (name === 'case' ? 'cases' : name);
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const other = currentLanguage() === 'en' ? 'nl' : 'en';
  $('lang-switch').setAttribute('href', withLang(location.pathname + location.hash, other));
}

/** Shows the refusal for `route`. @param {string} text */
function refuse(text) {
  $('refused-text').textContent = text;
  $('refused-home').setAttribute('href', defaultRoute(rolesOf()));
  $('refused-view').hidden = false;
  document.title = `${t('staff.refused.h1')} – ${t('staff.brand')}`;
  focusOn($('refused-h'));
}

/** The session is gone: forget the client and ask to sign in again. @param {string} [notice] */
function signedOut(notice) {
  current?.leave();
  current = null;
  client = null;
  updateHeader();
  hideViews();
  markNavigation('');
  document.title = `${t('staff.signin.h1')} – ${t('staff.brand')}`;
  showSignIn(notice);
  focusOn($('signin-h'));
}

/** Whether `e` ended the session (then the sign-in view is shown). @param {unknown} e */
function handledSessionEnd(e) {
  if (!sessionGone(e)) return false;
  signedOut(t('staff.signin.ended'));
  return true;
}

/** The signed-in user's roles (none when signed out). @returns {string[]} */
function rolesOf() {
  return client?.user?.roles ?? [];
}

/** @returns {Ctx} */
function context() {
  const user = client?.user;
  if (!client || !user) throw new Error('not signed in');
  return {
    client,
    user,
    api,
    config,
    navigate: (hash) => {
      if (location.hash === hash) render();
      else location.hash = hash;
    },
    fail: (id, e) => {
      if (!handledSessionEnd(e)) showError(id, e);
    },
  };
}

async function render() {
  const route = parseRoute();
  const focusAfter = !firstRender;
  firstRender = false;
  current?.leave();
  current = null;
  hideViews();
  markNavigation(route.name);
  const spec = ROUTES[route.name];
  if (route.name === 'officers' && spec) {
    document.title = `${t(spec.title)} – ${t('staff.brand')}`;
    $('officers-view').hidden = false;
    current = officersView;
    await officersView.show(client?.user ? context() : { api, config, navigate: (h) => void (location.hash = h), fail: showError });
    if (focusAfter) focusOn($('officers-h'));
    return;
  }
  if (!client) {
    document.title = `${t('staff.signin.h1')} – ${t('staff.brand')}`;
    showSignIn();
    if (focusAfter) focusOn($('signin-h'));
    return;
  }
  if (!route.name) {
    location.replace(`${location.pathname}${location.search}${defaultRoute(rolesOf())}`);
    return;
  }
  if (!spec) return refuse(t('staff.refused.unknown'));
  const roles = rolesOf();
  if (spec.roles && !spec.roles.some((r) => roles.includes(r))) {
    return refuse(t('staff.refused.role', { needed: spec.roles.map(roleLabel).join(t('staff.common.or')), roles: rolesLabel(roles) }));
  }
  if (spec.key && !client.unlocked) {
    document.title = `${t('staff.unlock.h1')} – ${t('staff.brand')}`;
    showUnlock();
    return;
  }
  document.title = `${t(spec.title)} – ${t('staff.brand')}`;
  const id = route.name === 'case' ? 'case-view' : `${route.name}-view`;
  $(id).hidden = false;
  current = spec.module;
  await spec.module.show(context(), route);
  if (focusAfter) focusOn(document.querySelector(`#${id} h1`) instanceof HTMLElement ? /** @type {HTMLElement} */ (document.querySelector(`#${id} h1`)) : null);
}

/** @param {'one' | 'all'} which */
async function signOut(which) {
  const button = $(which === 'one' ? 'sign-out' : 'sign-out-all');
  showError('sign-out-error', null);
  await busy(button, async () => {
    try {
      if (which === 'one') await client?.signOut();
      else await client?.signOutEverywhere();
    } catch (e) {
      if (!sessionGone(e)) {
        showError('sign-out-error', e);
        return;
      }
    }
    signedOut(t(which === 'one' ? 'staff.signin.signed_out' : 'staff.signin.signed_out_all'));
  });
}

async function loadConfig() {
  try {
    config = /** @type {import('./shared.js').Config} */ (await api.getJson('/api/v1/config'));
  } catch {
    config = null; // labels fall back to the ids
  }
}

async function main() {
  // Handlers first: no form can be submitted natively (the password would go into the address).
  wireSignIn(api, async (signedIn) => {
    client = signedIn;
    updateHeader();
    if (!parseRoute().name) location.hash = defaultRoute(rolesOf());
    else await render();
  });
  wireUnlock(() => client, render, handledSessionEnd);
  $('sign-out').addEventListener('click', () => signOut('one'));
  $('sign-out-all').addEventListener('click', () => signOut('all'));
  addEventListener('hashchange', () => {
    render();
  });
  addEventListener('pagehide', () => current?.leave());
  if (!(await boot({ needsCrypto: true }))) return;
  await loadConfig();
  client = StaffClient.fromTab(api);
  if (client) {
    let user = null;
    try {
      user = await client.me();
    } catch {
      user = client.user; // offline for a moment: the next request will tell
    }
    if (!user) {
      client = null;
      updateHeader();
      hideViews();
      showSignIn(t('staff.signin.ended'));
      return;
    }
  }
  updateHeader();
  await render();
}

main();
