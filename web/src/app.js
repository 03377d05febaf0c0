// app.js: the console's shell: sign-in, navigation by role, and the views. Pages are
// addressed by the hash (#/patients) so the browser's back button and bookmarks work.
import * as api from './api.js';
import {$, showView, takeTurn, isTurn} from './dom.js';
import {showAudit} from './view-audit.js';
import {showAccounts, setupAccounts} from './view-accounts.js';
import {showPatients} from './view-patients.js';
import {showPatient, showLeaflet} from './view-patient.js';
import {showDiaryLinks} from './view-diary-links.js';

let session = null; // {user: {name, role}, csrf, idle_timeout_s, may: [...]}

const views = {
  patients: {may: 'patient.read', show: showPatients},
  patient: {may: 'patient.read', show: showPatient, nav: 'patients'},
  leaflet: {may: 'patient.read', show: showLeaflet, nav: 'patients'},
  'diary-links': {may: 'diary.link', show: () => showDiaryLinks(() => session)},
  audit: {may: 'audit.read', show: showAudit},
  accounts: {may: 'user.read', show: showAccounts},
};

const may = (action) => session && session.may.includes(action);

function signedIn(s) {
  session = s;
  api.setCsrf(s.csrf);
  $('who-name').textContent = `${s.user.name} (${s.user.role})`;
  $('who').hidden = false;
  $('nav').hidden = false;
  for (const li of document.querySelectorAll('[data-may]')) li.hidden = !may(li.dataset.may);
}

function signedOut(note) {
  session = null;
  api.setCsrf('');
  $('who').hidden = true;
  $('nav').hidden = true;
  $('login-note').textContent = note || '';
  $('login-error').textContent = '';
  $('login-password').value = '';
  takeTurn(); // a page still loading for the signed-out user draws nothing
  showView('view-login');
  $('login-name').focus();
}

function firstView() {
  return Object.keys(views).find((v) => may(views[v].may));
}

async function route() {
  if (!session) return;
  // #/name or #/name/ARG (a patient's code).
  let [name, ...rest] = location.hash.replace(/^#\//, '').split('/');
  let arg = decodeURIComponent(rest.join('/'));
  if (!views[name] || !may(views[name].may) || (views[name].nav && !arg)) {
    name = firstView();
    arg = '';
  }
  if (!name) return showView('view-none');
  if (!arg && location.hash !== '#/' + name) history.replaceState(null, '', '#/' + name);
  const nav = views[name].nav || name;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === '#/' + nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  try {
    // Each page change asks who is signed in: an expired session shows the sign-in at once.
    const turn = takeTurn();
    signedIn(await api.get('/api/v1/session'));
    if (!isTurn(turn)) return;
    await views[name].show(arg);
  } catch (e) {
    if (e.status !== 401) throw e;
  }
}

async function signIn(ev) {
  ev.preventDefault();
  const name = $('login-name').value.trim();
  const password = $('login-password').value;
  const error = $('login-error');
  error.textContent = '';
  if (!name || !password) {
    error.textContent = 'Enter your name and your password.';
    return;
  }
  $('login-submit').disabled = true;
  try {
    signedIn(await api.post('/api/v1/session', {name, password}));
    $('login-password').value = '';
    $('login-note').textContent = '';
    await route();
  } catch (e) {
    error.textContent = e.message;
    $('login-password').value = '';
    $('login-password').focus();
  } finally {
    $('login-submit').disabled = false;
  }
}

async function signOut() {
  try {
    await api.del('/api/v1/session');
  } finally {
    signedOut('You are signed out.');
  }
}

async function boot() {
  api.whenSignedOut((e) => signedOut(e.message));
  $('login-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  window.addEventListener('hashchange', route);
  setupAccounts();
  try {
    signedIn(await api.get('/api/v1/session'));
    await route();
  } catch (e) {
    signedOut(e.code === 'session_expired' ? e.message : '');
  }
}

boot();
