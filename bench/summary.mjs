// Prints the summary of one scripts/bench.sh run (a results directory) as Markdown:
// the numbers, the ratios and each goal (issues 7, 13 and 18), met or missed and by how much.
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
  // What scripts/test.sh counts against its budget: every .wasm, .js (snippets too), .css.
  const counted = total + w.snippets;
  const fc = bundle.fullcalendar.gzip;
  lines.push('## Bundle (gzip -9)', '',
    '| | wasm | JS | CSS | total |', '| --- | ---: | ---: | ---: | ---: |',
    `| widget (dist/) | ${kb(w.wasm)} | ${kb(w.js)} | ${kb(w.css)} | **${kb(total)}** (+ ${kb(w.snippets)} snippets) |`,
    `| FullCalendar ${bundle.fullcalendar.version} | | ${kb(fc)} | in the JS${bundle.fullcalendar.cssInJs ? '' : '?'} | **${kb(fc)}** |`,
    '',
    `widget / FullCalendar = ${x(total / fc)}. ` +
      goal(total <= fc, total <= fc ? 'no larger than FullCalendar' :
        `${kb(total - fc)} over FullCalendar (${((total / fc - 1) * 100).toFixed(0)} % larger)`));
  if (bundle.budget) {
    lines.push(`Counted as scripts/test.sh counts it (snippets included): ${kb(counted)} of its ${kb(bundle.budget)} budget. ` +
      goal(counted <= bundle.budget, counted <= bundle.budget ? `within the budget, ${kb(bundle.budget - counted)} to spare` :
        `${kb(counted - bundle.budget)} over the budget`));
  }
  const levels = load('wasm-opt');
  if (levels) {
    lines.push('', 'The widget\'s wasm through each wasm-opt level (the same wasm-bindgen output; dist/ is -Oz):', '',
      '| wasm-opt | wasm gzip -9 | vs -Oz |', '| --- | ---: | ---: |',
      ...Object.entries(levels).map(([level, bytes]) =>
        `| ${level === 'none' ? 'none' : `-${level}`} | ${kb(bytes)} | ${bytes >= levels.Oz ? '+' : ''}${kb(bytes - levels.Oz)} |`));
  }
  lines.push('');
}

const render = load('render');
if (render) {
  const table = (w, f) => [
    '| | painted | layout done | first run (painted) | DOM nodes |', '| --- | ---: | ---: | ---: | ---: |',
    `| widget (${w.periods} periods, ${w.attendees ?? 5} attendees, ${w.requests} requests) | **${ms(w.painted.median)}** (${ms(w.painted.min)} – ${ms(w.painted.max)}) | ${ms(w.layout.median)} | ${ms(w.first.painted)} | ${w.nodes} |`,
    `| FullCalendar timeGridWeek (${f.eventElements} event elements) | **${ms(f.painted.median)}** (${ms(f.painted.min)} – ${ms(f.painted.max)}) | ${ms(f.layout.median)} | ${ms(f.first.painted)} | ${f.nodes} |`,
    '',
    `widget: last response ${ms(w.requestsDone.median)} after mount, painted ${ms(w.afterRequests.median)} after it; ` +
      `cells ${w.cells} (${JSON.stringify(w.statuses)}).`,
  ];
  const w = render.widget;
  const f = render.fullcalendar;
  lines.push(`## Render (Chromium ${render.chromium}; median of ${render.runs} runs after ${render.warmups} warm-ups)`, '',
    ...table(w, f),
    `widget / FullCalendar = ${x(w.painted.median / f.painted.median)}. ` +
      goal(w.painted.median <= f.painted.median / 2, 'at most half of FullCalendar\'s time' +
        (w.painted.median <= f.painted.median / 2 ? '' : `: ${ms(w.painted.median - f.painted.median / 2)} over half`)),
    '');
  const heavy = render.heavy;
  if (heavy) {
    const hw = heavy.widget;
    const hf = heavy.fullcalendar;
    const ratio = hw.painted.median / hf.painted.median;
    lines.push(`### Render, heavy: ${hw.periods} periods across ${hw.attendees} attendees (median of ${heavy.runs} runs after ${heavy.warmups} warm-up)`, '',
      ...table(hw, hf),
      `widget / FullCalendar = ${x(ratio)}. ` +
        goal(ratio <= 0.1, 'at most 0.1x FullCalendar\'s time' + (ratio <= 0.1 ? '' : `: ${ms(hw.painted.median - hf.painted.median / 10)} over`)),
      '');
    if (hw.pageErrors || hf.pageErrors) lines.push(`page errors: ${JSON.stringify([hw.pageErrors, hf.pageErrors])}`, '');
  }
  if (w.pageErrors || f.pageErrors) lines.push(`page errors: ${JSON.stringify([w.pageErrors, f.pageErrors])}`, '');
}

const merge = load('merge');
const native = load('native');
if (merge) {
  const m = merge.merge;
  const packages = m.packages ?? merge.merge.packages ?? ['speed', 'size'];
  const label = {
    speed: 'opt-level 3 + wasm-opt -O3 (a page that merges in wasm)',
    size: '**as the widget ships it** (opt-level "z", the engine at 3, wasm-opt -Oz)',
    'size-none': 'the widget\'s build without wasm-opt',
  };
  const name = (pkg) => label[pkg] ?? `the widget's build, wasm-opt -${pkg.replace('size-', '')}`;
  const plain = m.jsPlain.median;
  const tuned = m.jsTyped.median;
  const range = (r) => `${ms(r.min)} – ${ms(r.max)}`;
  lines.push(`## Merge: 100,000 periods, 50 calendars (Chromium ${merge.chromium}; median of ${merge.runs} interleaved rounds)`, '',
    '| | with marshalling (min – max) | merge only | marshalling in | plain JS ÷ this | tuned JS ÷ this |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| JavaScript, plain (objects + sort comparator) | ${ms(plain)} (${range(m.jsPlain)}) | | | 1 | |`,
    `| JavaScript, tuned (packed Float64Array keys, typed sort) | ${ms(tuned)} (${range(m.jsTyped)}) | | | ${x(plain / tuned)} | 1 |`);
  for (const pkg of packages) {
    const all = m[`wasm_${pkg}`];
    if (!all) continue;
    lines.push(`| engine in wasm, ${name(pkg)} | ${ms(all.median)} (${range(all)}) | ${ms(m[`wasmMergeOnly_${pkg}`].median)} | ` +
      `${ms(m[`wasmLoad_${pkg}`].median)} | ${x(plain / all.median)} | ${x(tuned / all.median)} |`);
  }
  lines.push('', 'Ratios are of the medians, with marshalling (typed arrays in, engine periods built, merged, a Float64Array out).',
    `Same output (count + checksum; also on 1- and 5-calendar inputs with ${m.checks.map((c) => c.outputPeriods).join(' and ')} output periods): ` +
      `${m.sameOutput ? 'yes' : 'NO'}.`);
  const shipped = m.wasm_size?.median;
  if (shipped) {
    lines.push(`As the widget ships it: ${x(plain / shipped)} the plain JavaScript. ` +
        goal(plain / shipped >= 5 && m.sameOutput, 'at least 5x the plain JavaScript, same output'),
      `As the widget ships it: ${x(tuned / shipped)} the tuned JavaScript. ` +
        goal(tuned / shipped >= 1.5 && m.sameOutput, 'at least 1.5x the tuned JavaScript, same output'));
  }
  if (m.wasm_speed) {
    lines.push(`opt-level 3 build: ${x(plain / m.wasm_speed.median)} the plain JavaScript. ` +
      goal(plain / m.wasm_speed.median >= 3 && m.sameOutput, 'at least 3x the JavaScript baseline, same output (issue 7)'));
  }
  if (native) {
    const worst = Math.max(native.bench ?? Infinity, native.server ?? Infinity);
    lines.push(`Native (criterion median, 100k case): ${ms(native.bench)} bench profile (the workspace's release: opt-level "z", the engine at 3), ` +
      `${ms(native.server)} server profile (opt-level 3). ` + goal(worst <= 5, 'at most 5 ms natively (both profiles)'));
  }
  lines.push('');
} else if (native) {
  lines.push('## Merge natively', '', `criterion median: ${ms(native.bench)} bench profile, ${ms(native.server)} server profile. ` +
    goal(Math.max(native.bench, native.server) <= 5, 'at most 5 ms natively (both profiles)'), '');
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
const sources = load('sources');
if (sources && sources.listed && sources.feeds && sources.listed.rps && sources.feeds.rps) {
  lines.push(`## Sources (wrk -t2 -c64 -d${sources.duration}s; the week query over ${sources.accounts} accounts, ${sources.events} instances)`, '',
    '| accounts | requests/s | p50 | p99 | non-2xx |', '| --- | ---: | ---: | ---: | ---: |');
  const names = { listed: 'seeded (same events)', feeds: 'ICS-feed-backed', caldav: 'CalDAV-backed (Radicale)' };
  for (const kind of ['listed', 'feeds', 'caldav'].filter((kind) => sources[kind] && sources[kind].rps)) {
    const r = sources[kind];
    lines.push(`| ${names[kind]} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.non2xx} |`);
  }
  const ratio = sources.feeds.rps / sources.listed.rps;
  lines.push('', `feeds / seeded = ${x(ratio)}. ` + goal(ratio >= 0.8, 'at least 0.8x the seeded accounts (issue 13)'), '');
  if (sources.caldav && sources.caldav.rps) {
    const caldav = sources.caldav.rps / sources.listed.rps;
    lines.push(`CalDAV / seeded = ${x(caldav)}. ` + goal(caldav >= 0.8, 'at least 0.8x the seeded accounts (issue 13)'), '');
  }
}
console.log(lines.join('\n'));
