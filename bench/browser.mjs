// The in-browser benchmarks: render (widget vs FullCalendar) and merge (engine in wasm vs
// JavaScript), in Debian's headless Chromium driven by playwright-core.
//
// Usage: node bench/browser.mjs render|merge|all DIST_DIR FC_BUNDLE MERGE_PKG_DIR [OUT_JSON]
//        (MERGE_PKG_DIR holds speed/, size/ and any size-* variants, each a wasm-bindgen --target web output)
// Env:   FREEBUSY_TOOLS (playwright-core), CHROMIUM (default /usr/bin/chromium),
//        BENCH_RUNS (default 20), BENCH_WARMUPS (default 3); the heavy render case:
//        BENCH_HEAVY_RUNS (default 5), BENCH_HEAVY_WARMUPS (default 1)
//
// Everything is served from one loopback origin by this script; nothing leaves the machine.

import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const [what, dist, fcBundle, mergePkg, out] = process.argv.slice(2);
if (!['render', 'merge', 'all'].includes(what) || !dist || !fcBundle || !mergePkg) {
  console.error('usage: node bench/browser.mjs render|merge|all DIST_DIR FC_BUNDLE MERGE_PKG_DIR [OUT_JSON]');
  process.exit(2);
}
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const WARMUPS = Number(process.env.BENCH_WARMUPS ?? 3);
const HEAVY_RUNS = Number(process.env.BENCH_HEAVY_RUNS ?? 5);
const HEAVY_WARMUPS = Number(process.env.BENCH_HEAVY_WARMUPS ?? 1);
const tools = process.env.FREEBUSY_TOOLS ?? join(process.env.HOME, '.cache/freebusy/tools');
const { chromium } = createRequire(join(tools, '/'))('playwright-core');
const web = join(dirname(fileURLToPath(import.meta.url)), 'web');

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

// dist/'s file names carry hashes; /dist/widget.js and /dist/widget_bg.wasm name them.
const distFiles = readdirSync(dist);
const distJs = distFiles.find((f) => f.endsWith('.js'));
const distWasm = distFiles.find((f) => f.endsWith('_bg.wasm'));

function resolve(path) {
  const under = (root, rest) => {
    const file = normalize(join(root, rest));
    return file.startsWith(normalize(root)) ? file : null;
  };
  if (path === '/dist/widget.js') return join(dist, distJs);
  if (path === '/dist/widget_bg.wasm') return join(dist, distWasm);
  if (path.startsWith('/dist/')) return under(dist, path.slice(6));
  if (path.startsWith('/bench/')) return under(web, path.slice(7));
  if (path.startsWith('/merge/')) return under(mergePkg, path.slice(7));
  if (path === '/fc/fullcalendar.js') return fcBundle;
  return null;
}

const server = createServer((request, response) => {
  const file = resolve(new URL(request.url, 'http://x').pathname);
  let body;
  try {
    body = file && readFileSync(file);
  } catch {
    body = null;
  }
  if (!body) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  response.end(body);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run',
    // Frames as soon as there is something to draw, not on a 60 Hz clock: "painted" is
    // then the work itself rather than the wait for the next vsync.
    '--disable-frame-rate-limit', '--disable-gpu-vsync',
    // gc() for the merge page: each timed call starts on a collected heap.
    '--js-flags=--expose-gc',
  ],
});

async function onPage(path, call, ...args) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(origin + path);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
  const result = await page.evaluate(call, args);
  await page.close();
  if (errors.length) result.pageErrors = errors;
  return result;
}

const results = { chromium: browser.version(), runs: RUNS, warmups: WARMUPS };
try {
  if (what === 'render' || what === 'all') {
    results.widget = await onPage('/bench/widget.html', ([r, w]) => window.bench(r, w), RUNS, WARMUPS);
    results.fullcalendar = await onPage('/bench/fullcalendar.html', ([r, w]) => window.bench(r, w), RUNS, WARMUPS);
    // The heavy case (10,000 periods, 20 attendees): FullCalendar takes seconds a run,
    // so fewer runs (the widget gets as many, for the same statistics).
    results.heavy = { runs: HEAVY_RUNS, warmups: HEAVY_WARMUPS };
    for (const [key, page] of [['widget', 'widget'], ['fullcalendar', 'fullcalendar']]) {
      results.heavy[key] = await onPage(`/bench/${page}.html?case=heavy`, ([r, w]) => window.bench(r, w), HEAVY_RUNS, HEAVY_WARMUPS);
    }
  }
  if (what === 'merge' || what === 'all') {
    // Every wasm-bindgen package in MERGE_PKG_DIR, the shipped ones first.
    const order = (name) => ['speed', 'size'].indexOf(name) >>> 0;
    const packages = readdirSync(mergePkg)
      .filter((name) => existsSync(join(mergePkg, name, 'freebusy_merge_wasm.js')))
      .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
    results.merge = await onPage(`/bench/merge.html?packages=${packages.join(',')}`, ([n, r, w]) => window.bench(n, r, w), 100_000, RUNS, WARMUPS);
    results.merge.packages = packages;
  }
} finally {
  await browser.close();
  server.close();
}
const text = JSON.stringify(results, null, 2);
if (out) writeFileSync(out, text + '\n');
console.log(text);
