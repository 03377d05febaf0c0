// patients.mjs: latencies of the patient list and the patient page of a running nmod console
// on a seeded clinic (seed.sh), from the client's side, and the time to a usable patient list
// in headless Chromium. Usage: node patients.mjs URL NAME PASSWORD N_PATIENTS
// Prints one line per measurement: "label n p50 p95 max" (ms).
import http from 'node:http';
import {performance} from 'node:perf_hooks';
import {chromium} from '../../tests/browser/node_modules/playwright-core/index.mjs';

const [url, name, password, nArg] = process.argv.slice(2);
const u = new URL(url);
const n = Number(nArg);
let cookie = '';

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : null;
    const headers = {Cookie: cookie, Origin: url};
    if (data) Object.assign(headers, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data)});
    const req = http.request({host: u.hostname, port: u.port, method, path, agent: false, headers}, (res) => {
      const sc = res.headers['set-cookie'];
      if (sc) cookie = sc[0].split(';')[0];
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function stats(label, t) {
  t.sort((a, b) => a - b);
  const q = (p) => t[Math.min(t.length - 1, Math.ceil(p * t.length) - 1)].toFixed(2);
  console.log([label, t.length, q(0.5), q(0.95), t[t.length - 1].toFixed(1)].join(' '));
}

async function timed(label, count, pathOf) {
  const t = [];
  for (let i = 0; i < count; i++) {
    const path = pathOf(i);
    const t0 = performance.now();
    const status = await request('GET', path);
    t.push(performance.now() - t0);
    if (status !== 200) throw new Error(`${path}: status ${status}`);
  }
  stats(label, t);
}

if ((await request('POST', '/api/v1/session', {name, password})) !== 200) throw new Error('sign-in failed');
const code = (i) => 'P' + String((i * 7919) % n).padStart(5, '0'); // spread over the file
for (let i = 0; i < 20; i++) await request('GET', '/api/v1/patients'); // warm-up
await timed('list', 300, (i) => `/api/v1/patients?limit=25&offset=${(i * 25 * 13) % n}`);
await timed('list-attention', 300, (i) => `/api/v1/patients?attention=1&limit=25&offset=${(i * 25) % 500}`);
await timed('list-search', 300, (i) => `/api/v1/patients?q=${encodeURIComponent('patient ' + ((i * 37) % n))}&limit=25`);
await timed('list-filter', 300, (i) => `/api/v1/patients?therapy=${i % 2 ? 'scs' : 'snm'}&phase=trial&limit=25`);
await timed('page', 300, (i) => `/api/v1/patients/${code(i)}`);

// The browser: from navigating to #/patients (signed in) to the first page of rows shown.
const browser = await chromium.launch({executablePath: process.env.NMOD_CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run']});
const page = await browser.newPage();
await page.goto(url + '/');
await page.locator('#login-name').fill(name);
await page.locator('#login-password').fill(password);
await page.getByRole('button', {name: 'Sign in'}).click();
await page.locator('#patients-table tbody tr').first().waitFor();
const t = [];
for (let i = 0; i < 10; i++) {
  await page.goto('about:blank');
  const t0 = performance.now();
  await page.goto(url + '/#/patients');
  await page.locator('#patients-table tbody tr').nth(24).waitFor();
  t.push(performance.now() - t0);
}
stats('browser-list', t);
await browser.close();
