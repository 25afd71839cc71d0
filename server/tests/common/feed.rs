//! An ICS feed server on a loopback port, inside the test: each feed path answers as
//! the test says (a body with an ETag, 304 to a matching `If-None-Match`, an error with
//! `Retry-After`, slowly, never, gzip, a redirect, garbage), and every request it got is
//! kept for the test to look at.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// How one feed path answers.
#[derive(Debug, Clone)]
pub enum Answer {
    /// 200 with this body and an ETag of its digest; 304 when the request's
    /// `If-None-Match` is that ETag.
    Ics(String),
    /// 200 with this body, no ETag, whatever the request says (as Radicale does).
    Always(String),
    /// 200 with these bytes (which need not be UTF-8).
    Bytes(Vec<u8>),
    /// This status, with `Retry-After` if given.
    Status(u16, Option<&'static str>),
    /// The answer after this long.
    Slow(Duration, Box<Answer>),
    /// Never an answer (the connection stays open).
    Never,
    /// 200 with a gzip body (`Content-Encoding: gzip`) that inflates to this.
    Gzip(String),
    /// 302 to this path of the same server.
    Redirect(String),
    /// 200 with this many bytes of calendar-looking filler.
    Oversized(usize),
}

/// One request the server got.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The feed's name (its path).
    pub name: String,
    /// Its headers.
    pub headers: HeaderMap,
}

#[derive(Default)]
struct Feeds {
    answers: HashMap<String, Answer>,
    seen: Vec<Seen>,
}

/// A running feed server; it stops when dropped.
pub struct FeedServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    feeds: Arc<Mutex<Feeds>>,
    stop: Option<oneshot::Sender<()>>,
}

impl FeedServer {
    /// Starts a feed server with no feeds (every path is 404 until set).
    pub async fn start() -> FeedServer {
        let feeds = Arc::new(Mutex::new(Feeds::default()));
        let app = Router::new()
            .route("/{name}", axum::routing::get(serve))
            .with_state(Arc::clone(&feeds));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        FeedServer {
            base,
            feeds,
            stop: Some(stop),
        }
    }

    /// Makes `name` answer `answer` from now on.
    pub fn set(&self, name: &str, answer: Answer) {
        self.feeds
            .lock()
            .unwrap()
            .answers
            .insert(name.to_owned(), answer);
    }

    /// The URL of feed `name`.
    pub fn url(&self, name: &str) -> String {
        format!("{}/{name}", self.base)
    }

    /// The requests feed `name` got, in order.
    pub fn seen(&self, name: &str) -> Vec<Seen> {
        self.feeds
            .lock()
            .unwrap()
            .seen
            .iter()
            .filter(|seen| seen.name == name)
            .cloned()
            .collect()
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve(
    State(feeds): State<Arc<Mutex<Feeds>>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let answer = {
        let mut feeds = feeds.lock().unwrap();
        feeds.seen.push(Seen {
            name: name.clone(),
            headers: headers.clone(),
        });
        feeds.answers.get(&name).cloned()
    };
    match answer {
        None => StatusCode::NOT_FOUND.into_response(),
        Some(answer) => Box::pin(respond(answer, headers)).await,
    }
}

async fn respond(answer: Answer, headers: HeaderMap) -> Response {
    match answer {
        Answer::Ics(body) => {
            let etag = format!(
                "\"{:x}\"",
                body.len() * 31 + body.bytes().map(usize::from).sum::<usize>()
            );
            if headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                == Some(&etag)
            {
                return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
            }
            (
                [
                    (header::CONTENT_TYPE, "text/calendar".to_owned()),
                    (header::ETAG, etag),
                ],
                body,
            )
                .into_response()
        }
        Answer::Always(body) => ([(header::CONTENT_TYPE, "text/calendar")], body).into_response(),
        Answer::Bytes(body) => ([(header::CONTENT_TYPE, "text/calendar")], body).into_response(),
        Answer::Status(code, retry_after) => {
            let mut response =
                (StatusCode::from_u16(code).unwrap(), "upstream says no").into_response();
            if let Some(wait) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static(wait));
            }
            response
        }
        Answer::Slow(wait, answer) => {
            tokio::time::sleep(wait).await;
            Box::pin(respond(*answer, headers)).await
        }
        Answer::Never => std::future::pending().await,
        Answer::Gzip(body) => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(body.as_bytes()).unwrap();
            let bytes = encoder.finish().unwrap();
            (
                [
                    (header::CONTENT_TYPE, "text/calendar"),
                    (header::CONTENT_ENCODING, "gzip"),
                ],
                Body::from(bytes),
            )
                .into_response()
        }
        Answer::Redirect(to) => {
            (StatusCode::FOUND, [(header::LOCATION, format!("/{to}"))]).into_response()
        }
        Answer::Oversized(bytes) => {
            let mut body = String::from("BEGIN:VCALENDAR\r\n");
            while body.len() < bytes {
                body.push_str("X-FILLER:0123456789012345678901234567890123456789\r\n");
            }
            ([(header::CONTENT_TYPE, "text/calendar")], body).into_response()
        }
    }
}

/// `GET /v1/sources` of `server`, with a token granting `read_sources`.
pub async fn sources_report(server: &super::TestServer, token: &str) -> serde_json::Value {
    super::client()
        .get(server.url("/v1/sources"))
        .bearer_auth(token)
        .send()
        .await
        .expect("the status answers")
        .json()
        .await
        .expect("the status is JSON")
}

/// A feed with one weekly busy meeting (Mondays 09:00-10:00 UTC since 2026-01-05) and a
/// tentative one-off at `tentative_day` 14:00-15:00 UTC, with its summary.
pub fn weekly_feed(tentative_day: chrono::NaiveDate, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//freebusy tests//EN\r\n\
         BEGIN:VEVENT\r\nUID:weekly@test\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\nRRULE:FREQ=WEEKLY\r\n\
         SUMMARY:Weekly\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:once@test\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART:{day}T140000Z\r\nDTEND:{day}T150000Z\r\nSTATUS:TENTATIVE\r\n\
         SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        day = tentative_day.format("%Y%m%d"),
    )
}
