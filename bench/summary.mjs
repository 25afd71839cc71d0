// Prints the summary of one scripts/bench.sh run (a results directory) as Markdown:
// the numbers, the ratios and each goal of issue 7, met or missed and by how much.
//
// Usage: node bench/summary.mjs RESULTS_DIR

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const load = (name) => {
  const file = join(dir, `${name}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
};
const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;
const ms = (v) => (v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
const x = (v) => `${v.toFixed(2)}x`;
const goal = (met, text) => `${met ? 'MET' : 'MISSED'}: ${text}`;
const lines = [`# Benchmark summary (${dir.split('/').pop()})`, ''];

const bundle = load('bundle');
if (bundle) {
  const w = bundle.widget;
  const total = w.wasm + w.js + w.css;
  const fc = bundle.fullcalendar.gzip;
  lines.push('## Bundle (gzip -9)', '',
    '| | wasm | JS | CSS | total |', '| --- | ---: | ---: | ---: | ---: |',
    `| widget (dist/) | ${kb(w.wasm)} | ${kb(w.js)} | ${kb(w.css)} | **${kb(total)}** (+ ${kb(w.snippets)} snippets) |`,
    `| FullCalendar ${bundle.fullcalendar.version} | | ${kb(fc)} | in the JS${bundle.fullcalendar.cssInJs ? '' : '?'} | **${kb(fc)}** |`,
    '',
    `widget / FullCalendar = ${x(total / fc)}. ` +
      goal(total <= fc, total <= fc ? 'no larger than FullCalendar' :
        `${kb(total - fc)} over FullCalendar (${((total / fc - 1) * 100).toFixed(0)} % larger)`),
    '');
}

const render = load('render');
if (render) {
  const w = render.widget;
  const f = render.fullcalendar;
  lines.push(`## Render (Chromium ${render.chromium}; median of ${render.runs} runs after ${render.warmups} warm-ups)`, '',
    '| | painted | layout done | first run (painted) | DOM nodes |', '| --- | ---: | ---: | ---: | ---: |',
    `| widget (${w.periods} periods, ${w.requests} requests) | **${ms(w.painted.median)}** | ${ms(w.layout.median)} | ${ms(w.first.painted)} | ${w.nodes} |`,
    `| FullCalendar timeGridWeek (${f.eventElements} event elements) | **${ms(f.painted.median)}** | ${ms(f.layout.median)} | ${ms(f.first.painted)} | ${f.nodes} |`,
    '',
    `widget: last response ${ms(w.requestsDone.median)} after mount, painted ${ms(w.afterRequests.median)} after it; ` +
      `cells ${w.cells} (${JSON.stringify(w.statuses)}).`,
    `widget / FullCalendar = ${x(w.painted.median / f.painted.median)}. ` +
      goal(w.painted.median <= f.painted.median / 2, 'at most half of FullCalendar\'s time' +
        (w.painted.median <= f.painted.median / 2 ? '' : `: ${ms(w.painted.median - f.painted.median / 2)} over half`)),
    '');
  if (w.pageErrors || f.pageErrors) lines.push(`page errors: ${JSON.stringify([w.pageErrors, f.pageErrors])}`, '');
}

const merge = load('merge');
const native = load('native');
if (merge) {
  const m = merge.merge;
  const row = (label, key) => lines.push(`| ${label} | ${ms(m[key].median)} | ${ms(m[key].min)} – ${ms(m[key].max)} |`);
  lines.push(`## Merge: 100,000 periods, 50 calendars (Chromium ${merge.chromium}; median of ${merge.runs} interleaved rounds)`, '',
    '| | median | min – max |', '| --- | ---: | ---: |');
  row('JavaScript, plain (objects + sort comparator)', 'jsPlain');
  row('JavaScript, tuned (packed Float64Array keys, typed sort)', 'jsTyped');
  row('engine in wasm, opt-level 3: with marshalling (typed arrays in, Float64Array out)', 'wasm_speed');
  row('engine in wasm, opt-level 3: merge only', 'wasmMergeOnly_speed');
  row('engine in wasm, opt-level 3: marshalling in only', 'wasmLoad_speed');
  row('engine in wasm, opt-level z (the widget\'s): with marshalling', 'wasm_size');
  row('engine in wasm, opt-level z: merge only', 'wasmMergeOnly_size');
  const speedup = m.jsPlain.median / m.wasm_speed.median;
  lines.push('',
    `Same output (count + checksum; also on 1- and 5-calendar inputs with ${m.checks.map((c) => c.outputPeriods).join(' and ')} output periods): ` +
      `${m.sameOutput ? 'yes' : 'NO'}.`,
    `wasm (opt-level 3) vs plain JS: ${x(speedup)} with marshalling, ${x(m.jsPlain.median / m.wasmMergeOnly_speed.median)} merge only; ` +
      `opt-level z: ${x(m.jsPlain.median / m.wasm_size.median)}, ${x(m.jsPlain.median / m.wasmMergeOnly_size.median)}. ` +
      goal(speedup >= 3, 'at least 3x the JavaScript baseline' + (speedup >= 3 ? '' : `: ${x(speedup)}`)),
    `wasm (opt-level 3) vs tuned JS: ${x(m.jsTyped.median / m.wasm_speed.median)} with marshalling.`);
  if (native) lines.push(`Native (criterion median): ${ms(native.bench)} bench profile (opt-level z), ${ms(native.server)} server profile (opt-level 3).`);
  lines.push('');
} else if (native) {
  lines.push('## Merge natively', '', `criterion median: ${ms(native.bench)} bench profile, ${ms(native.server)} server profile.`, '');
}

const backend = load('backend');
if (backend) {
  lines.push(`## Backend (wrk -t2 -c64 -d${backend.duration}s; ${backend.cores} cores; the week query returns ${backend.periods} periods)`, '',
    '| layout | route | requests/s | p50 | p99 | non-2xx |', '| --- | --- | ---: | ---: | ---: | ---: |');
  for (const layout of ['shared', 'split']) {
    for (const route of ['week', 'healthz']) {
      const r = backend[`${layout}-${route}`];
      if (r) lines.push(`| ${layout} | ${route === 'week' ? 'GET /alice@example.com?start=&end=' : 'GET /healthz'} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.non2xx} |`);
    }
  }
  lines.push('');
  for (const layout of ['shared', 'split']) {
    const week = backend[`${layout}-week`];
    const health = backend[`${layout}-healthz`];
    if (!week || !health) continue;
    const ratio = week.rps / health.rps;
    lines.push(`${layout}: week / healthz = ${(ratio * 100).toFixed(0)} %. ` + goal(ratio >= 0.5, 'at least half of /healthz throughput'));
  }
  lines.push('');
}
console.log(lines.join('\n'));
