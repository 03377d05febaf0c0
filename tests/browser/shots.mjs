// shots.mjs: screenshots of a running nmod console's pages, for make demo.
// Usage: node shots.mjs URL CREDENTIALS_FILE OUT_DIR (credentials: "NAME PASSWORD ROLE" lines).
import {readFileSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {launch, signIn} from './harness.mjs';

const [url, credFile, out] = process.argv.slice(2);
mkdirSync(out, {recursive: true});
const creds = Object.fromEntries(readFileSync(credFile, 'utf8').trim().split('\n').map((l) => {
  const [name, password, role] = l.split(' ');
  return [role, {name, password}];
}));
const browser = await launch();
const page = await browser.newPage({viewport: {width: 1200, height: 760}});
const shot = async (name) => {
  await page.screenshot({path: join(out, name + '.png'), fullPage: true});
  console.log('  ' + join(out, name + '.png'));
};
await page.goto(url + '/');
await page.getByRole('heading', {name: 'Sign in'}).waitFor();
await shot('console-sign-in');
await signIn(page, url, creds.clinician.name, creds.clinician.password);
await page.getByRole('heading', {name: 'Patients'}).waitFor();
await shot('console-patients');
await page.getByRole('link', {name: 'Audit trail'}).click();
await page.locator('#audit-table tbody tr').first().waitFor();
await shot('console-audit');
await page.getByRole('button', {name: 'Sign out'}).click();
// The nurse: a new patient, and a patient's page with the data entry her role allows.
await signIn(page, url, creds.nurse.name, creds.nurse.password);
await page.getByRole('heading', {name: 'Patients'}).waitFor();
await page.getByText('New patient').click();
await shot('console-new-patient');
await page.getByRole('link', {name: 'SNM-001', exact: true}).click();
await page.locator('#diary-form').waitFor();
await shot('console-patient-nurse');
await page.getByRole('button', {name: 'Sign out'}).click();
await signIn(page, url, creds.admin.name, creds.admin.password);
await page.getByRole('link', {name: 'Accounts'}).click();
await page.locator('#accounts-table tbody tr').first().waitFor();
await shot('console-accounts');
await browser.close();
