// screens.test.mjs: the clinician's screens of nmod console (patient list, patient page) in a
// real headless Chromium against a real `nmod console` on a real SQLite file, the patients made
// with the real CLI (node --test; ctest t_console_screens). Screenshots into $NMOD_SCREENSHOTS.
import {test, before, after} from 'node:test';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import assert from 'node:assert/strict';
import {launch, startConsole, shot, axeSerious, signIn, nmod} from './harness.mjs';

// The clinic's "today" for the CLI and the console alike (the diary may not be in the future).
process.env.NMOD_TODAY = '2026-03-20';
const CLIN = {name: 'anne', role: 'clinician', password: 'clinician-pass-1'};
const NURSE = {name: 'nina', role: 'nurse', password: 'nurse-password-1'};
const VIEW = {name: 'vic', role: 'viewer', password: 'viewer-password-1'};
const XSS_NAME = '<img src=x onerror="window.pwned=1">';
const XSS_NOTE = '<script>window.pwned=2</script>';
let browser;

function day(iso, n) {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// S-FAIL: an SCS trial that failed (pain 8 -> 7) and ended: the implant is blocked.
// S-NEW: just referred. N-TRIAL: an SNM trial running past its window, diary days missing.
function seed(db, dir) {
  const c = (...a) => nmod(['clinic', '--db', db, ...a]);
  // The diaries as one import (the same validation as diary add, and faster).
  const diary = ['patient,date,nrs,incontinence,urgency,pads'];
  const csv = (rows) => {
    writeFileSync(join(dir, 'diary.csv'), [diary[0], ...rows].join('\n') + '\n');
    c('diary', 'import', join(dir, 'diary.csv'));
  };
  c('patient', 'add', 'S-FAIL', '--therapy', 'scs', '--name', XSS_NAME, '--birth', '1970-01-01');
  c('path', 'step', 'S-FAIL', 'referral', '--date', '2026-01-05', '--note', XSS_NOTE);
  for (const s of ['team-review', 'questionnaires']) c('path', 'step', 'S-FAIL', s, '--date', '2026-01-10');
  for (const s of ['psychologist', 'intake', 'decision', 'screening']) c('path', 'step', 'S-FAIL', s, '--date', '2026-01-20');
  csv([...Array(14).keys()].map((i) => `S-FAIL,${day('2026-01-21', i)},8,,,`));
  c('path', 'step', 'S-FAIL', 'trial', '--date', '2026-02-05');
  csv([...Array(14).keys()].map((i) => `S-FAIL,${day('2026-02-05', i + 1)},7,,,`));
  c('path', 'step', 'S-FAIL', 'trial-end', '--date', '2026-02-19');
  c('patient', 'add', 'S-NEW', '--therapy', 'scs', '--name', 'Bram de Vries', '--birth', '1980-05-05');
  c('path', 'step', 'S-NEW', 'referral', '--date', '2026-03-01');
  c('patient', 'add', 'N-TRIAL', '--therapy', 'snm', '--name', 'Carla Jansen', '--birth', '1965-02-02');
  c('path', 'step', 'N-TRIAL', 'referral', '--date', '2026-01-02');
  c('path', 'step', 'N-TRIAL', 'scores', '--date', '2026-01-03');
  csv([...Array(21).keys()].map((i) => `N-TRIAL,${day('2026-01-10', i)},,4,2,3`));
  c('path', 'step', 'N-TRIAL', 'trial', '--date', '2026-02-01');
  csv([...Array(10).keys()].map((i) => `N-TRIAL,${day('2026-02-01', i + 1)},,1,,`));
  c('medication', 'add', 'N-TRIAL', 'Xarelto 20 mg');
}

async function consoleWithPatients() {
  const c = await startConsole([CLIN, NURSE, VIEW]);
  seed(c.db, c.dir);
  return c;
}

// POST from inside the page with the session's own CSRF token: what the API allows this user.
async function pagePost(page, path, body) {
  return page.evaluate(async ([path, body]) => {
    const s = await (await fetch('/api/v1/session')).json();
    const r = await fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf},
      body: JSON.stringify(body)});
    return {status: r.status, body: await r.json()};
  }, [path, body]);
}

async function openPatient(page, code) {
  await page.getByRole('link', {name: code, exact: true}).click();
  await page.locator('#pt-path').waitFor();
}

before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('the patient list: search, filters, needs attention; axe', async () => {
  const c = await consoleWithPatients();
  try {
    const page = await browser.newPage({viewport: {width: 1280, height: 800}});
    await signIn(page, c.url, CLIN.name, CLIN.password);
    await page.getByRole('heading', {name: 'Patients'}).waitFor();
    await page.getByText('1-3 of 3 patients').waitFor();
    await shot(page, 'console-patient-list');
    assert.deepEqual(await axeSerious(page), []);
    // The XSS payload is text, and ran nowhere.
    assert.equal(await page.locator('#patients-table td', {hasText: XSS_NAME}).count(), 1);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    await page.locator('#patients-filters').getByLabel('Therapy').selectOption('snm');
    await page.getByText('1-1 of 1 patients').waitFor();
    assert.equal(await page.locator('#patients-table tbody tr').first().locator('td').first().textContent(), 'N-TRIAL');
    await page.locator('#patients-filters').getByLabel('Therapy').selectOption('');
    await page.getByLabel('Phase').selectOption('trial');
    await page.getByText('1-2 of 2 patients').waitFor();
    await page.getByLabel('Phase').selectOption('');
    await page.getByLabel('Search (code or name)').fill('bram');
    await page.getByText('1-1 of 1 patients').waitFor();
    // LIKE's own characters match as text: nobody's code or name holds a '%'.
    assert.equal(await page.evaluate(async () => (await (await fetch('/api/v1/patients?q=%25')).json()).total), 0);
    await page.getByLabel('Search (code or name)').fill('');
    await page.getByText('1-3 of 3 patients').waitFor();
    // Needs attention: the SNM trial past its window with diary days missing, the failed SCS
    // trial awaiting its implant decision; not the patient just referred.
    await page.getByLabel('Only who needs attention').check();
    await page.getByText('1-2 of 2 patients').waitFor();
    const att = await page.locator('#patients-table tbody tr').evaluateAll((rows) =>
      rows.map((r) => [r.cells[0].textContent, r.cells[6].textContent]));
    assert.equal(att[0][0], 'N-TRIAL');
    assert.match(att[0][1], /trial over its window/);
    assert.match(att[0][1], /diary days missing \(\d+\)/);
    assert.equal(att[1][0], 'S-FAIL');
    assert.match(att[1][1], /implant awaiting a decision/);
    await shot(page, 'console-patient-list-attention');
    // The state is kept on write: the decision recorded (explant), S-FAIL no longer awaits one.
    const r = await pagePost(page, '/api/v1/patients/S-FAIL/steps', {step: 'explant', date: '2026-03-02'});
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const reasons = async (code) => (await page.evaluate(async (c) =>
      (await (await fetch('/api/v1/patients?attention=1&q=' + c)).json()).patients.map((p) => p.attention), code));
    assert.deepEqual(await reasons('S-FAIL'), []);
    await page.reload();
    await page.getByLabel('Only who needs attention').check();
    await page.getByText('1-1 of 1 patients').waitFor();
    assert.equal(await page.locator('#patients-table tbody tr td').first().textContent(), 'N-TRIAL');
    await page.close();
  } finally {
    await c.stop();
  }
});

test('roles: a nurse sees no implant action and the API refuses it; a viewer only reads', async () => {
  const c = await consoleWithPatients();
  try {
    const page = await browser.newPage({viewport: {width: 1280, height: 900}});
    await signIn(page, c.url, NURSE.name, NURSE.password);
    await page.getByRole('heading', {name: 'Patients'}).waitFor();
    await openPatient(page, 'S-FAIL');
    await page.locator('#no-actions').waitFor();
    assert.equal(await page.locator('.step-form').count(), 0);
    assert.equal(await page.locator('#score-form').count(), 1); // a nurse enters scores
    for (const step of ['implant', 'explant', 'trial', 'decision']) {
      const r = await pagePost(page, '/api/v1/patients/S-FAIL/steps', {step, date: '2026-03-02'});
      assert.equal(r.status, 403, step);
      assert.equal(r.body.error.code, 'forbidden');
    }
    // A nurse records an ordinary step, but never with an override.
    await page.goto(c.url + '/#/patients');
    await openPatient(page, 'S-NEW');
    assert.equal(await page.locator('#step-team-review').count(), 0);
    const r = await pagePost(page, '/api/v1/patients/S-NEW/steps', {step: 'questionnaires', date: '2026-03-05', override: 'x'});
    assert.equal(r.status, 403);
    await shot(page, 'console-patient-nurse');
    await page.getByRole('button', {name: 'Sign out'}).click();
    await signIn(page, c.url, VIEW.name, VIEW.password);
    await page.getByRole('heading', {name: 'Patients'}).waitFor();
    await openPatient(page, 'S-NEW');
    assert.equal(await page.locator('form.step-form, #score-form').count(), 0);
    const v = await pagePost(page, '/api/v1/patients/S-NEW/scores', {kind: 'nrs', answers: {nrs: 5}});
    assert.equal(v.status, 403);
    await page.close();
  } finally {
    await c.stop();
  }
});

test('the evaluation, the implant blocked after a failed trial, the override in the audit; XSS inert; axe', async () => {
  const c = await consoleWithPatients();
  try {
    const page = await browser.newPage({viewport: {width: 1280, height: 900}});
    await signIn(page, c.url, CLIN.name, CLIN.password);
    await page.getByRole('heading', {name: 'Patients'}).waitFor();
    await openPatient(page, 'S-FAIL');
    // The evaluation as the clinic made it, with the days it used.
    assert.equal(await page.locator('#verdict').textContent(), 'failure');
    const facts = await page.locator('.facts').textContent();
    assert.match(facts, /Reduction12\.5 % \(success at 50 %\)/);
    assert.match(facts, /Baseline days used2026-01-21 to 2026-02-03/);
    assert.match(facts, /Trial days used2026-02-06 to 2026-02-19/);
    // The chart: 28 bars, the baseline mean and the 50 % line (4 = 8 * 50 %).
    assert.equal(await page.locator('svg.chart rect').count(), 28);
    assert.match(await page.locator('svg.chart').textContent(), /50 % line 4/);
    // The XSS payloads are text on the page and ran nowhere.
    assert.equal(await page.locator('#patient-title').textContent(), `${XSS_NAME} (S-FAIL)`);
    assert.match(await page.locator('.timeline').textContent(), /<script>window\.pwned=2<\/script>/);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.deepEqual(await axeSerious(page), []);
    await shot(page, 'console-patient-page');
    // The implant: refused by the clinic's rule, then recorded with an override.
    const form = page.locator('#step-implant');
    await form.getByLabel('Date').fill('2026-03-02');
    await form.getByRole('button', {name: 'Record implant'}).click();
    await page.locator('#step-implant-error', {hasText: "the trial evaluation is 'failure'"}).waitFor();
    await page.locator('#step-implant-override').waitFor();
    await shot(page, 'console-implant-blocked');
    await form.getByLabel('Override reason').fill('team agreed: pain pattern changed');
    await form.getByRole('button', {name: 'Record implant'}).click();
    await page.locator('.override', {hasText: 'override: team agreed: pain pattern changed'}).waitFor();
    // The patient's own changes show the override, by this user.
    const mine = page.locator('#pt-changes-audit-trail-').locator('..').locator('tbody tr', {hasText: 'insert path_step'}).first();
    assert.match(await mine.textContent(), /console:anne.*override: team agreed: pain pattern changed/s);
    // Live score totals, computed by the clinic. The answer to the empty form is held back
    // until the answer to "6" is shown: a stale answer arriving late must not replace it.
    let release;
    const held = new Promise((r) => { release = r; });
    let staleDone;
    const stale = new Promise((r) => { staleDone = r; });
    await page.route('**/api/v1/scores/total', async (route) => {
      const empty = Object.keys(route.request().postDataJSON().answers).length === 0;
      const resp = await route.fetch();
      if (empty) await held;
      await route.fulfill({response: resp});
      if (empty) staleDone();
    });
    await page.getByLabel('Score', {exact: true}).selectOption('nrs');
    await page.locator('#score-nrs').selectOption('6');
    await page.getByText('Total: 6 of 10').waitFor();
    release();
    await stale;
    await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
    assert.equal(await page.locator('#score-total').textContent(), 'Total: 6 of 10');
    await page.unroute('**/api/v1/scores/total');
    // The audit shows the override, by this user.
    await page.getByRole('link', {name: 'Audit trail'}).click();
    const row = page.locator('#audit-table tbody tr', {hasText: 'insert path_step'}).first();
    await row.waitFor();
    assert.match(await row.textContent(), /console:anne/);
    assert.match(await row.textContent(), /override: team agreed: pain pattern changed/);
    await shot(page, 'console-audit-override');
    // The documents: the report and the FHIR export come from the clinic.
    const rep = await page.evaluate(async () => (await fetch('/api/v1/patients/S-FAIL/report')).text());
    assert.match(rep, /^<!DOCTYPE html>/);
    assert.ok(!rep.includes(XSS_NAME), 'the report escapes the name');
    const fhir = await page.evaluate(async () => (await fetch('/api/v1/patients/S-FAIL/fhir')).json());
    assert.equal(fhir.resourceType, 'Bundle');
    const ics = await page.evaluate(async () => (await fetch('/api/v1/patients/S-FAIL/plan.ics')).text());
    assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
    // The leaflet's print view, and triage.
    await page.goto(c.url + '/#/leaflet/S-FAIL/nl');
    await page.getByRole('heading', {name: 'Regels voor u nu (ruggenmergstimulatie, de eerste weken na de definitieve operatie)'}).waitFor();
    await page.getByText('Niet douchen tot 3 dagen na de definitieve operatie.').waitFor();
    // The Dutch is the brochure's (seed 000): the pain clinic ("pijnkliniek"), the package insert ("bijsluiter").
    const nl = await page.locator('#leaflet-body').textContent();
    assert.match(nl, /paracetamol volgens de bijsluiter/);
    assert.match(nl, /contact op met de pijnkliniek/);
    assert.doesNotMatch(nl, /pijnpoli|folder zegt/);
    assert.deepEqual(await axeSerious(page), []);
    await shot(page, 'console-leaflet');
    await page.getByRole('link', {name: 'English'}).click();
    await page.getByText('No shower for 3 days after the definitive operation.').waitFor();
    await page.getByRole('heading', {name: 'Rules for you now (spinal cord stimulation, the first weeks after the definitive operation)'}).waitFor();
    // One patient's page asked for, then another's: S-FAIL's answer is held until N-TRIAL's
    // page is shown, and arriving late it must not draw S-FAIL under N-TRIAL's code.
    let letGo;
    const hold = new Promise((r) => { letGo = r; });
    let asked;
    const askedFor = new Promise((r) => { asked = r; });
    let lateDone;
    const late = new Promise((r) => { lateDone = r; });
    await page.route('**/api/v1/patients/S-FAIL', async (route) => {
      asked();
      const resp = await route.fetch();
      await hold;
      await route.fulfill({response: resp});
      lateDone();
    });
    await page.goto(c.url + '/#/patient/S-FAIL');
    await askedFor;
    await page.goto(c.url + '/#/patient/N-TRIAL');
    await page.locator('#pt-triage').waitFor();
    await page.locator('#patient-title', {hasText: '(N-TRIAL)'}).waitFor();
    letGo();
    await late;
    await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
    assert.match(await page.locator('#patient-title').textContent(), /\(N-TRIAL\)$/);
    await page.unroute('**/api/v1/patients/S-FAIL');
    await page.getByLabel('Temperature').fill('38.6');
    await page.getByRole('button', {name: 'Triage'}).click();
    await page.locator('#triage-result .urgency', {hasText: 'immediate'}).waitFor();
    assert.match(await page.locator('#pt-checks-vaccinations-and-anticoagulants').locator('..').textContent(), /Xarelto 20 mg \(rivaroxaban\)/);
    assert.deepEqual(await axeSerious(page), []);
    await shot(page, 'console-patient-snm');
    await page.close();
  } finally {
    await c.stop();
  }
});
