// view-audit.js: the audit trail of the whole clinic, newest first, a page at a time.
import * as api from './api.js';
import {$, el, clear, showView, takeTurn} from './dom.js';

let next = null;

// A row's values as "key: value" lines.
function values(obj) {
  if (!obj) return '';
  return Object.entries(obj).map(([k, v]) => `${k}: ${v === null ? '' : v}`).join('\n');
}

function addRows(entries) {
  const body = document.querySelector('#audit-table tbody');
  for (const e of entries) {
    const what = `${e.op} ${e.table}` + (e.pid === null ? '' : ` (patient ${e.pid})`);
    body.append(el('tr', {}, el('td', {}, e.at), el('td', {}, e.actor), el('td', {}, what),
      el('td', {class: 'values'}, values(e.old)), el('td', {class: 'values'}, values(e.new))));
  }
}

async function load(more) {
  $('audit-error').textContent = '';
  try {
    const page = await api.get('/api/v1/audit?limit=50' + (more && next ? '&before=' + next : ''));
    if (!more) clear(document.querySelector('#audit-table tbody'));
    addRows(page.entries);
    next = page.next_before;
    $('audit-more').hidden = next === null;
  } catch (e) {
    if (e.status !== 401) $('audit-error').textContent = e.message;
  }
}

let wired = false;
export async function showAudit() {
  const turn = takeTurn();
  if (!wired) {
    $('audit-more').addEventListener('click', () => load(true));
    wired = true;
  }
  await load(false);
  showView('view-audit', turn);
}
