// view-entry.js: the staff's data entry on a patient's page: a diary day (entered, or deleted
// as a correction), visits, and SNM lead-placement responses. Offered only when the server's
// `actions` say this user may; every value is checked by the server with the command line's
// own rules (diary add, visit add, lead-response add), whose one-line refusal is shown here.
import * as api from './api.js';
import {$, el} from './dom.js';

const enc = encodeURIComponent;
const FIELDS = {
  scs: [['nrs', 'Pain NRS for the day (0-10)'], ['morning', 'Pain NRS in the morning (0-10)'], ['evening', 'Pain NRS in the evening (0-10)']],
  snm: [['incontinence', 'Incontinence episodes'], ['urgency', 'Urgency episodes'], ['pads', 'Pads used']],
};
const VISIT_KINDS = ['control', 'trial-check', 'wound-check', 'programming', 'yearly', 'read-out', 'other'];
const RESPONSES = ['bellows', 'toe', 'both', 'none'];

function field(id, label, attrs = {}) {
  return [el('label', {for: id}, label), el('input', {id, ...attrs})];
}

// A form that posts body() to path and reloads the page, or shows the refusal and changes nothing.
function entryForm(id, title, controls, button, path, body, reload) {
  const err = el('p', {class: 'error', role: 'alert', id: id + '-error'});
  const form = el('form', {class: 'entry-form', id, novalidate: true}, el('h3', {}, title), ...controls, err,
    el('button', {type: 'submit'}, button));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    try {
      await api.post(path, body());
      await reload();
    } catch (e) {
      err.textContent = e.message;
    }
  });
  return form;
}

// The text of an input, or undefined when empty (the field is left out of the change).
const val = (id) => $(id).value.trim() || undefined;

export function diaryForm(d, code, reload) {
  const fields = FIELDS[d.patient.therapy];
  const controls = [...field('diary-date', 'Date', {type: 'date', value: d.actions.today}),
    ...fields.flatMap(([name, label]) => field('diary-' + name, label, {inputmode: 'numeric', autocomplete: 'off'}))];
  return entryForm('diary-form', 'Enter a diary day', controls, 'Store the day', `/api/v1/patients/${enc(code)}/diary`, () => {
    const b = {date: $('diary-date').value};
    for (const [name] of fields) if (val('diary-' + name) !== undefined) b[name] = val('diary-' + name);
    return b;
  }, reload);
}

// The Delete button of one diary day (a correction: enter it again after).
export function diaryDelete(code, date, reload, err) {
  const b = el('button', {type: 'button', 'aria-label': `Delete the diary day ${date}`}, 'Delete');
  b.addEventListener('click', async () => {
    err.textContent = '';
    try {
      await api.del(`/api/v1/patients/${enc(code)}/diary/${enc(date)}`);
      await reload();
    } catch (e) {
      err.textContent = e.message;
    }
  });
  return b;
}

function table(caption, head, rows) {
  return el('div', {class: 'scroll'}, el('table', {},
    el('caption', {class: 'visually-hidden'}, caption),
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {scope: 'col'}, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c ?? '')))))));
}

export function visitsSection(d, code, reload) {
  const list = d.visits.visits;
  const sec = el('section', {class: 'card', 'aria-labelledby': 'pt-visits'}, el('h2', {id: 'pt-visits'}, 'Visits'),
    list.length ? table('Visits', ['Date', 'Kind', 'Note', 'Read-out'], list.map((v) => [v.date, v.kind, v.note,
      v.interrogation ? `${v.interrogation.serial}` : '']))
      : el('p', {class: 'note'}, 'No visits yet.'));
  if (d.actions.visit) {
    sec.append(entryForm('visit-form', 'Record a visit', [
      el('label', {for: 'visit-kind'}, 'Kind'), el('select', {id: 'visit-kind'}, ...VISIT_KINDS.map((k) => el('option', {value: k}, k))),
      ...field('visit-date', 'Date', {type: 'date', value: d.actions.today}),
      ...field('visit-note', 'Note', {maxlength: 500})], 'Record the visit', `/api/v1/patients/${enc(code)}/visits`,
    () => ({kind: $('visit-kind').value, date: $('visit-date').value || undefined, note: val('visit-note')}), reload));
  }
  if (d.patient.therapy === 'snm') sec.append(leadResponses(d, code, reload));
  return sec;
}

// SNM: the response to the test current at lead placement, per contact (stage 1 or 2).
function leadResponses(d, code, reload) {
  const list = d.lead_responses.responses;
  const box = el('div', {id: 'lead-responses'}, el('h3', {}, 'Lead placement: responses per contact'),
    list.length ? table('Lead responses', ['Date', 'Contact', 'Response', 'Threshold (mA)', 'Note'],
      list.map((r) => [r.date, r.contact, r.response, r.threshold_ma, r.note]))
      : el('p', {class: 'note'}, 'No responses recorded.'));
  if (d.actions.visit) {
    box.append(entryForm('lead-form', 'Record a response', [
      ...field('lead-contact', 'Contact (E0, E1, ...)', {autocomplete: 'off'}),
      el('label', {for: 'lead-response'}, 'Response'), el('select', {id: 'lead-response'}, ...RESPONSES.map((r) => el('option', {value: r}, r))),
      ...field('lead-threshold', 'Threshold (mA)', {inputmode: 'decimal', autocomplete: 'off'}),
      ...field('lead-date', 'Date (stage 1 or 2; empty: stage 1)', {type: 'date'})], 'Record the response',
    `/api/v1/patients/${enc(code)}/lead-responses`, () => ({contact: val('lead-contact') || '', response: $('lead-response').value,
      threshold_ma: val('lead-threshold'), date: val('lead-date')}), reload));
  }
  return box;
}

// Vaccinations and medication (checks.write), for the vaccination windows and the anticoagulants.
export function checksForms(d, code, reload) {
  const base = `/api/v1/patients/${enc(code)}`;
  return [
    entryForm('vaccination-form', 'Record a vaccination', [
      ...field('vacc-date', 'Date of the vaccination', {type: 'date', value: d.actions.today}),
      el('label', {for: 'vacc-kind'}, 'Kind'), el('select', {id: 'vacc-kind'}, el('option', {value: 'flu'}, 'flu'), el('option', {value: 'other'}, 'other')),
      ...field('vacc-name', 'Name (optional)', {maxlength: 100})], 'Record the vaccination', base + '/vaccinations',
    () => ({date: $('vacc-date').value, kind: $('vacc-kind').value, name: val('vacc-name')}), reload),
    entryForm('medication-form', 'Record a medication', [...field('med-name', 'Medication (name and dose)', {maxlength: 100})],
      'Record the medication', base + '/medications', () => ({name: val('med-name') || ''}), reload),
  ];
}
