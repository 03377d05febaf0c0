// diary.js: the patient's diary page (diary.html), reached through a diary link: the days
// already entered, a form for a day's values, today's entry correctable. Dutch first (the
// brochures' language), English on request. The values are checked by the server, with the
// rules of `nmod clinic diary add`; the page only says in the patient's words what was refused.
import * as api from './api.js';
import {$, el, clear} from './dom.js';
import text from './diary-text.json' with {type: 'json'};

// The page's words in each language (diary-text.json); {name} in a text is filled by say().
const say = (template, vars) => template.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));

let lang = localStorage.getItem('nmod-diary-lang') === 'en' ? 'en' : 'nl';
let diary = null; // GET /api/v1/diary
const t = () => text[lang];

function showSection(id) {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== id;
  $('loading').hidden = true;
  $(id).querySelector('h1').focus();
}

function closed(message) {
  diary = null;
  $('d-closed-title').textContent = t().closedTitle;
  $('d-closed-text').textContent = message;
  showSection('d-view-closed');
}

function renderForm() {
  const box = $('d-fields');
  const kept = {};
  for (const f of diary.fields) if ($('d-' + f.name)) kept[f.name] = $('d-' + f.name).value;
  clear(box);
  for (const f of diary.fields) {
    box.append(el('label', {for: 'd-' + f.name}, `${t().field[f.name]} ${say(t().range, {max: f.max})}`),
      el('input', {id: 'd-' + f.name, name: f.name, inputmode: 'numeric', autocomplete: 'off', value: kept[f.name] || ''}));
  }
  $('d-date').min = diary.valid_from;
  $('d-date').max = diary.today;
  if (!$('d-date').value) $('d-date').value = diary.today;
}

function renderDays() {
  const head = $('d-days-head');
  clear(head);
  head.append(el('th', {scope: 'col'}, t().date));
  for (const f of diary.fields) head.append(el('th', {scope: 'col'}, t().short[f.name]));
  const body = $('d-days').querySelector('tbody');
  clear(body);
  for (const d of diary.days) {
    // Today's row carries its correction button under the date: the table fits a phone.
    const date = el('th', {scope: 'row'}, d.date);
    if (d.date === diary.today) {
      const b = el('button', {type: 'button', 'aria-label': say(t().correctLabel, {d: d.date})}, t().correct);
      b.addEventListener('click', () => correctToday(d));
      date.append(el('span', {class: 'today'}, t().today), b);
    }
    const tr = el('tr', {'data-date': d.date}, date);
    for (const f of diary.fields) tr.append(el('td', {}, d[f.name] === null ? '–' : String(d[f.name])));
    body.append(tr);
  }
  $('d-days').hidden = diary.days.length === 0;
  $('d-none').hidden = diary.days.length !== 0;
}

function render() {
  document.documentElement.lang = lang;
  const tx = t();
  document.title = diary ? tx.title[diary.therapy] : tx.brand;
  $('d-brand').textContent = tx.brand;
  $('d-lang').textContent = tx.other;
  $('d-lang').lang = tx.otherLang;
  if (!diary) return;
  $('d-title').textContent = tx.title[diary.therapy];
  $('d-intro').textContent = tx.intro;
  $('d-form-title').textContent = tx.formTitle;
  $('d-date-label').textContent = tx.date;
  $('d-hint').textContent = tx.hint[diary.therapy];
  $('d-save').textContent = tx.save;
  $('d-days-title').textContent = tx.days;
  $('d-days-caption').textContent = tx.days;
  $('d-none').textContent = tx.none;
  $('d-close').textContent = tx.close;
  renderForm();
  renderDays();
}

function correctToday(day) {
  $('d-date').value = day.date;
  for (const f of diary.fields) $('d-' + f.name).value = day[f.name] === null ? '' : String(day[f.name]);
  $('d-done').textContent = '';
  $('d-error').textContent = '';
  $('d-' + diary.fields[0].name).focus();
}

// What the server said, in the patient's language where the page has the words for it.
function refusal(e) {
  const tx = t();
  if (e.code === 'bad_value' && tx.badValue) return say(tx.badValue, {label: tx.field[e.detail.field] || e.detail.field, max: e.detail.max});
  if (e.code === 'exists' && tx.exists) return say(tx.exists, {d: $('d-date').value});
  if (e.code === 'network') return tx.network;
  return tx.notStored + e.message;
}

async function save(ev) {
  ev.preventDefault();
  const error = $('d-error');
  const done = $('d-done');
  error.textContent = '';
  done.textContent = '';
  const date = $('d-date').value;
  if (!date) {
    error.textContent = t().noDate;
    return;
  }
  const body = {date};
  for (const f of diary.fields) {
    const v = $('d-' + f.name).value.trim();
    if (v !== '') body[f.name] = v; // as typed: the server reads it with the CLI's parser
  }
  $('d-save').disabled = true;
  try {
    const r = await api.post('/api/v1/diary/days', body);
    done.textContent = r.replaced ? say(t().corrected, {d: r.date}) : say(t().stored, {d: r.date});
    $('d-date').value = diary.today;
    for (const f of diary.fields) $('d-' + f.name).value = '';
    await load();
  } catch (e) {
    if (e.status !== 401) error.textContent = refusal(e);
  } finally {
    $('d-save').disabled = false;
  }
}

async function load() {
  diary = await api.get('/api/v1/diary');
  api.setCsrf(diary.csrf);
  render();
}

async function closeDiary() {
  try {
    await api.del('/api/v1/diary/session');
  } finally {
    closed(t().closed);
  }
}

async function boot() {
  // Any 401: the session or the link ended (expired, revoked, the trial over).
  api.whenSignedOut(() => closed(t().ended));
  $('d-lang').addEventListener('click', () => {
    lang = t().otherLang;
    localStorage.setItem('nmod-diary-lang', lang);
    render();
    if ($('d-view-closed').hidden === false) $('d-closed-title').textContent = t().closedTitle;
  });
  $('d-form').addEventListener('submit', save);
  $('d-close').addEventListener('click', closeDiary);
  render();
  try {
    await load();
    showSection('d-view-diary');
  } catch (e) {
    if (e.status !== 401) closed(t().network);
  }
}

boot();
