// view-patient.js: one patient's page: the path as a timeline with the steps this user may
// record, the evaluation with the days it used, the diary as a chart and a table, scores with
// live totals, the plan, the checks, triage, and the documents (report, FHIR, calendar,
// leaflet). Every number and rule comes from the server (the clinic's own computations); the
// page only shows them, and offers only the actions the server lists for this user.
import * as api from './api.js';
import {$, el, clear, showView, takeTurn, isTurn} from './dom.js';
import {diaryChart} from './chart.js';
import {diaryForm, diaryDelete, visitsSection, checksForms} from './view-entry.js';

let code = '';
let today = ''; // the clinic's today (the server's: NMOD_TODAY in tests), for the forms' dates
let forms = null;
let symptoms = null;
const enc = encodeURIComponent;
const DECISIONS = new Set(['team-review', 'decision']);

function section(title, ...children) {
  const id = 'pt-' + title.toLowerCase().replace(/[^a-z]+/g, '-');
  return el('section', {class: 'card', 'aria-labelledby': id}, el('h2', {id}, title), ...children);
}

function table(caption, head, rows) {
  return el('div', {class: 'scroll'}, el('table', {},
    el('caption', {class: 'visually-hidden'}, caption),
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {scope: 'col'}, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c ?? '')))))));
}

function field(id, label, attrs = {}) {
  return [el('label', {for: id}, label), el('input', {id, ...attrs})];
}

// ---- the path ---------------------------------------------------------------------------

function timeline(path) {
  const mark = {done: '✔', planned: '◷', pending: '○'};
  const ol = el('ol', {class: 'timeline'});
  for (const s of path.steps) {
    const extra = [s.date ? ` ${s.date}` : '', s.outcome ? ` → ${s.outcome}` : '', s.note ? ` [${s.note}]` : ''].join('');
    const li = el('li', {class: 'step ' + s.status},
      el('span', {class: 'mark', 'aria-hidden': 'true'}, mark[s.status]),
      el('span', {class: 'visually-hidden'}, s.status + ': '),
      el('strong', {}, s.step), ' ', s.title, extra);
    if (s.override) li.append(el('div', {class: 'override'}, `override: ${s.override.reason} (set aside: ${s.override.rule})`));
    ol.append(li);
  }
  return ol;
}

function stepForm(step, mayOverride) {
  const id = 'step-' + step;
  const form = el('form', {class: 'step-form', id, novalidate: true},
    el('h3', {}, `Record ${step}`),
    ...field(id + '-date', 'Date', {type: 'date', required: true, value: today}),
    ...field(id + '-note', 'Note', {maxlength: 200}));
  if (DECISIONS.has(step)) {
    form.append(el('label', {for: id + '-outcome'}, 'Outcome'),
      el('select', {id: id + '-outcome'}, el('option', {value: 'proceed'}, 'proceed'), el('option', {value: 'stop'}, 'stop')));
  }
  const ovr = el('div', {id: id + '-ovr', hidden: true}, ...field(id + '-override', 'Override reason (needed to set the rule aside)', {maxlength: 200}));
  if (mayOverride) form.append(ovr);
  const err = el('p', {class: 'error', role: 'alert', id: id + '-error'});
  form.append(err, el('button', {type: 'submit'}, `Record ${step}`));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const body = {step, date: $(id + '-date').value};
    const note = $(id + '-note').value.trim();
    if (note) body.note = note;
    if ($(id + '-outcome')) body.outcome = $(id + '-outcome').value;
    const reason = mayOverride ? $(id + '-override').value.trim() : '';
    if (reason) body.override = reason;
    try {
      await api.post(`/api/v1/patients/${enc(code)}/steps`, body);
      await showPatient(code);
    } catch (e) {
      err.textContent = e.message;
      // A rule refused it: a user who may override now sees the reason field.
      if (e.code === 'refused' && mayOverride) {
        ovr.hidden = false;
        $(id + '-override').focus();
      }
    }
  });
  return form;
}

function pathSection(d) {
  const path = d.path;
  const next = path.next.length
    ? path.next.map((n) => `${n.step} (${n.title})${n.due ? ': ' + n.due : ''}`).join(' or ')
    : (path.status === 'closed' ? 'nothing: the path is closed' : 'follow-up visits (see the plan)');
  const sec = section('Path', el('p', {}, el('strong', {}, 'Next: '), next), timeline(path));
  for (const w of path.warnings) sec.append(el('p', {class: 'warning'}, 'Warning: ' + w));
  const steps = d.actions.steps;
  for (const s of steps) sec.append(stepForm(s, d.actions.override));
  // The next steps this role may not record, and the permission each needs (docs/CONSOLE.md).
  const refused = d.actions.refused.map((r) => `${r.step} (it needs ${r.needs})`).join(' or ');
  if (refused) {
    sec.append(el('p', {class: 'note', id: steps.length ? 'refused-steps' : 'no-actions'},
      `Your role may not record ${refused}.`));
  }
  return sec;
}

// ---- evaluation and diary --------------------------------------------------------------

function ranges(r) {
  return r.length ? r.map((x) => x.from === x.to ? x.from : `${x.from} to ${x.to}`).join(', ') : 'none';
}

function evalSection(ev) {
  const dl = el('dl', {class: 'facts'});
  const add = (k, v) => dl.append(el('dt', {}, k), el('dd', {}, v ?? '-'));
  add('Verdict', `${ev.verdict}: ${ev.reason}`);
  add('Measure', ev.measure);
  add('Baseline mean', `${ev.baseline_mean ?? '-'} over ${ev.baseline_days} days`);
  add('Trial mean', `${ev.trial_mean ?? '-'} over ${ev.trial_days} days`);
  add('Reduction', ev.reduction_pct === null ? '-' : `${ev.reduction_pct} % (success at ${ev.threshold_pct} %)`);
  add('Baseline window', ev.baseline_window ? `${ev.baseline_window.from ?? '-'} to ${ev.baseline_window.to ?? '-'}` : '-');
  add('Trial window', ev.trial_window ? `${ev.trial_window.from ?? '-'} to ${ev.trial_window.to ?? '-'}` : '-');
  if (ev.days_used) {
    add('Baseline days used', ranges(ev.days_used.baseline));
    add('Trial days used', ranges(ev.days_used.trial));
  }
  return section('Evaluation', el('p', {class: 'verdict ' + ev.verdict, id: 'verdict'}, ev.verdict), dl);
}

function diarySection(d) {
  const scs = d.patient.therapy === 'scs';
  const days = d.diary.days.map((x) => ({date: x.date, phase: x.phase, used: x.used, value: scs ? x.pain : x.incontinence}));
  const rows = d.diary.days.map((x) => scs
    ? [x.date, x.phase, x.used ? 'yes' : 'no', x.nrs, x.morning, x.evening]
    : [x.date, x.phase, x.used ? 'yes' : 'no', x.incontinence, x.urgency, x.pads]);
  const head = scs ? ['Date', 'Phase', 'Used', 'NRS', 'Morning', 'Evening'] : ['Date', 'Phase', 'Used', 'Incontinence', 'Urgency', 'Pads'];
  const err = el('p', {class: 'error', role: 'alert', id: 'diary-delete-error'});
  const reload = () => showPatient(code);
  if (d.actions.diary) {
    head.push('Correct');
    rows.forEach((r, i) => r.push(diaryDelete(code, d.diary.days[i].date, reload, err)));
  }
  const sec = section('Diary', diaryChart(days, d.evaluation, scs ? 'pain (NRS)' : 'incontinence episodes'),
    el('p', {class: 'legend'}, el('span', {class: 'key baseline'}, 'baseline'), ' ', el('span', {class: 'key trial'}, 'trial'),
      ' ', el('span', {class: 'key unused'}, 'not used')),
    el('details', {id: 'diary-table'}, el('summary', {}, `The diary as a table (${rows.length} days)`), table('Diary days', head, rows)), err);
  if (d.actions.diary) sec.append(diaryForm(d, code, reload));
  return sec;
}

// ---- scores ------------------------------------------------------------------------------

function scoreForm(therapy) {
  const kinds = forms.scores.filter((f) => therapy === 'scs' ? f.kind === 'nrs' : true);
  const kind = el('select', {id: 'score-kind'}, ...kinds.map((f) => el('option', {value: f.kind}, f.kind)));
  const items = el('div', {id: 'score-items'});
  const total = el('p', {id: 'score-total', role: 'status'});
  const err = el('p', {class: 'error', role: 'alert'});
  const answers = () => {
    const a = {};
    for (const i of items.querySelectorAll('select')) if (i.value !== '') a[i.dataset.item] = i.value;
    return a;
  };
  // The total comes from the clinic (POST /scores/total), never computed here. Answers can
  // come back out of order: only the newest request's answer is shown.
  let asked = 0;
  const live = async () => {
    const mine = ++asked;
    let text;
    try {
      const r = await api.post('/api/v1/scores/total', {kind: kind.value, answers: answers()});
      text = r.total === null ? `Total: - of ${r.max} (${r.missing})` : `Total: ${r.total} of ${r.max}`;
    } catch (e) {
      text = e.message;
    }
    if (mine === asked) total.textContent = text;
  };
  const build = () => {
    clear(items);
    const f = forms.scores.find((x) => x.kind === kind.value);
    for (const it of f.items) {
      const opts = it.answers === '0-10' ? [...Array(11).keys()].map(String)
        : it.answers === 'yes-no' ? ['no', 'yes'] : ['0', '1', '2', '3', '4'];
      const sel = el('select', {id: 'score-' + it.item, 'data-item': it.item}, el('option', {value: ''}, '-'),
        ...opts.map((o) => el('option', {value: o}, o)));
      sel.addEventListener('change', live);
      items.append(el('label', {for: 'score-' + it.item}, it.item), sel);
    }
    live();
  };
  kind.addEventListener('change', build);
  const form = el('form', {id: 'score-form', novalidate: true}, el('h3', {}, 'Enter a score'),
    el('label', {for: 'score-kind'}, 'Score'), kind, ...field('score-date', 'Date', {type: 'date', value: today}),
    items, total, err, el('button', {type: 'submit'}, 'Store the score'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    try {
      await api.post(`/api/v1/patients/${enc(code)}/scores`, {kind: kind.value, date: $('score-date').value, answers: answers()});
      await showPatient(code);
    } catch (e) {
      err.textContent = e.message;
    }
  });
  build();
  return form;
}

function scoresSection(d) {
  const list = d.scores.scores || [];
  const sec = section('Scores', list.length
    ? table('Scores', ['Date', 'Score', 'Total', 'Items'], list.map((s) => [s.date, s.kind, String(s.total), s.items]))
    : el('p', {class: 'note'}, 'No scores yet.'));
  if (d.actions.score) sec.append(scoreForm(d.patient.therapy));
  return sec;
}

// ---- plan, checks, triage, documents ------------------------------------------------------

function planSection(d) {
  const items = d.plan.items.map((i) => [i.date ? (i.date_to ? `${i.date} to ${i.date_to}` : i.date) : i.when, i.kind, i.what, i.past ? 'past' : '']);
  return section('Plan', items.length ? table('Follow-up plan', ['When', 'Kind', 'What', ''], items) : el('p', {class: 'note'}, 'No plan yet.'),
    el('p', {}, el('a', {href: `/api/v1/patients/${enc(code)}/plan.ics`, download: `${code}-plan.ics`}, 'Download the plan as a calendar (ICS)')));
}

function checksSection(d) {
  const c = d.checks;
  const sec = section('Checks: vaccinations and anticoagulants');
  if (!c.warnings.length) sec.append(el('p', {}, 'No vaccination, timing or trial-length conflicts.'));
  for (const w of c.warnings) sec.append(el('p', {class: 'warning'}, 'Warning: ' + w));
  if (c.anticoagulants.length) {
    sec.append(el('p', {}, `Anticoagulants to discuss ${c.discuss}:`),
      el('ul', {}, ...c.anticoagulants.map((a) => el('li', {}, `${a.medication} (${a.generic})`))));
  } else {
    sec.append(el('p', {}, 'No anticoagulants recorded.'));
  }
  if (d.actions.checks) sec.append(...checksForms(d, code, () => showPatient(code)));
  return sec;
}

function triageSection(d) {
  const list = symptoms.symptoms.filter((s) => s.therapies.includes(d.patient.therapy));
  const out = el('div', {id: 'triage-result', role: 'status'});
  const boxes = list.map((s) => el('div', {class: 'check'}, el('input', {type: 'checkbox', id: 'sym-' + s.symptom, value: s.symptom}),
    el('label', {for: 'sym-' + s.symptom, class: 'inline'}, s.symptom)));
  const form = el('form', {id: 'triage-form', novalidate: true}, ...field('triage-temp', 'Temperature (°C)', {inputmode: 'decimal'}),
    el('fieldset', {}, el('legend', {}, 'Symptoms'), ...boxes), el('button', {type: 'submit'}, 'Triage'), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    const p = new URLSearchParams();
    if ($('triage-temp').value.trim()) p.set('temp', $('triage-temp').value.trim());
    const syms = [...form.querySelectorAll('input[type=checkbox]:checked')].map((b) => b.value);
    if (syms.length) p.set('symptoms', syms.join(','));
    try {
      const r = await api.get(`/api/v1/patients/${enc(code)}/triage?` + p);
      out.append(el('p', {class: 'urgency ' + r.urgency}, el('strong', {}, r.urgency), ': ', r.action),
        el('ul', {}, ...r.reasons.map((x) => el('li', {}, `[${x.urgency}] ${x.reason}`))));
    } catch (e) {
      out.append(el('p', {class: 'error'}, e.message));
    }
  });
  return section('Triage', form);
}

// The patient's changes from the audit trail (for who may read it), newest first.
async function auditSection(c) {
  const page = await api.get(`/api/v1/audit?limit=50&patient=${enc(c)}`);
  const vals = (o) => (o ? Object.entries(o).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`).join('\n') : '');
  const rows = page.entries.map((e) => [e.at, e.actor, `${e.op} ${e.table}`, vals(e.old), vals(e.new)]);
  const sec = section('Changes (audit trail)', rows.length
    ? table('Changes to this patient, newest first', ['When (UTC)', 'Who', 'What', 'Before', 'After'], rows)
    : el('p', {class: 'note'}, 'No changes.'));
  for (const td of sec.querySelectorAll('td:nth-child(4), td:nth-child(5)')) td.classList.add('values');
  return sec;
}

function documents() {
  const base = `/api/v1/patients/${enc(code)}`;
  return section('Documents', el('ul', {},
    el('li', {}, el('a', {href: base + '/report', download: `${code}-report.html`}, 'The report (HTML, printable)')),
    el('li', {}, el('a', {href: base + '/fhir', download: `${code}-fhir.json`}, 'FHIR R4 export (JSON)')),
    el('li', {}, el('a', {href: `#/leaflet/${enc(code)}/nl`}, 'The leaflet for the patient in Dutch (print view)')),
    el('li', {}, el('a', {href: `#/leaflet/${enc(code)}/en`}, 'The leaflet for the patient in English (print view)'))));
}

// A late answer never shows one patient under another's code (see takeTurn).
export async function showPatient(c) {
  const turn = takeTurn();
  const box = $('patient-body');
  $('patient-error').textContent = '';
  try {
    if (!forms) forms = await api.get('/api/v1/scores/forms');
    if (!symptoms) symptoms = await api.get('/api/v1/triage/symptoms');
    const d = await api.get('/api/v1/patients/' + enc(c));
    const audit = d.actions.audit ? await auditSection(c) : null;
    if (!isTurn(turn)) return;
    // The forms drawn now post to this patient: the code changes only with what is shown.
    code = c;
    today = d.actions.today;
    clear(box);
    $('patient-title').textContent = `${d.patient.name} (${d.patient.id})`;
    box.append(el('p', {class: 'note'}, `${d.patient.therapy.toUpperCase()}, born ${d.patient.birth_date}; path ${d.path.status}`),
      pathSection(d), evalSection(d.evaluation), diarySection(d), scoresSection(d), visitsSection(d, code, () => showPatient(code)), planSection(d), checksSection(d),
      triageSection(d), documents());
    if (audit) box.append(audit);
  } catch (e) {
    if (!isTurn(turn)) return;
    clear(box);
    $('patient-title').textContent = 'Patient';
    if (e.status !== 401) $('patient-error').textContent = e.message;
  }
  showView('view-patient', turn);
}

// The leaflet as a print view: the clinic's rules for the patient's phase, in Dutch (the
// brochures' language) or English.
const LEAFLET_TITLE = {en: 'Rules for you now', nl: 'Regels voor u nu'};
// The therapy and the phase in the patient's words (the clinic sends their ids).
const LEAFLET_WORDS = {
  nl: {scs: 'ruggenmergstimulatie', snm: 'sacrale neuromodulatie', 'before-trial': 'voor de proefperiode',
    trial: 'de proefperiode', 'early-implant': 'de eerste weken na de definitieve operatie',
    implanted: 'met de definitieve stimulator', removed: 'het systeem is verwijderd'},
  en: {scs: 'spinal cord stimulation', snm: 'sacral neuromodulation', 'before-trial': 'before the trial',
    trial: 'the trial', 'early-implant': 'the first weeks after the definitive operation',
    implanted: 'with the definitive stimulator', removed: 'the system was removed'},
};
export async function showLeaflet(arg) {
  const turn = takeTurn();
  const [c, lang = 'nl'] = arg.split('/');
  const box = $('leaflet-body');
  clear(box);
  $('leaflet-error').textContent = '';
  $('leaflet-other').textContent = lang === 'nl' ? 'English' : 'Nederlands';
  $('leaflet-other').setAttribute('href', `#/leaflet/${enc(c)}/${lang === 'nl' ? 'en' : 'nl'}`);
  $('leaflet-other').setAttribute('lang', lang === 'nl' ? 'en' : 'nl');
  try {
    const l = await api.get(`/api/v1/patients/${enc(c)}/leaflet?lang=${lang === 'nl' ? 'nl' : 'en'}`);
    if (!isTurn(turn)) return;
    const words = LEAFLET_WORDS[lang === 'nl' ? 'nl' : 'en'];
    $('leaflet-title').textContent = `${LEAFLET_TITLE[lang] || LEAFLET_TITLE.en} (${words[l.therapy]}, ${words[l.phase] || l.phase})`;
    $('leaflet-title').setAttribute('lang', lang);
    box.setAttribute('lang', lang);
    for (const s of l.sections) box.append(el('h2', {}, s.title), el('ul', {}, ...s.rules.map((r) => el('li', {}, r))));
  } catch (e) {
    if (isTurn(turn) && e.status !== 401) $('leaflet-error').textContent = e.message;
  }
  showView('view-leaflet', turn);
}
