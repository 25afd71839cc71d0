// Loaded first by every page of tests/embed/pages.mjs (a file: the pages allow no
// inline script): records what the page must never do, and what the widget tells it.
window.__probe = { violations: [], errors: [], consoleErrors: [], events: [] };
document.addEventListener('securitypolicyviolation', (event) => {
  window.__probe.violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
window.addEventListener('error', (event) => window.__probe.errors.push(String(event.message)));
window.addEventListener('unhandledrejection', (event) => window.__probe.errors.push(String(event.reason)));
const consoleError = console.error.bind(console);
console.error = (...args) => {
  window.__probe.consoleErrors.push(args.map(String).join(' '));
  consoleError(...args);
};
for (const name of ['freebusy:loaded', 'freebusy:error']) {
  document.addEventListener(name, (event) => window.__probe.events.push({ type: event.type, detail: event.detail }));
}
