//! The JSON seed format: accounts, their calendars and events, loaded at start-up.
//!
//! `server/SEED.md` documents the format with a complete example (the tests load that
//! very example). A [`Seed`] is parsed leniently as plain strings and then checked
//! entry by entry by [`Seed::validate`], so that an error can name the offending entry
//! (`accounts[0] "alice@example.com" / calendars[1] "cal_alice_home" / events[2] "evt_3"`)
//! instead of pointing at a line and column.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use freebusy_core::Status;
use freebusy_core::wire::date;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::email;
use crate::outbox::webhook::{HostConfig, SigningKey, Webhook};
use crate::rules;
use crate::sources::SourceSpec;
use crate::sources::spec::one_secret;
use crate::store::model::BOOKINGS_CALENDAR_PREFIX;
use crate::store::{
    AccountImport, CalendarImport, EventImport, EventSpan, ImportReport, Store, StoreError,
};

/// A whole seed file: the accounts to create or update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// The accounts, each with its calendars.
    pub accounts: Vec<SeedAccount>,
}

/// One account of a seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAccount {
    /// The account's address; unique in the seed, ignoring case.
    pub email: String,
    /// The account's IANA time zone (default UTC): where its all-day events and its
    /// sources' floating times are placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The account's rules as a host: the engine's rules document without its
    /// `time_zone` (the account's is the one), every field optional; absent for the
    /// defaults (server/SEED.md, "Rules").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Map<String, Value>>,
    /// The account's calendars.
    #[serde(default)]
    pub calendars: Vec<SeedCalendar>,
    /// The host's own webhooks: each of their bookings' events is POSTed to each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<SeedWebhook>,
}

/// A host's webhook as written in a seed: the URL, and where its signing secret is
/// (`whsec_` then base64, never in the file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedWebhook {
    /// Its name among the host's webhooks (default: its position, `1`, `2`, …); keep it
    /// when the list changes, so calls still owed find their webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An `https://` (or `http://`) URL.
    pub url: String,
    /// The environment variable holding the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
    /// The file holding the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_file: Option<String>,
}

/// One calendar of a seed account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCalendar {
    /// The calendar id: printable ASCII without spaces, unique in the seed.
    pub id: String,
    /// A human name, e.g. "Work".
    pub name: String,
    /// The calendar's events (none for a source calendar).
    #[serde(default)]
    pub events: Vec<SeedEvent>,
    /// Where the calendar's events come from instead: an ICS feed or a CalDAV calendar
    /// (server/SOURCES.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SeedSource>,
}

/// A calendar's remote source as written in a seed (server/SOURCES.md); checked by
/// [`SourceSpec::from_seed`]. Secrets are never in the file: only where to find them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSource {
    /// `ics` or `caldav`.
    pub kind: String,
    /// The feed or CalDAV URL (`https://`, `http://`, `webcal://`, or `file://` for a
    /// feed). For feeds whose address is their secret, use `url_env` or `url_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The environment variable holding the URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_env: Option<String>,
    /// The file holding the URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_file: Option<String>,
    /// CalDAV: discover the calendar with this display name (or last path segment) on
    /// the server `url` names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    /// The user name for HTTP Basic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The environment variable holding the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    /// The file holding the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<String>,
    /// The environment variable holding a bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
    /// The file holding a bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_file: Option<String>,
    /// Seconds between reads (default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<u64>,
    /// Seconds one request may take (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// The largest body read, in bytes (default 10 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
    /// Days before today the horizon starts (default 44).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub past_days: Option<u32>,
    /// Days after today the horizon ends (default 366).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub future_days: Option<u32>,
    /// CalDAV only: write each booking of the calendar's owner into this calendar (and
    /// remove it on cancel), through the outbox. Default false: read only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub write_bookings: bool,
}

/// A seed checked whole: what the store imports, and the sources to sync.
#[derive(Debug, Clone)]
pub struct CheckedSeed {
    /// The accounts, calendars and events to upsert.
    pub accounts: Vec<AccountImport>,
    /// The seed's sources, secrets resolved.
    pub sources: Vec<SourceSpec>,
    /// Each host's webhooks (address, then name and webhook), secrets resolved.
    pub webhooks: Vec<HostConfig>,
}

/// One event of a seed calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedEvent {
    /// The event uid: printable ASCII without spaces, unique in its calendar.
    pub uid: String,
    /// An RFC 3339 time with offset, or an all-day date `YYYY-MM-DD`.
    pub start: String,
    /// Same kind as `start`; exclusive (an all-day event on one day ends the next day).
    pub end: String,
    /// `busy`, `tentative`, `free` or `unknown`.
    pub status: String,
    /// Whether the event is deleted (kept so incremental sync can report it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// Present for events managed through this service: the caller's `event_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// When the event last changed (RFC 3339); defaults to the load time if it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// Why a seed could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The file could not be read.
    #[error("cannot read seed {path}: {source}")]
    Read {
        /// The file named by `--seed`.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The text is not JSON of the seed's shape (serde names the line and column).
    #[error("seed is not valid seed JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// One entry breaks a rule.
    #[error("seed entry {entry}: {problem}")]
    Invalid {
        /// Where, e.g. `accounts[0] "alice@example.com" / calendars[1] "cal_home"`.
        entry: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The store refused the data or failed.
    #[error("seed could not be stored: {0}")]
    Store(#[from] StoreError),
}

impl Seed {
    /// Parses seed JSON; unknown fields are errors, so typos do not vanish silently.
    ///
    /// # Errors
    ///
    /// [`SeedError::Json`] for malformed JSON or a wrong shape.
    pub fn from_json(text: &str) -> Result<Seed, SeedError> {
        Ok(serde_json::from_str(text)?)
    }

    /// Reads and parses a seed file.
    ///
    /// # Errors
    ///
    /// [`SeedError::Read`] if the file cannot be read, else as [`Seed::from_json`].
    pub fn read(path: &Path) -> Result<Seed, SeedError> {
        let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
            path: path.to_owned(),
            source,
        })?;
        Seed::from_json(&text)
    }

    /// Checks every entry and converts the seed into what the store imports.
    ///
    /// # Errors
    ///
    /// [`SeedError::Invalid`] for the first entry that breaks a rule: a malformed email,
    /// an empty or non-ASCII id, a duplicate account, calendar id, event uid or event
    /// id, an unknown status, a start and end of different kinds (a date and a time),
    /// an unparsable time, or an end not after its start.
    pub fn validate(&self) -> Result<Vec<AccountImport>, SeedError> {
        Ok(self.check()?.accounts)
    }

    /// Checks every entry, as [`Seed::validate`], and also each source (resolving its
    /// secrets): the seed and the sources it configures.
    ///
    /// # Errors
    ///
    /// As [`Seed::validate`], and [`SeedError::Invalid`] for an unknown time zone, rules
    /// the engine refuses (naming the field), a
    /// calendar with both events and a source, or a source [`SourceSpec::from_seed`]
    /// refuses.
    pub fn check(&self) -> Result<CheckedSeed, SeedError> {
        let mut emails = HashSet::new();
        let mut calendar_ids = HashSet::new();
        let mut accounts = Vec::with_capacity(self.accounts.len());
        let mut sources = Vec::new();
        let mut webhooks = Vec::new();
        for (a, account) in self.accounts.iter().enumerate() {
            let at = format!("accounts[{a}] {:?}", account.email);
            email::check(&account.email)
                .map_err(|why| invalid(&at, format!("email {:?} {why}", account.email)))?;
            if !emails.insert(account.email.to_ascii_lowercase()) {
                return Err(invalid(&at, "duplicate account email".into()));
            }
            let time_zone = match account.time_zone.as_deref() {
                None => Tz::UTC,
                Some(name) => name.parse::<Tz>().map_err(|_| {
                    invalid(
                        &at,
                        format!("time_zone {name:?} is not a zone of the IANA database"),
                    )
                })?,
            };
            let mut calendars = Vec::with_capacity(account.calendars.len());
            for (c, calendar) in account.calendars.iter().enumerate() {
                let at = format!("{at} / calendars[{c}] {:?}", calendar.id);
                unique_id(
                    &mut calendar_ids,
                    "calendar id",
                    &calendar.id,
                    "in the seed",
                )
                .map_err(|why| invalid(&at, why))?;
                // The server makes these for bookings; a seed taking one could route a
                // host's bookings into another person's calendar.
                if calendar.id.starts_with(BOOKINGS_CALENDAR_PREFIX) {
                    return Err(invalid(
                        &at,
                        format!(
                            "calendar ids starting with {BOOKINGS_CALENDAR_PREFIX} are reserved \
                             for bookings"
                        ),
                    ));
                }
                if calendar.name.trim().is_empty() {
                    return Err(invalid(&at, "calendar name is empty".into()));
                }
                let mut checked = validate_calendar(&at, calendar)?;
                if let Some(source) = &calendar.source {
                    if !calendar.events.is_empty() {
                        return Err(invalid(
                            &at,
                            "a calendar has either events or a source, not both".into(),
                        ));
                    }
                    let spec = SourceSpec::from_seed(&calendar.id, source)
                        .map_err(|why| invalid(&format!("{at} / source"), why))?;
                    checked.source = Some(spec.definition());
                    sources.push(spec);
                }
                calendars.push(checked);
            }
            let rules = account
                .rules
                .as_ref()
                .map(|object| rules::from_seed(object, time_zone))
                .transpose()
                .map_err(|why| invalid(&at, why))?;
            if !account.webhooks.is_empty() {
                webhooks.push((
                    account.email.clone(),
                    check_webhooks(&at, &account.webhooks)?,
                ));
            }
            accounts.push(AccountImport {
                email: account.email.clone(),
                time_zone,
                rules,
                calendars,
            });
        }
        Ok(CheckedSeed {
            accounts,
            sources,
            webhooks,
        })
    }

    /// Validates the seed and upserts it into `store` atomically.
    ///
    /// # Errors
    ///
    /// As [`Seed::validate`], or [`SeedError::Store`]; nothing is written on error.
    pub async fn load_into(
        &self,
        store: &Store,
        now: DateTime<Utc>,
    ) -> Result<ImportReport, SeedError> {
        let accounts = self.validate()?;
        Ok(store.import(accounts, now).await?)
    }

    /// Makes the store what this seed, as the whole config, says: upserts it as
    /// [`Seed::load_into`] does, then stops every source it no longer names. Returns
    /// what the import changed, how many sources stopped, and the sources to sync.
    ///
    /// # Errors
    ///
    /// As [`Seed::check`], or [`SeedError::Store`]; nothing is written on a check error.
    pub async fn apply(
        &self,
        store: &Store,
        now: DateTime<Utc>,
    ) -> Result<(ImportReport, usize, CheckedSeed), SeedError> {
        let mut checked = self.check()?;
        let keep: Vec<String> = checked
            .sources
            .iter()
            .map(|spec| spec.calendar_id.clone())
            .collect();
        let report = store
            .import(std::mem::take(&mut checked.accounts), now)
            .await?;
        let retired = store.retire_sources_except(keep, now).await?;
        Ok((report, retired, checked))
    }
}

/// A host's webhooks, each named (unique among theirs), its URL and secret checked.
fn check_webhooks(at: &str, hooks: &[SeedWebhook]) -> Result<Vec<(String, Webhook)>, SeedError> {
    let mut names = HashSet::new();
    let mut checked = Vec::with_capacity(hooks.len());
    for (w, hook) in hooks.iter().enumerate() {
        let name = hook.name.clone().unwrap_or_else(|| (w + 1).to_string());
        let at = format!("{at} / webhooks[{w}] {name:?}");
        if name.is_empty() || name.contains('#') || name.chars().any(char::is_control) {
            return Err(invalid(
                &at,
                "a webhook name must be non-empty, without '#'".into(),
            ));
        }
        if !names.insert(name.clone()) {
            return Err(invalid(&at, "duplicate webhook name".into()));
        }
        let secret = one_secret("the secret", &None, &hook.secret_env, &hook.secret_file)
            .map_err(|why| invalid(&at, why))?
            .ok_or_else(|| {
                invalid(
                    &at,
                    "needs its secret in `secret_env` or `secret_file`".into(),
                )
            })?;
        let key = SigningKey::parse(secret.expose()).map_err(|why| invalid(&at, why))?;
        let webhook = Webhook::new(&hook.url, key).map_err(|why| invalid(&at, why))?;
        checked.push((name, webhook));
    }
    Ok(checked)
}

fn validate_calendar(at: &str, calendar: &SeedCalendar) -> Result<CalendarImport, SeedError> {
    let mut uids = HashSet::new();
    let mut event_ids = HashSet::new();
    let mut events = Vec::with_capacity(calendar.events.len());
    for (e, event) in calendar.events.iter().enumerate() {
        let at = format!("{at} / events[{e}] {:?}", event.uid);
        unique_id(&mut uids, "event uid", &event.uid, "in this calendar")
            .map_err(|why| invalid(&at, why))?;
        if let Some(event_id) = &event.event_id {
            unique_id(&mut event_ids, "event_id", event_id, "in this calendar")
                .map_err(|why| invalid(&at, why))?;
        }
        let status: Status = event.status.parse().map_err(|_| {
            invalid(
                &at,
                format!(
                    "unknown status {:?} (expected busy, tentative, free or unknown)",
                    event.status
                ),
            )
        })?;
        let span = parse_span(&event.start, &event.end).map_err(|why| invalid(&at, why))?;
        let last_modified = event
            .last_modified
            .as_deref()
            .map(|text| {
                DateTime::parse_from_rfc3339(text)
                    .map(|time| time.with_timezone(&Utc))
                    .map_err(|e| {
                        invalid(
                            &at,
                            format!("last_modified {text:?} is not an RFC 3339 time: {e}"),
                        )
                    })
            })
            .transpose()?;
        events.push(EventImport {
            uid: event.uid.clone(),
            event_id: event.event_id.clone(),
            span,
            status,
            deleted: event.deleted,
            last_modified,
        });
    }
    Ok(CalendarImport {
        id: calendar.id.clone(),
        name: calendar.name.clone(),
        events,
        source: None,
    })
}

/// One end of an event as written in a seed.
enum Moment {
    Date(NaiveDate),
    Time(DateTime<Utc>),
}

fn parse_moment(field: &str, text: &str) -> Result<Moment, String> {
    if let Some(date) = date::parse(text) {
        return Ok(Moment::Date(date));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|time| Moment::Time(time.with_timezone(&Utc)))
        .map_err(|e| {
            format!(
                "{field} {text:?} is neither a date YYYY-MM-DD nor an RFC 3339 time with offset ({e})"
            )
        })
}

fn parse_span(start: &str, end: &str) -> Result<EventSpan, String> {
    let span = match (parse_moment("start", start)?, parse_moment("end", end)?) {
        (Moment::Date(start), Moment::Date(end)) => EventSpan::AllDay { start, end },
        // The store keeps whole seconds; fractions are dropped before the end check.
        (Moment::Time(start), Moment::Time(end)) => EventSpan::Timed {
            start: whole_seconds(start),
            end: whole_seconds(end),
        },
        _ => {
            return Err(format!(
                "start {start:?} and end {end:?} mix a date and a time: an all-day event has \
                 two dates, a timed event two times"
            ));
        }
    };
    let (start_at, end_at) = span.bounds(&Tz::UTC);
    if end_at <= start_at {
        return Err(format!("end {end:?} is not after start {start:?}"));
    }
    Ok(span)
}

fn whole_seconds(time: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(time.timestamp(), 0).unwrap_or(time)
}

/// Checks `id` and that it is not in `seen` yet, then adds it.
///
/// Ids travel in URLs and query strings, and Cronofy documents them as ASCII-only.
fn unique_id<'a>(
    seen: &mut HashSet<&'a str>,
    what: &str,
    id: &'a str,
    scope: &str,
) -> Result<(), String> {
    if id.is_empty() || id.len() > 255 || !id.chars().all(|c| c.is_ascii_graphic()) {
        return Err(format!(
            "{what} {id:?} must be 1 to 255 printable ASCII characters without spaces"
        ));
    }
    if !seen.insert(id) {
        return Err(format!("duplicate {what} {id:?} {scope}"));
    }
    Ok(())
}

fn invalid(entry: &str, problem: String) -> SeedError {
    SeedError::Invalid {
        entry: entry.to_owned(),
        problem,
    }
}
