// console.test.mjs: nmod console in a real headless Chromium against a real `nmod console` on
// loopback (node --test; run by ctest as t_console_browser). Screenshots into $NMOD_SCREENSHOTS.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {launch, startConsole, shot, axeSerious, signIn, nmod, otherSite} from './harness.mjs';

const ADMIN = {name: 'admin', role: 'admin', password: 'admin-password-1'};
const CLIN = {name: 'anne', role: 'clinician', password: 'clinician-pass-1'};
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('sign in: a wrong password, then the right one; the shell by role; keyboard only', async () => {
  const c = await startConsole([ADMIN, CLIN]);
  try {
    const ctx = await browser.newContext({viewport: {width: 1100, height: 720}});
    const page = await ctx.newPage();
    await page.goto(c.url + '/');
    await page.getByRole('heading', {name: 'Sign in'}).waitFor();
    await shot(page, 'console-sign-in');
    await signIn(page, c.url, 'anne', 'not-her-password');
    await assert.doesNotReject(page.getByText('the name or the password is wrong').waitFor());
    assert.equal(await page.locator('#login-password').inputValue(), '');
    await shot(page, 'console-sign-in-wrong');
    // Keyboard only: the skip link, then the name, the password, Enter.
    await page.goto(c.url + '/');
    await page.getByRole('heading', {name: 'Sign in'}).waitFor();
    // The focus starts in the name field; the skip link is the one control before it.
    assert.equal(await page.evaluate(() => document.activeElement.id), 'login-name');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.type('anne');
    await page.keyboard.press('Tab');
    await page.keyboard.type(CLIN.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', {name: 'Patients'}).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'patients-title');
    assert.match(await page.locator('#who-name').textContent(), /anne \(clinician\)/);
    // A clinician sees the patients and the audit trail, not the accounts.
    assert.equal(await page.getByRole('link', {name: 'Accounts'}).isVisible(), false);
    assert.equal(await page.getByRole('link', {name: 'Audit trail'}).isVisible(), true);
    await shot(page, 'console-patients');
    const serious = await axeSerious(page);
    assert.deepEqual(serious, [], serious.join('\n'));
    await page.getByRole('button', {name: 'Sign out'}).click();
    await page.getByText('You are signed out.').waitFor();
    await ctx.close();
  } finally {
    await c.stop();
  }
});

test('accessibility: the sign-in page has no serious or critical axe violations', async () => {
  const c = await startConsole([]);
  try {
    const page = await browser.newPage();
    await page.goto(c.url + '/');
    await page.getByRole('heading', {name: 'Sign in'}).waitFor();
    const serious = await axeSerious(page);
    assert.deepEqual(serious, [], serious.join('\n'));
    await page.close();
  } finally {
    await c.stop();
  }
});

test('accounts and the audit trail: a console change and a CLI change, names shown as text', async () => {
  const c = await startConsole([ADMIN]);
  try {
    // A CLI change with a name that is markup.
    nmod(['clinic', '--db', c.db, 'patient', 'add', 'X-1', '--therapy', 'scs', '--name', '<img src=x onerror="window.pwned=1">',
      '--birth', '1970-01-01']);
    const page = await browser.newPage({viewport: {width: 1200, height: 800}});
    await signIn(page, c.url, ADMIN.name, ADMIN.password);
    await page.getByRole('heading', {name: 'Audit trail'}).waitFor(); // an admin's first page
    await page.getByRole('link', {name: 'Accounts'}).click();
    await page.getByRole('heading', {name: 'Accounts'}).waitFor();
    const form = page.locator('#account-form');
    await form.getByLabel('Name').fill('nina');
    await form.getByLabel('Role').selectOption('nurse');
    await form.getByLabel('Password (at least 10 characters)').fill('nurse-password-1');
    await page.getByRole('button', {name: 'Add the account'}).click();
    await page.getByRole('cell', {name: 'nina', exact: true}).waitFor();
    await shot(page, 'console-accounts');
    await page.getByRole('link', {name: 'Audit trail'}).click();
    await page.getByRole('heading', {name: 'Audit trail'}).waitFor();
    const rows = page.locator('#audit-table tbody tr');
    await rows.first().waitFor();
    assert.match(await rows.nth(0).textContent(), /console:admin.*insert console_user/);
    const all = await page.locator('#audit-table tbody').textContent();
    assert.match(all, /os:\S+insert patient \(patient 1\)/);
    assert.ok(all.includes('name: <img src=x onerror="window.pwned=1">'), 'the name shows as its text');
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.equal(await page.locator('#audit-table img').count(), 0);
    await shot(page, 'console-audit');
    await page.close();
  } finally {
    await c.stop();
  }
});

test('CSRF: a cross-site form POST and a same-origin POST without the token are refused', async () => {
  const c = await startConsole([ADMIN]);
  const evil = await otherSite(`<!doctype html><title>evil</title><form id="f" method="POST" action="${c.url}/api/v1/users" enctype="text/plain">
      <input name='{"name":"mallory","role":"admin","password":"mallory-pass-1","x":"' value='"}'></form>
      <script>document.getElementById('f').submit()</script>`);
  try {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await signIn(page, c.url, ADMIN.name, ADMIN.password);
    await page.getByRole('heading', {name: 'Audit trail'}).waitFor();
    const refused = page.waitForResponse((r) => r.url() === c.url + '/api/v1/users' && r.request().method() === 'POST');
    await page.goto(evil.url);
    const res = await refused;
    assert.equal(res.status(), 403);
    assert.equal((await res.json()).error.code, 'cross_origin');
    // From the console's own page, but without the token.
    await page.goto(c.url + '/#/accounts');
    await page.getByRole('heading', {name: 'Accounts'}).waitFor();
    const plain = await page.evaluate(async () => {
      const r = await fetch('/api/v1/users', {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({name: 'mallory', role: 'admin', password: 'mallory-pass-1'})});
      return {status: r.status, body: await r.json()};
    });
    assert.equal(plain.status, 403);
    assert.equal(plain.body.error.code, 'csrf');
    // Nothing changed.
    const users = await page.evaluate(async () => (await (await fetch('/api/v1/users')).json()).users.map((u) => u.name));
    assert.deepEqual(users, ['admin']);
    await ctx.close();
  } finally {
    evil.close();
    await c.stop();
  }
});

test('the CSP blocks an inline script put into the page', async () => {
  const c = await startConsole([]);
  try {
    const page = await browser.newPage();
    await page.goto(c.url + '/');
    await page.getByRole('heading', {name: 'Sign in'}).waitFor();
    const r = await page.evaluate(() => new Promise((resolve) => {
      document.addEventListener('securitypolicyviolation', (e) => resolve({blocked: e.violatedDirective, ran: window.ran === 1}));
      const s = document.createElement('script');
      s.textContent = 'window.ran = 1';
      document.body.append(s);
      setTimeout(() => resolve({blocked: null, ran: window.ran === 1}), 2000);
    }));
    assert.equal(r.ran, false);
    assert.match(r.blocked, /script-src/);
    await page.close();
  } finally {
    await c.stop();
  }
});

test('session expiry: after the idle timeout the next page shows the sign-in with the reason', async () => {
  const c = await startConsole([CLIN], ['--idle-timeout', '2s']);
  try {
    const page = await browser.newPage();
    await signIn(page, c.url, CLIN.name, CLIN.password);
    await page.getByRole('heading', {name: 'Patients'}).waitFor();
    await page.waitForTimeout(3000);
    await page.getByRole('link', {name: 'Audit trail'}).click();
    await page.getByRole('heading', {name: 'Sign in'}).waitFor();
    assert.match(await page.locator('#login-note').textContent(), /your session ended after 2 seconds without use or 12 hours in all; sign in again/);
    await shot(page, 'console-session-expired');
    await page.close();
  } finally {
    await c.stop();
  }
});

test('rate limit: after two failures the account waits, even with the right password', async () => {
  const c = await startConsole([CLIN], ['--login-max-account', '2', '--login-window', '10min']);
  try {
    const page = await browser.newPage();
    await signIn(page, c.url, CLIN.name, 'wrong-password-1');
    await page.getByText('the name or the password is wrong').waitFor();
    await signIn(page, c.url, CLIN.name, 'wrong-password-2');
    await page.getByText('the name or the password is wrong').waitFor();
    await signIn(page, c.url, CLIN.name, CLIN.password);
    await page.getByText('too many failed sign-ins for this account; try again in 10 minutes').waitFor();
    assert.equal(await page.locator('#nav').isVisible(), false);
    await shot(page, 'console-rate-limited');
    await page.close();
  } finally {
    await c.stop();
  }
});
