// diary.test.mjs: the patient's diary page in a real headless Chromium on a phone-sized
// viewport, against a real `nmod console` on a real SQLite file (node --test; run by ctest as
// t_console_diary_browser). A nurse issues the link in the console; the patient opens it,
// enters days, corrects today, gets a bad value refused; the link revoked or past the trial is
// refused; the diary session opens nothing else; no token in the address, the database or the
// audit trail. Screenshots into $NMOD_SCREENSHOTS.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {launch, startConsole, shot, axeSerious, signIn, nmod, otherSite, sql} from './harness.mjs';

// The console's and the CLI's "today" (hu_today): the days below are fixed.
process.env.NMOD_TODAY = '2026-03-10';
const TODAY = '2026-03-10';
const NURSE = {name: 'nina', role: 'nurse', password: 'nurse-password-1'};
const CLIN = {name: 'anne', role: 'clinician', password: 'clinician-pass-1'};
const PHONE = {viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true, deviceScaleFactor: 2};
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });


// An SCS patient whose baseline (questionnaires) started on 2026-03-03, no trial yet.
function scsPatient(db, code) {
  nmod(['clinic', '--db', db, 'patient', 'add', code, '--therapy', 'scs', '--name', 'Jan Jansen', '--birth', '1960-04-01']);
  nmod(['clinic', '--db', db, 'path', 'step', code, 'referral', '--date', '2026-03-01']);
  nmod(['clinic', '--db', db, 'path', 'step', code, 'team-review', '--date', '2026-03-02', '--outcome', 'proceed']);
  nmod(['clinic', '--db', db, 'path', 'step', code, 'questionnaires', '--date', '2026-03-03']);
}

// The nurse issues a link in the console: its address, shown once.
async function issueInConsole(c, code) {
  const ctx = await browser.newContext({viewport: {width: 1200, height: 800}});
  const page = await ctx.newPage();
  await signIn(page, c.url, NURSE.name, NURSE.password);
  await page.getByRole('heading', {name: 'Patients'}).waitFor();
  await page.getByRole('link', {name: 'Diary links'}).click();
  await page.getByRole('heading', {name: 'Diary links', level: 1}).waitFor();
  // Within the view: the patient page's hidden section is labelled "Patient" too.
  await page.locator('#view-diary-links').getByLabel('Patient', {exact: true}).fill(code);
  await page.getByRole('button', {name: 'Show the diary links'}).click();
  await page.getByRole('button', {name: 'Issue a new diary link'}).click();
  const field = page.getByLabel(/The new link, shown only now/);
  await field.waitFor();
  const url = await field.inputValue();
  return {ctx, page, url};
}

async function days(page) {
  return page.evaluate(async () => (await (await fetch('/api/v1/diary')).json()).days);
}

test('the patient enters a diary on a phone: days, today corrected, a bad value refused, in Dutch and English', async () => {
  const c = await startConsole([NURSE, CLIN]);
  try {
    scsPatient(c.db, 'S-1');
    const nurse = await issueInConsole(c, 'S-1');
    assert.match(nurse.url, new RegExp(`^${c.url}/api/v1/diary/open\\?token=[A-Za-z0-9_-]{43}$`));
    const token = nurse.url.split('token=')[1];
    await nurse.page.getByRole('cell', {name: 'valid', exact: true}).waitFor();
    await shot(nurse.page, 'console-diary-links');
    const nurseAxe = await axeSerious(nurse.page);
    assert.deepEqual(nurseAxe, [], nurseAxe.join('\n'));

    const ctx = await browser.newContext(PHONE);
    const page = await ctx.newPage();
    const res = await page.goto(nurse.url);
    // The token is exchanged for a cookie and gone from the address; no page sends a Referer.
    assert.equal(page.url(), c.url + '/diary.html');
    assert.equal(res.headers()['referrer-policy'], 'no-referrer');
    const open = await res.request().redirectedFrom().response();
    assert.equal(open.status(), 303);
    assert.equal((await open.allHeaders())['referrer-policy'], 'no-referrer');
    const cookies = await ctx.cookies();
    assert.equal(cookies.length, 1);
    assert.equal(cookies[0].name, 'nmod_diary');
    assert.equal(cookies[0].httpOnly, true);
    assert.equal(cookies[0].sameSite, 'Strict');
    assert.notEqual(cookies[0].value, token);
    assert.equal(await page.evaluate(() => document.referrer), '');

    // Dutch first: the brochures' language.
    await page.getByRole('heading', {name: 'Pijndagboek'}).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'nl');
    await page.getByText('U hebt nog geen dagen ingevuld.').waitFor();
    await shot(page, 'diary-empty');

    // Today, morning and evening.
    assert.equal(await page.getByLabel('Datum').inputValue(), TODAY);
    await page.getByLabel('Pijn \'s ochtends (0 tot 10)').fill('4');
    await page.getByLabel('Pijn \'s avonds (0 tot 10)').fill('6');
    await page.getByRole('button', {name: 'Opslaan'}).click();
    await page.getByText(`Opgeslagen: ${TODAY}.`).waitFor();
    // Yesterday, one value for the day.
    await page.getByLabel('Datum').fill('2026-03-09');
    await page.getByLabel('Pijn vandaag (één cijfer) (0 tot 10)').fill('5');
    await page.getByRole('button', {name: 'Opslaan'}).click();
    await page.getByText('Opgeslagen: 2026-03-09.').waitFor();
    assert.deepEqual(await days(page), [
      {date: TODAY, nrs: null, morning: 4, evening: 6},
      {date: '2026-03-09', nrs: 5, morning: null, evening: null}]);
    await page.locator(`tr[data-date="${TODAY}"]`).waitFor();
    await shot(page, 'diary-days');
    const serious = await axeSerious(page);
    assert.deepEqual(serious, [], serious.join('\n'));

    // A bad value: the server's refusal in the patient's words, nothing stored.
    await page.getByLabel('Datum').fill('2026-03-08');
    await page.getByLabel('Pijn vandaag (één cijfer) (0 tot 10)').fill('11');
    await page.getByRole('button', {name: 'Opslaan'}).click();
    await page.getByRole('alert').filter({hasText: 'Pijn vandaag (één cijfer): vul een heel getal van 0 tot 10 in. Er is niets opgeslagen.'}).waitFor();
    await shot(page, 'diary-bad-value');
    assert.equal((await days(page)).length, 2);

    // In English, the library's own words (those of nmod clinic diary add).
    await page.getByRole('button', {name: 'English'}).click();
    await page.getByRole('heading', {name: 'Pain diary'}).waitFor();
    await page.getByRole('button', {name: 'Save'}).click();
    await page.getByRole('alert').filter({hasText: 'Not stored: nrs \'11\' is not a whole number from 0 to 10'}).waitFor();
    // A day in the future: refused by the rules of diary add.
    await page.getByLabel('Pain today (one score) (0 to 10)').fill('3');
    await page.getByLabel('Date').fill('2026-03-11');
    await page.getByRole('button', {name: 'Save'}).click();
    await page.getByRole('alert').filter({hasText: 'Not stored: date 2026-03-11 is in the future'}).waitFor();
    // An earlier day cannot be changed, only today's.
    await page.getByLabel('Date').fill('2026-03-09');
    await page.getByRole('button', {name: 'Save'}).click();
    await page.getByRole('alert').filter({hasText: 'Not stored: 2026-03-09 is entered already; only today\'s entry can be corrected'}).waitFor();
    assert.equal((await days(page)).length, 2);

    // Correct today: the form gets today's values, one is changed.
    await page.getByRole('button', {name: `Correct today's entry (${TODAY})`}).click();
    assert.equal(await page.getByLabel('Pain in the morning (0 to 10)').inputValue(), '4');
    assert.equal(await page.getByLabel('Date').inputValue(), TODAY);
    await page.getByLabel('Pain in the morning (0 to 10)').fill('3');
    await page.getByRole('button', {name: 'Save'}).click();
    await page.getByText(`Corrected: ${TODAY}.`).waitFor();
    assert.deepEqual((await days(page))[0], {date: TODAY, nrs: null, morning: 3, evening: 6});
    await shot(page, 'diary-corrected');
    const seriousEn = await axeSerious(page);
    assert.deepEqual(seriousEn, [], seriousEn.join('\n'));

    // The database: the days stored, the link only as a hash; the audit names the nurse and
    // the diary link (diary:S-1), never the token.
    assert.equal(sql(c.db, "SELECT group_concat(date || '=' || coalesce(nrs, '') || '/' || coalesce(nrs_morning, '') || '/' || " +
      "coalesce(nrs_evening, ''), ' ') FROM (SELECT * FROM diary ORDER BY date)"), '2026-03-09=5// 2026-03-10=/3/6');
    assert.equal(sql(c.db, 'SELECT length(token_hash) FROM diary_link'), '64');
    const dump = spawnSync('sqlite3', [c.db, '.dump'], {encoding: 'utf8'}).stdout;
    assert.equal(dump.includes(token), false);
    assert.equal(sql(c.db, "SELECT actor FROM audit WHERE tbl = 'diary_link' AND op = 'insert'"), 'console:nina');
    assert.equal(sql(c.db, "SELECT group_concat(op, ',') FROM (SELECT op FROM audit WHERE tbl = 'diary' AND actor = 'diary:S-1' ORDER BY id)"),
      'insert,insert,update');
    assert.equal(sql(c.db, "SELECT count(*) FROM audit WHERE tbl = 'diary' AND actor <> 'diary:S-1'"), '0');
    assert.match(sql(c.db, "SELECT old || ' -> ' || new FROM audit WHERE tbl = 'diary' AND op = 'update'"),
      /"nrs_morning":4.*-> .*"nrs_morning":3/);
    assert.equal(sql(c.db, `SELECT count(*) FROM audit WHERE instr(coalesce(old, '') || coalesce(new, '') || actor, '${token}') > 0`), '0');
    assert.equal(c.log().includes(token), false);
    // The CLI sees the same days.
    assert.match(nmod(['clinic', '--db', c.db, 'diary', 'list', 'S-1']), /2026-03-10  baseline\s+-\s+3\s+6/);
    await ctx.close();
    await nurse.ctx.close();
  } finally {
    await c.stop();
  }
});

test('the diary session opens nothing else, and a change without its CSRF token or from another site is refused', async () => {
  const c = await startConsole([NURSE]);
  const evil = await otherSite(`<!doctype html><title>evil</title><form id="f" method="POST" action="${c.url}/api/v1/diary/days" enctype="text/plain">
      <input name='{"date":"${TODAY}","nrs":"9","x":"' value='"}'></form>
      <script>document.getElementById('f').submit()</script>`);
  try {
    scsPatient(c.db, 'S-1');
    const url = JSON.parse(nmod(['clinic', '--db', c.db, 'diary-link', 'issue', 'S-1', '--base', c.url, '--json'])).url;
    const ctx = await browser.newContext(PHONE);
    const page = await ctx.newPage();
    await page.goto(url);
    await page.getByRole('heading', {name: 'Pijndagboek'}).waitFor();
    // Everything outside the diary: as if nobody were signed in.
    const elsewhere = await page.evaluate(async () => {
      const out = {};
      for (const [m, p] of [['GET', '/api/v1/session'], ['GET', '/api/v1/roles'], ['GET', '/api/v1/users'], ['GET', '/api/v1/audit'],
        ['GET', '/api/v1/patients/S-1/diary-links'], ['POST', '/api/v1/patients/S-1/diary-link']]) {
        const r = await fetch(p, {method: m, headers: {'Content-Type': 'application/json'}});
        out[`${m} ${p}`] = `${r.status} ${(await r.json()).error.code}`;
      }
      return out;
    });
    for (const [k, v] of Object.entries(elsewhere)) assert.equal(v, '401 unauthenticated', k);
    // The same page, a change without the diary session's token.
    const plain = await page.evaluate(async (today) => {
      const r = await fetch('/api/v1/diary/days', {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({date: today, nrs: '9'})});
      return `${r.status} ${(await r.json()).error.code}`;
    }, TODAY);
    assert.equal(plain, '403 csrf');
    // Another site's form posting into the diary (the cookie goes along: same site, another port).
    const refused = page.waitForResponse((r) => r.url() === c.url + '/api/v1/diary/days' && r.request().method() === 'POST');
    await page.goto(evil.url);
    const res = await refused;
    assert.equal(res.status(), 403);
    assert.equal((await res.json()).error.code, 'cross_origin');
    assert.equal(sql(c.db, 'SELECT count(*) FROM diary'), '0');
    // A console account's session gives no diary: it has its own cookie.
    const staff = await browser.newContext();
    const sp = await staff.newPage();
    await signIn(sp, c.url, NURSE.name, NURSE.password);
    await sp.getByRole('heading', {name: 'Patients'}).waitFor();
    assert.equal(await sp.evaluate(async () => (await fetch('/api/v1/diary')).status), 401);
    await staff.close();
    await ctx.close();
  } finally {
    evil.close();
    await c.stop();
  }
});

test('a revoked link and a link past the trial are refused', async () => {
  const c = await startConsole([NURSE]);
  try {
    scsPatient(c.db, 'S-1');
    const nurse = await issueInConsole(c, 'S-1');
    const ctx = await browser.newContext(PHONE);
    const page = await ctx.newPage();
    await page.goto(nurse.url);
    await page.getByRole('heading', {name: 'Pijndagboek'}).waitFor();
    // Revoked in the console while the patient has the page open.
    await nurse.page.getByRole('button', {name: /Revoke diary link \d+ of S-1/}).click();
    await nurse.page.getByRole('cell', {name: /^revoked /}).waitFor();
    assert.equal(sql(c.db, "SELECT actor FROM audit WHERE tbl = 'diary_link' AND op = 'update' ORDER BY id DESC LIMIT 1"), 'console:nina');
    await page.getByLabel('Pijn vandaag (één cijfer) (0 tot 10)').fill('5');
    await page.getByRole('button', {name: 'Opslaan'}).click();
    await page.getByText('Uw sessie is beëindigd. Open de link van uw dagboek opnieuw.').waitFor();
    assert.equal(sql(c.db, 'SELECT count(*) FROM diary'), '0');
    // Opening it again: refused, no session.
    const again = await page.goto(nurse.url);
    assert.equal(again.status(), 410);
    await page.getByText('Deze dagboeklink is ingetrokken.', {exact: false}).waitFor();
    await page.getByText('This diary link was revoked.', {exact: false}).waitFor();
    assert.equal((await ctx.cookies()).length, 0);
    await shot(page, 'diary-link-revoked');
    const serious = await axeSerious(page);
    assert.deepEqual(serious, [], serious.join('\n'));
    // A made-up token.
    const unknown = await page.goto(`${c.url}/api/v1/diary/open?token=${'A'.repeat(43)}`);
    assert.equal(unknown.status(), 404);

    // A patient whose trial window ended on 2026-02-18: the link issued during the trial no
    // longer opens, and no new one can be issued.
    nmod(['clinic', '--db', c.db, 'patient', 'add', 'S-2', '--therapy', 'scs', '--name', 'Piet', '--birth', '1960-01-01']);
    for (const s of [['referral', '--date', '2026-01-02'], ['team-review', '--date', '2026-01-05', '--outcome', 'proceed'],
      ['questionnaires', '--date', '2026-01-06'], ['psychologist', '--date', '2026-01-07'], ['intake', '--date', '2026-01-08'],
      ['decision', '--date', '2026-01-09', '--outcome', 'proceed'], ['screening', '--date', '2026-01-10'], ['trial', '--date', '2026-02-01']])
      nmod(['clinic', '--db', c.db, 'path', 'step', 'S-2', ...s]);
    const during = spawnSync(process.env.NMOD || 'build/nmod', ['clinic', '--db', c.db, 'diary-link', 'issue', 'S-2', '--base', c.url, '--json'],
      {encoding: 'utf8', env: {...process.env, NMOD_TODAY: '2026-02-05'}});
    assert.equal(during.status, 0, during.stderr);
    const old = JSON.parse(during.stdout);
    assert.equal(old.link.valid_to, '2026-02-18');
    const ended = await page.goto(old.url);
    assert.equal(ended.status(), 410);
    await page.getByText('Uw proefperiode is voorbij', {exact: false}).waitFor();
    assert.equal((await ctx.cookies()).length, 0);
    await shot(page, 'diary-link-ended');
    const late = await nurse.page.evaluate(async () => {
      const s = await (await fetch('/api/v1/session')).json();
      const r = await fetch('/api/v1/patients/S-2/diary-link', {method: 'POST', headers: {'X-CSRF-Token': s.csrf}});
      return `${r.status} ${(await r.json()).error.message}`;
    });
    assert.equal(late, '409 S-2: the trial ended on 2026-02-18; a diary link is valid from the start of the baseline to the end of the trial');

    await ctx.close();
    await nurse.ctx.close();
  } finally {
    await c.stop();
  }
});

test('session expiry: a diary session left idle past the timeout ends, and nothing is stored', async () => {
  const c = await startConsole([], ['--idle-timeout', '2s']);
  try {
    scsPatient(c.db, 'S-1');
    const fresh = JSON.parse(nmod(['clinic', '--db', c.db, 'diary-link', 'issue', 'S-1', '--base', c.url, '--json'])).url;
    const ctx = await browser.newContext(PHONE);
    const page = await ctx.newPage();
    await page.goto(fresh);
    await page.getByRole('heading', {name: 'Pijndagboek'}).waitFor();
    await page.waitForTimeout(4000);
    await page.getByLabel('Pijn vandaag (één cijfer) (0 tot 10)').fill('5');
    await page.getByRole('button', {name: 'Opslaan'}).click();
    await page.getByText('Uw sessie is beëindigd. Open de link van uw dagboek opnieuw.').waitFor();
    assert.equal(sql(c.db, 'SELECT count(*) FROM diary'), '0');
    await shot(page, 'diary-session-ended');
    await ctx.close();
  } finally {
    await c.stop();
  }
});
