//! The CalDAV client against real CalDAV servers (Radicale and Xandikos, started per
//! test on loopback by `common/caldav_peer.rs`), and against scripted servers for what
//! real ones will not do on demand (truncated syncs, throttling, garbage, huge bodies,
//! redirect loops, silence).

#[path = "common/caldav_peer.rs"]
#[macro_use]
mod caldav_peer;

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, TcpListener as StdListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use caldav_peer::{Kind, PASSWORD, Peer, USER};
use chrono::{DateTime, TimeZone, Utc};
use freebusy_core::wire::ics::{self, Account, Attendee, Method, NewEvent};
use freebusy_core::{Status, Window};
use freebusy_server::sources::caldav::{
    CalDavError, Client, Credentials, ETag, Href, Limits, Precondition, RetryAfter, Secret,
    SyncToken, Url,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// The week every test asks about: Monday 20 April 2026, UTC.
fn week() -> Window {
    Window::new(utc(2026, 4, 20, 0, 0), utc(2026, 4, 27, 0, 0)).unwrap()
}

/// A VEVENT document in UTC, with extra property lines.
fn event(uid: &str, start: &str, end: &str, extra: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//freebusy tests//EN\r\nBEGIN:VEVENT\r\n\
UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n\
SUMMARY:{uid}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// A daily stand-up since 2010 (still blocks 2026), a review in the week, an old event.
fn calendar_events() -> Vec<(&'static str, String)> {
    vec![
        (
            "standup.ics",
            event(
                "standup",
                "20100104T090000Z",
                "20100104T091500Z",
                "RRULE:FREQ=DAILY\r\n",
            ),
        ),
        (
            "review.ics",
            event("review", "20260421T140000Z", "20260421T150000Z", ""),
        ),
        (
            "old.ics",
            event("old", "20250110T100000Z", "20250110T110000Z", ""),
        ),
    ]
}

async fn start(kind: Kind, events: &[(&'static str, String)]) -> Option<Peer> {
    let events: Vec<(&str, &str)> = events
        .iter()
        .map(|(name, ics)| (*name, ics.as_str()))
        .collect();
    Peer::start(kind, &events).await
}

fn client(peer: &Peer, base: &Url) -> Client {
    Client::new(base.clone(), peer.credentials(), Limits::default()).unwrap()
}

fn uids(data: &[String]) -> BTreeSet<String> {
    data.iter()
        .flat_map(|text| {
            ics::parse(text.as_bytes())
                .unwrap()
                .expand(week(), &Account::new("alice@example.com", chrono_tz::UTC))
                .instances
                .into_iter()
                .map(|instance| instance.uid)
        })
        .collect()
}

on_both_peers!(
    discovery_finds_the_calendar_from_the_root_the_well_known_url_and_itself,
    a_range_reads_exactly_the_events_that_overlap_it,
    sync_follows_a_change_an_addition_and_a_deletion_upstream,
    a_refused_sync_token_gives_a_full_resync,
    a_booking_is_written_back_blocks_time_and_is_removed,
    a_concurrent_change_gives_precondition_failed,
    collection_info_tells_calendars_from_other_urls,
    a_calendar_larger_than_one_answer_may_be_is_read_in_smaller_answers,
);

async fn discovery_finds_the_calendar_from_the_root_the_well_known_url_and_itself(kind: Kind) {
    let Some(peer) = start(kind, &[]).await else {
        return;
    };
    for base in [
        peer.root.clone(),
        peer.root.join("/.well-known/caldav").unwrap(),
    ] {
        let found = client(&peer, &base).discover().await.unwrap();
        assert_eq!(
            found.principal,
            Some(peer.root.join(&format!("/{USER}/")).unwrap()),
            "{base}"
        );
        assert_eq!(found.homes, vec![peer.home.clone()], "{base}");
        let calendar = found
            .calendars
            .iter()
            .find(|calendar| calendar.url == peer.calendar)
            .unwrap_or_else(|| panic!("{base}: no {} in {:?}", peer.calendar, found.calendars));
        assert!(calendar.has_events());
        assert_eq!(calendar.writable, Some(true));
        assert!(calendar.sync_token.is_some());
        assert!(calendar.ctag.is_some());
        assert!(calendar.supports_sync());
        let reports = calendar.reports.unwrap();
        assert!(reports.calendar_query && reports.calendar_multiget && reports.free_busy_query);
        let expected_name = match kind {
            Kind::Radicale => "Calendar",
            Kind::Xandikos => "calendar",
        };
        assert_eq!(calendar.display_name.as_deref(), Some(expected_name));
    }
    // Given the collection itself, discovery returns just that calendar.
    let found = client(&peer, &peer.calendar).discover().await.unwrap();
    assert_eq!(found.calendars.len(), 1);
    assert_eq!(found.calendars[0].url, peer.calendar);
}

async fn a_range_reads_exactly_the_events_that_overlap_it(kind: Kind) {
    let Some(peer) = start(kind, &calendar_events()).await else {
        return;
    };
    let resources = client(&peer, &peer.root)
        .calendar_query(&peer.calendar, week())
        .await
        .unwrap();
    let hrefs: BTreeSet<&str> = resources.iter().map(|r| r.href.as_str()).collect();
    let expected: BTreeSet<String> = ["review.ics", "standup.ics"]
        .iter()
        .map(|name| peer.event_url(name).path().to_owned())
        .collect();
    assert_eq!(
        hrefs,
        expected.iter().map(String::as_str).collect::<BTreeSet<_>>()
    );
    assert!(resources.iter().all(|resource| resource.etag.is_some()));
    // The data is whole iCalendar the engine reads: the 2010 series blocks every day.
    let account = Account::new("alice@example.com", chrono_tz::UTC);
    let busy: usize = resources
        .iter()
        .map(|resource| {
            ics::parse(resource.data.as_bytes())
                .unwrap()
                .expand(week(), &account)
                .periods()
                .iter()
                .filter(|period| period.status() == Status::Busy)
                .count()
        })
        .sum();
    assert_eq!(busy, 7 + 1);
}

// 40 events of about 1.6 KB each (a long description) against a cap of 16 KB: no
// answer with all their data fits, each one alone does. The first sync and a query ask
// again for names only and fetch the data in multiget batches halved until they fit.
async fn a_calendar_larger_than_one_answer_may_be_is_read_in_smaller_answers(kind: Kind) {
    let description = format!("DESCRIPTION:{}\r\n", "x".repeat(1500));
    let names: Vec<String> = (0..40).map(|n| format!("big{n:02}.ics")).collect();
    let events: Vec<(&str, String)> = names
        .iter()
        .enumerate()
        .map(|(n, name)| {
            let day = 20 + n % 7;
            (
                name.as_str(),
                event(
                    &format!("big{n:02}"),
                    &format!("202604{day:02}T{:02}0000Z", 8 + n / 7),
                    &format!("202604{day:02}T{:02}3000Z", 8 + n / 7),
                    &description,
                ),
            )
        })
        .collect();
    let events: Vec<(&str, &str)> = events.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let Some(peer) = Peer::start(kind, &events).await else {
        return;
    };
    let limits = Limits {
        max_body_bytes: 16 * 1024,
        ..Limits::default()
    };
    let client = Client::new(peer.root.clone(), peer.credentials(), limits).unwrap();
    let expected: BTreeSet<String> = (0..40).map(|n| format!("big{n:02}")).collect();

    let sync = client.sync_collection(&peer.calendar, None).await.unwrap();
    assert!(sync.full);
    let data: Vec<String> = sync.changed.into_iter().map(|r| r.data).collect();
    assert_eq!(uids(&data), expected);

    let queried = client.calendar_query(&peer.calendar, week()).await.unwrap();
    let data: Vec<String> = queried.into_iter().map(|r| r.data).collect();
    assert_eq!(uids(&data), expected);
}

async fn sync_follows_a_change_an_addition_and_a_deletion_upstream(kind: Kind) {
    let events = calendar_events();
    let Some(peer) = start(kind, &events[..2]).await else {
        return;
    };
    let client = client(&peer, &peer.root);
    let first = client.sync_collection(&peer.calendar, None).await.unwrap();
    assert!(first.full);
    assert_eq!(first.changed.len(), 2);
    assert!(first.removed.is_empty());
    let data: Vec<String> = first.changed.iter().map(|r| r.data.clone()).collect();
    assert_eq!(
        uids(&data),
        BTreeSet::from(["review".into(), "standup".into()])
    );

    // Another client moves the review, adds a lunch and deletes the stand-up.
    peer.put_upstream(
        "review.ics",
        &event("review", "20260422T160000Z", "20260422T170000Z", ""),
    )
    .await;
    peer.put_upstream(
        "lunch.ics",
        &event("lunch", "20260423T120000Z", "20260423T130000Z", ""),
    )
    .await;
    peer.delete_upstream("standup.ics").await;

    let second = client
        .sync_collection(&peer.calendar, Some(&first.token))
        .await
        .unwrap();
    assert!(!second.full);
    assert_ne!(second.token, first.token);
    let changed: BTreeSet<&str> = second.changed.iter().map(|r| r.href.as_str()).collect();
    let lunch = peer.event_url("lunch.ics");
    let review = peer.event_url("review.ics");
    assert_eq!(changed, BTreeSet::from([lunch.path(), review.path()]));
    let moved = second.changed.iter().find(|r| r.url == review).unwrap();
    assert!(moved.data.contains("20260422T160000Z"), "{}", moved.data);
    assert!(moved.etag.is_some());
    assert_eq!(
        second.removed,
        vec![Href::of(&peer.event_url("standup.ics"))]
    );

    // Nothing happened since: an empty delta.
    let third = client
        .sync_collection(&peer.calendar, Some(&second.token))
        .await
        .unwrap();
    assert!(!third.full);
    assert!(
        third.changed.is_empty() && third.removed.is_empty(),
        "{third:?}"
    );
}

async fn a_refused_sync_token_gives_a_full_resync(kind: Kind) {
    let events = calendar_events();
    let Some(peer) = start(kind, &events[..2]).await else {
        return;
    };
    let client = client(&peer, &peer.root);
    let first = client.sync_collection(&peer.calendar, None).await.unwrap();
    peer.delete_upstream("standup.ics").await;
    let stale = match kind {
        // Radicale forgets the token, as when it expires (`max_sync_token_age`).
        Kind::Radicale => {
            let tokens = peer
                .dir
                .path()
                .join("storage/collection-root")
                .join(USER)
                .join("calendar/.Radicale.cache/sync-token");
            std::fs::remove_dir_all(&tokens).unwrap();
            first.token.clone()
        }
        // Xandikos' tokens are git object ids: one it never made.
        Kind::Xandikos => SyncToken::new("0123456789abcdef0123456789abcdef01234567"),
    };
    let resync = client
        .sync_collection(&peer.calendar, Some(&stale))
        .await
        .unwrap();
    assert!(resync.full, "{resync:?}");
    assert!(resync.removed.is_empty());
    let hrefs: Vec<&str> = resync.changed.iter().map(|r| r.href.as_str()).collect();
    assert_eq!(hrefs, vec![peer.event_url("review.ics").path()]);
    // And the new token works incrementally.
    let next = client
        .sync_collection(&peer.calendar, Some(&resync.token))
        .await
        .unwrap();
    assert!(!next.full);
}

fn booking(uid: &str) -> NewEvent {
    NewEvent {
        uid: uid.to_owned(),
        stamp: utc(2026, 4, 1, 8, 0),
        sequence: 0,
        start: utc(2026, 4, 22, 10, 0),
        end: utc(2026, 4, 22, 10, 30),
        summary: "Intro call with Bob".to_owned(),
        description: Some("Note: \"let's talk\" <about> & more".to_owned()),
        location: None,
        organizer: Attendee {
            email: "alice@example.com".to_owned(),
            name: Some("Alice".to_owned()),
        },
        attendees: vec![Attendee {
            email: "bob@example.org".to_owned(),
            name: Some("Bob".to_owned()),
        }],
    }
}

async fn a_booking_is_written_back_blocks_time_and_is_removed(kind: Kind) {
    let Some(peer) = start(kind, &[]).await else {
        return;
    };
    let client = client(&peer, &peer.root);
    let uid = "booking-1@freebusy.example";
    let url = Client::resource_url(&peer.calendar, uid);
    let ics = ics::write(&booking(uid), Method::None).unwrap();
    let etag = client.put(&url, &ics, Precondition::Absent).await.unwrap();
    let stored = client.get(&url).await.unwrap();
    assert!(stored.data.contains(uid));
    let etag = etag.or(stored.etag).expect("an ETag for the new resource");

    // It is in the calendar, and in the server's own free-busy answer.
    let found = client.calendar_query(&peer.calendar, week()).await.unwrap();
    assert_eq!(found.len(), 1);
    let organizer = Account::new("alice@example.com", chrono_tz::UTC);
    let periods = ics::parse(found[0].data.as_bytes())
        .unwrap()
        .expand(week(), &organizer)
        .periods();
    assert_eq!(periods.len(), 1);
    assert_eq!(periods[0].start(), utc(2026, 4, 22, 10, 0));
    assert_eq!(periods[0].status(), Status::Busy);
    let free_busy = client
        .free_busy_query(&peer.calendar, week())
        .await
        .unwrap();
    let answer = ics::parse(free_busy.as_bytes())
        .unwrap()
        .expand(week(), &organizer)
        .periods();
    assert_eq!(answer.len(), 1, "{free_busy}");
    assert_eq!(
        (answer[0].start(), answer[0].end()),
        (utc(2026, 4, 22, 10, 0), utc(2026, 4, 22, 10, 30))
    );

    // Cancelled: removed, and removing again is not an error.
    client.delete(&url, Some(&etag)).await.unwrap();
    assert!(
        client
            .calendar_query(&peer.calendar, week())
            .await
            .unwrap()
            .is_empty()
    );
    client.delete(&url, Some(&etag)).await.unwrap();
    assert!(matches!(
        client.get(&url).await,
        Err(CalDavError::NotFound { status: 404, .. })
    ));
}

async fn a_concurrent_change_gives_precondition_failed(kind: Kind) {
    let Some(peer) = start(kind, &[]).await else {
        return;
    };
    let client = client(&peer, &peer.root);
    let uid = "booking-2";
    let url = Client::resource_url(&peer.calendar, uid);
    let first = ics::write(&booking(uid), Method::None).unwrap();
    client
        .put(&url, &first, Precondition::Absent)
        .await
        .unwrap();
    let ours = client.get(&url).await.unwrap().etag.unwrap();

    // Someone edits it in their calendar app.
    let name = url.path_segments().unwrap().next_back().unwrap().to_owned();
    peer.put_upstream(
        &name,
        &event(uid, "20260422T110000Z", "20260422T113000Z", ""),
    )
    .await;

    let mut moved = booking(uid);
    moved.sequence = 1;
    moved.start = utc(2026, 4, 23, 10, 0);
    moved.end = utc(2026, 4, 23, 10, 30);
    let update = ics::write(&moved, Method::None).unwrap();
    for result in [
        client
            .put(&url, &update, Precondition::Matches(ours.clone()))
            .await
            .map(|_| ()),
        client
            .put(&url, &update, Precondition::Absent)
            .await
            .map(|_| ()),
        client.delete(&url, Some(&ours)).await,
    ] {
        assert!(
            matches!(result, Err(CalDavError::PreconditionFailed { .. })),
            "{result:?}"
        );
    }
    // Their edit is intact; with its ETag, the update goes through.
    let theirs = client.get(&url).await.unwrap();
    assert!(theirs.data.contains("20260422T110000Z"));
    client
        .put(&url, &update, Precondition::Matches(theirs.etag.unwrap()))
        .await
        .unwrap();
    assert!(
        client
            .get(&url)
            .await
            .unwrap()
            .data
            .contains("20260423T100000Z")
    );
}

async fn collection_info_tells_calendars_from_other_urls(kind: Kind) {
    let Some(peer) = start(kind, &[]).await else {
        return;
    };
    let client = client(&peer, &peer.root);
    let info = client.collection_info(&peer.calendar).await.unwrap();
    assert_eq!(info.url, peer.calendar);
    assert!(matches!(
        client.collection_info(&peer.home).await,
        Err(CalDavError::NotACalendar { .. })
    ));
    let missing = peer
        .root
        .join(&format!("/{USER}/no-such-calendar/"))
        .unwrap();
    assert!(matches!(
        client.collection_info(&missing).await,
        Err(CalDavError::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_wrong_password_is_unauthorized_and_never_printed() {
    let Some(peer) = start(Kind::Radicale, &[]).await else {
        return;
    };
    let wrong = "not-the-password-4242";
    let client = Client::new(
        peer.root.clone(),
        Some(Credentials::Basic {
            username: USER.to_owned(),
            password: Secret::new(wrong),
        }),
        Limits::default(),
    )
    .unwrap();
    let error = client.discover().await.unwrap_err();
    assert!(
        matches!(error, CalDavError::Unauthorized { .. }),
        "{error:?}"
    );
    let printed = format!("{error} {error:?} {client:?}");
    assert!(
        !printed.contains(wrong) && !printed.contains(PASSWORD),
        "{printed}"
    );
    // No credentials at all: the same.
    let anonymous = Client::new(peer.root.clone(), None, Limits::default()).unwrap();
    assert!(matches!(
        anonymous.calendar_query(&peer.calendar, week()).await,
        Err(CalDavError::Unauthorized { .. })
    ));
}

#[tokio::test]
async fn a_server_that_is_down_is_unreachable_at_once() {
    let port = {
        let listener = StdListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        listener.local_addr().unwrap().port()
    };
    let base = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let client = Client::new(base, None, Limits::default()).unwrap();
    let started = std::time::Instant::now();
    let error = client.discover().await.unwrap_err();
    assert!(
        matches!(error, CalDavError::Unreachable { .. }),
        "{error:?}"
    );
    assert!(error.is_transient());
    // A refused connection is immediate; the bound only guards against a hang.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            open.push(socket);
        }
    });
    let limits = Limits {
        timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let base = Url::parse(&format!("http://127.0.0.1:{port}/cal/")).unwrap();
    let client = Client::new(base.clone(), None, limits).unwrap();
    let started = std::time::Instant::now();
    let error = client.calendar_query(&base, week()).await.unwrap_err();
    assert!(matches!(error, CalDavError::Timeout { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    held.abort();
}

// ---- Scripted servers: answers real servers give only in bad moments ----------------

/// What a scripted server saw of one request.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    headers: String,
    body: String,
}

/// What it answers.
enum Reply {
    /// These bytes, then close.
    Raw(Vec<u8>),
    /// A chunked body that never ends.
    Endless,
}

fn reply(status: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut text = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    Reply::Raw(text.into_bytes())
}

fn multistatus(inner: &str) -> Reply {
    reply(
        "207 Multi-Status",
        &[("Content-Type", "application/xml; charset=utf-8")],
        &format!(
            "<?xml version=\"1.0\"?><d:multistatus xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\">{inner}</d:multistatus>"
        ),
    )
}

/// A one-port HTTP/1.1 server answering each request with `script`; what it saw.
async fn scripted(
    script: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
) -> (Url, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let script = Arc::new(script);
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let log = log.clone();
            let script = script.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 8192];
                let (head, body_start) = loop {
                    let read = socket.read(&mut chunk).await.unwrap_or(0);
                    if read == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..read]);
                    if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        break (String::from_utf8_lossy(&buffer[..at]).into_owned(), at + 4);
                    }
                };
                let length = head
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                while buffer.len() < body_start + length {
                    let read = socket.read(&mut chunk).await.unwrap_or(0);
                    if read == 0 {
                        break;
                    }
                    buffer.extend_from_slice(&chunk[..read]);
                }
                let mut words = head.split_whitespace();
                let seen = Seen {
                    method: words.next().unwrap_or_default().to_owned(),
                    path: words.next().unwrap_or_default().to_owned(),
                    headers: head.to_ascii_lowercase(),
                    body: String::from_utf8_lossy(&buffer[body_start..]).into_owned(),
                };
                log.lock().unwrap().push(seen.clone());
                match script(&seen) {
                    Reply::Raw(bytes) => {
                        let _ = socket.write_all(&bytes).await;
                    }
                    Reply::Endless => {
                        let head =
                            "HTTP/1.1 207 Multi-Status\r\nTransfer-Encoding: chunked\r\n\r\n";
                        if socket.write_all(head.as_bytes()).await.is_err() {
                            return;
                        }
                        let piece = format!("4000\r\n{}\r\n", "x".repeat(0x4000));
                        while socket.write_all(piece.as_bytes()).await.is_ok() {}
                    }
                }
                let _ = socket.shutdown().await;
            });
        }
    });
    (base, seen)
}

fn scripted_client(base: &Url) -> Client {
    Client::new(base.clone(), None, Limits::default()).unwrap()
}

/// The error a `calendar-query` on `path` ends with.
async fn query_error(client: &Client, base: &Url, path: &str) -> CalDavError {
    client
        .calendar_query(&base.join(path).unwrap(), week())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_truncated_sync_is_continued_and_members_without_data_are_fetched() {
    let (base, seen) = scripted(|request| {
        let token = |name: &str| request.body.contains(&format!(">{name}</d:sync-token>"))
            || request.body.contains(&format!(">{name}</D:sync-token>"));
        if request.body.contains("calendar-multiget") {
            assert!(request.body.contains("/cal/b.ics"), "{}", request.body);
            return multistatus(&format!(
                "<d:response><d:href>/cal/b.ics</d:href><d:propstat><d:prop><d:getetag>\"b1\"</d:getetag><c:calendar-data>{}</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>",
                event("b", "20260421T100000Z", "20260421T110000Z", "")
            ));
        }
        if token("t0") {
            // Page one: a changed member, and "there is more" (507 on the collection).
            return multistatus(&format!(
                "<d:response><d:href>/cal/a.ics</d:href><d:propstat><d:prop><d:getetag>\"a1\"</d:getetag><c:calendar-data>{}</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>\
                 <d:response><d:href>/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response><d:sync-token>t1</d:sync-token>",
                event("a", "20260420T100000Z", "20260420T110000Z", "")
            ));
        }
        if token("t1") {
            // Page two: a removed after all, b changed (listed without its data).
            return multistatus(
                "<d:response><d:href>/cal/a.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>\
                 <d:response><d:href>/cal/b.ics</d:href><d:propstat><d:prop><d:getetag>\"b1\"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response><d:sync-token>t2</d:sync-token>",
            );
        }
        reply("400 Bad Request", &[], "")
    })
    .await;
    let collection = base.join("/cal/").unwrap();
    let sync = scripted_client(&base)
        .sync_collection(&collection, Some(&SyncToken::new("t0")))
        .await
        .unwrap();
    assert_eq!(sync.token, SyncToken::new("t2"));
    assert!(!sync.full);
    assert_eq!(sync.changed.len(), 1);
    assert_eq!(sync.changed[0].href.as_str(), "/cal/b.ics");
    assert_eq!(sync.changed[0].etag, Some(ETag::new("\"b1\"")));
    assert_eq!(
        sync.removed,
        vec![Href::of(&base.join("/cal/a.ics").unwrap())]
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|request| request.method == "REPORT"));
    assert!(seen[0].headers.contains("depth: 0"));
    assert!(seen[0].headers.contains("content-type: application/xml"));
}

#[tokio::test]
async fn a_sync_token_refused_without_a_body_still_resyncs() {
    let (base, _) = scripted(|request| {
        if request.body.contains(">old</") {
            return reply("409 Conflict", &[], "");
        }
        multistatus("<d:sync-token>fresh</d:sync-token>")
    })
    .await;
    let sync = scripted_client(&base)
        .sync_collection(&base.join("/cal/").unwrap(), Some(&SyncToken::new("old")))
        .await
        .unwrap();
    assert!(sync.full);
    assert_eq!(sync.token, SyncToken::new("fresh"));
}

#[tokio::test]
async fn throttling_and_failures_are_typed_with_retry_after() {
    let (base, _) = scripted(|request| match request.path.as_str() {
        "/slow/" => reply("429 Too Many Requests", &[("Retry-After", "7")], ""),
        "/busy/" => reply(
            "503 Service Unavailable",
            &[("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT")],
            "",
        ),
        "/broken/" => reply("500 Internal Server Error", &[], "oops"),
        "/teapot/" => reply("418 I'm a teapot", &[], ""),
        _ => reply("404 Not Found", &[], ""),
    })
    .await;
    let client = scripted_client(&base);
    let query = |path| query_error(&client, &base, path);
    let slow = query("/slow/").await;
    assert!(matches!(slow, CalDavError::Throttled { .. }), "{slow:?}");
    assert_eq!(
        slow.retry_after(),
        Some(RetryAfter::Delay(Duration::from_secs(7)))
    );
    let busy = query("/busy/").await;
    assert!(
        matches!(busy, CalDavError::Upstream { status: 503, .. }),
        "{busy:?}"
    );
    assert_eq!(
        busy.retry_after(),
        Some(RetryAfter::At(utc(2026, 10, 21, 7, 28)))
    );
    let broken = query("/broken/").await;
    assert!(matches!(
        broken,
        CalDavError::Upstream {
            status: 500,
            retry_after: None,
            ..
        }
    ));
    assert!(broken.is_transient());
    let teapot = query("/teapot/").await;
    assert!(
        matches!(teapot, CalDavError::UnexpectedStatus { status: 418, .. }),
        "{teapot:?}"
    );
    assert!(!teapot.is_transient());
}

#[tokio::test]
async fn garbage_in_place_of_a_multistatus_is_malformed() {
    let (base, _) = scripted(|request| match request.path.as_str() {
        "/html/" => reply("207 Multi-Status", &[], "<html><body>Welcome to nginx!"),
        "/error/" => reply("207 Multi-Status", &[], "<error xmlns=\"DAV:\"/>"),
        "/binary/" => Reply::Raw(
            [
                &b"HTTP/1.1 207 Multi-Status\r\nContent-Length: 6\r\n\r\n"[..],
                &[0xff, 0xfe, 0, 1, 2, 3],
            ]
            .concat(),
        ),
        _ => multistatus(
            "<d:response><d:href>/x</d:href><d:status>HTTP/1.1 whatever</d:status></d:response>",
        ),
    })
    .await;
    let client = scripted_client(&base);
    for path in ["/html/", "/error/", "/binary/", "/status/"] {
        let error = query_error(&client, &base, path).await;
        assert!(
            matches!(error, CalDavError::Malformed { .. }),
            "{path}: {error:?}"
        );
    }
}

#[tokio::test]
async fn bodies_over_the_cap_are_refused_while_streaming() {
    let (base, _) = scripted(|request| match request.path.as_str() {
        "/declared/" => Reply::Raw(
            b"HTTP/1.1 207 Multi-Status\r\nContent-Length: 999999999\r\n\r\n<d:multistatus"
                .to_vec(),
        ),
        _ => Reply::Endless,
    })
    .await;
    let limits = Limits {
        max_body_bytes: 64 * 1024,
        ..Limits::default()
    };
    let client = Client::new(base.clone(), None, limits).unwrap();
    for path in ["/declared/", "/endless/"] {
        let error = query_error(&client, &base, path).await;
        assert!(
            matches!(error, CalDavError::TooLarge { limit: 65536, .. }),
            "{path}: {error:?}"
        );
    }
}

#[tokio::test]
async fn redirects_keep_the_method_stop_at_loops_and_limits() {
    let (base, seen) = scripted(|request| {
        let to = |location: &str| reply("301 Moved Permanently", &[("Location", location)], "");
        match request.path.as_str() {
            "/.well-known/caldav" => to("/dav/"),
            "/dav/" => multistatus(
                "<d:response><d:href>/dav/</d:href><d:propstat><d:prop><d:current-user-principal><d:href>/dav/ann/</d:href></d:current-user-principal></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>",
            ),
            "/dav/ann/" => multistatus(
                "<d:response><d:href>/dav/ann/</d:href><d:propstat><d:prop><c:calendar-home-set><d:href>/dav/ann/cals/</d:href></c:calendar-home-set></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>",
            ),
            "/dav/ann/cals/" => multistatus(
                "<d:response><d:href>/dav/ann/cals/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>\
                 <d:response><d:href>/dav/ann/cals/work/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>",
            ),
            "/loop/a/" => to("/loop/b/"),
            "/loop/b/" => to("/loop/a/"),
            path if path.starts_with("/hop/") => {
                let n: u32 = path[5..].trim_end_matches('/').parse().unwrap();
                to(&format!("/hop/{}/", n + 1))
            }
            _ => reply("404 Not Found", &[], ""),
        }
    })
    .await;
    let found = scripted_client(&base).discover().await.unwrap();
    assert_eq!(found.calendars.len(), 1);
    assert_eq!(
        found.calendars[0].url,
        base.join("/dav/ann/cals/work/").unwrap()
    );
    assert_eq!(found.calendars[0].components, None);
    assert!(found.calendars[0].has_events());
    {
        let seen = seen.lock().unwrap();
        let redirected = seen.iter().find(|r| r.path == "/dav/").unwrap();
        assert_eq!(redirected.method, "PROPFIND");
        assert!(redirected.body.contains("current-user-principal"));
    }
    let client = scripted_client(&base);
    let error = query_error(&client, &base, "/loop/a/").await;
    assert!(
        matches!(error, CalDavError::RedirectLoop { .. }),
        "{error:?}"
    );
    let error = query_error(&client, &base, "/hop/0/").await;
    assert!(
        matches!(error, CalDavError::TooManyRedirects { limit: 5, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn credentials_do_not_follow_a_redirect_to_another_plain_http_origin() {
    let (elsewhere, seen_elsewhere) = scripted(|_| multistatus("")).await;
    let target = elsewhere.join("/cal/").unwrap().to_string();
    let (base, seen_here) = scripted(move |_| {
        reply(
            "307 Temporary Redirect",
            &[("Location", target.as_str())],
            "",
        )
    })
    .await;
    let client = Client::new(
        base.clone(),
        Some(Credentials::Basic {
            username: "ann".into(),
            password: Secret::new("s3cret"),
        }),
        Limits::default(),
    )
    .unwrap();
    let found = client
        .calendar_query(&base.join("/cal/").unwrap(), week())
        .await
        .unwrap();
    assert!(found.is_empty());
    assert!(
        seen_here.lock().unwrap()[0]
            .headers
            .contains("authorization: basic")
    );
    let there = seen_elsewhere.lock().unwrap();
    assert_eq!(there.len(), 1);
    assert!(
        !there[0].headers.contains("authorization"),
        "{}",
        there[0].headers
    );
}

#[tokio::test]
async fn urls_with_credentials_or_odd_schemes_are_refused() {
    for url in [
        "http://ann:pw@cal.example.com/",
        "ftp://cal.example.com/",
        "file:///etc/passwd",
    ] {
        let error = Client::new(Url::parse(url).unwrap(), None, Limits::default()).unwrap_err();
        assert!(matches!(error, CalDavError::InvalidUrl { .. }), "{url}");
        assert!(!error.to_string().contains("pw@"), "{error}");
    }
}

#[tokio::test]
async fn a_bearer_token_is_sent_as_such_and_only_to_its_origin() {
    let (base, seen) = scripted(|_| multistatus("")).await;
    let client = Client::new(
        base.clone(),
        Some(Credentials::Bearer(Secret::new("tok-abc.123"))),
        Limits::default(),
    )
    .unwrap();
    client
        .calendar_query(&base.join("/cal/").unwrap(), week())
        .await
        .unwrap();
    assert!(!format!("{client:?}").contains("tok-abc"));
    assert!(
        seen.lock().unwrap()[0]
            .headers
            .contains("authorization: bearer tok-abc.123")
    );
}
