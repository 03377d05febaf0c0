// bench.mjs: latencies of a running nmod console from the client's side.
// Usage: node bench.mjs URL NAME PASSWORD. Prints "health_n p50 p95 p99 login_n p50 p95 max" (ms).
import http from 'node:http';
import {performance} from 'node:perf_hooks';

const [url, name, password] = process.argv.slice(2);
const u = new URL(url);

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : null;
    const req = http.request({host: u.hostname, port: u.port, method, path, agent: false,
      headers: data ? {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data)} : {}}, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function timed(n, fn) {
  const t = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const status = await fn();
    t.push(performance.now() - t0);
    if (status !== 200) throw new Error(`status ${status}`);
  }
  t.sort((a, b) => a - b);
  const q = (p) => t[Math.min(t.length - 1, Math.ceil(p * t.length) - 1)].toFixed(2);
  return {n, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: t[t.length - 1].toFixed(1)};
}

for (let i = 0; i < 50; i++) await request('GET', '/api/v1/health'); // warm-up
const h = await timed(2000, () => request('GET', '/api/v1/health'));
const l = await timed(20, () => request('POST', '/api/v1/session', {name, password}));
console.log([h.n, h.p50, h.p95, h.p99, l.n, l.p50, l.p95, l.max].join(' '));
