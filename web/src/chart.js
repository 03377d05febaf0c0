// chart.js: the diary as an inline SVG chart, made here (no chart library): one bar per day,
// baseline and trial days apart, the baseline mean and the evaluation's target line (the trial
// mean at which the reduction reaches the threshold, computed by the clinic: target_mean).
const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// days: [{date, phase, value}] (value null when the day has none); ev: the evaluation.
export function diaryChart(days, ev, unit) {
  const W = 720, H = 240, L = 40, R = 10, T = 12, B = 30;
  const vals = days.map((d) => d.value).filter((v) => v !== null);
  const top = Math.max(1, ...vals, ev.baseline_mean || 0);
  const svg = s('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart'});
  svg.append(s('title', {}, `Diary: ${unit} per day, baseline and trial, with the baseline mean and the ${ev.threshold_pct} % line`));
  const x = (i) => L + (i + 0.5) * (W - L - R) / Math.max(1, days.length);
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const bw = Math.max(1, (W - L - R) / Math.max(1, days.length) - 1);
  svg.append(s('line', {x1: L, y1: y(0), x2: W - R, y2: y(0), class: 'axis'}));
  for (const t of [0, top / 2, top]) svg.append(s('text', {x: L - 4, y: y(t) + 4, class: 'tick', 'text-anchor': 'end'}, String(Math.round(t * 10) / 10)));
  days.forEach((d, i) => {
    if (d.value === null) return;
    svg.append(s('rect', {x: x(i) - bw / 2, y: y(d.value), width: bw, height: y(0) - y(d.value),
      class: d.used ? 'bar ' + d.phase : 'bar unused'}));
  });
  const line = (v, cls, label) => {
    if (v === null || v === undefined) return;
    svg.append(s('line', {x1: L, y1: y(v), x2: W - R, y2: y(v), class: cls}));
    svg.append(s('text', {x: W - R - 4, y: y(v) - 4, class: 'tick', 'text-anchor': 'end'}, label));
  };
  line(ev.baseline_mean, 'mean', `baseline mean ${ev.baseline_mean}`);
  line(ev.target_mean, 'target', `${ev.threshold_pct} % line ${ev.target_mean}`);
  if (days.length) {
    svg.append(s('text', {x: L, y: H - 8, class: 'tick'}, days[0].date));
    svg.append(s('text', {x: W - R, y: H - 8, class: 'tick', 'text-anchor': 'end'}, days[days.length - 1].date));
  }
  return svg;
}
