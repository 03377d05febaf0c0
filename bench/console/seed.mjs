// seed.mjs: the CSV files for the console bench's clinic (bench/console/seed.sh): N patients,
// half SCS, half SNM, in four states: referred; baseline diary running; trial running with its
// diary; implanted after a trial. Usage: node seed.mjs DIR N
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';

const [dir, nArg] = process.argv.slice(2);
const n = Number(nArg || 10000);
const t0 = Date.UTC(2026, 0, 5);
const d = (k) => new Date(t0 + k * 86400000).toISOString().slice(0, 10);
// The implants (path2.csv) come after the diary: their rule checks the trial's evaluation.
const pat = ['id,therapy,name,birth_date'], path = ['patient,step,date'], path2 = ['patient,step,date'];
const diary = ['patient,date,nrs,incontinence'];
for (let i = 0; i < n; i++) {
  const scs = i % 2 === 0, code = 'P' + String(i).padStart(5, '0'), state = Math.floor(i / 2) % 4;
  pat.push(`${code},${scs ? 'scs' : 'snm'},Patient ${i},19${40 + i % 50}-0${1 + i % 9}-1${i % 10}`);
  path.push(`${code},referral,${d(0)}`);
  if (state === 0) continue;
  if (scs) path.push(`${code},team-review,${d(2)}`, `${code},questionnaires,${d(3)}`);
  else path.push(`${code},scores,${d(3)}`);
  for (let k = 3; k < 31; k++) if ((i + k) % 9) diary.push(`${code},${d(k)},${scs ? 7 + k % 3 : ''},${scs ? '' : 3 + k % 4}`);
  if (state === 1) continue;
  if (scs) for (const s of ['psychologist', 'intake', 'decision', 'screening']) path.push(`${code},${s},${d(20)}`);
  path.push(`${code},trial,${d(31)}`);
  for (let k = 32; k < 46; k++) diary.push(`${code},${d(k)},${scs ? 1 + k % 4 : ''},${scs ? '' : k % 3}`);
  if (state === 2) continue;
  if (scs) path.push(`${code},trial-end,${d(45)}`);
  path2.push(`${code},implant,${d(scs ? 50 : 58)}`);
}
writeFileSync(join(dir, 'patients.csv'), pat.join('\n') + '\n');
writeFileSync(join(dir, 'path.csv'), path.join('\n') + '\n');
writeFileSync(join(dir, 'diary.csv'), diary.join('\n') + '\n');
writeFileSync(join(dir, 'path2.csv'), path2.join('\n') + '\n');
