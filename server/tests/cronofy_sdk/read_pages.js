// Reads every page of a free/busy query with Cronofy's own Node SDK (npm `cronofy`),
// pointed at our server, exactly as an application would: the first page with the
// query, then each `pages.next_page` through the SDK's `next_page` option (which
// appends the remaining options, here `tzid`, to the link as a query string).
//
// Usage: node read_pages.js BASE_URL TOKEN TZID FROM TO
// Prints {"pages": [...], "uids": [...]} on stdout; exits 1 on an error.
'use strict';
const Cronofy = require('cronofy');

const [base, token, tzid, from, to] = process.argv.slice(2);
const client = new Cronofy({ access_token: token });
client.urls.api = base;

(async () => {
  const pages = [];
  const uids = [];
  let page = await client.freeBusy({ tzid, from, to, include_ids: true });
  for (;;) {
    pages.push(page.pages);
    uids.push(...page.free_busy.map((period) => period.event_uid));
    if (!page.pages.next_page) break;
    page = await client.freeBusy({ tzid, next_page: page.pages.next_page });
  }
  process.stdout.write(JSON.stringify({ pages, uids }));
})().catch((error) => {
  console.error(error.statusCode, JSON.stringify(error.error || error.message || error));
  process.exit(1);
});
