// view-accounts.js: the console's accounts (admin): the list, add, disable and enable.
import * as api from './api.js';
import {$, el, clear, showView, takeTurn} from './dom.js';

function row(u) {
  const action = u.disabled ? 'enable' : 'disable';
  const b = el('button', {type: 'button', 'aria-label': `${action} ${u.name}`}, action[0].toUpperCase() + action.slice(1));
  b.addEventListener('click', async () => {
    $('account-error').textContent = '';
    try {
      await api.post(`/api/v1/users/${encodeURIComponent(u.name)}/${action}`);
      await list();
    } catch (e) {
      if (e.status !== 401) $('account-error').textContent = e.message;
    }
  });
  return el('tr', {}, el('td', {}, u.name), el('td', {}, u.role), el('td', {}, u.disabled ? 'disabled' : 'active'),
    el('td', {}, u.created_at), el('td', {}, b));
}

async function list() {
  const {users} = await api.get('/api/v1/users');
  const body = document.querySelector('#accounts-table tbody');
  clear(body);
  for (const u of users) body.append(row(u));
}

async function add(ev) {
  ev.preventDefault();
  const error = $('account-error');
  error.textContent = '';
  const body = {name: $('account-name').value.trim(), role: $('account-role').value, password: $('account-password').value};
  try {
    await api.post('/api/v1/users', body);
    $('account-name').value = '';
    $('account-password').value = '';
    await list();
  } catch (e) {
    if (e.status !== 401) error.textContent = e.message;
  }
}

export function setupAccounts() {
  $('account-form').addEventListener('submit', add);
}

export async function showAccounts() {
  const turn = takeTurn();
  try {
    await list();
  } catch (e) {
    if (e.status === 401) return;
    $('account-error').textContent = e.message;
  }
  showView('view-accounts', turn);
}
