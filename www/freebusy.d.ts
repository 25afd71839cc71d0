// Types of the freebusy widget's npm package (freebusy.js).

/** Options: attribute names (`time-zone`) or their camelCase forms (`timeZone`). */
export interface FreebusyOptions {
  backend?: string;
  api?: 'zonio' | 'cronofy';
  tokens?: string | string[];
  tzid?: string;
  attendees?: string | string[];
  week?: string;
  timeZone?: string;
  firstDay?: 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';
  hourCycle?: 12 | 24 | '12' | '24';
  locale?: string;
  messages?: Record<string, string>;
  visibleHours?: string;
  slotMinutes?: number;
  bookTentative?: boolean;
  bookings?: 'server' | 'event-only';
  explain?: 'attendees' | 'count' | 'none';
  timeout?: number;
  [key: string]: unknown;
}

/** A mounted widget. */
export interface FreebusyHandle {
  /** New options: the widget updates what they change (an open form stays open). */
  update(options: FreebusyOptions): void;
  /** Unmounts the widget and aborts its requests. */
  destroy(): void;
}

/** What `window.freebusy` holds once the widget is loaded. */
export interface FreebusyApi {
  /** Throws an Error saying what is wrong when `element` is not an element. */
  mount(element: Element, options?: FreebusyOptions): FreebusyHandle;
}

/** Loads the widget once (the wasm beside freebusy.js, or at `wasm`). */
export function load(wasm?: string | URL): Promise<FreebusyApi>;

/** Loads the widget if needed and mounts it in `element`. */
export function mount(element: Element, options?: FreebusyOptions): Promise<FreebusyHandle>;
