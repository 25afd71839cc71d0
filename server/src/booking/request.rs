//! A booking request, read from its JSON body field by field into a checked type.
//!
//! Every problem answers 422 in the `{"errors": {field: [{key, description}]}}` shape,
//! next to the field it is about (the widget shows them by its form fields), all at once.

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use freebusy_core::wire::rfc3339;
use serde_json::{Map, Value};

use crate::email;
use crate::error::{ApiError, ParamCheck, ParamError};
use crate::state::BookingPolicy;

pub use freebusy_core::wire::booking::{
    MAX_EMAIL_CHARS, MAX_HOSTS, MAX_IDEMPOTENCY_KEY_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS,
};

/// A booking request whose every field passed its checks; only
/// [`BookingRequest::read`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRequest {
    hosts: Vec<String>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    name: String,
    email: String,
    note: Option<String>,
    idempotency_key: String,
    time_zone: Option<chrono_tz::Tz>,
}

impl BookingRequest {
    /// Checks every field of a request body, collecting all problems into one 422.
    ///
    /// `hosts`: 1 to [`MAX_HOSTS`] addresses, trimmed, repeats (ignoring case) dropped.
    /// `start`, `end`: RFC 3339 whole seconds, `start` not before `now`, `end` after it
    /// and at most `policy.max_minutes` later. `name` (trimmed, not blank), `email`,
    /// `idempotency_key`: required strings without control characters. `note`:
    /// optional, line breaks allowed; a blank note is no note. `time_zone`: optional,
    /// an IANA zone (the visitor's, for their invitation).
    ///
    /// # Errors
    ///
    /// [`ApiError::Unprocessable`] naming every field that failed.
    pub fn read(
        fields: &Map<String, Value>,
        policy: BookingPolicy,
        now: DateTime<Utc>,
    ) -> Result<BookingRequest, ApiError> {
        let mut check = ParamCheck::new();
        let hosts = read_hosts(fields.get("hosts"), &mut check);
        let start = check.take("start", instant(fields.get("start")));
        let end = check.take("end", instant(fields.get("end")));
        if let (Some(start), Some(end)) = (start, end) {
            check_times(start, end, policy, now, &mut check);
        }
        let name = check.take("name", name(fields.get("name")));
        let email = check.take("email", booker_email(fields.get("email")));
        let note = check.take("note", note(fields.get("note")));
        let key = check.take(
            "idempotency_key",
            text(
                fields.get("idempotency_key"),
                MAX_IDEMPOTENCY_KEY_CHARS,
                false,
            ),
        );
        let time_zone = check.take("time_zone", zone(fields.get("time_zone")));
        let request = match (hosts, start, end, name, email, note, key, time_zone) {
            (
                Some(hosts),
                Some(start),
                Some(end),
                Some(name),
                Some(email),
                Some(note),
                Some(idempotency_key),
                Some(time_zone),
            ) => Some(BookingRequest {
                hosts,
                start,
                end,
                name,
                email,
                note,
                idempotency_key,
                time_zone,
            }),
            _ => None,
        };
        check.finish(request)
    }

    /// The hosts' addresses as given (trimmed), in the request's order, without repeats.
    pub fn hosts(&self) -> &[String] {
        &self.hosts
    }

    /// The first instant of the booking.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The first instant after it.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// The booker's name, trimmed.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The booker's address.
    pub fn email(&self) -> &str {
        &self.email
    }

    /// The note, or `None` when absent or blank.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// The client's idempotency key.
    pub fn idempotency_key(&self) -> &str {
        &self.idempotency_key
    }

    /// The visitor's time zone, if the request named one (their invitation's times are
    /// written in it; otherwise UTC).
    pub fn time_zone(&self) -> Option<chrono_tz::Tz> {
        self.time_zone
    }
}

/// `time_zone`: absent, `null`, or an IANA zone name.
fn zone(value: Option<&Value>) -> Result<Option<chrono_tz::Tz>, ParamError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(name)) => name
            .parse::<chrono_tz::Tz>()
            .map(Some)
            .map_err(|_| ParamError::new("errors.unknown_tzid", "not a zone of the IANA database")),
        Some(_) => Err(ParamError::new("errors.invalid", "must be a string")),
    }
}

/// `hosts`: records one problem per bad entry, so it takes the check itself.
fn read_hosts(value: Option<&Value>, check: &mut ParamCheck) -> Option<Vec<String>> {
    let items = match value {
        None | Some(Value::Null) => {
            check.fail("hosts", "errors.required", "required");
            return None;
        }
        Some(Value::Array(items)) if items.is_empty() => {
            check.fail("hosts", "errors.required", "at least one host is required");
            return None;
        }
        Some(Value::Array(items)) if items.len() > MAX_HOSTS => {
            check.fail(
                "hosts",
                "errors.too_many",
                &format!("at most {MAX_HOSTS} hosts"),
            );
            return None;
        }
        Some(Value::Array(items)) => items,
        Some(_) => {
            check.fail(
                "hosts",
                "errors.invalid",
                "must be a list of email addresses",
            );
            return None;
        }
    };
    let mut hosts: Vec<String> = Vec::new();
    let mut all_valid = true;
    for item in items {
        match item.as_str().map(str::trim) {
            Some(address) if email::check(address).is_ok() => {
                if !hosts.iter().any(|h| h.eq_ignore_ascii_case(address)) {
                    hosts.push(address.to_owned());
                }
            }
            _ => {
                all_valid = false;
                check.fail(
                    "hosts",
                    "errors.invalid_email",
                    "each host must be an email address",
                );
            }
        }
    }
    all_valid.then_some(hosts)
}

/// `start` or `end`: a whole-second RFC 3339 time.
pub(crate) fn instant(value: Option<&Value>) -> Result<DateTime<Utc>, ParamError> {
    let text = match value {
        None | Some(Value::Null) => return Err(ParamError::new("errors.required", "required")),
        Some(Value::String(text)) => text,
        Some(_) => {
            return Err(ParamError::new(
                "errors.invalid",
                "must be an RFC 3339 time",
            ));
        }
    };
    match rfc3339::parse(text) {
        Some(time) if time.nanosecond() == 0 => Ok(time),
        Some(_) => Err(ParamError::new("errors.invalid", "must be a whole second")),
        None => Err(ParamError::new(
            "errors.invalid",
            "must be an RFC 3339 time, e.g. 2026-04-20T09:00:00Z",
        )),
    }
}

/// The rules between `start`, `end` and the clock.
fn check_times(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    policy: BookingPolicy,
    now: DateTime<Utc>,
    check: &mut ParamCheck,
) {
    if end <= start {
        check.fail("end", "errors.before_start", "must be after start");
    } else if end - start > TimeDelta::minutes(i64::from(policy.max_minutes)) {
        check.fail(
            "end",
            "errors.too_long",
            &format!("a booking may last at most {} minutes", policy.max_minutes),
        );
    }
    if start < now {
        check.fail("start", "errors.in_the_past", "must not be in the past");
    }
}

/// `name`: required, trimmed, not blank.
fn name(value: Option<&Value>) -> Result<String, ParamError> {
    let name = text(value, MAX_NAME_CHARS, false)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(ParamError::new("errors.required", "required"));
    }
    Ok(name.to_owned())
}

/// `email`: the booker's address.
fn booker_email(value: Option<&Value>) -> Result<String, ParamError> {
    let address = text(value, MAX_EMAIL_CHARS, false)?;
    email::check(&address).map_err(|why| {
        ParamError::new(
            "errors.invalid_email",
            &format!("not an email address: {why}"),
        )
    })?;
    Ok(address)
}

/// `note`: optional; absent, `null` or blank (`""` as much as `"   "`) is no note.
fn note(value: Option<&Value>) -> Result<Option<String>, ParamError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(_) => text(value, MAX_NOTE_CHARS, true).map(Some),
    }
}

/// A required string field: present, a string, not empty, at most `max_chars`
/// characters, no control characters (line breaks and tabs only where `multiline`).
fn text(value: Option<&Value>, max_chars: usize, multiline: bool) -> Result<String, ParamError> {
    let text = match value {
        None | Some(Value::Null) => return Err(ParamError::new("errors.required", "required")),
        Some(Value::String(text)) => text,
        Some(_) => return Err(ParamError::new("errors.invalid", "must be a string")),
    };
    if text.is_empty() {
        return Err(ParamError::new("errors.required", "required"));
    }
    if text.chars().count() > max_chars {
        return Err(ParamError::new(
            "errors.too_long",
            &format!("at most {max_chars} characters"),
        ));
    }
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(ParamError::new(
            "errors.invalid",
            "must not contain control characters",
        ));
    }
    Ok(text.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const POLICY: BookingPolicy = BookingPolicy {
        max_minutes: 240,
        allow_over_tentative: false,
    };

    fn now() -> DateTime<Utc> {
        "2026-04-19T12:00:00Z".parse().unwrap()
    }

    fn read(body: Value) -> Result<BookingRequest, ApiError> {
        let Value::Object(fields) = body else {
            panic!("not an object")
        };
        BookingRequest::read(&fields, POLICY, now())
    }

    // Pins that an empty note is no note, exactly like a blank one.
    #[test]
    fn an_empty_note_is_no_note() {
        for note in [json!(""), json!("  \n "), json!(null)] {
            let request = read(json!({
                "hosts": ["alice@example.com"], "start": "2026-04-20T10:00:00Z",
                "end": "2026-04-20T10:30:00Z", "name": "Dana", "email": "dana@example.org",
                "note": note, "idempotency_key": "k1"
            }))
            .unwrap();
            assert_eq!(request.note(), None);
        }
    }

    // Pins what a valid request becomes: trimmed, repeats dropped, a blank note gone.
    #[test]
    fn a_valid_body_becomes_a_checked_request() {
        let request = read(json!({
            "hosts": [" alice@example.com", "ALICE@example.com", "bob@example.com"],
            "start": "2026-04-20T10:00:00+02:00", "end": "2026-04-20T08:30:00Z",
            "name": "  Dana ", "email": "dana@example.org", "note": "  ",
            "idempotency_key": "k1"
        }))
        .unwrap();
        assert_eq!(request.hosts(), ["alice@example.com", "bob@example.com"]);
        assert_eq!(
            request.start(),
            "2026-04-20T08:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(request.name(), "Dana");
        assert_eq!(request.note(), None);
        assert_eq!(request.idempotency_key(), "k1");
    }

    // Pins that every bad field is named at once, each with its own key.
    #[test]
    fn every_problem_is_reported_at_once() {
        let Err(ApiError::Unprocessable(errors)) = read(json!({
            "hosts": ["nope", 3], "start": "2026-04-18T10:00:00Z",
            "end": "2026-04-18T09:00:00Z", "name": " ", "email": "x",
            "note": "a\u{7}b"
        })) else {
            panic!("accepted")
        };
        let keys =
            |field: &str| -> Vec<&str> { errors[field].iter().map(|e| e.key.as_str()).collect() };
        assert_eq!(
            keys("hosts"),
            ["errors.invalid_email", "errors.invalid_email"]
        );
        assert_eq!(keys("start"), ["errors.in_the_past"]);
        assert_eq!(keys("end"), ["errors.before_start"]);
        assert_eq!(keys("name"), ["errors.required"]);
        assert_eq!(keys("email"), ["errors.invalid_email"]);
        assert_eq!(keys("note"), ["errors.invalid"]);
        assert_eq!(keys("idempotency_key"), ["errors.required"]);
    }
}
