//! A source as the config file describes it, checked, with its secrets resolved.
//!
//! The file's shape is [`crate::seed::SeedSource`]; [`SourceSpec::from_seed`] checks it
//! and reads the secrets it points at (environment variables, files), so that a missing
//! secret is a mistake of the config, refused at load with the entry's name, and not a
//! failure at the first sync.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;
use sha2::{Digest, Sha256};

use super::{Credentials, Secret};
use crate::seed::SeedSource;
use crate::store::{SourceDefinition, SourceKind};

/// How often a source is read unless it says otherwise.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(300);
/// How long one request to an upstream may take, all of its body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// The largest body read from an upstream (after gzip): 10 MiB, a few years of a busy
/// calendar; larger answers fail as too large rather than fill the memory.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Days before today the horizon starts: 44, the Cronofy-style route's default `from`
/// (42 days back) and two days more, so that its default query starts inside the
/// horizon in every time zone.
pub const DEFAULT_PAST_DAYS: u32 = 44;
/// Days after today the horizon ends: 366, beyond the Cronofy-style default `to` (201).
pub const DEFAULT_FUTURE_DAYS: u32 = 366;

/// Where a source reads from.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// An `http://` or `https://` URL (`webcal://` becomes `https://`). A secret: feed
    /// addresses of Google, Outlook and iCloud are the only key to the calendar.
    Http(SecretUrl),
    /// A local file (`file:///path`).
    File(PathBuf),
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Location {
    /// The redacted form: scheme and host only, or the file's name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Http(url) => write!(f, "{url}"),
            Location::File(path) => write!(
                f,
                "file://…/{}",
                path.file_name()
                    .map(|name| name.to_string_lossy())
                    .unwrap_or_default()
            ),
        }
    }
}

/// A URL that may carry a secret in its path or query: shown as `https://host/…`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(Url);

impl SecretUrl {
    /// The whole URL, for the request.
    pub fn expose(&self) -> &Url {
        &self.0
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = &self.0;
        write!(f, "{}://{}", url.scheme(), url.host_str().unwrap_or(""))?;
        if let Some(port) = url.port() {
            write!(f, ":{port}")?;
        }
        f.write_str("/…")
    }
}

/// One source, checked: what the sync needs to read it. `{:?}` shows no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// The calendar it fills.
    pub calendar_id: String,
    /// An ICS feed or a CalDAV calendar.
    pub kind: SourceKind,
    /// Where to read: the feed, or the CalDAV collection (or, with `calendar`, the
    /// server to discover it on).
    pub location: Location,
    /// CalDAV only: the calendar to discover, by display name or last path segment.
    pub calendar: Option<String>,
    /// How to sign in, if at all.
    pub credentials: Option<Credentials>,
    /// How often to read it.
    pub interval: Duration,
    /// How long one request may take.
    pub timeout: Duration,
    /// The largest body accepted.
    pub max_bytes: u64,
    /// Days before today the horizon starts.
    pub past_days: u32,
    /// Days after today the horizon ends.
    pub future_days: u32,
    /// CalDAV only: bookings of the calendar's owner are written into it (the outbox).
    pub write_bookings: bool,
}

impl SourceSpec {
    /// Checks one calendar's `source` entry and resolves its secrets.
    ///
    /// # Errors
    ///
    /// A message for the entry (the caller names it): an unknown kind, no URL or more
    /// than one way of giving it, a URL with a password in it or of another scheme, an
    /// environment variable that is not set or a file that cannot be read, a password
    /// without a user name, numbers out of range.
    pub fn from_seed(calendar_id: &str, seed: &SeedSource) -> Result<SourceSpec, String> {
        let kind = SourceKind::from_name(&seed.kind).ok_or_else(|| {
            format!(
                "source kind {:?} is not one of \"ics\" or \"caldav\"",
                seed.kind
            )
        })?;
        let address = one_secret("the source's URL", &seed.url, &seed.url_env, &seed.url_file)?
            .ok_or_else(|| "the source needs one of url, url_env or url_file".to_owned())?;
        let location = location(kind, address.expose())?;
        if kind == SourceKind::Caldav && matches!(location, Location::File(_)) {
            return Err("a CalDAV source needs an http:// or https:// URL".into());
        }
        if kind == SourceKind::Ics && seed.calendar.is_some() {
            return Err("`calendar` is for CalDAV sources (an ICS feed is one calendar)".into());
        }
        if seed
            .calendar
            .as_deref()
            .is_some_and(|name| name.trim().is_empty())
        {
            return Err("`calendar` is empty".into());
        }
        if kind == SourceKind::Ics && seed.write_bookings {
            return Err("`write_bookings` is for CalDAV sources: an ICS feed is read-only".into());
        }
        let credentials = credentials(seed)?;
        if credentials.is_some() && matches!(location, Location::File(_)) {
            return Err("a file:// source takes no credentials".into());
        }
        Ok(SourceSpec {
            calendar_id: calendar_id.to_owned(),
            kind,
            location,
            calendar: seed.calendar.clone(),
            credentials,
            interval: seconds("interval_seconds", seed.interval_seconds, 1, 86_400)?
                .unwrap_or(DEFAULT_INTERVAL),
            timeout: seconds("timeout_seconds", seed.timeout_seconds, 1, 300)?
                .unwrap_or(DEFAULT_TIMEOUT),
            max_bytes: ranged("max_bytes", seed.max_bytes, 1024, 1 << 30)?
                .unwrap_or(DEFAULT_MAX_BYTES),
            past_days: ranged("past_days", seed.past_days.map(u64::from), 0, 10_000)?
                .map_or(DEFAULT_PAST_DAYS, |days| days as u32),
            future_days: ranged("future_days", seed.future_days.map(u64::from), 1, 10_000)?
                .map_or(DEFAULT_FUTURE_DAYS, |days| days as u32),
            write_bookings: seed.write_bookings,
        })
    }

    /// What the store keeps of it: its kind, a digest of what identifies the upstream
    /// (address, calendar, user name; not the password, so rotating it keeps the
    /// snapshot), and whether bookings are written into it (`write_bookings`).
    pub fn definition(&self) -> SourceDefinition {
        let mut digest = Sha256::new();
        let location = match &self.location {
            Location::Http(url) => url.expose().as_str().to_owned(),
            Location::File(path) => path.display().to_string(),
        };
        let username = match &self.credentials {
            Some(Credentials::Basic { username, .. }) => username.as_str(),
            _ => "",
        };
        for part in [
            self.kind.as_str(),
            &location,
            self.calendar.as_deref().unwrap_or(""),
            username,
        ] {
            digest.update(part.as_bytes());
            digest.update([0]);
        }
        let fingerprint: String = digest
            .finalize()
            .iter()
            .take(16)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        SourceDefinition {
            kind: self.kind,
            fingerprint,
            writable: self.kind == SourceKind::Caldav && self.write_bookings,
        }
    }
}

/// The location `address` names, for a source of `kind`.
fn location(kind: SourceKind, address: &str) -> Result<Location, String> {
    let mut url =
        Url::parse(address.trim()).map_err(|e| format!("the source's URL is not a URL ({e})"))?;
    match url.scheme() {
        "webcal" | "webcals" => {
            // Calendar apps' name for a feed over HTTPS; never downgraded to HTTP.
            let https = format!("https{}", &url.as_str()[url.scheme().len()..]);
            url =
                Url::parse(&https).map_err(|e| format!("the webcal:// URL is not valid ({e})"))?;
        }
        "http" | "https" => {}
        "file" if kind == SourceKind::Ics => {
            let path = url
                .to_file_path()
                .map_err(|()| "a file:// URL needs an absolute local path".to_owned())?;
            return Ok(Location::File(path));
        }
        other => {
            return Err(format!(
                "the source's URL has scheme {other:?}; use https://, http://, webcal:// or \
                 (for a feed) file://"
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "the source's URL holds a user name or password: put the user name in `username` \
             and the password in `password_env` or `password_file`"
                .into(),
        );
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the source's URL has no host".into());
    }
    Ok(Location::Http(SecretUrl(url)))
}

fn credentials(seed: &SeedSource) -> Result<Option<Credentials>, String> {
    let password = one_secret(
        "the password",
        &None,
        &seed.password_env,
        &seed.password_file,
    )?;
    let token = one_secret("the token", &None, &seed.token_env, &seed.token_file)?;
    match (&seed.username, password, token) {
        (_, Some(_), Some(_)) => Err("give a password or a token, not both".into()),
        (Some(_), None, Some(_)) => Err("a token takes no user name".into()),
        (None, Some(_), None) => Err("a password needs a `username`".into()),
        (Some(_), None, None) => {
            Err("a `username` needs its password in `password_env` or `password_file`".into())
        }
        (Some(username), Some(password), None) => {
            if username.is_empty() || username.contains(':') {
                return Err("`username` must be non-empty and without ':'".into());
            }
            Ok(Some(Credentials::Basic {
                username: username.clone(),
                password,
            }))
        }
        (None, None, Some(token)) => Ok(Some(Credentials::Bearer(token))),
        (None, None, None) => Ok(None),
    }
}

/// The secret given in clear (only for URLs), in an environment variable, or in a file;
/// at most one of the three.
pub(crate) fn one_secret(
    what: &str,
    clear: &Option<String>,
    env: &Option<String>,
    file: &Option<String>,
) -> Result<Option<Secret>, String> {
    let given = [clear.is_some(), env.is_some(), file.is_some()];
    if given.iter().filter(|&&given| given).count() > 1 {
        return Err(format!(
            "{what} is given more than one way: use one of the fields"
        ));
    }
    if let Some(text) = clear {
        return Ok(Some(Secret::new(text.as_str())));
    }
    if let Some(name) = env {
        let value = std::env::var(name)
            .map_err(|_| format!("{what}: environment variable {name:?} is not set"))?;
        if value.trim().is_empty() {
            return Err(format!("{what}: environment variable {name:?} is empty"));
        }
        return Ok(Some(Secret::new(value.trim())));
    }
    if let Some(path) = file {
        let value = std::fs::read_to_string(path)
            .map_err(|e| format!("{what}: cannot read file {path:?} ({})", e.kind()))?;
        // A trailing newline is how editors and `echo` end a file, not part of it.
        let value = value.trim_end_matches(['\r', '\n']);
        if value.is_empty() {
            return Err(format!("{what}: file {path:?} is empty"));
        }
        return Ok(Some(Secret::new(value)));
    }
    Ok(None)
}

fn ranged(field: &str, value: Option<u64>, min: u64, max: u64) -> Result<Option<u64>, String> {
    match value {
        Some(value) if !(min..=max).contains(&value) => Err(format!(
            "{field} is {value}; it must be from {min} to {max}"
        )),
        other => Ok(other),
    }
}

fn seconds(
    field: &str,
    value: Option<u64>,
    min: u64,
    max: u64,
) -> Result<Option<Duration>, String> {
    Ok(ranged(field, value, min, max)?.map(Duration::from_secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(url: &str) -> SeedSource {
        SeedSource {
            kind: "ics".into(),
            url: Some(url.into()),
            ..SeedSource::default()
        }
    }

    // webcal:// is HTTPS, and the URL never shows more than its host.
    #[test]
    fn webcal_becomes_https_and_shows_only_its_host() {
        let spec = SourceSpec::from_seed(
            "cal",
            &feed("webcal://p01-caldav.icloud.com/published/2/SECRETSECRET"),
        )
        .unwrap();
        let Location::Http(url) = &spec.location else {
            panic!("an http location")
        };
        assert_eq!(url.expose().scheme(), "https");
        assert_eq!(spec.location.to_string(), "https://p01-caldav.icloud.com/…");
        assert!(!format!("{spec:?}").contains("SECRET"));
    }

    // Credentials in clear are refused, and every secret stays out of Debug.
    #[test]
    fn passwords_in_urls_are_refused_and_secrets_never_print() {
        let error = SourceSpec::from_seed("cal", &feed("https://ann:hunter2@dav.example.com/"))
            .unwrap_err();
        assert!(error.contains("password_env"), "{error}");
        assert!(!error.contains("hunter2"));

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("password");
        std::fs::write(&file, "s3cret-from-file\n").unwrap();
        let seed = SeedSource {
            kind: "caldav".into(),
            url: Some("https://dav.example.com/cal/".into()),
            username: Some("ann".into()),
            password_file: Some(file.display().to_string()),
            ..SeedSource::default()
        };
        let spec = SourceSpec::from_seed("cal", &seed).unwrap();
        let Some(Credentials::Basic { password, .. }) = &spec.credentials else {
            panic!("basic credentials")
        };
        assert_eq!(password.expose(), "s3cret-from-file");
        assert!(!format!("{spec:?}").contains("s3cret"));
    }

    // A password is given one way; a missing variable is named, not guessed.
    #[test]
    fn secrets_are_given_exactly_one_way() {
        let seed = SeedSource {
            kind: "ics".into(),
            url: Some("https://x.example/feed.ics".into()),
            url_env: Some("FREEBUSY_TEST_NEVER_SET".into()),
            ..SeedSource::default()
        };
        assert!(SourceSpec::from_seed("cal", &seed).is_err());
        let seed = SeedSource {
            kind: "ics".into(),
            url_env: Some("FREEBUSY_TEST_NEVER_SET".into()),
            ..SeedSource::default()
        };
        let error = SourceSpec::from_seed("cal", &seed).unwrap_err();
        assert!(error.contains("FREEBUSY_TEST_NEVER_SET"), "{error}");
    }

    // The fingerprint follows the upstream's identity, not its password.
    #[test]
    fn the_fingerprint_changes_with_the_url_only() {
        let a = SourceSpec::from_seed("cal", &feed("https://x.example/a.ics")).unwrap();
        let b = SourceSpec::from_seed("cal", &feed("https://x.example/b.ics")).unwrap();
        assert_ne!(a.definition().fingerprint, b.definition().fingerprint);
        assert_eq!(
            a.definition(),
            SourceSpec::from_seed("cal", &feed("https://x.example/a.ics"))
                .unwrap()
                .definition()
        );
    }
}
