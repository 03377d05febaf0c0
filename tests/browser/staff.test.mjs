// staff.test.mjs: the staff's data entry in nmod console, in a real headless Chromium against a
// real `nmod console` on a real SQLite file (node --test; ctest t_console_staff): a nurse adds a
// patient, records a step, enters a diary day and a visit; a bad value refused with nothing
// changed; a nurse refused a clinician's action (not offered, and 403 from the server); a
// clinician records the team's decision and the trial; a viewer offered nothing; every change
// in the audit trail with its values. The database is read with the sqlite3 tool.
// Screenshots into $NMOD_SCREENSHOTS.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {launch, startConsole, shot, axeSerious, signIn, nmod, sql, SHOTS} from './harness.mjs';

process.env.NMOD_TODAY = '2026-03-20';
const CLIN = {name: 'anne', role: 'clinician', password: 'clinician-pass-1'};
const NURSE = {name: 'nina', role: 'nurse', password: 'nurse-password-1'};
const VIEW = {name: 'vic', role: 'viewer', password: 'viewer-password-1'};
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

// Everything a refused change could have touched: the clinic's rows and the audit trail.
const state = (db) => sql(db, 'SELECT (SELECT count(*) FROM patient), (SELECT count(*) FROM path_step), (SELECT count(*) FROM diary), ' +
  "(SELECT group_concat(date || ':' || ifnull(incontinence, '') || ',' || ifnull(urgency, '') || ',' || ifnull(pads, ''), ';') FROM diary), " +
  '(SELECT count(*) FROM visit), (SELECT count(*) FROM lead_response), (SELECT count(*) FROM audit)');

// A change from inside the page with the session's own CSRF token (or none), as the API sees it.
async function pageCall(page, method, path, body, csrf = true) {
  return page.evaluate(async ([method, path, body, csrf]) => {
    const s = await (await fetch('/api/v1/session')).json();
    const headers = {'Content-Type': 'application/json'};
    if (csrf) headers['X-CSRF-Token'] = s.csrf;
    const r = await fetch(path, {method, headers, body: body === null ? undefined : JSON.stringify(body)});
    return {status: r.status, text: await r.text()};
  }, [method, path, body, csrf]);
}

// A screenshot of one section of the page (its card), for the docs.
async function shotOf(locator, name) {
  await locator.screenshot({path: join(SHOTS, name + '.png')});
}

async function openPatient(page, url, code) {
  await page.goto(`${url}/#/patient/${encodeURIComponent(code)}`);
  await page.locator('#pt-path').waitFor();
}

test('a nurse adds a patient, records a step, a diary day and a visit; bad values refused, nothing changed; audited', async () => {
  const c = await startConsole([NURSE]);
  try {
    const page = await browser.newPage({viewport: {width: 1280, height: 900}});
    await signIn(page, c.url, NURSE.name, NURSE.password);
    await page.getByRole('heading', {name: 'Patients'}).waitFor();
    // A new patient, from the list. A bad code first: the clinic's message, nothing stored.
    await page.getByText('New patient').click();
    const before0 = state(c.db);
    const np = page.locator('#new-patient-form');
    await np.getByLabel(/Patient code/).fill('bad code');
    await np.getByLabel('Therapy').selectOption('snm');
    await np.getByLabel('Name').fill('Dina de Wit');
    await np.getByLabel('Date of birth').fill('1958-07-14');
    await np.getByRole('button', {name: 'Add the patient'}).click();
    await page.locator('#new-patient-error', {hasText: "patient id 'bad code' is not valid"}).waitFor();
    assert.equal(state(c.db), before0);
    await shotOf(page.locator('#new-patient'), 'console-new-patient');
    await np.getByLabel(/Patient code/).fill('N-NEW');
    await np.getByRole('button', {name: 'Add the patient'}).click();
    await page.locator('#patient-title', {hasText: 'Dina de Wit (N-NEW)'}).waitFor();
    assert.equal(sql(c.db, "SELECT therapy, name, birth_date FROM patient WHERE code = 'N-NEW'"), 'snm|Dina de Wit|1958-07-14');
    assert.equal(sql(c.db, "SELECT actor, json_extract(new, '$.name') FROM audit WHERE tbl = 'patient' AND op = 'insert'"),
      'console:nina|Dina de Wit');
    // The referral: a step a nurse records.
    const ref = page.locator('#step-referral');
    await ref.getByLabel('Date').fill('2026-03-10');
    await ref.getByRole('button', {name: 'Record referral'}).click();
    await page.locator('.timeline .step.done', {hasText: 'referral'}).waitFor();
    // A diary day: episodes, urgency, pads, checked by diary add's rules.
    const form = page.locator('#diary-form');
    await form.getByLabel('Date').fill('2026-03-12');
    await form.getByLabel('Incontinence episodes').fill('3');
    await form.getByLabel('Urgency episodes').fill('1');
    await form.getByLabel('Pads used').fill('2');
    await form.getByRole('button', {name: 'Store the day'}).click();
    await page.locator('#diary-table summary', {hasText: '(1 days)'}).waitFor();
    assert.equal(sql(c.db, 'SELECT date, incontinence, urgency, pads FROM diary'), '2026-03-12|3|1|2');
    assert.equal(sql(c.db, "SELECT actor, op, json_extract(new, '$.incontinence') FROM audit WHERE tbl = 'diary'"), 'console:nina|insert|3');
    // Bad values, each refused with the command line's message and nothing changed.
    const bad = [
      [{'Incontinence episodes': '1000'}, '2026-03-13', /incontinence '1000' is not a whole number from 0 to/],
      [{'Incontinence episodes': 'x'}, '2026-03-13', /incontinence 'x' is not a whole number/],
      [{'Incontinence episodes': '2'}, '2026-03-21', /2026-03-21 is in the future/],
      [{'Incontinence episodes': '2'}, '2026-03-12', /already has a diary entry for 2026-03-12/],
      [{'Incontinence episodes': '2'}, '2026-03-09', /before/],
    ];
    for (const [values, date, msg] of bad) {
      const s0 = state(c.db);
      await form.getByLabel('Date').fill(date);
      for (const [label, v] of Object.entries(values)) await form.getByLabel(label).fill(v);
      await form.getByLabel('Urgency episodes').fill('');
      await form.getByLabel('Pads used').fill('');
      await form.getByRole('button', {name: 'Store the day'}).click();
      await page.locator('#diary-form-error', {hasText: msg}).waitFor();
      assert.equal(state(c.db), s0, `${date} ${JSON.stringify(values)} changed nothing`);
    }
    await shotOf(page.locator('#pt-diary').locator('..'), 'console-diary-refused');
    // The API's answers: a clear 4xx, one line, nothing changed.
    const s1 = state(c.db);
    for (const [body, status, code] of [
      [{date: '2026-03-13', nrs: 5}, 400, 'bad_field'], // an SCS field for an SNM patient
      [{date: '2026-03-13', incontinence: 2.5}, 400, 'bad_field'],
      [{date: '2026-03-13', incontinence: true}, 400, 'bad_field'],
      [{date: '2026-03-13', incontinence: 2, weather: 'fine'}, 400, 'bad_field'],
      [{incontinence: 2}, 400, 'missing_field'],
      [{date: '2026-02-30', incontinence: 2}, 400, 'bad_field'],
      [{date: '--json', incontinence: 2}, 400, 'bad_field'],
    ]) {
      const r = await pageCall(page, 'POST', '/api/v1/patients/N-NEW/diary', body);
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
      const e = JSON.parse(r.text).error;
      assert.equal(e.code, code, r.text);
      assert.ok(e.message.length > 0 && !e.message.includes('\n'), r.text);
    }
    const unknown = await pageCall(page, 'POST', '/api/v1/patients/NOBODY/diary', {date: '2026-03-13', incontinence: 2});
    assert.equal(unknown.status, 404, unknown.text);
    // Without the CSRF token: refused, nothing stored.
    const nocsrf = await pageCall(page, 'POST', '/api/v1/patients/N-NEW/diary', {date: '2026-03-13', incontinence: 2}, false);
    assert.equal(nocsrf.status, 403);
    assert.equal(JSON.parse(nocsrf.text).error.code, 'csrf');
    const nocsrfDel = await pageCall(page, 'DELETE', '/api/v1/patients/N-NEW/diary/2026-03-12', null, false);
    assert.equal(nocsrfDel.status, 403);
    assert.equal(state(c.db), s1);
    // A visit, and a bad one.
    const visit = page.locator('#visit-form');
    await visit.getByLabel('Kind').selectOption('control');
    await visit.getByLabel('Date').fill('2026-03-15');
    await visit.getByLabel('Note').fill('wound dry; <b>not bold</b>');
    await visit.getByRole('button', {name: 'Record the visit'}).click();
    await page.locator('#pt-visits').locator('..').locator('tbody tr', {hasText: 'wound dry; <b>not bold</b>'}).waitFor();
    assert.equal(sql(c.db, 'SELECT date, kind, note FROM visit'), '2026-03-15|control|wound dry; <b>not bold</b>');
    assert.equal(sql(c.db, "SELECT actor, json_extract(new, '$.kind') FROM audit WHERE tbl = 'visit'"), 'console:nina|control');
    const s2 = state(c.db);
    await visit.getByLabel('Date').fill('2026-04-01');
    await visit.getByRole('button', {name: 'Record the visit'}).click();
    await page.locator('#visit-form-error', {hasText: '2026-04-01 is in the future'}).waitFor();
    const badKind = await pageCall(page, 'POST', '/api/v1/patients/N-NEW/visits', {kind: 'party'});
    assert.equal(badKind.status, 400);
    assert.match(JSON.parse(badKind.text).error.message, /--kind 'party' is not known/);
    assert.equal(state(c.db), s2);
    // The three scores end to end: the form's live total from the clinic, stored with it.
    const score = async (kind, answers, total, max) => {
      await page.locator('#score-kind').selectOption(kind);
      for (const [item, a] of Object.entries(answers)) await page.locator('#score-' + item).selectOption(a);
      await page.locator('#score-total', {hasText: `Total: ${total} of ${max}`}).waitFor();
      await page.getByRole('button', {name: 'Store the score'}).click();
      await page.locator('#pt-scores').locator('..').locator('tbody tr', {hasText: kind}).waitFor();
    };
    // Wexner: five 0-4 items, 0-20. St Mark's: four 0-4 items, pads yes 2, constipating yes 2,
    // unable to defer yes 4 (0-24). NRS 0-10.
    await score('wexner', {solid: '3', liquid: '4', gas: '4', pad: '4', lifestyle: '3'}, 18, 20);
    await score('vaizey', {solid: '3', liquid: '4', gas: '4', lifestyle: '3', pad: 'yes', constipating: 'no', defer: 'yes'}, 20, 24);
    await score('nrs', {nrs: '6'}, 6, 10);
    assert.equal(sql(c.db, "SELECT group_concat(kind || '=' || total, ' ') FROM (SELECT kind, total FROM score ORDER BY id)"),
      'wexner=18 vaizey=20 nrs=6');
    assert.equal(sql(c.db, "SELECT count(*) FROM audit WHERE tbl = 'score' AND op = 'insert' AND actor = 'console:nina'"), '3');
    const s4 = state(c.db);
    const badScore = await pageCall(page, 'POST', '/api/v1/patients/N-NEW/scores', {kind: 'wexner', answers: {solid: 5}});
    assert.equal(badScore.status, 400, badScore.text);
    assert.equal(state(c.db), s4);
    // Checks: a medication (an anticoagulant the clinic recognises) and a vaccination.
    await page.locator('#medication-form').getByLabel('Medication').fill('Xarelto 20 mg');
    await page.getByRole('button', {name: 'Record the medication'}).click();
    await page.getByText('Xarelto 20 mg (rivaroxaban)').waitFor();
    const vacc = page.locator('#vaccination-form');
    await vacc.getByLabel('Date of the vaccination').fill('2026-03-16');
    await vacc.getByLabel('Kind').selectOption('flu');
    await vacc.getByRole('button', {name: 'Record the vaccination'}).click();
    // Stored: the page is drawn again (the form back at today), or refused: its message.
    await page.waitForFunction(() => document.querySelector('#vacc-date').value === '2026-03-20' ||
      document.querySelector('#vaccination-form-error').textContent !== '');
    assert.equal(await page.locator('#vaccination-form-error').textContent(), '');
    assert.equal(sql(c.db, "SELECT v.date, v.kind, m.name FROM vaccination v, medication m"), '2026-03-16|flu|Xarelto 20 mg');
    const badVacc = await pageCall(page, 'POST', '/api/v1/patients/N-NEW/vaccinations', {date: '2026-03-16', kind: 'measles'});
    assert.equal(badVacc.status, 400, badVacc.text);
    const s3 = state(c.db);
    // SNM lead responses: only on the day of stage 1, which is not recorded yet (a rule, 409).
    const lead = await pageCall(page, 'POST', '/api/v1/patients/N-NEW/lead-responses', {contact: 'E1', response: 'toe', threshold_ma: 1.5});
    assert.equal(lead.status, 409, lead.text);
    assert.match(JSON.parse(lead.text).error.message, /stage 1 \(the lead placement\) is not recorded yet/);
    assert.equal(state(c.db), s3);
    assert.deepEqual(await axeSerious(page), []);
    await shot(page, 'console-staff-entry');
    await shotOf(page.locator('#pt-visits').locator('..'), 'console-visits');
    // A correction: the day deleted (audited with its values before), then entered again.
    await page.locator('#diary-table summary').click();
    await page.getByRole('button', {name: 'Delete the diary day 2026-03-12'}).click();
    await page.locator('#diary-table summary', {hasText: '(0 days)'}).waitFor();
    assert.equal(sql(c.db, 'SELECT count(*) FROM diary'), '0');
    assert.equal(sql(c.db, "SELECT actor, json_extract(old, '$.incontinence'), json_extract(old, '$.pads'), new IS NULL FROM audit " +
      "WHERE tbl = 'diary' AND op = 'delete'"), 'console:nina|3|2|1');
    await page.close();
  } finally {
    await c.stop();
  }
});

test("a nurse is refused a clinician's action; a clinician records the team's decision and the trial; a viewer only reads", async () => {
  const c = await startConsole([NURSE, CLIN, VIEW]);
  try {
    const cli = (...a) => nmod(['clinic', '--db', c.db, ...a]);
    cli('patient', 'add', 'S-NEW', '--therapy', 'scs', '--name', 'Bram de Vries', '--birth', '1980-05-05');
    cli('path', 'step', 'S-NEW', 'referral', '--date', '2026-03-01');
    cli('patient', 'add', 'N-1', '--therapy', 'snm', '--name', 'Carla Jansen', '--birth', '1965-02-02');
    cli('path', 'step', 'N-1', 'referral', '--date', '2026-02-01');
    cli('path', 'step', 'N-1', 'scores', '--date', '2026-02-02');
    const page = await browser.newPage({viewport: {width: 1280, height: 900}});
    await signIn(page, c.url, NURSE.name, NURSE.password);
    await page.getByRole('heading', {name: 'Patients'}).waitFor();
    // The nurse: no form for the team's review or the trial, and the server refuses both.
    for (const [code, step] of [['S-NEW', 'team-review'], ['N-1', 'trial']]) {
      await openPatient(page, c.url, code);
      // A hash change keeps the page: the previous patient's notice may still be shown, so
      // wait for this patient's (a wrong notice never matches and times out).
      const notice = `Your role may not record ${step} (it needs path.${step === 'trial' ? 'trial' : 'decision'}).`;
      await page.locator('#no-actions').filter({hasText: notice}).waitFor();
      assert.equal(await page.locator('#no-actions').textContent(), notice);
      assert.equal(await page.locator(`#step-${step}`).count(), 0);
      assert.equal(await page.locator('#diary-form').count(), 1); // but she enters the diary
      assert.equal(await page.locator('#visit-form').count(), 1);
      const s0 = state(c.db);
      const r = await pageCall(page, 'POST', `/api/v1/patients/${code}/steps`, {step, date: '2026-03-05', outcome: step === 'team-review' ? 'proceed' : undefined});
      assert.equal(r.status, 403, r.text);
      assert.equal(r.text.trim().split('\n').length, 1);
      const e = JSON.parse(r.text).error;
      assert.equal(e.code, 'forbidden');
      assert.match(e.message, /^a nurse may not do path\.(decision|trial) /);
      assert.equal(state(c.db), s0);
    }
    await shotOf(page.locator('#pt-path').locator('..'), 'console-nurse-refused');
    await page.getByRole('button', {name: 'Sign out'}).click();
    // The clinician: the team's review with its outcome, then the SNM trial (stage 1).
    await signIn(page, c.url, CLIN.name, CLIN.password);
    await page.getByRole('heading', {name: 'Patients'}).waitFor();
    await openPatient(page, c.url, 'S-NEW');
    const tr = page.locator('#step-team-review');
    await tr.getByLabel('Date').fill('2026-03-05');
    await tr.getByLabel('Outcome').selectOption('proceed');
    await tr.getByRole('button', {name: 'Record team-review'}).click();
    await page.locator('.timeline .step.done', {hasText: 'team-review'}).waitFor();
    assert.equal(sql(c.db, "SELECT s.date, s.outcome FROM path_step s JOIN patient p USING (pid) WHERE p.code = 'S-NEW' AND s.step = 'team-review'"),
      '2026-03-05|proceed');
    await openPatient(page, c.url, 'N-1');
    const trial = page.locator('#step-trial');
    await trial.getByLabel('Date').fill('2026-03-02');
    await trial.getByRole('button', {name: 'Record trial'}).click();
    await page.locator('.timeline .step.done', {hasText: 'trial'}).waitFor();
    // Now the lead responses of stage 1, on its day.
    const lead = page.locator('#lead-form');
    await lead.getByLabel('Contact').fill('E2');
    await lead.getByLabel('Response').selectOption('bellows');
    await lead.getByLabel('Threshold (mA)').fill('1.25');
    await lead.getByRole('button', {name: 'Record the response'}).click();
    await page.locator('#lead-responses tbody tr', {hasText: 'E2'}).waitFor();
    assert.equal(sql(c.db, 'SELECT date, contact, response, threshold_ua FROM lead_response'), '2026-03-02|2|bellows|1250');
    assert.equal(sql(c.db, "SELECT group_concat(actor || ' ' || tbl || ' ' || op, '; ') FROM audit WHERE actor = 'console:anne'"),
      'console:anne path_step insert; console:anne path_step insert; console:anne lead_response insert');
    await shotOf(page.locator('#pt-visits').locator('..'), 'console-lead-responses');
    await shot(page, 'console-clinician-trial');
    await page.getByRole('button', {name: 'Sign out'}).click();
    // The viewer: nothing offered, and the server refuses a change.
    await signIn(page, c.url, VIEW.name, VIEW.password);
    await page.getByRole('heading', {name: 'Patients'}).waitFor();
    assert.equal(await page.locator('#new-patient').isVisible(), false);
    await openPatient(page, c.url, 'N-1');
    assert.equal(await page.locator('#diary-form, #visit-form, #lead-form, .step-form').count(), 0);
    assert.equal(await page.getByRole('button', {name: /Delete the diary day/}).count(), 0);
    const s0 = state(c.db);
    for (const [path, body] of [['/api/v1/patients/N-1/diary', {date: '2026-03-05', incontinence: 1}],
      ['/api/v1/patients/N-1/visits', {kind: 'control'}], ['/api/v1/patients', {code: 'V-1', therapy: 'scs', name: 'V', birth_date: '1970-01-01'}]]) {
      const r = await pageCall(page, 'POST', path, body);
      assert.equal(r.status, 403, path);
      assert.equal(JSON.parse(r.text).error.code, 'forbidden');
    }
    assert.equal(state(c.db), s0);
    await page.close();
  } finally {
    await c.stop();
  }
});
