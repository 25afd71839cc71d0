// The widget on real pages, as an embedder ships it, in headless Chromium or Firefox
// through WebDriver (chromedriver or geckodriver, spoken to directly: no browser
// download). Every page is served with a strict Content-Security-Policy and records any
// violation, error or console error in `window.__probe` (tests/embed/probe.js).
//
// - the one tag from a sub-path, under exactly `script-src 'self' 'wasm-unsafe-eval';
//   style-src 'self'`, an element with ten attributes (one request per attendee), and
//   exactly the files the bundle measurement counts;
// - the documented minimal policy from `default-src 'none'`;
// - the server serving the widget itself, to a page on another origin, with the
//   `integrity=` hash it printed, compressed and cached for good;
// - the npm package (`npm pack`) imported through a bundler (esbuild);
// - a CORS refusal that says what to fix; the focus ring whole; forced colours;
// - an axe-core audit of the loading, loaded, form and error states, in the shadow root.
//
// Usage: node tests/embed/pages.mjs chromium|firefox SERVER_BIN DIST_DIR
// Env:   FREEBUSY_TOOLS (esbuild and axe-core, from scripts/setup.sh)
// Prints one line per test and `test result: ok. N passed; M failed` (scripts/test.sh
// counts it); exit code 1 when any failed. Everything it starts is stopped on the way out.

import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const [browserName, serverBin, distArg] = process.argv.slice(2);
if (!['chromium', 'firefox'].includes(browserName) || !serverBin || !distArg) {
  console.error('usage: node tests/embed/pages.mjs chromium|firefox SERVER_BIN DIST_DIR');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(distArg);
const tools = process.env.FREEBUSY_TOOLS ?? join(process.env.HOME, '.cache/freebusy/tools');
const toolRequire = createRequire(join(tools, 'node_modules', '/'));
const esbuild = toolRequire('esbuild');
const axeSource = readFileSync(toolRequire.resolve('axe-core/axe.min.js'));
const STRICT = "script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";
const RUN_TIMEOUT_MS = 240_000;
const TEST_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------- processes and ports

const children = [];
const servers = [];
let work;

async function freePort() {
  const server = netServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

async function listen(handler) {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return `http://127.0.0.1:${server.address().port}`;
}

// ---------------------------------------------------------------- the fake backend

/** Requests per path, for "one request per attendee". */
const seen = [];
const hung = [];
const PERIODS = {
  'alice@example.com': [{ start: '2030-01-07T09:00:00Z', end: '2030-01-07T10:30:00Z', type: 'busy' }],
  'bob@example.com': [{ start: '2030-01-08T14:00:00Z', end: '2030-01-08T15:00:00Z', type: 'tentative' }],
};

function backend(request, response) {
  const url = new URL(request.url, 'http://x');
  const [, mode, ...rest] = url.pathname.split('/');
  const cors = mode === 'nocors' ? {} : { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'GET, POST' };
  if (request.method === 'OPTIONS') return response.writeHead(204, cors).end();
  seen.push(url.pathname);
  const send = (status, body) => response.writeHead(status, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify(body));
  // A backend that publishes no hosts' rules (a plain free/busy API) answers 404 there,
  // at once in every mode: only the availability hangs for the loading state, so that
  // it holds three of Firefox's six connections to this host, not all of them.
  if (rest.at(-3) === 'v1' && rest.at(-2) === 'rules') return send(404, { error: { code: 'not_found', message: 'no rules' } });
  if (mode === 'never') return hung.push(response);
  if (mode === 'fail') return send(503, { error: { code: 'unavailable', message: 'down for the test' } });
  // Paths are /MODE[/LABEL]/EMAIL (the label keeps each page's requests apart).
  if (url.pathname.endsWith('/v1/bookings')) return send(201, { id: 'bk_pages' });
  const email = decodeURIComponent(rest.at(-1) ?? '');
  if (email === 'carol@example.com') return send(404, { error: { code: 'not_found', message: 'no calendar' } });
  return send(200, PERIODS[email] ?? []);
}

// ---------------------------------------------------------------- the pages

const site = () => join(work, 'site');
const pages = new Map(); // path -> { file, csp }

function page(path, body, csp = STRICT) {
  const file = join(site(), path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>freebusy page test</title><script src="/probe.js"></script>${body.head ?? ''}</head><body>${body.body}</body></html>`);
  pages.set(path, { csp });
}

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css' };

function staticSite(request, response) {
  const path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
  const file = resolve(site(), '.' + path);
  if (!file.startsWith(site())) return response.writeHead(403).end();
  let body;
  try {
    body = readFileSync(file);
  } catch {
    return response.writeHead(404).end();
  }
  const headers = { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
  const csp = pages.get(path)?.csp;
  if (csp) headers['content-security-policy'] = csp;
  response.writeHead(200, headers).end(body);
}

// Alice is busy, Bob tentative, Dave free; Carol (404) is an attendee the backend does not
// know, whose time is unknown.
const ATTENDEES = 'alice@example.com, bob@example.com, dave@example.com';
const element = (backendUrl, extra = '', attendees = ATTENDEES) =>
  `<freebusy-scheduler backend="${backendUrl}" attendees="${attendees}" week="2030-01-07" time-zone="UTC" locale="en-GB" hour-cycle="24" first-day="monday" visible-hours="08:00-16:00" slot-minutes="30" explain="count" ${extra}></freebusy-scheduler>`;
// The page's own layout, from a file: an inline `style` attribute is itself refused by
// the strict policy.
const PAGE_CSS = '<link rel="stylesheet" href="/page.css">';
const WIDE = 'class="wide"';

// ---------------------------------------------------------------- WebDriver

let driver;
let session;

async function wd(method, path, body) {
  const response = await fetch(`${driver}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${JSON.stringify(json.value).slice(0, 400)}`);
  return json.value;
}

async function startDriver() {
  const port = await freePort();
  const [bin, args] = browserName === 'chromium' ? ['chromedriver', [`--port=${port}`]] : ['geckodriver', ['--port', String(port), '--host', '127.0.0.1']];
  const child = spawn(bin, args, { stdio: 'ignore' });
  children.push(child);
  driver = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await wd('GET', '/status');
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${bin} did not start`);
}

async function newSession({ forcedColors = false } = {}) {
  if (session) await wd('DELETE', `/session/${session}`).catch(() => {});
  const profile = mkdtempSync(join(work, 'profile-'));
  const capabilities =
    browserName === 'chromium'
      ? { browserName: 'chrome', 'goog:chromeOptions': { args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--window-size=1200,900'] } }
      : {
          browserName: 'firefox',
          'moz:firefoxOptions': {
            args: ['-headless', '-profile', profile],
            prefs: forcedColors ? { 'browser.display.document_color_use': 2 } : {},
          },
        };
  const value = await wd('POST', '/session', { capabilities: { alwaysMatch: capabilities } });
  session = value.sessionId;
  await wd('POST', `/session/${session}/timeouts`, { script: 30_000, pageLoad: 30_000 });
  if (browserName === 'firefox') await wd('POST', `/session/${session}/window/rect`, { width: 1200, height: 900 }).catch(() => {});
  if (forcedColors && browserName === 'chromium') {
    await wd('POST', `/session/${session}/goog/cdp/execute`, {
      cmd: 'Emulation.setEmulatedMedia',
      params: { features: [{ name: 'forced-colors', value: 'active' }] },
    });
  }
}

const go = (url) => wd('POST', `/session/${session}/url`, { url });
const run = (script, ...args) => wd('POST', `/session/${session}/execute/sync`, { script, args });
const runAsync = (script, ...args) => wd('POST', `/session/${session}/execute/async`, { script, args });
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Polls `script` in the page until it returns something truthy (at most `ms`). */
async function until(what, script, ms = 20_000, ...args) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await run(script, ...args);
    if (last) return last;
    await sleep(100);
  }
  const said = await run(WIDGET_TEXT).catch((error) => error.message);
  throw new Error(`waited ${ms / 1000} s for ${what}; the widget says: ${said}`);
}

const ROOT = "const root = document.querySelector('freebusy-scheduler, #booking')?.shadowRoot;";
const WIDGET_TEXT = `${ROOT} const p = window.__probe; const said = 'probe: ' + JSON.stringify(p && { violations: p.violations, errors: p.errors, consoleErrors: p.consoleErrors }); const w = root?.querySelector('.freebusy'); if (!w) return 'no widget; ' + said; return 'aria-busy=' + w.getAttribute('aria-busy') + '; ' + [...w.querySelectorAll('[role=alert], [role=status]')].map((e) => e.textContent.trim()).filter(Boolean).join(' | ') + '; ' + said;`;
const LOADED = `${ROOT} return root?.querySelector('.freebusy[aria-busy="false"] [role="grid"] [data-start]') !== null && !!root;`;
const PROBE = 'return window.__probe;';

async function noProblems() {
  const probe = await run(PROBE);
  assert.ok(probe, 'the probe ran (tests/embed/probe.js)');
  // Firefox asks for /favicon.ico by itself, which `default-src 'none'` refuses: the
  // browser's doing, not the widget's.
  const violations = probe.violations.filter((v) => !/^img-src \S+\/favicon\.ico$/.test(v));
  const problems = [...violations.map((v) => `CSP violation: ${v}`), ...probe.errors.map((e) => `error: ${e}`)];
  assert.deepEqual(problems, [], `the page had CSP violations or errors: ${problems.join('; ')}`);
  return probe;
}

async function press(key, times = 1) {
  for (let i = 0; i < times; i++) {
    await wd('POST', `/session/${session}/actions`, {
      actions: [{ type: 'key', id: 'keyboard', actions: [{ type: 'keyDown', value: key }, { type: 'keyUp', value: key }] }],
    });
  }
}
const TAB = '\uE004';

// ---------------------------------------------------------------- the tests

const tests = [];
const test = (name, body) => tests.push({ name, body });
let origin;
let backendUrl;
let server;

test('one_tag_from_a_sub_path_under_the_strict_csp_sends_one_request_per_attendee', async () => {
  await go(`${origin}/site/deep/page.html`);
  await until('the week', LOADED);
  const probe = await noProblems();
  assert.ok(probe.events.some((event) => event.type === 'freebusy:loaded'), 'freebusy:loaded was heard on the document');
  const asked = seen.filter((path) => path.startsWith('/ok/one/'));
  const rules = asked.filter((path) => path.includes('/v1/rules/'));
  assert.equal(asked.length - rules.length, 3, `one availability request per attendee: ${JSON.stringify(asked)}`);
  assert.equal(rules.length, 3, `one rules request per attendee: ${JSON.stringify(asked)}`);
  // Styled under style-src 'self': the grid is laid out and busy time is shaded.
  const styled = await run(`${ROOT}
    const busy = root.querySelector('[data-status="busy"]');
    return { grid: getComputedStyle(root.querySelector('.freebusy-grid')).display, busy: getComputedStyle(busy).backgroundColor, sheets: root.adoptedStyleSheets.length, styles: root.querySelectorAll('style').length };`);
  assert.equal(styled.grid, 'flex');
  assert.notEqual(styled.busy, 'rgba(0, 0, 0, 0)');
  assert.deepEqual([styled.sheets, styled.styles], [1, 0]);
  // Exactly the files the bundle measurement counts, from beside the loader.
  // Everything the page fetched from its own origin but its own files (the backend is
  // another origin).
  const loaded = await run("return performance.getEntriesByType('resource').map((entry) => new URL(entry.name)).filter((url) => url.origin === location.origin).map((url) => url.pathname).filter((path) => !['/probe.js', '/page.css', '/favicon.ico'].includes(path));");
  const wasm = readdirSync(dist).find((name) => /^freebusy-[0-9a-f]{16}\.wasm$/.test(name));
  assert.deepEqual(loaded.sort(), ['/cdn/v1/freebusy.js', `/cdn/v1/${wasm}`].sort(), 'the page loaded exactly freebusy.js and its wasm');
});

test('the_documented_minimal_policy_from_default_src_none_is_enough', async () => {
  await go(`${origin}/site/minimal.html`);
  await until('the week', LOADED);
  await noProblems();
});

test('the_server_serves_the_widget_to_another_origin_with_integrity_compressed_and_immutable', async () => {
  await go(`${origin}/site/served.html`);
  await until('the week from the server', LOADED);
  await noProblems();
  const wasm = server.widget.find(({ url }) => url.endsWith('.wasm')).url;
  const entry = await run('return performance.getEntriesByName(arguments[0]).map((e) => ({ encoded: e.encodedBodySize, decoded: e.decodedBodySize }))[0];', wasm);
  assert.ok(entry && entry.encoded > 0 && entry.encoded < entry.decoded, `the wasm came compressed: ${JSON.stringify(entry)}`);
  const response = await fetch(wasm, { headers: { 'accept-encoding': 'br, gzip' } });
  assert.equal(response.headers.get('content-encoding'), 'br');
  assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(response.headers.get('access-control-allow-origin'), '*');
});

test('the_npm_package_through_a_bundler', async () => {
  await go(`${origin}/site/npm/index.html`);
  await until('the week from the bundled package', LOADED);
  await noProblems();
  await run('window.__handle.update({ week: "2030-01-14" });');
  await until('the update', `${ROOT} return !!root.querySelector('[data-start="2030-01-14T09:00:00Z"]') && root.querySelector('.freebusy').getAttribute('aria-busy') === 'false';`);
});

test('a_cors_refusal_tells_the_embedder_what_to_fix', async () => {
  await go(`${origin}/site/cors.html`);
  await until('the CORS alert', `${ROOT} return root?.querySelector('[role="alert"]')?.textContent.includes('not allowed to read the calendar server');`);
  const probe = await run(PROBE);
  const error = probe.events.find((event) => event.type === 'freebusy:error');
  assert.equal(error?.detail.code, 'cors');
  assert.match(error.detail.hint, new RegExp(`--allow-origin ${origin}`));
  assert.ok(probe.consoleErrors.some((line) => line.includes(`refused this page's origin ${origin}`)), `the console says it: ${JSON.stringify(probe.consoleErrors)}`);
  assert.ok(!(await run(WIDGET_TEXT)).includes('Check your connection'));
});

test('the_focus_ring_is_whole_in_the_first_day', async () => {
  await go(`${origin}/site/deep/page.html`);
  await until('the week', LOADED);
  let inGrid = false;
  for (let i = 0; i < 12 && !inGrid; i++) {
    await press(TAB);
    inGrid = await run(`${ROOT} return !!root.activeElement?.closest('[role="grid"]');`);
  }
  assert.ok(inGrid, 'Tab reaches the grid');
  const ring = await run(`${ROOT}
    const focused = root.activeElement;
    const style = getComputedStyle(focused);
    const box = focused.getBoundingClientRect();
    const column = [...focused.closest('[role="row"]').querySelectorAll('[role="gridcell"]')].indexOf(focused.closest('[role="gridcell"]'));
    const inset = 1;
    const points = [[box.left + inset, box.top + box.height / 2], [box.right - inset, box.top + box.height / 2], [box.left + box.width / 2, box.top + inset], [box.left + box.width / 2, box.bottom - inset]];
    const covered = points.map(([x, y]) => root.elementFromPoint(x, y)).filter((at) => at !== focused && !focused.contains(at)).map((at) => at?.className || at?.tagName);
    return { column, outline: style.outlineStyle, width: parseFloat(style.outlineWidth), offset: parseFloat(style.outlineOffset), covered };`);
  assert.equal(ring.column, 0, `the tab stop is in the first day: ${JSON.stringify(ring)}`);
  assert.notEqual(ring.outline, 'none', 'the focus ring shows');
  assert.ok(ring.offset <= -ring.width, `the ring is drawn inside the cell: ${JSON.stringify(ring)}`);
  assert.deepEqual(ring.covered, [], 'nothing covers the ring');
});

test('forced_colours_tell_busy_from_tentative_by_more_than_the_word', async () => {
  await newSession({ forcedColors: true });
  try {
    const LOOK = `${ROOT}
      const look = (status) => { const cell = root.querySelector('[data-status="' + status + '"]'); if (!cell) return 'no ' + status + ' cell'; const style = getComputedStyle(cell); return style.backgroundColor + ' ' + style.backgroundImage; };
      return { statuses: [...new Set([...root.querySelectorAll('[data-status]')].map((c) => c.dataset.status + '@' + c.dataset.start))].slice(0, 5).join(' '), forced: matchMedia('(forced-colors: active)').matches, busy: look('busy'), tentative: look('tentative'), unknown: look('unknown'), free: look('free') };`;
    await go(`${origin}/site/deep/page.html`);
    await until('the week', LOADED);
    const known = await run(LOOK);
    // Carol's time cannot be read: her week is unknown wherever Alice is not busy.
    await go(`${origin}/site/unknown.html`);
    await until('the week with an unknown attendee', LOADED);
    const unknown = (await run(LOOK)).unknown;
    const look = { ...known, unknown };
    assert.ok(look.forced, 'the browser is in forced-colours mode');
    for (const status of ['busy', 'tentative', 'unknown', 'free']) assert.ok(!look[status].startsWith('no '), `a ${status} cell to look at: ${JSON.stringify(look)} ${JSON.stringify(seen)}`);
    assert.equal(new Set([look.busy, look.tentative, look.unknown, look.free]).size, 4, `busy, tentative, unknown and free all look different: ${JSON.stringify(look)}`);
  } finally {
    await newSession();
  }
});

/** axe-core in the page, inside the widget's shadow root; fails on any violation. */
async function audit(state) {
  await run(axeSource.toString() + '\n;window.__axeLoaded = true;').catch(() => {});
  const found = await runAsync(`const done = arguments[arguments.length - 1];
    axe.run({ fromShadowDom: ['freebusy-scheduler', '.freebusy'] }, { resultTypes: ['violations'] })
      .then((result) => done(result.violations.map((v) => v.id + ': ' + v.help + ' @ ' + v.nodes.map((n) => JSON.stringify(n.target)).join(' '))))
      .catch((error) => done(['axe failed: ' + error]));`);
  assert.deepEqual(found, [], `axe found violations in the ${state} state`);
}

test('axe_finds_nothing_in_the_loading_loaded_form_and_error_states', async () => {
  await go(`${origin}/site/audit-loading.html`);
  await until('the loading state', `${ROOT} return root?.querySelector('.freebusy[aria-busy="true"] .freebusy-skeleton') !== null && !!root;`);
  await audit('loading');
  await go(`${origin}/site/audit.html`);
  await until('the week', LOADED);
  await audit('loaded');
  await run(`${ROOT} root.querySelector('[data-status="free"] button').click();`);
  await until('the form', `${ROOT} return !!root.querySelector('form.freebusy-confirm');`);
  await audit('form');
  await go(`${origin}/site/audit-error.html`);
  await until('the error', `${ROOT} return !!root?.querySelector('.freebusy-retry');`);
  await audit('error');
});

// ---------------------------------------------------------------- setup and run

async function startServer(pageOrigin) {
  const child = spawn(serverBin, ['--listen', '127.0.0.1:0', '--db', join(work, 'pages.sqlite3'), '--demo', '--widget-dir', dist, '--allow-origin', pageOrigin, '--rate-per-second', '1000', '--rate-burst', '1000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let log = '';
  child.stderr.on('data', (chunk) => (log += chunk));
  await new Promise((done, fail) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (/listening on/.test(out) && /widget \S+freebusy\.js integrity=/.test(out) && /widget \S+\.wasm integrity=/.test(out)) done();
    });
    child.on('exit', (code) => fail(new Error(`the server exited (${code}): ${log}`)));
    setTimeout(() => fail(new Error(`the server did not start: ${out} ${log}`)), 20_000);
  });
  const url = out.match(/listening on (http:\/\/\S+)/)[1];
  const widget = [...out.matchAll(/widget (\S+) integrity=(\S+)/g)].map(([, file, integrity]) => ({ url: file, integrity }));
  return { url, widget };
}

function buildPages() {
  mkdirSync(site(), { recursive: true });
  writeFileSync(join(site(), 'probe.js'), readFileSync(join(here, 'probe.js')));
  writeFileSync(join(site(), 'page.css'), '.wide { display: block; width: 1000px; }\n');
  // The one tag's files on a "CDN" path unrelated to the page's.
  const cdn = join(site(), 'cdn/v1');
  mkdirSync(cdn, { recursive: true });
  for (const name of readdirSync(dist).filter((name) => /^freebusy(-[0-9a-f]{16})?\.(js|wasm)$/.test(name))) cpSync(join(dist, name), join(cdn, name));
  const tag = '<script type="module" src="/cdn/v1/freebusy.js"></script>';
  page('/site/deep/page.html', { head: tag + PAGE_CSS, body: element(`${backendUrl}/ok/one`, WIDE) });
  page('/site/unknown.html', { head: tag + PAGE_CSS, body: element(`${backendUrl}/ok/unknown`, WIDE, 'alice@example.com, carol@example.com') });
  page('/site/minimal.html', { head: tag, body: element(`${backendUrl}/ok/minimal`) }, `default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ${backendUrl}; style-src 'self'`);
  const loader = server.widget.find(({ url }) => url.endsWith('/freebusy.js'));
  page(
    '/site/served.html',
    { head: `<script type="module" src="${loader.url}" integrity="${loader.integrity}" crossorigin="anonymous"></script>`, body: element(server.url, '', 'alice@example.com, bob@example.com').replace(/week="[^"]*"/, '') },
    // 'self' only for the test's own probe.js.
    `default-src 'none'; script-src 'self' ${server.url} 'wasm-unsafe-eval'; connect-src ${server.url}; style-src 'self'`,
  );
  page('/site/cors.html', { head: tag, body: element(`${backendUrl}/nocors`) });
  page('/site/audit.html', { head: tag + PAGE_CSS, body: element(`${backendUrl}/ok/audit`, WIDE) });
  page('/site/audit-loading.html', { head: tag, body: element(`${backendUrl}/never`) });
  page('/site/audit-error.html', { head: tag, body: element(`${backendUrl}/fail`) });
  // The npm package: packed, installed into an app, bundled by esbuild.
  const app = join(work, 'app');
  mkdirSync(app, { recursive: true });
  const tarball = execFileSync('npm', ['pack', dist, '--pack-destination', app, '--silent'], { cwd: app, encoding: 'utf8' }).trim().split('\n').pop();
  writeFileSync(join(app, 'package.json'), '{"name":"app","private":true}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', join(app, tarball)], { cwd: app, stdio: 'ignore' });
  writeFileSync(
    join(app, 'main.js'),
    `import wasm from 'freebusy-scheduler/freebusy.wasm';
import { load, mount } from 'freebusy-scheduler';
load(wasm);
window.__handle = await mount(document.querySelector('#booking'), {
  backend: '${backendUrl}/ok/npm', attendees: ['alice@example.com', 'bob@example.com'],
  week: '2030-01-07', timeZone: 'UTC', locale: 'en-GB', hourCycle: 24, firstDay: 'monday',
});
`,
  );
  mkdirSync(join(site(), 'site/npm'), { recursive: true });
  esbuild.buildSync({ entryPoints: [join(app, 'main.js')], bundle: true, format: 'esm', minify: true, outdir: join(site(), 'site/npm'), loader: { '.wasm': 'file' }, absWorkingDir: app, logLevel: 'warning' });
  page('/site/npm/index.html', { head: '<script type="module" src="./main.js"></script>', body: '<div id="booking"></div>' });
}

async function cleanup() {
  for (const response of hung) response.destroy();
  if (session) await wd('DELETE', `/session/${session}`).catch(() => {});
  for (const child of children) child.kill('SIGTERM');
  for (const server of servers) {
    server.closeAllConnections?.();
    server.close();
  }
  if (work) rmSync(work, { recursive: true, force: true });
}

let passed = 0;
let failed = 0;
const failures = [];
const watchdog = setTimeout(async () => {
  console.log(`pages: the run took over ${RUN_TIMEOUT_MS / 1000} s; stopping`);
  await cleanup();
  console.log(`test result: FAILED. ${passed} passed; ${failed + 1} failed`);
  process.exit(1);
}, RUN_TIMEOUT_MS);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await cleanup();
    process.exit(130);
  });
}

const started = Date.now();
try {
  work = mkdtempSync(join(tmpdir(), 'freebusy-pages-'));
  backendUrl = await listen(backend);
  origin = await listen(staticSite);
  server = await startServer(origin);
  buildPages();
  await startDriver();
  await newSession();
  console.log(`pages: ${browserName}, page ${origin}, backend ${backendUrl}, server ${server.url}`);
  for (const { name, body } of tests) {
    const began = Date.now();
    let timer;
    try {
      await Promise.race([body(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT_MS / 1000} s`)), TEST_TIMEOUT_MS)))]);
      passed++;
      console.log(`test ${name} ... ok (${((Date.now() - began) / 1000).toFixed(1)} s)`);
    } catch (error) {
      failed++;
      failures.push(`${name}: ${String(error.message ?? error).split('\n')[0]}`);
      console.log(`test ${name} ... FAILED\n  ${(error.stack ?? String(error)).replaceAll('\n', '\n  ')}`);
    } finally {
      clearTimeout(timer);
    }
  }
} catch (error) {
  failed++;
  failures.push(`could not start: ${String(error.message ?? error).split('\n')[0]}`);
  console.log(`pages: could not start: ${error.stack ?? error}`);
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
if (failures.length) console.log(`failures:\n  ${failures.join('\n  ')}`);
console.log(`test result: ${failed ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed; finished in ${((Date.now() - started) / 1000).toFixed(1)}s`);
process.exit(failed ? 1 : 0);
