// End to end: the release build (dist/) and the real server binary, driven in Debian's
// headless Chromium through playwright-core. The page and the API are served on two
// loopback origins, so every request is cross-origin and CORS is real.
//
// Usage: node tests/e2e/e2e.mjs SERVER_BIN DIST_DIR [SCREENSHOT_DIR]
// Env:   FREEBUSY_TOOLS   where scripts/setup.sh installed playwright-core
//                         (default ~/.cache/freebusy/tools)
//        CHROMIUM         the browser (default /usr/bin/chromium)
//        E2E_ARTIFACTS    where a failing test leaves screenshots of its pages
//                         (default $CARGO_TARGET_DIR/test-logs/e2e, else a temp dir)
//
// Prints one line per test and a closing `test result: ok. N passed; M failed` line that
// scripts/test.sh counts; exit code 1 when any test failed. The server, the page server
// and the browser are stopped on every way out (failure, Ctrl-C, SIGTERM, a hang).

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import assert from 'node:assert/strict';

const [serverBin, distArg, screenshots] = process.argv.slice(2);
if (!serverBin || !distArg) {
  console.error('usage: node tests/e2e/e2e.mjs SERVER_BIN DIST_DIR [SCREENSHOT_DIR]');
  process.exit(2);
}
const dist = resolve(distArg);
const tools = process.env.FREEBUSY_TOOLS ?? join(process.env.HOME, '.cache/freebusy/tools');
const { chromium } = createRequire(join(tools, 'node_modules', '/'))('playwright-core');
const artifacts =
  process.env.E2E_ARTIFACTS ??
  (process.env.CARGO_TARGET_DIR
    ? join(process.env.CARGO_TARGET_DIR, 'test-logs', 'e2e')
    : join(tmpdir(), 'freebusy-e2e-failures'));

/** A token for the Cronofy-style API, for one of the demo's people. */
const TOKEN = 'e2e-token';
const TOKEN_EMAIL = 'alice@example.com';
/** The backend URL written in index.html; the page server swaps in the test server's. */
const PAGE_BACKEND = 'http://127.0.0.1:3000';
/** How long one test may take before it is failed (and everything still runs on). */
const TEST_TIMEOUT_MS = 60_000;
/** How long the whole run may take before it is abandoned (and cleaned up). */
const RUN_TIMEOUT_MS = 170_000;
/** A slot chosen for booking starts at least this far ahead (bookings must be future; the
 * widget offers nothing within the hosts' notice anyway). */
const LEAD_MS = 60 * 60_000;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------- dates

/** The Monday (UTC midnight) of the week containing `time`, as the server's demo counts. */
function mondayOf(time) {
  const day = new Date(time);
  day.setUTCHours(0, 0, 0, 0);
  return day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS;
}
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

// ---------------------------------------------------------------- the hosts' rules

/** `ms` as a wall clock in `zone`: its date, weekday (0 = Monday) and minute of the day. */
const WALL = new Map();
function wall(zone, ms) {
  if (!WALL.has(zone)) {
    WALL.set(zone, new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short' }));
  }
  const part = Object.fromEntries(WALL.get(zone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return {
    date: `${part.year}-${part.month}-${part.day}`,
    weekday: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(part.weekday),
    minute: Number(part.hour) * 60 + Number(part.minute),
  };
}

/** The instant when the wall clock in `zone` shows `hhmm` on the UTC date of `dayMs`. */
function zoned(zone, dayMs, hhmm) {
  const target = Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  let ms = dayMs + target * 60_000;
  for (let i = 0; i < 3; i++) {
    const seen = wall(zone, ms);
    const dayShift = Math.round((Date.parse(`${seen.date}T00:00:00Z`) - dayMs) / DAY_MS);
    ms -= (dayShift * 1440 + seen.minute - target) * 60_000;
  }
  return ms;
}

/**
 * The demo page's hosts' working hours, as server/src/demo.rs gives them (the run checks
 * them against GET /v1/rules first): on the days all three work, Monday to Thursday,
 * they share one hour or so in the afternoon (UTC), after carol's day of notice.
 */
const DEMO_HOURS = {
  'alice@example.com': { zone: 'Europe/London', ranges: [['09:00', '12:00'], ['14:00', '17:30']], days: [0, 1, 2, 3, 4] },
  'bob@example.com': { zone: 'Europe/Berlin', ranges: [['08:00', '16:00']], days: [0, 1, 2, 3] },
  'carol@example.com': { zone: 'America/New_York', ranges: [['09:00', '17:00']], days: [0, 1, 2, 3, 4] },
};

/** The afternoon hours the demo's hosts share on the UTC day `dayMs` (Monday to Thursday). */
function sharedHours(dayMs) {
  const [alice, bob, carol] = Object.values(DEMO_HOURS);
  const start = Math.max(zoned(alice.zone, dayMs, alice.ranges[1][0]), zoned(carol.zone, dayMs, carol.ranges[0][0]));
  const end = Math.min(zoned(alice.zone, dayMs, alice.ranges[1][1]), zoned(bob.zone, dayMs, bob.ranges[0][1]), zoned(carol.zone, dayMs, carol.ranges[0][1]));
  return { start, end };
}

/** Whether host `doc` (a published rules document) is open at `ms`, for a page at `now`. */
function openAt(doc, ms, now) {
  if (doc === null) return true; // no rules published: the calendars alone decide
  if (ms < now + doc.notice_minutes * 60_000) return false;
  const at = wall(doc.time_zone, ms);
  const today = wall(doc.time_zone, now);
  if (Date.parse(`${at.date}T00:00:00Z`) - Date.parse(`${today.date}T00:00:00Z`) > doc.horizon_days * DAY_MS) return false;
  const override = doc.overrides.find((o) => o.date === at.date);
  const day = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'][at.weekday];
  const ranges = override ? override.hours : doc.weekly[day];
  const minutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  return ranges.some((r) => minutes(r.start) <= at.minute && at.minute < minutes(r.end));
}

/** For each minute of `[from, to)`: whether every host is open then. */
function minutesOpen(docs, from, to, now) {
  const open = [];
  for (let ms = from; ms < to; ms += 60_000) open.push(docs.every((doc) => openAt(doc, ms, now)));
  return open;
}

/**
 * Next week's data, on top of the demo week: whatever day the run happens on (even a
 * Saturday, when all of the demo week is past), there is a future week with busy,
 * tentative and partly covered slots to compare and to book around. The blocks that
 * should show lie in the hours the hosts share; two lie outside them, where the rules
 * hide the calendars ("unavailable", however busy). `hosts` gives each account the
 * zone and rules the demo gave it.
 */
function nextWeekSeed(now, hosts) {
  const monday = mondayOf(now) + 7 * DAY_MS;
  const at = (day, hhmm) => iso(monday + day * DAY_MS + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * 60_000);
  const event = (uid, day, from, to, status) => ({ uid, start: at(day, from), end: at(day, to), status });
  // `minutes` after the start of the shared hours on `day`, for `length` minutes.
  const shared = (uid, day, minutes, length, status) => {
    const start = sharedHours(monday + day * DAY_MS).start + minutes * 60_000;
    return { uid, start: iso(start), end: iso(start + length * 60_000), status };
  };
  return {
    accounts: [
      {
        email: 'alice@example.com',
        ...hosts['alice@example.com'],
        calendars: [
          {
            id: 'e2e_alice',
            name: 'E2E',
            events: [
              // Covers half of Tuesday's first shared slot and half of the second.
              shared('e2e-partial', 1, 15, 30, 'busy'),
              shared('e2e-maybe', 2, 0, 60, 'tentative'),
              // Outside carol's hours: unavailable, not busy.
              event('e2e-hidden', 1, '10:15', '10:45', 'busy'),
            ],
          },
        ],
      },
      {
        email: 'bob@example.com',
        ...hosts['bob@example.com'],
        calendars: [
          {
            id: 'e2e_bob',
            name: 'E2E',
            events: [
              // Tentative under alice's busy time: busy wins.
              shared('e2e-under', 1, 0, 60, 'tentative'),
              event('e2e-morning', 3, '09:00', '12:00', 'busy'),
            ],
          },
        ],
      },
      {
        email: 'carol@example.com',
        ...hosts['carol@example.com'],
        calendars: [
          {
            id: 'e2e_carol',
            name: 'E2E',
            // Bob's day off anyway.
            events: [{ uid: 'e2e-away', start: isoDay(monday + 4 * DAY_MS), end: isoDay(monday + 5 * DAY_MS), status: 'busy' }],
          },
        ],
      },
    ],
  };
}

// ---------------------------------------------------------------- the two origins

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.png': 'image/png',
};

/** Serves dist/, with the page's backend URL pointed at `api.url` once it is known. */
async function startPage(api) {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    const file = resolve(dist, '.' + (path === '/' ? '/index.html' : path));
    if (file !== dist && !file.startsWith(dist + sep)) {
      response.writeHead(403).end();
      return;
    }
    let body;
    try {
      body = readFileSync(file);
    } catch {
      response.writeHead(404).end();
      return;
    }
    if (extname(file) === '.html') {
      const html = body.toString();
      if (!html.includes(PAGE_BACKEND)) {
        response.writeHead(500).end(`${file} does not name the backend ${PAGE_BACKEND}`);
        return;
      }
      body = html.replaceAll(PAGE_BACKEND, api.url);
    }
    response.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    response.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** Server processes still running: none may outlive this script. */
const servers = new Set();

/** Spawns the server binary with `args`; resolves once it says where it listens. */
async function spawnServer(args) {
  const child = spawn(serverBin, ['--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.add(child);
  child.on('exit', () => servers.delete(child));
  let log = '';
  child.stderr.on('data', (chunk) => (log += chunk));
  const url = await new Promise((resolveUrl, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/listening on (http:\/\/\S+)/);
      if (match) resolveUrl(match[1]);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${log}`)));
    setTimeout(() => reject(new Error(`the server did not say "listening on" within 15 s:\n${log}`)), 15_000);
  });
  return { child, url, log: () => log };
}

async function stopServer(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Each demo host's zone and rules as the demo publishes them. A seed replaces an
 * account's zone and rules whole, so next week's seed must carry them: they are read
 * from a first, throwaway demo server rather than copied here.
 */
async function demoHosts(dir) {
  const demo = await spawnServer(['--db', join(dir, 'rules.sqlite3'), '--demo']);
  try {
    const hosts = {};
    for (const email of Object.keys(DEMO_HOURS)) {
      const response = await fetch(`${demo.url}/v1/rules/${encodeURIComponent(email)}`);
      assert.equal(response.status, 200, `the demo publishes ${email}'s rules`);
      const { time_zone, ...rules } = await response.json();
      hosts[email] = { time_zone, rules };
    }
    return hosts;
  } finally {
    await stopServer(demo);
  }
}

/** Starts the real server: demo week plus next week's seed, a fresh SQLite file. */
async function startApi(pageOrigin, dir) {
  const seed = join(dir, 'next-week.json');
  writeFileSync(seed, JSON.stringify(nextWeekSeed(Date.now(), await demoHosts(dir)), null, 2));
  return spawnServer([
    '--db', join(dir, 'e2e.sqlite3'),
    '--demo',
    '--seed', seed,
    '--allow-origin', pageOrigin,
    '--token', `${TOKEN}=${TOKEN_EMAIL}`,
    // The tests load the page many times from one address.
    '--rate-per-second', '1000',
    '--rate-burst', '1000',
  ]);
}

// ---------------------------------------------------------------- the widget, as a user sees it

/** The widget's root inside the custom element's shadow root (for page.evaluate code). */
const ROOT = "document.querySelector('freebusy-scheduler')?.shadowRoot?.querySelector('.freebusy')";

/** Waits until a week is shown: not busy, slots drawn; `other` = a week start it is not. */
async function loaded(page, other = null) {
  await page
    .waitForFunction(
      ([root, other]) => {
        const widget = eval(root);
        const first = widget?.querySelector('[role="grid"] [data-start]');
        return widget?.getAttribute('aria-busy') === 'false' && first && first.dataset.start !== other;
      },
      [ROOT, other],
      { timeout: 20_000 },
    )
    .catch(async (error) => {
      throw new Error(`the widget did not show a week: ${await widgetText(page)}\n${error.message}`);
    });
}

/** What the widget says (alerts and status lines), for failure messages. */
function widgetText(page) {
  return page
    .evaluate((root) => {
      const widget = eval(root);
      if (!widget) return 'no .freebusy element in the shadow root of <freebusy-scheduler>';
      const said = [...widget.querySelectorAll('[role="alert"], [role="status"], .freebusy-week-label')]
        .map((element) => element.textContent.trim())
        .filter(Boolean);
      return `aria-busy=${widget.getAttribute('aria-busy')}; ${said.join(' | ') || '(no text)'}`;
    }, ROOT)
    .catch((error) => `(could not read the widget: ${error.message})`);
}

/** Every slot of the shown week: its UTC span and status. */
function slots(page) {
  return page
    .locator('.freebusy [role="grid"] [data-start]')
    .evaluateAll((cells) => cells.map((cell) => ({ start: cell.dataset.start, end: cell.dataset.end, status: cell.dataset.status })));
}

/** The first start of the shown week's slots. */
const firstStart = (page) => page.locator('.freebusy [role="grid"] [data-start]').first().getAttribute('data-start');

/** Shows the next week with the widget's own button. */
async function nextWeek(page) {
  const before = await firstStart(page);
  await page.locator('.freebusy .freebusy-next').click();
  await loaded(page, before);
}

/** Shows the week holding `start` (this week or one of the next two). */
async function showWeekOf(page, start) {
  for (let i = 0; i < 3; i++) {
    if ((await page.locator(`.freebusy [data-start="${start}"]`).count()) > 0) return;
    await nextWeek(page);
  }
  throw new Error(`no week within three shows the slot ${start}`);
}

const slotAt = (page, start) => page.locator(`.freebusy [role="grid"] [data-start="${start}"]`);

/** Waits until the slot at `start` shows `status`, saying what it shows instead. */
async function waitForStatus(page, start, status) {
  try {
    await page.locator(`.freebusy [data-start="${start}"][data-status="${status}"]`).waitFor({ timeout: 15_000 });
  } catch {
    const shown = await slotAt(page, start).getAttribute('data-status', { timeout: 1000 }).catch(() => 'no such slot');
    throw new Error(`slot ${start} shows ${shown}, not ${status}; the widget says: ${await widgetText(page)}`);
  }
}

/**
 * A free slot at least an hour ahead in the shown week, else in the next ones (moving
 * the page there). `not` lists starts to leave alone.
 */
async function futureFreeSlot(page, not = []) {
  for (let week = 0; week < 3; week++) {
    const slot = (await slots(page)).find(
      (s) => s.status === 'free' && Date.parse(s.start) >= Date.now() + LEAD_MS && !not.includes(s.start),
    );
    if (slot) return slot;
    await nextWeek(page);
  }
  throw new Error('no free slot an hour ahead in three weeks');
}

/** Books the slot at `start` with the mouse: click it, fill the form, click submit. */
async function bookWithMouse(page, start, name) {
  await slotAt(page, start).locator('button').click();
  const form = page.locator('.freebusy form.freebusy-confirm');
  await form.waitFor();
  await form.locator('input[name="name"]').fill(name);
  await form.locator('input[name="email"]').fill('visitor@example.org');
  await form.locator('textarea[name="note"]').fill('Booked by the end-to-end test');
  await form.locator('button[type="submit"]').click();
}

/** The booking id from the confirmation ("Booked: … Reference ID."). */
async function confirmation(page) {
  const text = page.locator('.freebusy .freebusy-confirmation');
  try {
    await text.waitFor({ timeout: 15_000 });
  } catch {
    throw new Error(`no confirmation after submitting; the widget says: ${await widgetText(page)}`);
  }
  const said = await text.innerText();
  const id = said.match(/Reference ([0-9a-f]{32})/)?.[1];
  assert.ok(id, `the confirmation names the booking's reference: "${said}"`);
  assert.match(said, /^Booked: /);
  return id;
}

/** In the page: where focus is inside the widget (the shadow root's active element). */
function focusInWidget(page) {
  return page.evaluate(() => {
    const active = document.querySelector('freebusy-scheduler')?.shadowRoot?.activeElement;
    if (!active) return { outside: `focus left the widget: document.activeElement is <${document.activeElement?.tagName.toLowerCase()}>` };
    const cell = active.closest('[role="gridcell"]');
    const row = cell?.closest('[role="row"]');
    const rows = row ? [...row.parentElement.querySelectorAll(':scope > [role="row"]')] : [];
    return {
      tag: active.tagName.toLowerCase(),
      name: active.getAttribute('name'),
      inGrid: !!active.closest('[role="grid"]'),
      start: cell?.dataset.start ?? null,
      status: cell?.dataset.status ?? null,
      row: rows.indexOf(row),
      column: row ? [...row.querySelectorAll(':scope > [role="gridcell"]')].indexOf(cell) : -1,
    };
  });
}

/** In the page: the row and column of the cell starting at `start`. */
function positionOf(page, start) {
  return page.evaluate((start) => {
    const root = document.querySelector('freebusy-scheduler').shadowRoot;
    const cell = root.querySelector(`[role="grid"] [data-start="${start}"]`);
    const row = cell.closest('[role="row"]');
    return {
      row: [...row.parentElement.querySelectorAll(':scope > [role="row"]')].indexOf(row),
      column: [...row.querySelectorAll(':scope > [role="gridcell"]')].indexOf(cell),
    };
  }, start);
}

// ---------------------------------------------------------------- what the server says

const RANK = { free: 0, tentative: 1, unknown: 2, busy: 3 };

/** The status the engine's rule gives a slot: the strongest status of any attendee over any part of it. */
function expectedStatus(answers, slot) {
  let worst = 'free';
  for (const periods of answers) {
    const status =
      periods === null
        ? 'unknown' // the Zonio route's 404: an attendee the widget shows as unknown
        : periods
            .filter((p) => Date.parse(p.start) < Date.parse(slot.end) && Date.parse(p.end) > Date.parse(slot.start))
            .reduce((s, p) => (RANK[p.type] > RANK[s] ? p.type : s), 'free');
    if (RANK[status] > RANK[worst]) worst = status;
  }
  return worst;
}

async function zonio(email, from, to) {
  const response = await fetch(`${api.url}/${encodeURIComponent(email)}?start=${from}&end=${to}`);
  if (response.status === 404) return null;
  const body = await response.text();
  assert.equal(response.status, 200, `GET /${email} answered ${response.status}: ${body}`);
  return JSON.parse(body);
}

/** The host element's attendees (the `attendees` attribute of <freebusy-scheduler>). */
async function attendeesOf(page) {
  const list = await page.locator('freebusy-scheduler').getAttribute('attendees');
  return (list ?? '').split(',').map((email) => email.trim()).filter(Boolean);
}

/** The host's published rules (GET /v1/rules/{email}), `null` when none are (404). */
async function rulesOf(email) {
  const response = await fetch(`${api.url}/v1/rules/${encodeURIComponent(email)}`);
  if (response.status === 404) return null;
  const body = await response.text();
  assert.equal(response.status, 200, `GET /v1/rules/${email} answered ${response.status}: ${body}`);
  return JSON.parse(body);
}

/** The meeting length the widget offers first: the shortest every host offers. */
function shortestShared(docs) {
  const offered = docs.filter(Boolean).map((doc) => doc.durations_minutes);
  if (!offered.length) return 30;
  return offered[0].filter((m) => offered.every((list) => list.includes(m))).sort((a, b) => a - b)[0];
}

/**
 * Compares the shown week with the server's Zonio answers and the hosts' published
 * rules; returns how many slots had each status. A slot the rules close all of shows
 * "unavailable", whatever the calendars say; otherwise a blocked slot shows the
 * calendars' status; a calendar-free slot shows "free" only if a meeting of the shortest
 * shared length fits the hosts' open time starting in it, else "unavailable" (buffers
 * and a day's cap can close it too). `now` is read after the slots, so a slot may have
 * turned past since the page drew it (its clock ticks every 30 s): such a slot is only
 * checked for not being past before the page's clock could have said so, and a slot near
 * a host's notice boundary is checked only for not contradicting the calendars.
 */
async function compareWithServer(page, emails, { now: fixedNow = null } = {}) {
  const shown = await slots(page);
  assert.ok(shown.length > 0, 'the grid shows slots');
  const from = Math.floor(Math.min(...shown.map((s) => Date.parse(s.start))) / 1000);
  const to = Math.ceil(Math.max(...shown.map((s) => Date.parse(s.end))) / 1000);
  const answers = await Promise.all(emails.map((email) => zonio(email, from, to)));
  const docs = await Promise.all(emails.map(rulesOf));
  const minutes = shortestShared(docs);
  const now = fixedNow ?? Date.now();
  // A page on the real clock redraws every 30 s; one on a fixed clock never moves.
  const slack = fixedNow === null ? 90_000 : 0;
  const notices = docs.filter(Boolean).map((doc) => now + doc.notice_minutes * 60_000);
  const counts = {};
  const wrong = [];
  let hidden = 0;
  for (const slot of shown) {
    counts[slot.status] = (counts[slot.status] ?? 0) + 1;
    const start = Date.parse(slot.start);
    const end = Date.parse(slot.end);
    if (start < now) {
      // Past by now; the page saw it past unless it started in the last minute and a half.
      if (slot.status !== 'past' && start < now - slack) wrong.push(`${slot.start}: shows ${slot.status}, expected past`);
      continue;
    }
    const calendars = expectedStatus(answers, slot);
    const open = minutesOpen(docs, start, end + minutes * 60_000, now);
    const closed = open.slice(0, (end - start) / 60_000).every((o) => !o);
    // A meeting starting in the slot, on a 5-minute mark, that fits the open time.
    const fits = [...Array((end - start) / 300_000).keys()].some((k) => open.slice(k * 5, k * 5 + minutes).every(Boolean));
    const nearNotice = notices.some((at) => at > start - minutes * 60_000 - slack && at < end + slack);
    if (nearNotice) {
      if (!['unavailable', calendars].includes(slot.status)) wrong.push(`${slot.start}: shows ${slot.status}, the calendars say ${calendars} (near a notice boundary)`);
      continue;
    }
    if (closed) {
      if (slot.status !== 'unavailable') wrong.push(`${slot.start}: shows ${slot.status}, but the hosts' rules close all of it (calendars: ${calendars})`);
      if (calendars !== 'free') hidden++;
    } else if (calendars !== 'free') {
      if (slot.status !== calendars) wrong.push(`${slot.start}: shows ${slot.status}, the server's data says ${calendars}`);
    } else if (slot.status === 'free') {
      if (!fits) wrong.push(`${slot.start}: shows free, but no ${minutes}-minute meeting fits the hosts' hours from it`);
    } else if (slot.status !== 'unavailable') {
      wrong.push(`${slot.start}: shows ${slot.status}, the server's data says free`);
    }
  }
  assert.deepEqual(wrong, [], `slots that disagree with the server (${wrong.length} of ${shown.length})`);
  counts.hidden = hidden;
  return counts;
}

/** The Cronofy-style free/busy of TOKEN's account over the UTC days around `start`. */
async function cronofy(start, managed) {
  const from = isoDay(Date.parse(start));
  const to = isoDay(Date.parse(start) + DAY_MS);
  const response = await fetch(
    `${api.url}/v1/free_busy?tzid=UTC&from=${from}&to=${to}&include_managed=${managed}&include_ids=true`,
    { headers: { authorization: `Bearer ${TOKEN}` } },
  );
  assert.equal(response.status, 200, `GET /v1/free_busy answered ${response.status}`);
  return (await response.json()).free_busy;
}

// ---------------------------------------------------------------- the tests

const tests = [];
const test = (name, body) => tests.push({ name, body });

let api;
let pageServer;
let browser;
let workdir;
/** Pages opened by the running test: screenshotted when it fails, closed after it. */
let openPages = [];

/** Console errors every page may log: a refused booking is a 409 the browser reports. */
const EXPECTED_CONSOLE = [/Failed to load resource: the server responded with a status of 409/];

async function newPage({ viewport = { width: 1280, height: 900 }, ...options } = {}) {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC', ...options });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !EXPECTED_CONSOLE.some((allowed) => allowed.test(message.text()))) {
      errors.push(`console error: ${message.text()}`);
    }
  });
  page.errors = errors;
  openPages.push(page);
  return page;
}

async function openWidget(options) {
  const page = await newPage(options);
  await page.goto(pageServer.origin + '/');
  await loaded(page);
  return page;
}

const noErrors = (...pages) => assert.deepEqual(pages.flatMap((page) => page.errors), [], 'the pages logged errors');

// Screenshots first, so that they show the demo week as seeded (no test bookings).
// Only when a SCREENSHOT_DIR is given.
(screenshots ? test : () => {})('screenshots_of_the_week_grid_light_and_dark_desktop_and_phone_german_and_arabic', async () => {
  mkdirSync(screenshots, { recursive: true });
  // The same picture whatever day the run happens on: Monday 10:40 (UTC) of the demo
  // week, so the past, the now line and the rest of the week all show (on a phone, the
  // day shown is Monday, today).
  const at = new Date(mondayOf(Date.now()) + (10 * 60 + 40) * 60_000);
  const desktop = { width: 1280, height: 900 };
  const phone = { width: 390, height: 844 };
  for (const [name, colorScheme, viewport, locale, timezoneId] of [
    ['week-light-desktop', 'light', desktop, 'en-GB', 'Europe/London'],
    ['week-light-phone', 'light', phone, 'en-GB', 'Europe/London'],
    ['week-dark-desktop', 'dark', desktop, 'en-GB', 'Europe/London'],
    ['week-dark-phone', 'dark', phone, 'en-GB', 'Europe/London'],
    ['week-de-phone', 'light', phone, 'de-DE', 'Europe/Berlin'],
    ['week-ar-desktop', 'light', desktop, 'ar-EG', 'Africa/Cairo'],
  ]) {
    const onPhone = viewport === phone;
    const page = await newPage({ colorScheme, viewport, locale, timezoneId, isMobile: onPhone, hasTouch: onPhone });
    await page.clock.setFixedTime(at);
    await page.goto(pageServer.origin + '/');
    await loaded(page);
    if (onPhone) await page.locator('.freebusy-compact .freebusy-days button').first().waitFor();
    const counts = await compareWithServer(page, await attendeesOf(page), { now: at.getTime() });
    // A phone shows Monday, all of it within carol's day of notice: past, then unavailable.
    const shows = onPhone ? counts.past && counts.unavailable : counts.busy && counts.unavailable && counts.free && counts.past;
    assert.ok(shows, `the picture shows every status it can: ${JSON.stringify(counts)}`);
    const file = join(screenshots, `${name}.png`);
    // The element, not the page: the week grid as a host page would show it.
    await page.locator('freebusy-scheduler').screenshot({ path: file, animations: 'disabled', caret: 'hide' });
    console.log(`  saved ${file}`);
    noErrors(page);
    await page.context().close();
  }
});

test('shaded_slots_match_what_the_server_reports_this_week_and_next', async () => {
  const page = await openWidget();
  const emails = await attendeesOf(page);
  assert.deepEqual(emails, ['alice@example.com', 'bob@example.com', 'carol@example.com'], 'the demo page\'s attendees');
  // The demo hosts publish the hours the seed of next week is laid out by.
  for (const email of emails) {
    const doc = await rulesOf(email);
    const hours = DEMO_HOURS[email];
    assert.equal(doc.time_zone, hours.zone, `${email}'s zone`);
    const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
    for (const [index, day] of days.entries()) {
      const expected = hours.days.includes(index) ? hours.ranges.map(([start, end]) => ({ start, end })) : [];
      assert.deepEqual(doc.weekly[day], expected, `${email}'s hours on ${day}`);
    }
  }
  const thisWeek = await compareWithServer(page, emails);
  await nextWeek(page);
  const next = await compareWithServer(page, emails);
  // Next week is all future and holds the seed's busy, tentative and partial blocks in
  // the shared hours (Tuesday's two busy slots, Wednesday's two tentative ones), and
  // busy time outside them that the rules hide.
  assert.ok(next.busy >= 2 && next.tentative >= 2 && next.free >= 2, `next week shows its seeded blocks: ${JSON.stringify(next)}`);
  assert.ok(next.unavailable > next.free && next.hidden >= 2, `the rules grey out the rest of next week, busy or not: ${JSON.stringify(next)}`);
  assert.ok(!next.past, 'nothing of next week is past');
  console.log(`  this week ${JSON.stringify(thisWeek)}, next week ${JSON.stringify(next)}`);
  noErrors(page);
});

test('booking_with_the_mouse_turns_the_slot_busy_for_good_and_a_stale_visitor_is_told_it_was_taken', async () => {
  // A second visitor who loaded the week before the booking, and still sees it free.
  const page = await openWidget();
  const slot = await futureFreeSlot(page);
  const stale = await openWidget();
  await showWeekOf(stale, slot.start);
  assert.equal(await slotAt(stale, slot.start).getAttribute('data-status'), 'free', 'the stale visitor sees the slot free');

  await bookWithMouse(page, slot.start, 'Mouse User');
  const id = await confirmation(page);
  await waitForStatus(page, slot.start, 'busy');

  // It is in the database: a reload shows it busy.
  await page.reload();
  await loaded(page);
  await showWeekOf(page, slot.start);
  assert.equal(await slotAt(page, slot.start).getAttribute('data-status'), 'busy', 'busy after a reload');

  // The stale visitor tries it: told it was taken, and the week is refreshed.
  assert.equal(await slotAt(stale, slot.start).getAttribute('data-status'), 'free', 'the stale view has not refetched');
  await bookWithMouse(stale, slot.start, 'Stale User');
  const alert = stale.locator('.freebusy [role="alert"]:has-text("taken")');
  try {
    await alert.waitFor({ timeout: 15_000 });
  } catch {
    throw new Error(`the stale visitor was not told the slot was taken; the widget says: ${await widgetText(stale)}`);
  }
  assert.match(await alert.innerText(), /taken/i);
  await waitForStatus(stale, slot.start, 'busy');
  assert.equal(await stale.locator('.freebusy form.freebusy-confirm').count(), 0, 'the form closes after a conflict');

  // A managed event of the Cronofy-style API, for the token's account (one of the hosts).
  const managed = (await cronofy(slot.start, true)).filter((p) => p.event_id === id);
  assert.equal(managed.length, 1, `one managed event with event_id ${id}`);
  assert.equal(Date.parse(managed[0].start), Date.parse(slot.start), 'managed event start');
  assert.equal(Date.parse(managed[0].end), Date.parse(slot.end), 'managed event end');
  assert.equal(managed[0].free_busy_status, 'busy');
  assert.ok(!(await cronofy(slot.start, false)).some((p) => p.event_id === id), 'not listed with include_managed=false');
  noErrors(page, stale);
});

test('rescheduling_from_the_confirmations_link_frees_the_old_slot_and_takes_the_new_one_and_its_cancel_link_cancels', async () => {
  const page = await openWidget();
  const slot = await futureFreeSlot(page);
  await bookWithMouse(page, slot.start, 'Moving User');
  const id = await confirmation(page);
  await waitForStatus(page, slot.start, 'busy');

  // The confirmation's three links, on the API's base, with the booking's token.
  const links = page.locator('.freebusy .freebusy-manage a');
  assert.deepEqual(await links.allInnerTexts(), ['Add to calendar', 'Reschedule', 'Cancel booking']);
  const hrefs = await links.evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href')));
  const token = hrefs[1].match(/\?token=([0-9a-f]{64})$/)?.[1];
  assert.ok(token, `the reschedule link carries the cancel token: ${hrefs[1]}`);
  assert.deepEqual(hrefs, [
    `${api.url}/v1/bookings/${id}/invitation.ics?token=${token}`,
    `${api.url}/bookings/${id}/reschedule?token=${token}`,
    `${api.url}/bookings/${id}/cancel?token=${token}`,
  ]);

  // Another free slot of the shown week, which the reschedule page offers as well.
  const candidates = (await slots(page)).filter(
    (s) => s.status === 'free' && Date.parse(s.start) >= Date.now() + LEAD_MS && s.start !== slot.start,
  );
  assert.ok(candidates.length > 0, 'another free slot in the week');
  const manage = await newPage();
  // The page's weeks start on a date in the first host's zone: a day before the slot
  // (or today) holds it whatever that zone is.
  const dayBefore = new Date(Date.parse(candidates[0].start) - 86_400_000).toISOString().slice(0, 10);
  await manage.goto(`${hrefs[1]}&week=${dayBefore}`);
  await manage.locator('h1:has-text("Pick a new time")').waitFor();
  let target = null;
  for (const candidate of candidates) {
    if ((await manage.locator(`input[name="start"][value="${candidate.start}"]`).count()) > 0) {
      target = candidate;
      break;
    }
  }
  assert.ok(target, `the reschedule page offers one of the grid's free slots: ${await manage.locator('main').innerText()}`);
  await manage.locator(`input[name="start"][value="${target.start}"]`).check();
  await manage.locator('button[type="submit"]').click();
  await manage.locator('.done:has-text("Your booking has been moved")').waitFor();
  assert.match(manage.url(), /\/reschedule\?token=[0-9a-f]{64}&moved=1$/);

  // The widget, reloaded: the old slot free, the new one busy.
  await page.reload();
  await loaded(page);
  await showWeekOf(page, slot.start);
  assert.equal(await slotAt(page, slot.start).getAttribute('data-status'), 'free', 'the old slot is free again');
  await showWeekOf(page, target.start);
  assert.equal(await slotAt(page, target.start).getAttribute('data-status'), 'busy', 'the new slot is busy');

  // The cancel link's page cancels it with one click (and gives the slot back to the
  // tests that follow).
  await manage.goto(hrefs[2]);
  await manage.locator('button[type="submit"]:has-text("Cancel this booking")').click();
  await manage.locator('h1:has-text("This booking is cancelled")').waitFor();
  await page.reload();
  await loaded(page);
  await showWeekOf(page, target.start);
  assert.equal(await slotAt(page, target.start).getAttribute('data-status'), 'free', 'free after the cancel');
  noErrors(page, manage);
});

test('booking_with_the_keyboard_alone', async () => {
  const page = await openWidget();
  // Tab into the grid: the nav buttons, then the grid's one tab stop.
  let focus = null;
  for (let i = 0; i < 8 && !focus?.inGrid; i++) {
    await page.keyboard.press('Tab');
    focus = await focusInWidget(page);
  }
  assert.ok(focus?.inGrid, `Tab reaches the grid (focus: ${JSON.stringify(focus)})`);
  // The tab stop is the first bookable slot's button (a week with none: its first cell).
  const bookable = (await slots(page)).some((s) => s.status === 'free');
  if (bookable) assert.equal(focus.tag, 'button', 'the grid\'s tab stop is a bookable slot\'s button');
  // Tab again leaves the grid: it is one tab stop.
  await page.keyboard.press('Tab');
  assert.ok(!(await focusInWidget(page))?.inGrid, 'the grid is one tab stop');
  await page.keyboard.press('Shift+Tab');
  assert.equal((await focusInWidget(page))?.start, focus.start, 'Shift+Tab comes back to the same slot');

  // A free slot an hour ahead in another row and column than the tab stop, so that
  // both kinds of arrow are needed; PageDown when this week has none.
  let target = null;
  for (let week = 0; week < 3 && !target; week++) {
    const candidates = [];
    for (const s of await slots(page)) {
      if (s.status !== 'free' || Date.parse(s.start) < Date.now() + LEAD_MS) continue;
      const at = await positionOf(page, s.start);
      if (at.row !== focus.row && at.column !== focus.column) candidates.push(s);
    }
    target = candidates[Math.floor(candidates.length / 2)] ?? null;
    if (!target) {
      const before = await firstStart(page);
      await page.keyboard.press('PageDown');
      await loaded(page, before);
      focus = await focusInWidget(page);
      assert.ok(focus?.inGrid, 'focus stays in the grid after PageDown');
    }
  }
  assert.ok(target, 'a free slot an hour ahead within three weeks');
  const to = await positionOf(page, target.start);
  const press = async (key, times) => {
    for (let i = 0; i < times; i++) await page.keyboard.press(key);
  };
  await press(to.row > focus.row ? 'ArrowDown' : 'ArrowUp', Math.abs(to.row - focus.row));
  await press(to.column > focus.column ? 'ArrowRight' : 'ArrowLeft', Math.abs(to.column - focus.column));
  focus = await focusInWidget(page);
  assert.equal(focus?.start, target.start, `the arrows reach the slot ${target.start} (focus: ${JSON.stringify(focus)})`);

  await page.keyboard.press('Enter');
  await page.locator('.freebusy form.freebusy-confirm').waitFor();
  await page.waitForFunction(
    () => document.querySelector('freebusy-scheduler')?.shadowRoot?.activeElement?.getAttribute('name') === 'name',
    null,
    { timeout: 5000 },
  ).catch(async () => {
    throw new Error(`focus did not move to the form's name field: ${JSON.stringify(await focusInWidget(page))}`);
  });
  await page.keyboard.type('Keyboard User');
  await page.keyboard.press('Tab');
  assert.equal((await focusInWidget(page))?.name, 'email', 'Tab goes from name to email');
  await page.keyboard.type('keys@example.org');
  await page.keyboard.press('Enter'); // submits the form
  await confirmation(page);
  await waitForStatus(page, target.start, 'busy');
  noErrors(page);
});

test('page_down_and_page_up_change_the_week_and_keep_focus_in_the_grid', async () => {
  const page = await openWidget();
  const label = page.locator('.freebusy .freebusy-week-label');
  const thisWeek = await label.innerText();
  let focus = null;
  for (let i = 0; i < 8 && !focus?.inGrid; i++) {
    await page.keyboard.press('Tab');
    focus = await focusInWidget(page);
  }
  assert.ok(focus?.inGrid, `Tab reaches the grid (focus: ${JSON.stringify(focus)})`);
  for (const [key, week] of [['PageDown', 'the next week'], ['PageUp', 'this week again']]) {
    const before = await firstStart(page);
    await page.keyboard.press(key);
    await loaded(page, before);
    focus = await focusInWidget(page);
    assert.ok(focus?.inGrid, `after ${key} (${week}, "${await label.innerText()}") focus is in the grid, not ${JSON.stringify(focus)}`);
  }
  assert.equal(await label.innerText(), thisWeek, 'PageDown then PageUp shows this week again');
  noErrors(page);
});

test('booking_by_touch_on_a_phone_in_german_without_sideways_scrolling', async () => {
  const page = await openWidget({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: 'de-DE', timezoneId: 'Europe/Berlin' });
  await page.locator('.freebusy-compact .freebusy-days button').first().waitFor();
  const layout = () =>
    page.evaluate(() => {
      const root = document.querySelector('freebusy-scheduler').shadowRoot;
      const small = [...root.querySelectorAll('button, input, [role="grid"] [tabindex]')]
        .filter((element) => element.closest('[role="grid"]') === null || element.matches('button'))
        .map((element) => [element.textContent.trim() || element.getAttribute('aria-label') || element.name, element.getBoundingClientRect()])
        .filter(([, box]) => box.width > 0 && (box.width < 44 || box.height < 44))
        .map(([label, box]) => `${label}: ${Math.round(box.width)}x${Math.round(box.height)}`);
      return {
        sideways: document.documentElement.scrollWidth - window.innerWidth,
        widget: root.querySelector('.freebusy').scrollWidth - root.querySelector('.freebusy').clientWidth,
        small,
      };
    });
  let seen = await layout();
  assert.deepEqual(seen, { sideways: 0, widget: 0, small: [] }, 'nothing scrolls sideways and every target is 44x44 or more');
  assert.equal(await page.locator('.freebusy .freebusy-prev').innerText(), 'Vorherige Woche');
  // A free slot an hour ahead: today's day first, then the next days, then next week.
  let slot = null;
  for (let week = 0; week < 2 && !slot; week++) {
    for (let day = 0; day < 7 && !slot; day++) {
      await page.locator('.freebusy .freebusy-days button').nth(day).tap();
      await page.locator(`.freebusy .freebusy-days button[data-day="${day}"][aria-pressed="true"]`).waitFor();
      slot = (await slots(page)).find((s) => s.status === 'free' && Date.parse(s.start) >= Date.now() + LEAD_MS) ?? null;
    }
    if (!slot) await nextWeek(page);
  }
  assert.ok(slot, 'a free slot an hour ahead within two weeks');
  await slotAt(page, slot.start).locator('button').tap();
  const form = page.locator('.freebusy form.freebusy-confirm');
  await form.waitFor();
  await form.locator('input[name="name"]').fill('Daumen Nutzer');
  await form.locator('input[name="email"]').fill('touch@example.org');
  seen = await layout();
  assert.deepEqual(seen, { sideways: 0, widget: 0, small: [] }, 'the form fits too');
  await form.locator('button[type="submit"]').tap();
  const text = page.locator('.freebusy .freebusy-confirmation');
  await text.waitFor({ timeout: 15_000 });
  assert.match(await text.innerText(), /^Gebucht: .*Referenz [0-9a-f]{32}\.$/);
  await waitForStatus(page, slot.start, 'busy');
  noErrors(page);
});

// ---------------------------------------------------------------- run

let passed = 0;
let failed = 0;
/** One line per failure, repeated at the end (the test command shows a log's tail). */
const failures = [];
let cleaning = null;

/** Stops the server, the browser and the page server; every caller waits for the end. */
function cleanup() {
  cleaning ??= (async () => {
    const server = api?.child;
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await Promise.race([browser?.close(), new Promise((done) => setTimeout(done, 10_000))]).catch(() => {});
    pageServer?.server.closeAllConnections?.();
    pageServer?.server.close();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, async () => {
    console.log(`e2e: ${signal}: stopping the server and the browser`);
    await cleanup();
    console.log(`test result: FAILED. ${passed} passed; ${failed + 1} failed (interrupted)`);
    process.exit(130);
  });
}
// Last resort on any exit: the server must not outlive this script.
process.on('exit', () => {
  for (const child of servers) child.kill('SIGKILL');
});
const watchdog = setTimeout(async () => {
  console.log(`e2e: the run took over ${RUN_TIMEOUT_MS / 1000} s; stopping`);
  await cleanup();
  console.log(`test result: FAILED. ${passed} passed; ${failed + 1} failed`);
  process.exit(1);
}, RUN_TIMEOUT_MS);

/** Saves a failing test's pages and says what they showed. */
async function leaveEvidence(name) {
  mkdirSync(artifacts, { recursive: true });
  for (const [index, page] of openPages.entries()) {
    if (page.isClosed()) continue;
    const file = join(artifacts, `${name}-${index}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: 5000 }).catch(() => {});
    console.log(`  page ${index}: ${await widgetText(page)}; errors: ${JSON.stringify(page.errors)}; screenshot ${file}`);
  }
}

const started = Date.now();
try {
  workdir = mkdtempSync(join(tmpdir(), 'freebusy-e2e-'));
  const apiRef = { url: null };
  pageServer = await startPage(apiRef);
  api = await startApi(pageServer.origin, workdir);
  apiRef.url = api.url;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    // This script's own handlers stop the browser, after the server.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  console.log(`e2e: page ${pageServer.origin}, api ${api.url}, ${browser.version()}`);
  for (const { name, body } of tests) {
    const began = Date.now();
    openPages = [];
    let timer;
    try {
      await Promise.race([
        body(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT_MS / 1000} s`)), TEST_TIMEOUT_MS);
        }),
      ]);
      passed++;
      console.log(`test ${name} ... ok (${((Date.now() - began) / 1000).toFixed(1)} s)`);
    } catch (error) {
      failed++;
      failures.push(`${name}: ${String(error.message ?? error).split('\n')[0]}`);
      console.log(`test ${name} ... FAILED\n  ${(error.stack ?? String(error)).replaceAll('\n', '\n  ')}`);
      await leaveEvidence(name);
    } finally {
      clearTimeout(timer);
      await Promise.all(openPages.map((page) => page.context().close().catch(() => {})));
    }
  }
} catch (error) {
  failed++;
  failures.push(`could not start: ${String(error.message ?? error).split('\n')[0]}`);
  console.log(`e2e: could not start: ${error.stack ?? error}`);
} finally {
  const log = api?.log() ?? '';
  await cleanup();
  clearTimeout(watchdog);
  if (failed && log) console.log(`--- the server's last log lines ---\n${log.trimEnd().split('\n').slice(-8).join('\n')}`);
}
if (failures.length) console.log(`failures:\n  ${failures.join('\n  ')}`);
console.log(`test result: ${failed ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed; finished in ${((Date.now() - started) / 1000).toFixed(1)}s`);
process.exit(failed ? 1 : 0);
