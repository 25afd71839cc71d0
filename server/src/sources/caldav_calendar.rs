//! The CalDAV calendar connector: one calendar collection read with the [`caldav`]
//! client, incrementally where the server supports it.
//!
//! - The collection is the source's URL, or, when the source names a `calendar`, the
//!   one discovery finds on the server by that name (display name or last path
//!   segment); the discovered URL is kept in [`Cursor::collection`], so discovery runs
//!   again only when that collection disappears.
//! - A collection that announces `sync-collection` (RFC 6578; Radicale, Xandikos,
//!   Nextcloud, Fastmail, iCloud) is read in full once and then as deltas from the
//!   [`Cursor::sync_token`]: an unchanged token is [`Fetched::NotModified`], a refused
//!   one a full read (the client resyncs by itself).
//! - Other collections get a `calendar-query` over the source's horizon, padded by a day
//!   on each side (servers decide what overlaps in UTC, and some misplace floating and
//!   zone-less times by up to a day); an unchanged answer is caught by the sync's body
//!   digest.
//!
//! Every [`CalDavError`] becomes a [`FetchError`] whose text names no URL, so the status
//! and the logs show what went wrong without the calendar's address.

use chrono::{TimeDelta, Utc};
use freebusy_core::Window;

use super::caldav::{self, CalDavError, CalendarInfo, Client, Limits, SyncToken, Url};
use super::spec::{Location, SourceSpec};
use super::{Cursor, FetchError, Fetched, Resource, http, snapshot};

/// Reads the CalDAV calendar of `spec`, from where `cursor` left off, over `http` (a
/// client that does not follow redirects itself: [`caldav::http_client`]).
///
/// # Errors
///
/// A [`FetchError`] for every way the read can fail: refused credentials, no such
/// calendar (or none of that name), timeout, too large, HTTP error statuses (with
/// `Retry-After`), redirects, transport, answers that are not CalDAV.
pub async fn fetch(
    http: &reqwest::Client,
    spec: &SourceSpec,
    cursor: &Cursor,
) -> Result<Fetched, FetchError> {
    let client = client_for(http, spec)?;
    match remembered(spec, cursor) {
        Some(collection) => match read(&client, spec, &collection, cursor).await {
            // The discovered calendar was deleted or moved: look for it again.
            Err(CalDavError::NotFound { .. } | CalDavError::NotACalendar { .. }) => {
                let collection = collection_of(&client, spec).await?;
                Ok(read(&client, spec, &collection, &Cursor::default()).await?)
            }
            read => Ok(read?),
        },
        None => {
            let collection = collection_of(&client, spec).await?;
            Ok(read(&client, spec, &collection, &Cursor::default()).await?)
        }
    }
}

/// A client for `spec`'s server and the collection to write bookings into: the
/// source's URL, or the calendar of its name that the last read found (`cursor`), or
/// that discovery finds now.
///
/// # Errors
///
/// As [`fetch`]: discovery can fail in every way a read can.
pub async fn writer(
    http: &reqwest::Client,
    spec: &SourceSpec,
    cursor: &Cursor,
) -> Result<(Client, Url), FetchError> {
    let client = client_for(http, spec)?;
    let collection = match remembered(spec, cursor) {
        Some(collection) => collection,
        None => collection_of(&client, spec).await?,
    };
    Ok((client, collection))
}

/// A client for `spec`'s server with its limits and credentials.
fn client_for(http: &reqwest::Client, spec: &SourceSpec) -> Result<Client, FetchError> {
    let Location::Http(url) = &spec.location else {
        return Err(FetchError::Protocol(
            "a CalDAV source needs an http:// or https:// URL".into(),
        ));
    };
    let limits = Limits {
        timeout: spec.timeout,
        max_body_bytes: spec.max_bytes,
        ..Limits::default()
    };
    Ok(Client::with_http(
        http.clone(),
        url.expose().clone(),
        spec.credentials.clone(),
        limits,
    )?)
}

/// The collection a previous read found, if the source is one to discover and the
/// cursor remembers a usable URL.
fn remembered(spec: &SourceSpec, cursor: &Cursor) -> Option<Url> {
    spec.calendar.as_ref()?;
    Url::parse(cursor.collection.as_deref()?).ok()
}

/// The source's collection: its URL, or the calendar of its name found by discovery.
async fn collection_of(client: &Client, spec: &SourceSpec) -> Result<Url, FetchError> {
    let Some(name) = &spec.calendar else {
        return Ok(client.base().clone());
    };
    let discovery = client.discover().await?;
    let calendars: Vec<CalendarInfo> = discovery
        .calendars
        .into_iter()
        .filter(CalendarInfo::has_events)
        .collect();
    pick(&calendars, name).map(|calendar| calendar.url.clone())
}

/// The calendar called `name`: by display name, else by the last segment of its path,
/// else by display name ignoring case. Two equally good matches are a mistake to fix in
/// the config, not a coin to toss.
fn pick<'a>(calendars: &'a [CalendarInfo], name: &str) -> Result<&'a CalendarInfo, FetchError> {
    let segment = |calendar: &CalendarInfo| {
        calendar
            .url
            .path_segments()
            .and_then(|mut segments| segments.rfind(|s| !s.is_empty()))
            .map(|segment| {
                percent_encoding::percent_decode_str(segment)
                    .decode_utf8_lossy()
                    .into_owned()
            })
    };
    let tiers: [&dyn Fn(&CalendarInfo) -> bool; 3] = [
        &|calendar| calendar.display_name.as_deref() == Some(name),
        &|calendar| segment(calendar).as_deref() == Some(name),
        &|calendar| {
            calendar
                .display_name
                .as_deref()
                .is_some_and(|shown| shown.to_lowercase() == name.to_lowercase())
        },
    ];
    for matches in tiers {
        let found: Vec<&CalendarInfo> = calendars.iter().filter(|c| matches(c)).collect();
        match found.as_slice() {
            [one] => return Ok(one),
            [] => {}
            several => {
                return Err(FetchError::Protocol(format!(
                    "{} calendars on the server are called {name:?}; give the calendar's URL \
                     instead",
                    several.len()
                )));
            }
        }
    }
    let mut names: Vec<String> = calendars
        .iter()
        .filter_map(|calendar| calendar.display_name.clone().or_else(|| segment(calendar)))
        .map(|name| format!("{name:?}"))
        .collect();
    names.sort();
    Err(FetchError::Protocol(if names.is_empty() {
        format!("no calendar called {name:?}: the account has no calendar with events")
    } else {
        format!(
            "no calendar called {name:?}; the account's calendars with events are {}",
            names.join(", ")
        )
    }))
}

/// One read of `collection`: a sync from the cursor's token where the collection
/// supports it, a calendar-query over the padded horizon otherwise.
async fn read(
    client: &Client,
    spec: &SourceSpec,
    collection: &Url,
    cursor: &Cursor,
) -> Result<Fetched, CalDavError> {
    let next = |sync_token: Option<SyncToken>| Cursor {
        sync_token: sync_token.map(|token| token.as_str().to_owned()),
        collection: spec.calendar.as_ref().map(|_| collection.to_string()),
        ..Cursor::default()
    };
    let token = cursor.sync_token.clone().map(SyncToken::new);
    let syncs = match &token {
        // A token means this collection synced before; the client falls back to a full
        // sync by itself when the server refuses it.
        Some(_) => true,
        None => client.collection_info(collection).await?.supports_sync(),
    };
    if syncs {
        match client.sync_collection(collection, token.as_ref()).await {
            Ok(sync) => {
                let unchanged = !sync.full
                    && sync.changed.is_empty()
                    && sync.removed.is_empty()
                    && token.as_ref() == Some(&sync.token);
                let cursor = next(Some(sync.token));
                return Ok(if unchanged {
                    Fetched::NotModified { cursor }
                } else if sync.full {
                    Fetched::Full {
                        resources: sync.changed.into_iter().map(resource).collect(),
                        cursor,
                    }
                } else {
                    Fetched::Delta {
                        changed: sync.changed.into_iter().map(resource).collect(),
                        removed: sync
                            .removed
                            .into_iter()
                            .map(|href| href.as_str().to_owned())
                            .collect(),
                        cursor,
                    }
                });
            }
            // Announced but refused (or no longer offered): read it the other way.
            Err(CalDavError::Unsupported { .. }) => {}
            Err(error) => return Err(error),
        }
    }
    let horizon = snapshot::horizon(spec, Utc::now());
    let resources = client.calendar_query(collection, padded(horizon)).await?;
    Ok(Fetched::Full {
        resources: resources.into_iter().map(resource).collect(),
        cursor: next(None),
    })
}

/// `window` a day wider on each side (or as it is, at the ends of time).
fn padded(window: Window) -> Window {
    let day = TimeDelta::days(1);
    let start = window
        .start()
        .checked_sub_signed(day)
        .unwrap_or(window.start());
    let end = window.end().checked_add_signed(day).unwrap_or(window.end());
    Window::new(start, end).unwrap_or(window)
}

fn resource(resource: caldav::Resource) -> Resource {
    Resource {
        href: resource.href.as_str().to_owned(),
        etag: resource.etag.map(|etag| etag.as_str().to_owned()),
        body: resource.data.into_bytes(),
    }
}

impl From<CalDavError> for FetchError {
    /// The sync's kinds of failure, with texts that name no URL (the status shows them).
    fn from(error: CalDavError) -> FetchError {
        let wait = |retry_after: Option<caldav::RetryAfter>| {
            retry_after.map(|at| at.delay_from(Utc::now()).min(http::MAX_RETRY_AFTER))
        };
        match error {
            CalDavError::Unauthorized { .. } => FetchError::Unauthorized(401),
            CalDavError::Forbidden { .. } => FetchError::Unauthorized(403),
            CalDavError::NotFound { status, .. } => FetchError::NotFound(status),
            CalDavError::NotACalendar { .. } => FetchError::Protocol(
                "the URL is not a calendar collection: give a calendar's URL, or the server's \
                 URL with `calendar`"
                    .into(),
            ),
            CalDavError::PreconditionFailed { .. } => FetchError::Status {
                code: 412,
                retry_after: None,
            },
            CalDavError::Throttled { retry_after, .. } => FetchError::Status {
                code: 429,
                retry_after: wait(retry_after),
            },
            CalDavError::Upstream {
                status,
                retry_after,
                ..
            } => FetchError::Status {
                code: status,
                retry_after: wait(retry_after),
            },
            CalDavError::UnexpectedStatus { status, .. } => FetchError::Status {
                code: status,
                retry_after: None,
            },
            CalDavError::Malformed { reason, .. } => {
                FetchError::Protocol(format!("unreadable CalDAV answer: {}", no_url(&reason)))
            }
            CalDavError::Unsupported { what, .. } => {
                FetchError::Protocol(format!("the server does not support {what}"))
            }
            CalDavError::TooLarge { limit, .. } => FetchError::TooLarge { limit },
            CalDavError::Timeout { after, .. } => FetchError::Timeout(after),
            CalDavError::Unreachable { reason, .. } => {
                FetchError::Transport(format!("cannot connect: {}", no_url(&reason)))
            }
            CalDavError::RedirectLoop { .. } => FetchError::Redirects("a redirect loop".into()),
            CalDavError::TooManyRedirects { limit, .. } => {
                FetchError::Redirects(format!("more than {limit} redirects"))
            }
            CalDavError::InsecureRedirect { .. } => {
                FetchError::Redirects("a redirect from https to plain http".into())
            }
            CalDavError::InvalidUrl { reason } => {
                FetchError::Transport(format!("unusable URL: {}", no_url(&reason)))
            }
            CalDavError::Client { reason } => FetchError::Transport(no_url(&reason)),
        }
    }
}

/// `text` without the parts that hold a URL (a library's message may quote one).
fn no_url(text: &str) -> String {
    text.split(": ")
        .filter(|part| !part.contains("://"))
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::sources::caldav::ShownUrl;

    fn calendar(path: &str, display_name: Option<&str>) -> CalendarInfo {
        CalendarInfo {
            url: Url::parse("https://cal.example.com/")
                .unwrap()
                .join(path)
                .unwrap(),
            display_name: display_name.map(str::to_owned),
            components: None,
            writable: None,
            ctag: None,
            sync_token: None,
            reports: None,
        }
    }

    fn picked(calendars: &[CalendarInfo], name: &str) -> Result<String, String> {
        pick(calendars, name)
            .map(|found| found.url.path().to_owned())
            .map_err(|error| error.to_string())
    }

    #[test]
    fn a_calendar_is_picked_by_display_name_then_path_segment_then_ignoring_case() {
        let calendars = [
            calendar("/dav/ann/work/", Some("Personal")),
            calendar("/dav/ann/0f3a/", Some("Work")),
            calendar("/dav/ann/team%20days/", None),
        ];
        // The display name wins over another calendar's path segment.
        assert_eq!(picked(&calendars, "Work").unwrap(), "/dav/ann/0f3a/");
        assert_eq!(picked(&calendars, "work").unwrap(), "/dav/ann/work/");
        assert_eq!(
            picked(&calendars, "team days").unwrap(),
            "/dav/ann/team%20days/"
        );
        assert_eq!(picked(&calendars, "PERSONAL").unwrap(), "/dav/ann/work/");
    }

    #[test]
    fn no_match_names_the_calendars_and_two_matches_are_refused() {
        let calendars = [
            calendar("/dav/ann/a/", Some("Work")),
            calendar("/dav/ann/b/", Some("Work")),
            calendar("/dav/ann/c/", None),
        ];
        assert_eq!(
            picked(&calendars, "Holidays").unwrap_err(),
            r#"no calendar called "Holidays"; the account's calendars with events are "Work", "Work", "c""#
        );
        assert_eq!(
            picked(&calendars, "Work").unwrap_err(),
            r#"2 calendars on the server are called "Work"; give the calendar's URL instead"#
        );
        assert_eq!(
            picked(&[], "Work").unwrap_err(),
            r#"no calendar called "Work": the account has no calendar with events"#
        );
    }

    #[test]
    fn errors_keep_their_kind_and_lose_every_url() {
        let url = ShownUrl::new(&Url::parse("https://cal.example.com/dav/ann/work/").unwrap());
        let cases = [
            (
                CalDavError::Unauthorized { url: url.clone() },
                FetchError::Unauthorized(401),
            ),
            (
                CalDavError::NotFound {
                    url: url.clone(),
                    status: 410,
                },
                FetchError::NotFound(410),
            ),
            (
                CalDavError::Throttled {
                    url: url.clone(),
                    retry_after: Some(caldav::RetryAfter::Delay(Duration::from_secs(90))),
                },
                FetchError::Status {
                    code: 429,
                    retry_after: Some(Duration::from_secs(90)),
                },
            ),
            (
                CalDavError::Upstream {
                    url: url.clone(),
                    status: 503,
                    retry_after: Some(caldav::RetryAfter::Delay(Duration::from_secs(u64::MAX))),
                },
                FetchError::Status {
                    code: 503,
                    retry_after: Some(http::MAX_RETRY_AFTER),
                },
            ),
            (
                CalDavError::Unreachable {
                    url: url.clone(),
                    reason: "error sending request for url (https://cal.example.com/dav/): \
                             connection refused"
                        .into(),
                },
                FetchError::Transport("cannot connect: connection refused".into()),
            ),
            (
                CalDavError::Timeout {
                    url: url.clone(),
                    after: Duration::from_secs(5),
                },
                FetchError::Timeout(Duration::from_secs(5)),
            ),
        ];
        for (error, expected) in cases {
            let mapped = FetchError::from(error);
            assert_eq!(mapped, expected);
            assert!(!mapped.to_string().contains("example.com"), "{mapped}");
        }
        let not_calendar = FetchError::from(CalDavError::NotACalendar { url }).to_string();
        assert!(not_calendar.starts_with("the URL is not a calendar collection"));
        assert!(!not_calendar.contains("example.com"));
    }

    #[test]
    fn the_query_window_is_a_day_wider_on_each_side() {
        let start = chrono::DateTime::from_timestamp(1_776_643_200, 0).unwrap();
        let window = Window::new(start, start + TimeDelta::days(7)).unwrap();
        let wider = padded(window);
        assert_eq!(wider.start(), start - TimeDelta::days(1));
        assert_eq!(wider.end(), start + TimeDelta::days(8));
    }
}
