// harness.mjs: a real `nmod console` process on a free loopback port with a real SQLite file,
// its accounts made with `nmod console user add --password-stdin`, and Debian's Chromium driven
// headless by playwright-core (no browser of Playwright's own: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD).
import {spawn, spawnSync} from 'node:child_process';
import http from 'node:http';
import {mkdtempSync, mkdirSync, rmSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {chromium} from 'playwright-core';

export const NMOD = process.env.NMOD || 'build/nmod';
export const SHOTS = process.env.NMOD_SCREENSHOTS || 'build/screenshots';
export const CHROMIUM = process.env.NMOD_CHROMIUM || '/usr/bin/chromium';
// The flags the project runs Chromium with (docs/CONSOLE.md "Testing").
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

mkdirSync(SHOTS, {recursive: true});

// A query of the database with the sqlite3 tool (the file as it is on disk).
export function sql(db, q) {
  const r = spawnSync('sqlite3', [db, q], {encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return r.stdout.trim();
}

export function nmod(args, input) {
  const r = spawnSync(NMOD, args, {input, encoding: 'utf8', timeout: 60000});
  if (r.status !== 0) throw new Error(`nmod ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

// Start a console on a new database with accounts [{name, role, password}] and extra options.
export async function startConsole(users, extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'nmod-browser-'));
  const db = join(dir, 'clinic.db');
  for (const u of users) nmod(['console', 'user', 'add', u.name, '--role', u.role, '--password-stdin', '--db', db], u.password + '\n');
  const logPath = join(dir, 'console.log');
  const proc = spawn(NMOD, ['console', '--db', db, '--listen', '127.0.0.1:0', ...extra], {stdio: ['ignore', 'pipe', 'pipe']});
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('nmod console did not start: ' + log)), 30000);
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`nmod console exited ${code}: ${log}`)));
  });
  return {
    url, db, dir,
    log: () => log,
    // SIGTERM: it must exit 0 (with the sanitizers: nothing leaked).
    async stop() {
      const code = await new Promise((resolve) => {
        proc.removeAllListeners('exit');
        proc.on('exit', (c, sig) => resolve(sig ? sig : c));
        proc.kill('SIGTERM');
      });
      rmSync(dir, {recursive: true, force: true});
      if (code !== 0) throw new Error(`nmod console stopped with ${code}: ${log}`);
    },
  };
}

// Another origin on loopback (the same site for a cookie: 127.0.0.1, another port) whose one
// page is `html`: a cross-site attacker. {url, close()}.
export async function otherSite(html) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, {'Content-Type': 'text/html'});
    res.end(html);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close()};
}

export async function launch() {
  return chromium.launch({executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS});
}

export async function shot(page, name) {
  await page.screenshot({path: join(SHOTS, name + '.png'), fullPage: true});
}

// axe-core in the page (run through the DevTools protocol, which the page's CSP does not
// govern); the violations of impact serious or critical.
const AXE = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
export async function axeSerious(page) {
  await page.evaluate(AXE);
  const res = await page.evaluate(() => window.axe.run(document, {resultTypes: ['violations']}));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export async function signIn(page, url, name, password) {
  await page.goto(url + '/');
  const form = page.locator('#login-form');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Password').fill(password);
  await page.getByRole('button', {name: 'Sign in'}).click();
}
