// view-patients.js: the patient list: search, therapy and phase filters, the "needs attention"
// view, a page at a time. The server keeps the state per patient (table patient_state) and
// decides who needs attention; this page only shows its answer.
import * as api from './api.js';
import {$, el, clear, showView, takeTurn} from './dom.js';

const PAGE = 25;
const REASONS = {
  'trial-over-window': 'trial over its window',
  'control-overdue': 'control overdue',
  'diary-missing': 'diary days missing',
  'awaiting-implant': 'implant awaiting a decision',
};
let offset = 0;
let seq = 0; // the answer of the latest request only: filters change faster than answers come

function query() {
  const p = new URLSearchParams();
  const q = $('patient-search').value.trim();
  if (q) p.set('q', q);
  if ($('patient-therapy').value) p.set('therapy', $('patient-therapy').value);
  if ($('patient-phase').value) p.set('phase', $('patient-phase').value);
  if ($('patient-attention').checked) p.set('attention', '1');
  p.set('limit', PAGE);
  p.set('offset', offset);
  return p.toString();
}

function row(p) {
  const reasons = p.attention.map((r) => r === 'diary-missing' ? `${REASONS[r]} (${p.diary_days_missing})` : REASONS[r]);
  return el('tr', {},
    el('td', {}, el('a', {href: '#/patient/' + encodeURIComponent(p.code)}, p.code)),
    el('td', {}, p.name),
    el('td', {}, p.therapy.toUpperCase()),
    el('td', {}, p.phase),
    el('td', {}, p.stands ? `${p.stands.step} (${p.stands.date})` : 'not yet on the path'),
    el('td', {}, p.next.join(' or ') || '-'),
    el('td', {class: reasons.length ? 'attention' : ''}, reasons.join('; ')));
}

async function load() {
  $('patients-error').textContent = '';
  const mine = ++seq;
  try {
    const page = await api.get('/api/v1/patients?' + query());
    if (mine !== seq) return;
    const body = document.querySelector('#patients-table tbody');
    clear(body);
    for (const p of page.patients) body.append(row(p));
    const last = Math.min(page.offset + page.patients.length, page.total);
    $('patients-count').textContent = page.total ? `${page.offset + 1}-${last} of ${page.total} patients` : 'No patient matches.';
    $('patients-prev').disabled = page.offset === 0;
    $('patients-next').disabled = last >= page.total;
  } catch (e) {
    if (e.status !== 401) $('patients-error').textContent = e.message;
  }
}

// A new patient (patient.write): the clinic checks the code, therapy, name and date; on success
// the patient's page opens.
async function addPatient(ev) {
  ev.preventDefault();
  const err = $('new-patient-error');
  err.textContent = '';
  const code = $('new-code').value.trim();
  try {
    await api.post('/api/v1/patients', {code, therapy: $('new-therapy').value, name: $('new-name').value.trim(),
      birth_date: $('new-birth').value});
    for (const id of ['new-code', 'new-name', 'new-birth']) $(id).value = '';
    location.hash = '#/patient/' + encodeURIComponent(code);
  } catch (e) {
    err.textContent = e.message;
  }
}

let wired = false;
let timer = null;
export async function showPatients() {
  const turn = takeTurn();
  if (!wired) {
    const again = () => { offset = 0; load(); };
    $('patient-search').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(again, 200); });
    for (const id of ['patient-therapy', 'patient-phase', 'patient-attention']) $(id).addEventListener('change', again);
    $('patients-prev').addEventListener('click', () => { offset = Math.max(0, offset - PAGE); load(); });
    $('patients-next').addEventListener('click', () => { offset += PAGE; load(); });
    $('new-patient-form').addEventListener('submit', addPatient);
    wired = true;
  }
  await load();
  showView('view-patients', turn);
}
