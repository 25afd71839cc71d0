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
  const rps = (name) => (backend[name] ? backend[name].rps : null);
  lines.push(`## Backend (wrk -t2 -c64 -d${backend.duration}s; ${backend.cores} cores; the week query returns ${backend.periods} periods, the history weeks ${backend.historyPeriods})`, '',
    '| layout | route | requests/s | p50 | p99 | non-2xx |', '| --- | --- | ---: | ---: | ---: | ---: |');
  const routes = {
    week: 'GET /alice@example.com?start=&end=', healthz: 'GET /healthz',
    'history-year1': 'history week, 2016', 'history-year10': 'history week, 2026',
  };
  const layouts = [['shared', 'SQLite, shared cores'], ['split', 'SQLite, server on 1 core'],
    ['sqlite', 'SQLite, shared cores'], ['postgres', 'PostgreSQL, 1 server'],
    ['replica1', 'PostgreSQL, server 1 of 2'], ['replica2', 'PostgreSQL, server 2 of 2']];
  for (const [layout, label] of layouts) {
    for (const [route, path] of Object.entries(routes)) {
      const r = backend[`${layout}-${route}`];
      if (r) lines.push(`| ${label} | ${path} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.non2xx} |`);
    }
  }
  lines.push('');
  const ratio = (label, week, health, goalRatio) => {
    if (week == null || health == null) return;
    const r = week / health;
    lines.push(`${label}: week / healthz = ${(r * 100).toFixed(0)} %. ` + goal(r >= goalRatio, `at least ${goalRatio * 100} % of /healthz throughput`));
  };
  ratio('SQLite, shared', rps('shared-week'), rps('shared-healthz'), 0.8);
  ratio('SQLite, split', rps('split-week'), rps('split-healthz'), 0.8);
  ratio('PostgreSQL, 1 server', rps('postgres-week'), rps('postgres-healthz'), 0.8);
  const twoWeek = rps('replica1-week') + rps('replica2-week');
  const twoHealth = rps('replica1-healthz') + rps('replica2-healthz');
  if (rps('replica1-week') != null) {
    ratio('PostgreSQL, 2 servers', twoWeek, twoHealth, 0.8);
    lines.push(`PostgreSQL, 2 servers vs 1: week ${Math.round(twoWeek)} vs ${Math.round(rps('postgres-week'))} requests/s = ${x(twoWeek / rps('postgres-week'))} (same 2 cores for everything).`);
  }
  for (const store of ['sqlite', 'postgres']) {
    const y1 = rps(`${store}-history-year1`);
    const y10 = rps(`${store}-history-year10`);
    if (y1 == null || y10 == null) continue;
    const cost = y1 / y10; // time per request, year 10 over year 1
    lines.push(`${store}: a week in year 10 costs ${x(cost)} a week in year 1. ` + goal(cost <= 1.2, 'at most 1.2x'));
  }
  lines.push('');
}
console.log(lines.join('\n'));
