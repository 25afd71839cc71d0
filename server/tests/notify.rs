//! Invitations and webhooks, end to end, over real sockets, and as a store contract.
//!
//! - Emails go to a small SMTP receiver on loopback started by each test (below); every
//!   message is read by Python's `email` and `icalendar` (`notify/read_mail.py`, in
//!   `$FREEBUSY_VENV`), so the invitation is checked by a parser that is not ours: METHOD,
//!   UID, SEQUENCE, ORGANIZER, ATTENDEEs, times, the note, and no injected properties.
//! - Webhooks go to a receiver on loopback that checks each signature (HMAC-SHA256
//!   computed here, the Standard Webhooks way), answers 503 and then 429 with
//!   `Retry-After` first, and records what arrives and when.
//! - `kill -9` of the real binary right after a 201, with both receivers down: the next
//!   process delivers the email and the webhook, each once.
//! - The store (both backends): the audience's rows are written with the booking, in
//!   order; a cancel reaches the same targets once; no SMTP and no webhook, no rows.

mod common;

use std::collections::VecDeque;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use common::client;
use common::db::TestDb;
use common::source_api::wait_for;
use freebusy_server::booking;
use freebusy_server::store::{
    AccountImport, Audience, BookingTerms, CalendarImport, DeliveryKind, NewBooking, OutboxAction,
    Store,
};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

on_both_backends!(
    a_booking_writes_its_emails_and_webhooks_in_order_and_a_cancel_reaches_the_same_ones,
    without_an_audience_a_booking_writes_no_email_or_webhook,
    a_booking_opens_only_with_one_of_its_tokens_and_names_its_hosts,
);

// ---------------------------------------------------------------------------------------
// An SMTP receiver: just enough of RFC 5321 for a client to hand over messages.

/// One message as handed over.
#[derive(Debug, Clone)]
struct Received {
    recipients: Vec<String>,
    data: Vec<u8>,
}

/// An SMTP receiver on a loopback port, keeping every message; stops when dropped.
struct SmtpSink {
    port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpSink {
    /// A receiver on `port` (0: any free one).
    async fn start(port: u16) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&messages);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(smtp_session(stream, Arc::clone(&kept)));
            }
        });
        SmtpSink {
            port,
            messages,
            task,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.messages.lock().unwrap().clone()
    }

    async fn wait_for_count(&self, count: usize) -> Vec<Received> {
        wait_for(&format!("{count} emails"), || async {
            self.messages.lock().unwrap().len() >= count
        })
        .await;
        self.received()
    }
}

async fn smtp_session(stream: tokio::net::TcpStream, messages: Arc<Mutex<Vec<Received>>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let _ = write.write_all(b"220 sink.test ESMTP\r\n").await;
    let mut recipients = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if command.starts_with("HELO")
            || command.starts_with("MAIL FROM")
            || command.starts_with("NOOP")
        {
            b"250 ok\r\n"
        } else if command.starts_with("RSET") {
            recipients.clear();
            b"250 ok\r\n"
        } else if command.starts_with("RCPT TO") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap_or("")
                .to_owned();
            recipients.push(address);
            b"250 ok\r\n"
        } else if command == "DATA" {
            let _ = write.write_all(b"354 go ahead\r\n").await;
            let mut data = Vec::new();
            loop {
                let mut raw = Vec::new();
                if lines.read_until(b'\n', &mut raw).await.unwrap_or(0) == 0 {
                    return;
                }
                if raw == b".\r\n" {
                    break;
                }
                // RFC 5321 4.5.2: a leading dot was doubled by the client.
                data.extend_from_slice(raw.strip_prefix(b".").unwrap_or(&raw));
            }
            messages.lock().unwrap().push(Received {
                recipients: std::mem::take(&mut recipients),
                data,
            });
            b"250 queued\r\n"
        } else if command == "QUIT" {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"502 not here\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// What `notify/read_mail.py` makes of `input` (an email, or with `ics`, a calendar).
fn read_with_python(input: &[u8], ics: bool) -> Option<Value> {
    let Some(venv) = std::env::var_os("FREEBUSY_VENV") else {
        assert!(
            std::env::var_os("FREEBUSY_REQUIRE_PEERS").is_none(),
            "FREEBUSY_VENV is not set: source scripts/env.sh"
        );
        eprintln!("SKIPPED: no $FREEBUSY_VENV for the independent iCalendar reader");
        return None;
    };
    let python = PathBuf::from(venv).join("bin/python3");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/notify/read_mail.py");
    let mut child = Command::new(python)
        .arg(script)
        .args(ics.then_some("ics"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python from the venv");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "read_mail.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

// ---------------------------------------------------------------------------------------
// A webhook receiver.

/// One call as received.
#[derive(Debug, Clone)]
struct Call {
    id: String,
    body: Value,
    signature_ok: bool,
    at: Instant,
    answered: u16,
}

/// A webhook receiver on a loopback port: answers the scripted statuses first (a 429
/// with `Retry-After: 10`), then 200; keeps every call; stops when dropped.
struct Receiver {
    port: u16,
    calls: Arc<Mutex<Vec<Call>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

impl Receiver {
    async fn start(port: u16, script: &[u16]) -> Receiver {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
        let kept = Arc::clone(&calls);
        let handler = move |headers: HeaderMap, body: Bytes| {
            let (kept, script) = (Arc::clone(&kept), Arc::clone(&script));
            async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                let (id, timestamp) = (header("webhook-id"), header("webhook-timestamp"));
                let key = STANDARD
                    .decode(SECRET.strip_prefix("whsec_").unwrap())
                    .unwrap();
                let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
                mac.update(format!("{id}.{timestamp}.").as_bytes());
                mac.update(&body);
                let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
                let signature_ok = header("webhook-signature")
                    .split(' ')
                    .any(|candidate| candidate == expected)
                    && header("content-type") == "application/json";
                let status = script.lock().unwrap().pop_front().unwrap_or(200);
                kept.lock().unwrap().push(Call {
                    id,
                    body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                    signature_ok,
                    at: Instant::now(),
                    answered: status,
                });
                let mut reply = HeaderMap::new();
                if status == 429 {
                    reply.insert("retry-after", "10".parse().unwrap());
                }
                (AxumStatus::from_u16(status).unwrap(), reply, "")
            }
        };
        let app = axum::Router::new().route("/hook", axum::routing::post(handler));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Receiver {
            port,
            calls,
            stop: Some(stop),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    async fn wait_for_successes(&self, count: usize) -> Vec<Call> {
        wait_for(&format!("{count} webhook calls answered 200"), || async {
            self.calls().iter().filter(|c| c.answered == 200).count() >= count
        })
        .await;
        self.calls()
    }
}

/// A port that nothing listens on now (bound once, then let go).
async fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------------------
// The server side.

/// alice (Berlin, with her own webhook `crm` when `hook` is given) and bob (New York).
fn seed(hook: Option<(&str, &Path)>) -> String {
    let webhooks = match hook {
        Some((url, secret_file)) => {
            json!([{"name": "crm", "url": url, "secret_file": secret_file.display().to_string()}])
        }
        None => json!([]),
    };
    // Open rules: the booking day may be a weekend, and 10:00 UTC is before New York's
    // working hours.
    let rules: Value = serde_json::from_str(common::OPEN_RULES).unwrap();
    json!({"accounts": [
        {"email": "alice@example.com", "time_zone": "Europe/Berlin", "rules": rules,
         "calendars": [{"id": "cal_alice", "name": "Work", "events": []}],
         "webhooks": webhooks},
        {"email": "bob@example.com", "time_zone": "America/New_York", "rules": rules,
         "calendars": [{"id": "cal_bob", "name": "Work", "events": []}]}
    ]})
    .to_string()
}

const HOSTILE_NAME: &str = "Eve \"the\" <Mallory>; ROLE=CHAIR:";
const HOSTILE_NOTE: &str = "Agenda; pricing, the demo\r\nATTENDEE:mailto:mallory@evil.example\nEND:VEVENT\nBcc: x@evil.example";

fn booking_body(key: &str, hosts: &[&str], name: &str, note: Option<&str>) -> Value {
    json!({
        "hosts": hosts,
        "start": common::at("10:00"),
        "end": common::at("10:30"),
        "name": name,
        "email": "dana@example.org",
        "note": note,
        "idempotency_key": key,
    })
}

async fn post_booking(base: &str, body: &Value) -> Value {
    let response = client()
        .post(format!("{base}/v1/bookings"))
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn cancel(base: &str, id: &str, token: &str) {
    let response = client()
        .delete(format!("{base}/v1/bookings/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

fn utc(text: &str) -> String {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
        .to_rfc3339()
}

/// The message to `address` among `received`.
fn to<'a>(received: &'a [Received], address: &str) -> &'a Received {
    received
        .iter()
        .find(|m| m.recipients.iter().any(|r| r == address))
        .unwrap_or_else(|| panic!("no email to {address}"))
}

/// The first `…?token=…` link after `label: ` in `text`.
fn link(text: &str, label: &str) -> String {
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no {label} link in {text}"))
        .trim()
        .to_owned()
}

// On a booking of two hosts, the visitor and each host get one invitation: a REQUEST
// with the booking's UID, SEQUENCE 0, the first host as ORGANIZER, the visitor and the
// other host as ATTENDEEs waiting for an answer, the booking's times in UTC, and the
// hostile name and note kept as text (no injected property, header or recipient). The
// visitor's letter has working links (the calendar link downloads the same invitation
// as PUBLISH); a host reads the time in their own zone. A cancel sends each of them a
// CANCEL that supersedes the request, and the download turns into the CANCEL form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_reach_the_visitor_and_each_host_and_a_cancel_follows() {
    let sink = SmtpSink::start(0).await;
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let server = common::TestServer::start_with_seed(
        &seed(None),
        &[
            "--smtp-url",
            &smtp,
            "--mail-from",
            "Bookings <bookings@freebusy.test>",
            "--public-url",
            "http://127.0.0.1:9/base",
        ],
    )
    .await;
    let mut body = booking_body(
        "invite",
        &["alice@example.com", "bob@example.com"],
        HOSTILE_NAME,
        Some(HOSTILE_NOTE),
    );
    body["time_zone"] = json!("Asia/Tokyo");
    let booked = post_booking(&server.base, &body).await;
    let id = booked["id"].as_str().unwrap();
    let received = sink.wait_for_count(3).await;
    let Some(visitor) = read_with_python(&to(&received, "dana@example.org").data, false) else {
        return;
    };
    for message in &received {
        assert_eq!(message.recipients.len(), 1, "one recipient per message");
    }
    let uid = booking::event_uid(id);
    for address in ["dana@example.org", "alice@example.com", "bob@example.com"] {
        let mail = read_with_python(&to(&received, address).data, false).unwrap();
        assert_eq!(mail["content_type"], "multipart/alternative");
        assert_eq!(mail["calendar_method"], "REQUEST");
        assert!(
            mail["from"]
                .as_str()
                .unwrap()
                .contains("bookings@freebusy.test")
        );
        assert!(mail["to"].as_str().unwrap().contains(address), "{mail}");
        assert!(!mail["to"].as_str().unwrap().contains("evil"), "{mail}");
        let message_id = mail["message_id"].as_str().unwrap();
        assert!(message_id.ends_with("@freebusy.test>"), "{message_id}");
        let calendar = &mail["calendar"];
        assert_eq!(calendar["method"], "REQUEST");
        assert_eq!(calendar["events"], 1);
        assert_eq!(calendar["uid"], uid.as_str());
        assert_eq!(calendar["sequence"], 0);
        assert_eq!(calendar["dtstart"], utc(&common::at("10:00")));
        assert_eq!(calendar["dtend"], utc(&common::at("10:30")));
        assert_eq!(calendar["organizer"], "mailto:alice@example.com");
        assert_eq!(calendar["description"], HOSTILE_NOTE.replace("\r\n", "\n"));
        let attendees = calendar["attendees"].as_array().unwrap();
        let addresses: Vec<&str> = attendees
            .iter()
            .map(|a| a["address"].as_str().unwrap())
            .collect();
        assert_eq!(
            addresses,
            ["mailto:dana@example.org", "mailto:bob@example.com"]
        );
        assert_eq!(attendees[0]["cn"], HOSTILE_NAME.replace('"', "'"));
        for attendee in attendees {
            assert_eq!(attendee["partstat"], "NEEDS-ACTION");
            assert_eq!(attendee["rsvp"], "TRUE");
        }
        let properties: Vec<&str> = calendar["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert!(!properties.contains(&"ROLE"), "{properties:?}");
    }
    // Each message's id is its outbox row's.
    let rows = server_outbox(&server, id).await;
    for message in &received {
        let mail = read_with_python(&message.data, false).unwrap();
        let message_id = mail["message_id"].as_str().unwrap().to_owned();
        assert!(
            rows.iter()
                .any(|(row, kind, _)| kind == "email"
                    && message_id == format!("<{row}@freebusy.test>")),
            "{message_id} is no email row of {rows:?}"
        );
    }

    // The host reads the time in their zone, and no link; the visitor gets links.
    let alice = read_with_python(&to(&received, "alice@example.com").data, false).unwrap();
    let alice_text = alice["text"].as_str().unwrap();
    assert!(alice_text.contains("(Europe/Berlin)"), "{alice_text}");
    assert!(!alice_text.contains("token="), "{alice_text}");
    let bob = read_with_python(&to(&received, "bob@example.com").data, false).unwrap();
    assert!(bob["text"].as_str().unwrap().contains("(America/New_York)"));
    let text = visitor["text"].as_str().unwrap();
    assert!(text.contains("(Asia/Tokyo)"), "the request's zone: {text}");
    let calendar_link = link(text, "Add to calendar");
    let prefix = format!("http://127.0.0.1:9/base/v1/bookings/{id}/invitation.ics?token=");
    assert!(calendar_link.starts_with(&prefix), "{calendar_link}");
    assert!(link(text, "Cancel").starts_with(&format!(
        "http://127.0.0.1:9/base/bookings/{id}/cancel?token="
    )));
    let email_token = calendar_link[prefix.len()..].to_owned();
    assert_ne!(email_token, booked["cancel_token"].as_str().unwrap());

    let download = |token: String| {
        let url = server.url(&format!("/v1/bookings/{id}/invitation.ics?token={token}"));
        async move { client().get(url).send().await.unwrap() }
    };
    let response = download(email_token.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let file = read_with_python(&response.bytes().await.unwrap(), true).unwrap();
    assert_eq!(file["method"], "PUBLISH");
    assert_eq!(file["uid"], uid.as_str());
    assert_eq!(file["sequence"], 0);
    assert_eq!(file["dtstart"], utc(&common::at("10:00")));
    assert_eq!(
        download("0".repeat(64)).await.status(),
        StatusCode::NOT_FOUND
    );

    // The email's token cancels too; the same three people hear of it.
    cancel(&server.base, id, &email_token).await;
    let received = sink.wait_for_count(6).await;
    let cancels = &received[3..];
    for address in ["dana@example.org", "alice@example.com", "bob@example.com"] {
        let mail = read_with_python(&to(cancels, address).data, false).unwrap();
        assert_eq!(mail["calendar_method"], "CANCEL");
        assert_eq!(mail["calendar"]["method"], "CANCEL");
        assert_eq!(mail["calendar"]["uid"], uid.as_str());
        assert_eq!(mail["calendar"]["sequence"], 1);
        assert_eq!(mail["calendar"]["status"], "CANCELLED");
        assert!(mail["subject"].as_str().unwrap().starts_with("Cancelled: "));
        assert!(!mail["text"].as_str().unwrap().contains("token="));
    }
    let visitor = read_with_python(&to(cancels, "dana@example.org").data, false).unwrap();
    assert!(visitor["text"].as_str().unwrap().contains("(Asia/Tokyo)"));
    let file = read_with_python(&download(email_token).await.bytes().await.unwrap(), true).unwrap();
    assert_eq!(file["method"], "CANCEL");
    assert_eq!(file["sequence"], 1);
}

/// (id, kind, state) of booking `id`'s outbox rows, through the server's own store.
async fn server_outbox(server: &common::TestServer, id: &str) -> Vec<(String, String, String)> {
    let store = Store::open(
        &server
            .dir
            .path()
            .join("freebusy.sqlite3")
            .display()
            .to_string()
            .parse()
            .unwrap(),
    )
    .await
    .unwrap();
    store
        .outbox_of(id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| {
            (
                m.id,
                m.kind.as_str().to_owned(),
                m.state.as_str().to_owned(),
            )
        })
        .collect()
}

// Without --smtp-url and webhooks, a booking and its cancel queue nothing for anyone;
// a visitor's zone that does not exist is refused by name.
#[tokio::test]
async fn without_smtp_or_webhooks_nothing_is_queued() {
    let server = common::TestServer::start_with_seed(&seed(None), &[]).await;
    let mut body = booking_body("mars", &["alice@example.com"], "Dana", None);
    body["time_zone"] = json!("Mars/Olympus_Mons");
    let response = client()
        .post(server.url("/v1/bookings"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused: Value = response.json().await.unwrap();
    assert_eq!(
        refused["errors"]["time_zone"][0]["key"],
        "errors.unknown_tzid"
    );
    let booked = post_booking(
        &server.base,
        &booking_body("quiet", &["alice@example.com"], "Dana", None),
    )
    .await;
    let id = booked["id"].as_str().unwrap();
    cancel(&server.base, id, booked["cancel_token"].as_str().unwrap()).await;
    assert_eq!(server_outbox(&server, id).await, Vec::new());
}

// A host's webhook gets booking.created and booking.cancelled, signed. The receiver
// answers 503, then 429 with Retry-After: 10, then 200: the retries carry the same
// webhook-id, the one after the 429 waits for it (the backoff alone would be 4 s; due
// times are whole seconds, hence 9), and the cancel (made at once)
// arrives only after the created event got through. No body holds a cancel token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_signed_retried_with_the_same_id_and_arrive_in_order() {
    let receiver = Receiver::start(0, &[503, 429]).await;
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("crm.secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let server =
        common::TestServer::start_with_seed(&seed(Some((&receiver.url(), &secret_file))), &[])
            .await;
    let booked = post_booking(
        &server.base,
        &booking_body(
            "hooked",
            &["alice@example.com", "bob@example.com"],
            "Dana",
            None,
        ),
    )
    .await;
    let id = booked["id"].as_str().unwrap();
    let token = booked["cancel_token"].as_str().unwrap();
    cancel(&server.base, id, token).await;
    let calls = receiver.wait_for_successes(2).await;

    assert!(calls.iter().all(|c| c.signature_ok), "{calls:?}");
    let statuses: Vec<u16> = calls.iter().map(|c| c.answered).collect();
    assert_eq!(statuses, [503, 429, 200, 200]);
    let created = &calls[0].id;
    assert!(calls[..3].iter().all(|c| &c.id == created), "{calls:?}");
    assert_ne!(&calls[3].id, created);
    assert!(
        calls[2].at - calls[1].at >= Duration::from_secs(9),
        "{calls:?}"
    );
    assert!(
        calls[..3]
            .iter()
            .all(|c| c.body["type"] == "booking.created")
    );
    assert_eq!(calls[3].body["type"], "booking.cancelled");
    let data = &calls[3].body["data"];
    assert_eq!(data["id"], id);
    assert_eq!(data["start"], booked["start"]);
    assert_eq!(data["end"], booked["end"]);
    assert_eq!(
        data["hosts"],
        json!(["alice@example.com", "bob@example.com"])
    );
    assert_eq!(
        data["attendee"],
        json!({"name": "Dana", "email": "dana@example.org"})
    );
    assert_eq!(data["sequence"], 0);
    assert_eq!(data["status"], "cancelled");
    for call in &calls {
        assert!(!call.body.to_string().contains(token));
    }
    // Each webhook-id is an outbox row of the booking.
    let rows = server_outbox(&server, id).await;
    for call in &calls {
        assert!(
            rows.iter()
                .any(|(row, kind, state)| row == &call.id && kind == "webhook" && state == "done")
        );
    }
}

// ---------------------------------------------------------------------------------------
// kill -9

const BINARY: &str = env!("CARGO_BIN_EXE_freebusy-server");

fn query(db: &Path, sql: &str) -> i64 {
    common::sqlite_number(db, sql)
}

// The real binary, SMTP and webhook receivers down: a booking answers 201 and the
// process is killed with SIGKILL as soon as its first attempts are recorded (so the
// next one need not wait out a dead process's leases). Once both receivers are up on
// the same ports, a new process on the same file delivers both emails and the webhook,
// each exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_and_a_webhook_owed_at_kill_9_are_delivered_once_by_the_next_process() {
    let dir = tempfile::tempdir().unwrap();
    let seed_file = dir.path().join("seed.json");
    std::fs::write(&seed_file, seed(None)).unwrap();
    let db = dir.path().join("db.sqlite3");
    let (smtp_port, hook_port) = (free_port().await, free_port().await);
    let start = || {
        let mut command = common::binary_with_seed(BINARY, &seed_file, &db);
        command
            .args(["--smtp-url", &format!("smtp://127.0.0.1:{smtp_port}")])
            .args(["--mail-from", "bookings@freebusy.test"])
            .args(["--public-url", "http://127.0.0.1:9"])
            .args([
                "--webhook-url",
                &format!("http://127.0.0.1:{hook_port}/hook"),
            ])
            .env("FREEBUSY_WEBHOOK_SECRET", SECRET);
        let mut child = common::Running(command.spawn().unwrap());
        let _ = common::collect_stderr(&mut child.0);
        let base = common::listening_url(&mut child.0).unwrap_or_else(|line| panic!("{line:?}"));
        (child, base)
    };
    let (mut first, base) = start();
    let mut body = booking_body("kill-9", &["alice@example.com"], "Dana", None);
    body["time_zone"] = json!("Europe/Lisbon");
    let booked = post_booking(&base, &body).await;
    let id = booked["id"].as_str().unwrap().to_owned();
    assert_eq!(
        query(&db, "SELECT count(*) FROM outbox WHERE state = 'pending'"),
        3,
        "two emails and a webhook are owed, committed with the booking"
    );
    assert_eq!(
        query(&db, "SELECT count(*) FROM outbox WHERE payload IS NOT NULL"),
        1
    );
    common::kill_9_once_tried(&mut first, &db).await;

    let sink = SmtpSink::start(smtp_port).await;
    let receiver = Receiver::start(hook_port, &[]).await;
    let (_second, _) = start();
    wait_for("every message done", || async {
        query(&db, "SELECT count(*) FROM outbox WHERE state = 'done'") == 3
    })
    .await;
    assert_eq!(
        query(&db, "SELECT count(*) FROM outbox WHERE payload IS NOT NULL"),
        0,
        "a settled message keeps no payload"
    );
    let received = sink.received();
    assert_eq!(received.len(), 2, "each email once");
    to(&received, "dana@example.org");
    to(&received, "alice@example.com");
    let calls = receiver.calls();
    assert_eq!(calls.len(), 1, "the webhook once");
    assert!(calls[0].signature_ok);
    assert_eq!(calls[0].body["data"]["id"], id.as_str());
    if let Some(mail) = read_with_python(&to(&received, "dana@example.org").data, false) {
        assert_eq!(mail["calendar"]["uid"], booking::event_uid(&id));
        assert!(mail["text"].as_str().unwrap().contains("(Europe/Lisbon)"));
    }
}

// Flags that cannot work are refused at start-up, naming what to change.
#[test]
fn smtp_without_a_public_url_or_a_sender_and_a_webhook_without_its_secret_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("never.sqlite3");
    let refused = |args: &[&str]| {
        let output = Command::new(BINARY)
            .args(["--listen", "127.0.0.1:0", "--db"])
            .arg(&db)
            .args(args)
            .env_remove("FREEBUSY_WEBHOOK_SECRET")
            .env_remove("FREEBUSY_WEBHOOK_SECRET_FILE")
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?} started");
        assert!(!db.exists(), "refused before opening the database");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let smtp = [
        "--smtp-url",
        "smtp://127.0.0.1:2525",
        "--mail-from",
        "b@freebusy.test",
    ];
    assert!(refused(&smtp).contains("--public-url"));
    assert!(refused(&["--smtp-url", "smtp://127.0.0.1:2525"]).contains("--mail-from"));
    assert!(
        refused(&["--smtp-url", "smtp://user:pw@127.0.0.1"]).contains("FREEBUSY_SMTP_USERNAME")
    );
    assert!(refused(&["--smtp-url", "imap://127.0.0.1"]).contains("smtp://"));
    let message = refused(&["--webhook-url", "http://127.0.0.1:9/hook"]);
    assert!(message.contains("FREEBUSY_WEBHOOK_SECRET"), "{message}");
    let message = refused(&["--webhook-url", "ftp://127.0.0.1/hook"]);
    assert!(message.contains("http"), "{message}");
}

// ---------------------------------------------------------------------------------------
// The store contract.

async fn two_hosts(db: &TestDb) -> (Store, i64, i64) {
    let store = db.open().await;
    let calendar = |id: &str| CalendarImport {
        id: id.into(),
        name: id.into(),
        events: vec![],
        source: None,
    };
    store
        .import(
            vec![
                AccountImport {
                    email: "ann@example.com".into(),
                    time_zone: Tz::UTC,
                    rules: None,
                    calendars: vec![calendar("cal_ann")],
                },
                AccountImport {
                    email: "bob@example.com".into(),
                    time_zone: chrono_tz::Europe::Berlin,
                    rules: None,
                    calendars: vec![calendar("cal_bob")],
                },
            ],
            Utc::now(),
        )
        .await
        .unwrap();
    let ann = store
        .account_by_email("ann@example.com")
        .await
        .unwrap()
        .unwrap();
    let bob = store
        .account_by_email("bob@example.com")
        .await
        .unwrap()
        .unwrap();
    (store, ann.id, bob.id)
}

async fn book(store: &Store, hosts: Vec<i64>, audience: Audience) -> String {
    let start = Utc::now() + TimeDelta::days(2);
    let new = NewBooking {
        terms: BookingTerms {
            hosts,
            start,
            end: start + TimeDelta::minutes(30),
            booker_name: "Dana".into(),
            booker_email: "Dana@Example.org".into(),
            note: None,
        },
        idempotency_key: None,
        cancel_token_hash: "first-hash".into(),
        audience,
    };
    common::book_in_store(store, new, Utc::now()).await
}

async fn a_booking_writes_its_emails_and_webhooks_in_order_and_a_cancel_reaches_the_same_ones(
    db: TestDb,
) {
    let (store, ann, bob) = two_hosts(&db).await;
    let audience = Audience {
        email: true,
        webhooks: vec!["server".into(), "ann@example.com#crm".into()],
        visitor_zone: Some("Asia/Tokyo".into()),
    };
    let id = book(&store, vec![ann, bob], audience).await;
    let rows = store.outbox_of(&id).await.unwrap();
    let written: Vec<(DeliveryKind, &str, OutboxAction)> = rows
        .iter()
        .map(|m| (m.kind, m.target.as_str(), m.action))
        .collect();
    assert_eq!(
        written,
        [
            (
                DeliveryKind::Email,
                "Dana@Example.org",
                OutboxAction::Created
            ),
            (
                DeliveryKind::Email,
                "ann@example.com",
                OutboxAction::Created
            ),
            (
                DeliveryKind::Email,
                "bob@example.com",
                OutboxAction::Created
            ),
            (DeliveryKind::Webhook, "server", OutboxAction::Created),
            (
                DeliveryKind::Webhook,
                "ann@example.com#crm",
                OutboxAction::Created
            ),
        ]
    );
    let mut ids: Vec<&str> = rows.iter().map(|m| m.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 5);
    let payloads: Vec<Option<&str>> = rows.iter().map(|m| m.payload.as_deref()).collect();
    assert_eq!(
        payloads,
        [
            Some(r#"{"time_zone":"Asia/Tokyo"}"#),
            None,
            None,
            None,
            None
        ],
        "only the visitor's invitation carries their zone"
    );

    store
        .cancel_booking(&id, "first-hash", Utc::now())
        .await
        .unwrap();
    store
        .cancel_booking(&id, "first-hash", Utc::now())
        .await
        .unwrap();
    let rows = store.outbox_of(&id).await.unwrap();
    let cancelled: Vec<(DeliveryKind, &str)> = rows
        .iter()
        .filter(|m| m.action == OutboxAction::Cancelled)
        .map(|m| (m.kind, m.target.as_str()))
        .collect();
    assert_eq!(
        cancelled,
        [
            (DeliveryKind::Email, "Dana@Example.org"),
            (DeliveryKind::Email, "ann@example.com"),
            (DeliveryKind::Email, "bob@example.com"),
            (DeliveryKind::Webhook, "server"),
            (DeliveryKind::Webhook, "ann@example.com#crm"),
        ],
        "once each, even cancelled twice"
    );
    // A cancel is due only after its create: none of them is due while all are pending.
    let due = store
        .due_outbox(Utc::now() + TimeDelta::minutes(1), 100)
        .await
        .unwrap();
    assert!(due.iter().all(|m| m.action == OutboxAction::Created));
    assert_eq!(due.len(), 5);
}

async fn without_an_audience_a_booking_writes_no_email_or_webhook(db: TestDb) {
    let (store, ann, _) = two_hosts(&db).await;
    let id = book(&store, vec![ann], Audience::default()).await;
    store
        .cancel_booking(&id, "first-hash", Utc::now())
        .await
        .unwrap();
    assert_eq!(store.outbox_of(&id).await.unwrap(), Vec::new());
}

async fn a_booking_opens_only_with_one_of_its_tokens_and_names_its_hosts(db: TestDb) {
    let (store, ann, bob) = two_hosts(&db).await;
    let id = book(&store, vec![bob, ann], Audience::default()).await;
    let opened = store.booking_opened_by(&id, "first-hash").await.unwrap();
    assert_eq!(opened.map(|b| b.sequence), Some(0));
    assert_eq!(store.booking_opened_by(&id, "other").await.unwrap(), None);
    assert_eq!(
        store.booking_opened_by("nope", "first-hash").await.unwrap(),
        None
    );
    store.add_cancel_token(&id, "second-hash").await.unwrap();
    assert!(
        store
            .booking_opened_by(&id, "second-hash")
            .await
            .unwrap()
            .is_some()
    );
    let hosts: Vec<(String, Tz)> = store
        .hosts_of(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.email, a.time_zone))
        .collect();
    assert_eq!(
        hosts,
        [
            ("ann@example.com".to_owned(), Tz::UTC),
            ("bob@example.com".to_owned(), chrono_tz::Europe::Berlin),
        ]
    );
    // Cancelled, it still opens (the download answers its CANCEL form).
    store
        .cancel_booking(&id, "second-hash", Utc::now())
        .await
        .unwrap();
    let opened = store
        .booking_opened_by(&id, "first-hash")
        .await
        .unwrap()
        .unwrap();
    assert!(opened.cancelled_at.is_some());
}

// A reschedule through PATCH (the booking moved in one transaction, its SEQUENCE raised,
// one `rescheduled` message per target the creation reached): each person gets an
// updated REQUEST with the same UID, the new SEQUENCE and times (the visitor with fresh
// links), and the host's webhook gets booking.rescheduled, each exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reschedule_sends_updated_requests_and_a_rescheduled_event() {
    let sink = SmtpSink::start(0).await;
    let receiver = Receiver::start(0, &[]).await;
    let secrets = tempfile::tempdir().unwrap();
    let secret_file = secrets.path().join("crm.secret");
    std::fs::write(&secret_file, SECRET).unwrap();
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let server = common::TestServer::start_with_seed(
        &seed(Some((&receiver.url(), &secret_file))),
        &[
            "--smtp-url",
            &smtp,
            "--mail-from",
            "bookings@freebusy.test",
            "--public-url",
            "http://127.0.0.1:9",
        ],
    )
    .await;
    let booked = post_booking(
        &server.base,
        &booking_body("moving", &["alice@example.com"], "Dana", None),
    )
    .await;
    let id = booked["id"].as_str().unwrap();
    sink.wait_for_count(2).await;
    receiver.wait_for_successes(1).await;

    let moved = client()
        .patch(format!("{}/v1/bookings/{id}", server.base))
        .bearer_auth(booked["cancel_token"].as_str().unwrap())
        .json(&json!({"start": common::at("11:00")}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = moved.json().await.unwrap();
    assert_eq!(moved["sequence"], 1);

    let received = sink.wait_for_count(4).await;
    let updates = &received[2..];
    for address in ["dana@example.org", "alice@example.com"] {
        let Some(mail) = read_with_python(&to(updates, address).data, false) else {
            return;
        };
        assert_eq!(mail["calendar_method"], "REQUEST");
        assert_eq!(mail["calendar"]["uid"], booking::event_uid(id));
        assert_eq!(mail["calendar"]["sequence"], 1);
        assert_eq!(mail["calendar"]["dtstart"], utc(&common::at("11:00")));
        assert_eq!(mail["calendar"]["dtend"], utc(&common::at("11:30")));
        assert!(
            mail["subject"]
                .as_str()
                .unwrap()
                .starts_with("Updated invitation: ")
        );
    }
    let visitor = read_with_python(&to(updates, "dana@example.org").data, false).unwrap();
    assert!(
        visitor["text"]
            .as_str()
            .unwrap()
            .contains("Reschedule: http://127.0.0.1:9/bookings/")
    );
    let calls = receiver.wait_for_successes(2).await;
    assert_eq!(calls[1].body["type"], "booking.rescheduled");
    assert_eq!(calls[1].body["data"]["sequence"], 1);
    assert_eq!(calls[1].body["data"]["start"], common::at("11:00").as_str());
    assert!(calls[1].signature_ok);
    assert_ne!(calls[1].id, calls[0].id);

    // Exactly once: two emails and one webhook call per change, all of them settled.
    let rows = server_outbox(&server, id).await;
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert!(rows.iter().all(|(_, _, state)| state == "done"), "{rows:?}");
    assert_eq!(sink.received().len(), 4);
    assert_eq!(receiver.calls().len(), 2);
}
