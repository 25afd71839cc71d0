//! The REPORTs that read a calendar: `calendar-query` (RFC 4791 7.8),
//! `calendar-multiget` (7.9), `free-busy-query` (7.10) and `sync-collection`
//! (RFC 6578).

use std::collections::BTreeMap;

use freebusy_core::Window;
use reqwest::Url;

use super::error::{CalDavError, ShownUrl};
use super::multistatus::{self, Response, resolve, same_resource};
use super::transport::{Answer, Depth, Request, method};
use super::xml::{self, CALDAV, DAV};
use super::{Client, ETag, Href, Multiget, Resource, Sync, SyncToken};

/// Hrefs per `calendar-multiget`: keeps each answer well under the byte cap.
const MULTIGET_BATCH: usize = 100;
/// Truncated `sync-collection` answers (507) followed before giving up.
const MAX_SYNC_PAGES: usize = 200;

/// `20260420T000000Z`, the form `time-range` takes (RFC 4791 9.9).
fn stamp(instant: chrono::DateTime<chrono::Utc>) -> String {
    instant.format("%Y%m%dT%H%M%SZ").to_string()
}

fn report_body(root: &str, inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<{root} xmlns:D=\"{DAV}\" xmlns:C=\"{CALDAV}\">{inner}</{root}>"
    )
}

const DATA_PROPS: &str = "<D:prop><D:getetag/><C:calendar-data/></D:prop>";
/// Only the names and versions: what is asked again when an answer with the data is
/// over the byte cap (a calendar with years of history), so that the data then comes in
/// multiget batches that each fit.
const ETAG_PROPS: &str = "<D:prop><D:getetag/></D:prop>";

impl Client {
    /// The events of `collection` that overlap `window` (`calendar-query` with a
    /// `time-range` on `VEVENT`s: the server expands recurrences to decide, and returns
    /// whole resources, overrides included). Members the server lists without their
    /// data are fetched with `calendar-multiget`.
    ///
    /// The server's expansion only picks resources; the engine decides what is busy.
    /// Servers do not all expand right: Radicale, for instance, places dates in UTC and
    /// keeps a series' first UTC offset when the file has no VTIMEZONE (see
    /// core/tests/ics/README.md). So ask for the window padded by a day on each side.
    ///
    /// An answer over the byte cap is asked again for names only, and the data then
    /// comes in multiget batches that each fit.
    pub async fn calendar_query(
        &self,
        collection: &Url,
        window: Window,
    ) -> Result<Vec<Resource>, CalDavError> {
        let query = |props: &str| {
            let body = report_body(
                "C:calendar-query",
                &format!(
                    "{props}<C:filter><C:comp-filter name=\"VCALENDAR\">\
<C:comp-filter name=\"VEVENT\"><C:time-range start=\"{}\" end=\"{}\"/>\
</C:comp-filter></C:comp-filter></C:filter>",
                    stamp(window.start()),
                    stamp(window.end())
                ),
            );
            Ok::<_, CalDavError>(Request::xml(
                method("REPORT")?,
                collection,
                Depth::One,
                body,
            ))
        };
        let answer = match self.transport.send(query(DATA_PROPS)?).await {
            Err(CalDavError::TooLarge { .. }) => self.transport.send(query(ETAG_PROPS)?).await?,
            answer => answer?,
        };
        let answer = expect_report(answer, "calendar-query")?;
        let found = multistatus::parse(&answer.body).map_err(|reason| answer.malformed(reason))?;
        let mut resources = Vec::new();
        let mut without_data = Vec::new();
        for response in &found.responses {
            if response
                .status
                .is_some_and(|status| !(200..300).contains(&status))
            {
                continue;
            }
            let Some(url) = member_url(&answer.url, collection, response) else {
                continue;
            };
            let href = Href::of(&url);
            match resource(url, response) {
                Some(resource) => resources.push(resource),
                None if response.prop(DAV, "getetag").is_some() => without_data.push(href),
                None => {}
            }
        }
        if !without_data.is_empty() {
            resources.extend(
                self.calendar_multiget(collection, &without_data)
                    .await?
                    .found,
            );
        }
        Ok(resources)
    }

    /// `calendar-multiget`: these resources' data and ETags, in batches.
    pub async fn calendar_multiget(
        &self,
        collection: &Url,
        hrefs: &[Href],
    ) -> Result<Multiget, CalDavError> {
        let mut result = Multiget::default();
        // Batches still to ask for, last first; one over the byte cap is asked again as
        // two halves, down to single resources (a single one too large is an error).
        let mut batches: Vec<&[Href]> = hrefs.chunks(MULTIGET_BATCH).rev().collect();
        while let Some(batch) = batches.pop() {
            let listed: String = batch
                .iter()
                .map(|href| format!("<D:href>{}</D:href>", xml::text(href.as_str())))
                .collect();
            let body = report_body("C:calendar-multiget", &format!("{DATA_PROPS}{listed}"));
            let request = Request::xml(method("REPORT")?, collection, Depth::One, body);
            let answer = match self.transport.send(request).await {
                Err(CalDavError::TooLarge { .. }) if batch.len() > 1 => {
                    let (first, second) = batch.split_at(batch.len() / 2);
                    batches.push(second);
                    batches.push(first);
                    continue;
                }
                answer => answer?,
            };
            let answer = expect_report(answer, "calendar-multiget")?;
            let found =
                multistatus::parse(&answer.body).map_err(|reason| answer.malformed(reason))?;
            let mut seen = vec![false; batch.len()];
            for response in &found.responses {
                let Some(url) = response.href().and_then(|href| resolve(&answer.url, href)) else {
                    continue;
                };
                // Answer under the name asked for, even if the server spells it otherwise.
                let Some(index) = batch.iter().position(|asked| {
                    answer
                        .url
                        .join(asked.as_str())
                        .is_ok_and(|asked| same_resource(&asked, &url))
                }) else {
                    continue;
                };
                if let Some(flag) = seen.get_mut(index) {
                    *flag = true;
                }
                let asked = batch.get(index).cloned().unwrap_or_else(|| Href::of(&url));
                match resource(url, response) {
                    Some(mut found) if response.status.is_none_or(|s| (200..300).contains(&s)) => {
                        found.href = asked;
                        result.found.push(found);
                    }
                    _ => result.missing.push(asked),
                }
            }
            // A server that leaves an href out of its answer has nothing under it.
            for (asked, seen) in batch.iter().zip(seen) {
                if !seen {
                    result.missing.push(asked.clone());
                }
            }
        }
        Ok(result)
    }

    /// The server's own free/busy for `collection` over `window` (`free-busy-query`):
    /// a `VCALENDAR` with one `VFREEBUSY`, as text, for `ics::parse`.
    pub async fn free_busy_query(
        &self,
        collection: &Url,
        window: Window,
    ) -> Result<String, CalDavError> {
        let body = report_body(
            "C:free-busy-query",
            &format!(
                "<C:time-range start=\"{}\" end=\"{}\"/>",
                stamp(window.start()),
                stamp(window.end())
            ),
        );
        let request = Request::xml(method("REPORT")?, collection, Depth::One, body);
        let answer = self.transport.send(request).await?;
        let answer = expect_report(answer, "free-busy-query")?;
        if !answer.is(&[200]) {
            return Err(answer.error());
        }
        String::from_utf8(answer.body.clone()).map_err(|_| answer.malformed("not UTF-8"))
    }

    /// What changed in `collection` since `token` (`sync-collection`, RFC 6578).
    ///
    /// - `None`: the first sync, the whole collection ([`Sync::full`]).
    /// - A token the server no longer accepts (expired, or from before a restore): the
    ///   whole collection again, with `full` set, so the caller replaces its snapshot
    ///   instead of patching it.
    /// - A truncated answer (507 on the collection itself, RFC 6578 3.6) is continued
    ///   with the token it carries until complete; the changes are merged.
    /// - Members listed without `calendar-data` are fetched with `calendar-multiget`;
    ///   those gone by then count as removed.
    /// - An answer with the data over the byte cap (a big first sync) is asked again
    ///   for names only, and the data then comes in multiget batches that each fit.
    ///
    /// [`CalDavError::Unsupported`] when the collection has no `sync-collection`: use
    /// [`Client::calendar_query`] for it instead.
    pub async fn sync_collection(
        &self,
        collection: &Url,
        token: Option<&SyncToken>,
    ) -> Result<Sync, CalDavError> {
        let mut full = token.is_none();
        let mut current = token.cloned();
        // Href -> its resource, or None while its data has yet to be fetched.
        let mut changed: BTreeMap<Href, Option<Resource>> = BTreeMap::new();
        let mut removed: BTreeMap<Href, ()> = BTreeMap::new();
        let mut pages = 0usize;
        let mut props = DATA_PROPS;
        let final_token = loop {
            pages += 1;
            if pages > MAX_SYNC_PAGES {
                return Err(CalDavError::Malformed {
                    url: ShownUrl::new(collection),
                    reason: format!("sync still truncated after {MAX_SYNC_PAGES} answers"),
                });
            }
            let body = report_body(
                "D:sync-collection",
                &format!(
                    "<D:sync-token>{}</D:sync-token><D:sync-level>1</D:sync-level>{props}",
                    current
                        .as_ref()
                        .map(|token| xml::text(token.as_str()).into_owned())
                        .unwrap_or_default()
                ),
            );
            let request = Request::xml(method("REPORT")?, collection, Depth::Zero, body);
            let answer = match self.transport.send(request).await {
                Err(CalDavError::TooLarge { .. }) if props == DATA_PROPS => {
                    // Names only, from where this sync started; the data follows in
                    // multiget batches that each fit under the cap.
                    props = ETAG_PROPS;
                    full = token.is_none();
                    current = token.cloned();
                    changed.clear();
                    removed.clear();
                    pages = 0;
                    continue;
                }
                answer => answer?,
            };
            if !answer.is(&[207]) {
                if !full && refuses_token(&answer) {
                    tracing::info!(
                        url = %ShownUrl::new(collection),
                        status = answer.status.as_u16(),
                        "sync token refused; syncing the whole collection"
                    );
                    full = true;
                    current = None;
                    changed.clear();
                    removed.clear();
                    continue;
                }
                return Err(unsupported_or_error(&answer, "sync-collection"));
            }
            let found =
                multistatus::parse(&answer.body).map_err(|reason| answer.malformed(reason))?;
            let Some(next) = found.sync_token.clone().filter(|token| !token.is_empty()) else {
                return Err(answer.malformed("a sync answer without a sync-token"));
            };
            let mut truncated = false;
            for response in &found.responses {
                let Some(url) = response.href().and_then(|href| resolve(&answer.url, href)) else {
                    continue;
                };
                if same_resource(&url, collection) {
                    truncated |= response.status == Some(507);
                    continue;
                }
                if url.path().ends_with('/') {
                    // A member collection, not a calendar object.
                    continue;
                }
                let href = Href::of(&url);
                match response.status {
                    Some(404 | 410) => {
                        changed.remove(&href);
                        removed.insert(href, ());
                    }
                    Some(status) if !(200..300).contains(&status) => {}
                    _ => {
                        removed.remove(&href);
                        changed.insert(href, resource(url, response));
                    }
                }
            }
            let next = SyncToken::new(next);
            if !truncated {
                break next;
            }
            if current.as_ref() == Some(&next) {
                return Err(answer.malformed("a truncated sync answer that moves no further"));
            }
            current = Some(next);
        };
        let missing_data: Vec<Href> = changed
            .iter()
            .filter(|(_, resource)| resource.is_none())
            .map(|(href, _)| href.clone())
            .collect();
        let mut resources: Vec<Resource> = changed.into_values().flatten().collect();
        if !missing_data.is_empty() {
            let fetched = self.calendar_multiget(collection, &missing_data).await?;
            resources.extend(fetched.found);
            if !full {
                removed.extend(fetched.missing.into_iter().map(|href| (href, ())));
            }
        }
        resources.sort_by(|a, b| a.href.cmp(&b.href));
        Ok(Sync {
            token: final_token,
            full,
            changed: resources,
            removed: if full {
                Vec::new()
            } else {
                removed.into_keys().collect()
            },
        })
    }
}

/// The answer when it is a report's success (207, or 200 for free-busy); the
/// `Unsupported` or status error otherwise.
fn expect_report(answer: Answer, report: &'static str) -> Result<Answer, CalDavError> {
    if answer.is(&[200, 207]) {
        Ok(answer)
    } else {
        Err(unsupported_or_error(&answer, report))
    }
}

/// 501, 405, or a 403 naming `supported-report` mean the report is not offered here.
fn unsupported_or_error(answer: &Answer, report: &'static str) -> CalDavError {
    let names_supported_report = || {
        xml::parse(&answer.body)
            .is_ok_and(|error| error.is(DAV, "error") && error.contains(DAV, "supported-report"))
    };
    match answer.status.as_u16() {
        405 | 501 => CalDavError::Unsupported {
            url: ShownUrl::new(&answer.url),
            what: report,
        },
        403 if names_supported_report() => CalDavError::Unsupported {
            url: ShownUrl::new(&answer.url),
            what: report,
        },
        _ => answer.error(),
    }
}

/// Whether a failed incremental sync means "this token is no good": the
/// `DAV:valid-sync-token` precondition, or the statuses servers use for it without a body
/// (403, 409, 410, 412, 400). A full sync follows; if the real problem was something
/// else, that sync reports it.
fn refuses_token(answer: &Answer) -> bool {
    let names_token = xml::parse(&answer.body)
        .is_ok_and(|error| error.is(DAV, "error") && error.contains(DAV, "valid-sync-token"));
    names_token || matches!(answer.status.as_u16(), 400 | 403 | 409 | 410 | 412)
}

/// A member's URL, unless the response is about the collection itself.
fn member_url(answered: &Url, collection: &Url, response: &Response) -> Option<Url> {
    let url = response.href().and_then(|href| resolve(answered, href))?;
    (!same_resource(&url, collection)).then_some(url)
}

/// A resource from a response carrying `calendar-data`.
fn resource(url: Url, response: &Response) -> Option<Resource> {
    let data = response.prop(CALDAV, "calendar-data")?;
    let data = data.text.trim_start();
    if data.is_empty() {
        return None;
    }
    Some(Resource {
        href: Href::of(&url),
        etag: response
            .prop(DAV, "getetag")
            .map(xml::Element::trimmed_text)
            .filter(|etag| !etag.is_empty())
            .map(ETag::new),
        url,
        data: data.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_bodies_escape_what_the_server_gave() {
        let body = report_body(
            "D:sync-collection",
            &format!(
                "<D:sync-token>{}</D:sync-token>",
                xml::text("http://x/sync/1?a=<b>&c=\"d\"")
            ),
        );
        let parsed = xml::parse(body.as_bytes()).unwrap();
        assert_eq!(
            parsed.child(DAV, "sync-token").unwrap().text,
            "http://x/sync/1?a=<b>&c=\"d\""
        );
    }

    #[test]
    fn time_ranges_are_utc_stamps() {
        use chrono::TimeZone;
        let instant = chrono::Utc.with_ymd_and_hms(2026, 4, 20, 7, 5, 9).unwrap();
        assert_eq!(stamp(instant), "20260420T070509Z");
    }
}
