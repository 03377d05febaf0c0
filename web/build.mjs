// build.mjs: the console's front end, from web/src into the build tree (make runs it through
// CMake; node only, no packages). It copies the files and refuses any that break the rules the
// server's Content-Security-Policy and the accessibility goals depend on:
//   - no inline script, no inline style, no on* handler attributes in HTML;
//   - no innerHTML, outerHTML, insertAdjacentHTML, document.write, eval or new Function in JS;
//   - every input, select and textarea has a <label for> or an aria-label;
//   - nothing loaded from another origin (no http:// or https:// in src or href).
// It writes manifest.json beside them: each file with its size and SHA-256.
// Usage: node build.mjs OUT_DIR
import {createHash} from 'node:crypto';
import {mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync} from 'node:fs';
import {join, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';

const src = join(dirname(fileURLToPath(import.meta.url)), 'src');
const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUT_DIR');
  process.exit(2);
}

const problems = [];
const bad = (file, what) => problems.push(`${file}: ${what}`);

function checkHtml(file, text) {
  for (const m of text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (m[2].trim()) bad(file, 'inline script (the CSP allows only script files)');
    if (!/\bsrc=/.test(m[1])) bad(file, 'a <script> without src');
  }
  if (/<style\b/i.test(text)) bad(file, 'a <style> element (use style.css)');
  if (/\sstyle\s*=/i.test(text)) bad(file, 'a style attribute (use style.css)');
  if (/\son[a-z]+\s*=/i.test(text)) bad(file, 'an on* handler attribute (add listeners in a module)');
  if (/\b(src|href)\s*=\s*["']?(https?:)?\/\//i.test(text)) bad(file, 'something loaded from another origin');
  const labelled = new Set([...text.matchAll(/<label\b[^>]*\bfor="([^"]+)"/gi)].map((m) => m[1]));
  for (const m of text.matchAll(/<(input|select|textarea)\b([^>]*)>/gi)) {
    const id = /\bid="([^"]+)"/.exec(m[2]);
    if (/\btype="hidden"/.test(m[2]) || /\baria-label=/.test(m[2])) continue;
    if (!id || !labelled.has(id[1])) bad(file, `<${m[1]}${id ? ' id="' + id[1] + '"' : ''}> has no label`);
  }
}

function checkJs(file, text) {
  // The SVG namespace is a name, not an address: nothing is fetched from it.
  text = text.replaceAll("'http://www.w3.org/2000/svg'", "'svg-namespace'");
  for (const [re, what] of [[/\.innerHTML\b/, 'innerHTML'], [/\.outerHTML\b/, 'outerHTML'],
    [/insertAdjacentHTML/, 'insertAdjacentHTML'], [/document\.write/, 'document.write'], [/\beval\s*\(/, 'eval'],
    [/new\s+Function\b/, 'new Function'], [/https?:\/\//, 'an address of another origin']]) {
    if (re.test(text)) bad(file, `uses ${what}`);
  }
}

const files = readdirSync(src).sort();
const manifest = {};
rmSync(out, {recursive: true, force: true});
mkdirSync(out, {recursive: true});
for (const f of files) {
  const data = readFileSync(join(src, f));
  const text = data.toString('utf8');
  if (f.endsWith('.html')) checkHtml(f, text);
  if (f.endsWith('.js')) checkJs(f, text);
  writeFileSync(join(out, f), data);
  manifest[f] = {bytes: data.length, sha256: createHash('sha256').update(data).digest('hex')};
}
if (problems.length) {
  rmSync(out, {recursive: true, force: true});
  for (const p of problems) console.error(`web/src/${p}`);
  process.exit(1);
}
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(`web: ${files.length} files into ${out}`);
