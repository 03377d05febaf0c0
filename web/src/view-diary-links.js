// view-diary-links.js: a patient's diary links (nurses and clinicians): issue one, which shows
// its address once (only a hash of its token is kept), list them, revoke one. diaryLinkControl
// is the control itself, for this page and for the patient's page.
import * as api from './api.js';
import {$, el, clear, showView, takeTurn} from './dom.js';

const base = (code) => `/api/v1/patients/${encodeURIComponent(code)}`;

// The control for patient `code`; mayIssue: the user's role has diary.link.
export function diaryLinkControl(code, mayIssue) {
  const id = 'dl-' + code.replace(/[^A-Za-z0-9_-]/g, '_');
  const error = el('p', {class: 'error', role: 'alert', id: id + '-error'});
  const fresh = el('div', {id: id + '-new', hidden: true});
  const body = el('tbody');
  const table = el('table', {id: id + '-table'},
    el('caption', {class: 'visually-hidden'}, `Diary links of ${code}, newest first`),
    el('thead', {}, el('tr', {}, ...['Link', 'Issued (UTC)', 'By', 'State', 'Days', 'Action'].map((h) => el('th', {scope: 'col'}, h)))),
    body);
  const box = el('div', {class: 'card', 'data-diary-links': code}, el('h2', {}, `Diary links of ${code}`), fresh,
    el('div', {class: 'scroll'}, table), error);

  async function list() {
    const {links} = await api.get(`${base(code)}/diary-links`);
    clear(body);
    for (const l of links) {
      const cell = el('td');
      if (mayIssue && !l.revoked_at) {
        const b = el('button', {type: 'button', 'aria-label': `Revoke diary link ${l.id} of ${code}`}, 'Revoke');
        b.addEventListener('click', () => act(async () => {
          await api.post(`${base(code)}/diary-links/${l.id}/revoke`);
          fresh.hidden = true;
        }));
        cell.append(b);
      }
      body.append(el('tr', {}, el('td', {}, String(l.id)), el('td', {}, l.issued_at), el('td', {}, l.issued_by),
        el('td', {}, l.revoked_at ? `revoked ${l.revoked_at}` : l.state),
        el('td', {}, `${l.valid_from || 'start of the baseline'} to ${l.valid_to || 'end of the trial'}`), cell));
    }
    if (!links.length) body.append(el('tr', {}, el('td', {colspan: 6}, 'No diary link issued yet.')));
  }

  async function act(fn) {
    error.textContent = '';
    try {
      await fn();
      await list();
    } catch (e) {
      if (e.status !== 401) error.textContent = e.message;
    }
  }

  if (mayIssue) {
    const issue = el('button', {type: 'button'}, 'Issue a new diary link');
    issue.addEventListener('click', () => act(async () => {
      const r = await api.post(`${base(code)}/diary-link`);
      clear(fresh);
      fresh.append(el('label', {for: id + '-url'}, 'The new link, shown only now: give it to the patient (earlier links are revoked)'),
        el('input', {id: id + '-url', readonly: true, value: r.url, spellcheck: 'false'}));
      fresh.hidden = false;
      $(id + '-url').select();
    }));
    box.insertBefore(issue, fresh);
  }
  box.refresh = () => act(async () => {});
  return box;
}

export async function showDiaryLinks(session) {
  showView('view-diary-links', takeTurn());
  const form = $('diary-links-form');
  if (form.dataset.ready) return;
  form.dataset.ready = '1';
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const code = $('diary-links-patient').value.trim();
    const out = $('diary-links-box');
    clear(out);
    if (!code) return;
    const c = diaryLinkControl(code, session().may.includes('diary.link'));
    out.append(c);
    await c.refresh();
  });
}
