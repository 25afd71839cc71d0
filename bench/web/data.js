// Benchmark inputs, deterministic: the merge benchmark's periods (the same generator and
// seed as core/benches/merge.rs) and the render benchmark's week.

// ------------------------------------------------------------------ merge input

const MASK = (1n << 64n) - 1n;
const BASE_MS = Date.UTC(2026, 0, 1); // core/benches/merge.rs: base() = 2026-01-01T00:00Z
export const CALENDARS = 50;

/** xorshift64*, exactly as core/benches/merge.rs (BigInt: generation is not timed). */
function xorshift(seed) {
  let state = BigInt(seed);
  const next = () => {
    state ^= state >> 12n;
    state = (state ^ (state << 25n)) & MASK;
    state ^= state >> 27n;
    return (state * 0x2545f4914f6cdd1dn) & MASK;
  };
  return (bound) => Number(next() % BigInt(bound));
}

/**
 * `count` periods over `calendars` calendars, calendar after calendar, as typed arrays:
 * starts/ends in ms since the epoch, statuses 0 free, 1 tentative, 2 unknown, 3 busy.
 * 70 % busy, 20 % tentative, 5 % unknown, 5 % free; 15 min to 4 h; ~5.5 per calendar
 * per day (100,000 periods from 50 calendars span a year).
 */
export function mergeInput(count, calendars = CALENDARS, seed = 0x5eed) {
  const below = xorshift(seed);
  const spanMinutes = Math.max(
    60,
    Math.floor(Math.floor((365 * 24 * 60 * count) / 100_000) * CALENDARS / calendars),
  );
  const perCalendar = Math.floor(count / calendars);
  const n = perCalendar * calendars;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  const statuses = new Uint8Array(n);
  const calendarIds = new Uint16Array(n);
  let i = 0;
  for (let calendar = 0; calendar < calendars; calendar++) {
    for (let k = 0; k < perCalendar; k++, i++) {
      const start = BASE_MS + below(spanMinutes) * 60_000;
      const end = start + 15 * (1 + below(16)) * 60_000;
      const roll = below(20);
      starts[i] = start;
      ends[i] = end;
      statuses[i] = roll < 14 ? 3 : roll < 18 ? 1 : roll === 18 ? 2 : 0;
      calendarIds[i] = calendar;
    }
  }
  return { starts, ends, statuses, calendarIds };
}

// ------------------------------------------------------------------ merges in JavaScript

// Merge rule (core/src/merge.rs): where periods overlap the strongest status wins,
// busy (3) > unknown (2) > tentative (1); free (0) adds nothing; the output is sorted,
// disjoint, coalesced non-free periods.

/**
 * The plain JavaScript baseline: an object per boundary, Array.prototype.sort with a
 * comparator, one sweep with a counter per status. Returns [{start, end, status}].
 */
export function mergePlain(starts, ends, statuses) {
  const boundaries = [];
  for (let i = 0; i < starts.length; i++) {
    const status = statuses[i];
    if (status === 0) continue;
    boundaries.push({ at: starts[i], status, delta: 1 });
    boundaries.push({ at: ends[i], status, delta: -1 });
  }
  boundaries.sort((a, b) => a.at - b.at);
  const covering = [0, 0, 0, 0];
  const merged = [];
  let openStart = 0;
  let openStatus = 0;
  let i = 0;
  while (i < boundaries.length) {
    const at = boundaries[i].at;
    while (i < boundaries.length && boundaries[i].at === at) {
      covering[boundaries[i].status] += boundaries[i].delta;
      i++;
    }
    const now = covering[3] > 0 ? 3 : covering[2] > 0 ? 2 : covering[1] > 0 ? 1 : 0;
    if (now === openStatus) continue;
    if (openStatus !== 0) merged.push({ start: openStart, end: at, status: openStatus });
    openStart = at;
    openStatus = now;
  }
  return merged;
}

/**
 * A tuned JavaScript merge, for reference: each boundary packed into one float
 * (ms * 8 + status * 2 + isStart; exact below 2^53), a typed-array numeric sort (no
 * comparator, no objects), the same sweep. Returns a flat Float64Array like the wasm.
 */
export function mergeTyped(starts, ends, statuses) {
  let n = 0;
  for (let i = 0; i < statuses.length; i++) if (statuses[i] !== 0) n++;
  const keys = new Float64Array(2 * n);
  let k = 0;
  for (let i = 0; i < starts.length; i++) {
    const status = statuses[i];
    if (status === 0) continue;
    keys[k++] = starts[i] * 8 + status * 2 + 1;
    keys[k++] = ends[i] * 8 + status * 2;
  }
  keys.sort();
  const covering = new Int32Array(4);
  const out = [];
  let openStart = 0;
  let openStatus = 0;
  let i = 0;
  while (i < keys.length) {
    const at = Math.floor(keys[i] / 8);
    while (i < keys.length && Math.floor(keys[i] / 8) === at) {
      const low = keys[i] - at * 8;
      covering[low >> 1] += low & 1 ? 1 : -1;
      i++;
    }
    const now = covering[3] > 0 ? 3 : covering[2] > 0 ? 2 : covering[1] > 0 ? 1 : 0;
    if (now === openStatus) continue;
    if (openStatus !== 0) out.push(openStart, at, openStatus);
    openStart = at;
    openStatus = now;
  }
  return Float64Array.from(out);
}

/** Count and checksum of a merge output, objects or flat (start, end, status, ...). */
export function summary(output) {
  let count = 0;
  let sum = 0;
  const add = (start, end, status) => {
    count++;
    // Whole minutes: exact in a double for any realistic input.
    sum += start / 60_000 + 3 * (end / 60_000) + 7 * status;
  };
  if (output instanceof Float64Array) {
    for (let i = 0; i < output.length; i += 3) add(output[i], output[i + 1], output[i + 2]);
  } else {
    for (const p of output) add(p.start, p.end, p.status);
  }
  return { count, checksum: sum };
}

// ------------------------------------------------------------------ render input

/** The week both calendars show: Monday 7 January 2030 in UTC (always in the future, so
 *  no slot is "past"), 08:00-18:00 in 30-minute slots. */
export const WEEK = '2030-01-07';
export const WEEK_START_MS = Date.UTC(2030, 0, 7);
const NAMES = ['ada', 'brian', 'chen', 'dana', 'emil', 'fatima', 'goran', 'hana', 'ivan', 'jun',
  'kofi', 'lena', 'mateo', 'nora', 'omar', 'priya', 'quinn', 'rosa', 'sven', 'tariq'];
/** The first `count` attendees' emails (up to 20). */
export const attendees = (count = 5) => NAMES.slice(0, count).map((n) => `${n}@example.com`);
export const ATTENDEES = attendees(5);
/** The render cases: the usual week, and the heavy one of issue 18. */
export const RENDER_CASES = {
  usual: { periods: 1000, attendees: 5 },
  heavy: { periods: 10_000, attendees: 20 },
};

/** mulberry32: a small seeded PRNG (data only). */
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `total` periods (1,000 by default) shared out in turn among `attendeeCount` attendees
 * (5: 200 each), over the 7 days, each inside 08:00-18:00 UTC on a 15-minute grid,
 * 15 min to 2 h long; 75 % busy, 25 % tentative. The heavy case is 10,000 across 20.
 * Returns [{attendee, start, end, status}] with start/end in ms.
 */
export function renderInput(total = 1000, attendeeCount = 5) {
  const random = mulberry32(20300107);
  const emails = attendees(attendeeCount);
  const periods = [];
  for (let i = 0; i < total; i++) {
    const attendee = emails[i % emails.length];
    const day = Math.floor(random() * 7);
    const quarters = 1 + Math.floor(random() * 8);
    const startQuarter = Math.floor(random() * (40 - quarters + 1)); // 40 quarters in 10 h
    const start = WEEK_START_MS + day * 86_400_000 + (8 * 60 + startQuarter * 15) * 60_000;
    const end = start + quarters * 15 * 60_000;
    const status = random() < 0.75 ? 'busy' : 'tentative';
    periods.push({ attendee, start, end, status });
  }
  return periods;
}

/** One attendee's Zonio-style response body. */
export function zonioBody(periods, attendee) {
  const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return JSON.stringify(
    periods
      .filter((p) => p.attendee === attendee)
      .map((p) => ({ start: iso(p.start), end: iso(p.end), type: p.status })),
  );
}
