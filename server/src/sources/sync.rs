//! Keeping sources in sync: a background loop that reads each source when it is due,
//! and an immediate read for a request that finds a source never read.
//!
//! When a source is due is the store's fact (`next_attempt_at`), so a restart keeps the
//! schedule and backoff. After a read: the source's interval, with ±10 % jitter so
//! sources configured together do not fetch together. After a failure: exponential
//! backoff from `min(interval, 60 s)`, doubling per failure up to `max(interval, 1 h)`,
//! and never sooner than the upstream's `Retry-After` (capped at a day). At most
//! [`CONCURRENT_READS`] reads run at once. A failure keeps the last snapshot.
//!
//! Several server processes (replicas on one PostgreSQL, or processes sharing one SQLite
//! file) read each source once: an attempt first takes the source's lease
//! ([`SYNC_LEASE`], `Store::acquire_lease`), renews it just before recording, and
//! records nothing if it was lost meanwhile. A process that dies mid-read stops
//! renewing; once its lease lapses, another one takes the source over.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinHandle;

use super::snapshot::{self, Parsed};
use super::spec::SourceSpec;
use super::{Cursor, FetchError, Fetched, Resource, caldav, caldav_calendar, http, ics_feed};
use crate::store::{
    Lease, ObjectChange, Snapshot, SourceKind, SourceObject, SourceRecord, Store, SyncOutcome,
    SyncRecord,
};

/// Reads running at once, across all sources.
pub const CONCURRENT_READS: usize = 4;
/// The first retry after a failure waits at most this long.
pub const FIRST_RETRY: Duration = Duration::from_secs(60);
/// Backoff grows to at most this (or the interval, if longer).
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// A request that finds a source never read starts a read at once, unless one was
/// attempted within this long (or the source's interval, if shorter): a failing
/// upstream is not hammered by every request.
pub const IMMEDIATE_READ_GAP: Duration = Duration::from_secs(30);
/// How long the loop sleeps at most between looks at the schedule (a reload or a
/// finished read wakes it sooner).
const LOOK_AGAIN: Duration = Duration::from_secs(30);
/// The lease name of a source's read; the item is the source's calendar id.
pub const SYNC_LEASE: &str = "source_sync";
/// A read's lease outlasts its longest fetch by this much (parsing, expanding,
/// recording). A read that overruns it is still recorded unless another process took
/// the source over meanwhile (then only work is lost, never a snapshot mixed up).
const LEASE_MARGIN: Duration = Duration::from_secs(10);

/// The sync of every configured source: a cheap handle, shared by the server's state.
#[derive(Clone)]
pub struct Sources {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sources")
            .field("configured", &self.specs().len())
            .finish_non_exhaustive()
    }
}

struct Inner {
    store: Store,
    /// This process's name on the sources' leases.
    holder: String,
    http: Result<reqwest::Client, String>,
    /// The client for CalDAV sources: it follows no redirects itself, since reqwest
    /// would turn a redirected PROPFIND into a GET; the CalDAV client follows them.
    caldav_http: Result<reqwest::Client, String>,
    specs: RwLock<Arc<BTreeMap<String, Arc<SourceSpec>>>>,
    /// Reads in flight: each one's receiver turns `true` when it is done.
    running: Mutex<HashMap<String, watch::Receiver<bool>>>,
    /// Its own handle, so the loop can wait on it without keeping the rest alive.
    wake: Arc<Notify>,
    permits: Semaphore,
    /// Each object's last parse, by (calendar, href), with its body's digest: a body is
    /// parsed once, however often the horizon moves or other objects change.
    parsed: Mutex<ParseCache>,
    config: Mutex<ConfigStatus>,
}

/// Parsed calendars by (calendar id, href), each with the digest of its body.
type ParseCache = HashMap<(String, String), (String, Arc<freebusy_core::wire::ics::Calendar>)>;

/// When the config file was last applied or refused.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ConfigStatus {
    /// When it was last applied.
    pub applied_at: Option<String>,
    /// When it was last refused, and why (the config in force is then the one before).
    pub refused_at: Option<String>,
    /// The refusal's message, naming the entry (never a secret).
    pub refused_because: Option<String>,
}

impl Sources {
    /// The sync over `store`, with no source configured yet and nothing running.
    pub fn new(store: Store) -> Sources {
        Sources {
            inner: Arc::new(Inner {
                store,
                holder: holder_name(),
                http: http::client(),
                caldav_http: caldav::http_client(&caldav::Limits::default())
                    .map_err(|e| e.to_string()),
                specs: RwLock::new(Arc::new(BTreeMap::new())),
                running: Mutex::new(HashMap::new()),
                wake: Arc::new(Notify::new()),
                permits: Semaphore::new(CONCURRENT_READS),
                parsed: Mutex::new(HashMap::new()),
                config: Mutex::new(ConfigStatus::default()),
            }),
        }
    }

    /// Makes `specs` the configured sources (a config load or reload), and wakes the
    /// loop so that a new source is read at once. The store must already hold their
    /// definitions (`Store::import`): a source whose stored fingerprint differs from
    /// its spec's is not read.
    pub fn configure(&self, specs: Vec<SourceSpec>) {
        let specs: BTreeMap<String, Arc<SourceSpec>> = specs
            .into_iter()
            .map(|spec| (spec.calendar_id.clone(), Arc::new(spec)))
            .collect();
        lock(&self.inner.parsed).retain(|(calendar, _), _| specs.contains_key(calendar));
        *self
            .inner
            .specs
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(specs);
        self.inner.wake.notify_one();
    }

    /// Notes a load of the config file at `at`: applied (`refused: None`) or refused.
    pub fn record_config(&self, at: chrono::DateTime<Utc>, refused: Option<String>) {
        let mut status = lock(&self.inner.config);
        let at = chrono::DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at);
        let at = Some(freebusy_core::wire::rfc3339::format(at));
        match refused {
            None => {
                status.applied_at = at;
                status.refused_at = None;
                status.refused_because = None;
            }
            Some(why) => {
                status.refused_at = at;
                status.refused_because = Some(why);
            }
        }
    }

    /// The config file's last load.
    pub fn config_status(&self) -> ConfigStatus {
        lock(&self.inner.config).clone()
    }

    /// The configured sources, by calendar id.
    pub fn specs(&self) -> Arc<BTreeMap<String, Arc<SourceSpec>>> {
        Arc::clone(
            &self
                .inner
                .specs
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Starts the background loop; it runs until every handle on these sources is
    /// dropped (the server stopped).
    pub fn run(&self) -> JoinHandle<()> {
        let sources = self.downgrade();
        let wake = Arc::clone(&self.inner.wake);
        tokio::spawn(async move {
            loop {
                let Some(sources) = sources.upgrade() else {
                    return;
                };
                let wait = sources.start_due().await;
                drop(sources);
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = wake.notified() => {}
                }
            }
        })
    }

    /// A handle that does not keep the sources alive.
    pub fn downgrade(&self) -> WeakSources {
        WeakSources(Arc::downgrade(&self.inner))
    }

    /// Where bookings go for the source calendar `calendar_id`: a CalDAV client and the
    /// collection, or `None` when the config (as it is now) does not have that calendar
    /// as a CalDAV source with `write_bookings`.
    ///
    /// # Errors
    ///
    /// A [`FetchError`] when the collection cannot be found (discovery failed).
    pub async fn booking_writer(
        &self,
        calendar_id: &str,
    ) -> Result<Option<(caldav::Client, caldav::Url)>, FetchError> {
        let Some(spec) = self.specs().get(calendar_id).cloned() else {
            return Ok(None);
        };
        if !spec.definition().writable {
            return Ok(None);
        }
        let http = self
            .inner
            .caldav_http
            .as_ref()
            .map_err(|why| FetchError::Transport(why.clone()))?;
        let cursor = match self.inner.store.source(calendar_id).await {
            Ok(Some(record)) => serde_json::from_str(&record.state.cursor).unwrap_or_default(),
            _ => Cursor::default(),
        };
        caldav_calendar::writer(http, &spec, &cursor)
            .await
            .map(Some)
    }

    /// The store the sources write to.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Reads these never-read sources now (or joins reads already running) and waits
    /// for them; a source attempted within [`IMMEDIATE_READ_GAP`] is not read again,
    /// so this returns at once for it. Callers bound the wait with their deadline; the
    /// read goes on without them, and the next request finds its snapshot.
    pub async fn read_unread(&self, calendar_ids: &[String]) {
        let mut waits = Vec::with_capacity(calendar_ids.len());
        for calendar_id in calendar_ids {
            waits.push(self.start(calendar_id, Start::Immediate));
        }
        for mut done in waits.into_iter().flatten() {
            // An error means the read's task ended (its sender is gone): done too.
            let _ = done.wait_for(|done| *done).await;
        }
    }

    /// Reads one source now, whatever its schedule, and waits for it: for tests and
    /// the operator's "sync now".
    pub async fn read_now(&self, calendar_id: &str) {
        if let Some(mut done) = self.start(calendar_id, Start::Forced) {
            let _ = done.wait_for(|done| *done).await;
        }
    }

    /// Starts every due source's read; returns how long until the next is due.
    async fn start_due(&self) -> Duration {
        let specs = self.specs();
        let mut next = Utc::now() + to_delta(LOOK_AGAIN);
        match self.inner.store.sources().await {
            Ok(records) => {
                let now = Utc::now();
                for record in records {
                    let Some(spec) = specs.get(&record.calendar_id) else {
                        continue;
                    };
                    let due = due_at(&record, spec);
                    if due <= now {
                        self.start(&record.calendar_id, Start::Due);
                    } else {
                        next = next.min(due);
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "cannot read the sources' schedule"),
        }
        (next - Utc::now()).to_std().unwrap_or(Duration::ZERO)
    }

    /// Starts a read of `calendar_id` unless one is running (then joins it); `None` if
    /// the calendar is no configured source.
    fn start(&self, calendar_id: &str, start: Start) -> Option<watch::Receiver<bool>> {
        let spec = self.specs().get(calendar_id).cloned()?;
        let mut running = lock(&self.inner.running);
        if let Some(done) = running.get(calendar_id) {
            return Some(done.clone());
        }
        let (sender, receiver) = watch::channel(false);
        running.insert(calendar_id.to_owned(), receiver.clone());
        let sources = self.clone();
        tokio::spawn(async move {
            let attempted = sources.attempt(&spec, start).await;
            lock(&sources.inner.running).remove(&spec.calendar_id);
            let _ = sender.send(true);
            // The schedule moved. Not when another process holds the source: the loop
            // would only find it due again at once; it looks again within LOOK_AGAIN.
            if attempted {
                sources.inner.wake.notify_one();
            }
        });
        Some(receiver)
    }

    /// One attempt at reading a source, recorded in the store; `false` if it did not
    /// run because another process holds the source's lease (or the lease could not
    /// be taken).
    async fn attempt(&self, spec: &SourceSpec, start: Start) -> bool {
        let Ok(_permit) = self.inner.permits.acquire().await else {
            return false;
        };
        let store = &self.inner.store;
        // The longest this attempt can take: the connector's own timeouts bound each
        // request, this everything else (a file on a hung disk, a connector that makes
        // several requests: CalDAV's discovery, collection, sync and multiget make up to
        // about eight).
        let requests = match spec.kind {
            SourceKind::Ics => 3,
            SourceKind::Caldav => 8,
        };
        let outer = spec.timeout * requests + Duration::from_secs(1);
        let ttl = (outer + LEASE_MARGIN).min(Duration::from_secs(24 * 3600));
        let lease = match store
            .acquire_lease(SYNC_LEASE, &spec.calendar_id, &self.inner.holder, ttl)
            .await
        {
            Ok(Some(lease)) => lease,
            // Another process reads it now; its record will say what it found.
            Ok(None) => return false,
            Err(error) => {
                tracing::warn!(calendar = %spec.calendar_id, %error, "cannot take the source's lease");
                return false;
            }
        };
        self.attempt_holding(spec, start, outer, &lease, ttl).await;
        let released = store.release_lease(&lease).await;
        if let Err(error) = released {
            tracing::warn!(calendar = %spec.calendar_id, %error, "cannot release the source's lease");
        }
        true
    }

    /// The attempt itself, under `lease` (renewed for `ttl` before its result is
    /// recorded: a lease lost meanwhile means another process took the source over,
    /// and this result is dropped).
    async fn attempt_holding(
        &self,
        spec: &SourceSpec,
        start: Start,
        outer: Duration,
        lease: &Lease,
        ttl: Duration,
    ) {
        let store = &self.inner.store;
        let record = match store.source(&spec.calendar_id).await {
            Ok(Some(record)) => record,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(calendar = %spec.calendar_id, %error, "cannot read the source's state");
                return;
            }
        };
        let definition = spec.definition();
        // The config names another upstream than the store holds: not this one's to read.
        if record.definition.fingerprint != definition.fingerprint {
            return;
        }
        let now = Utc::now();
        let due = match start {
            Start::Due => due_at(&record, spec) <= now,
            Start::Forced => true,
            Start::Immediate => {
                record.state.snapshot_at.is_none()
                    && record.state.last_attempt_at.is_none_or(|last| {
                        now - last >= to_delta(IMMEDIATE_READ_GAP.min(spec.interval))
                    })
            }
        };
        if !due {
            return;
        }
        let cursor: Cursor = serde_json::from_str(&record.state.cursor).unwrap_or_default();
        // `outer` bounds the whole fetch (see `attempt`).
        let fetched = match tokio::time::timeout(outer, self.fetch(spec, &cursor)).await {
            Ok(fetched) => fetched,
            Err(_) => Err(FetchError::Timeout(outer)),
        };
        let now = Utc::now();
        let horizon = snapshot::horizon(spec, now);
        let outcome = match fetched {
            Ok(fetched) => self.read(spec, &record, fetched, horizon).await,
            Err(error) => Err(error),
        };
        let (outcome, next) = match outcome {
            Ok(outcome) => (outcome, now + jittered(spec.interval)),
            Err(error) => {
                let failures = record.state.failures.saturating_add(1);
                let wait =
                    backoff(spec.interval, failures).max(error.retry_after().unwrap_or_default());
                tracing::warn!(
                    calendar = %spec.calendar_id,
                    source = %spec.location,
                    %error,
                    failures,
                    retry_in_s = wait.as_secs(),
                    "source read failed"
                );
                (
                    SyncOutcome::Failed {
                        error: error.to_string(),
                    },
                    now + jittered(wait),
                )
            }
        };
        let snapshot_written = matches!(
            &outcome,
            SyncOutcome::Read {
                snapshot: Some(_),
                ..
            }
        );
        match store.renew_lease(lease, ttl).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                tracing::warn!(
                    calendar = %spec.calendar_id,
                    "the source's lease lapsed during its read and was taken over; result dropped"
                );
                return;
            }
            Err(error) => {
                tracing::warn!(calendar = %spec.calendar_id, %error, "cannot renew the source's lease");
                return;
            }
        }
        let record = SyncRecord {
            calendar_id: spec.calendar_id.clone(),
            fingerprint: definition.fingerprint,
            at: now,
            next_attempt_at: next,
            outcome,
        };
        match store.record_sync(record).await {
            Ok(report) if report.recorded && snapshot_written => tracing::info!(
                calendar = %spec.calendar_id,
                written = report.written,
                deleted = report.deleted,
                "source read; snapshot replaced"
            ),
            Ok(report) if report.recorded => {
                tracing::debug!(calendar = %spec.calendar_id, "source read; unchanged");
            }
            Ok(_) => tracing::info!(
                calendar = %spec.calendar_id,
                "source was redefined during its read; result dropped"
            ),
            Err(error) => tracing::warn!(
                calendar = %spec.calendar_id,
                %error,
                "cannot record the source's read"
            ),
        }
    }

    async fn fetch(&self, spec: &SourceSpec, cursor: &Cursor) -> Result<Fetched, FetchError> {
        let client = match spec.kind {
            SourceKind::Ics => &self.inner.http,
            SourceKind::Caldav => &self.inner.caldav_http,
        }
        .as_ref()
        .map_err(|why| FetchError::Transport(why.clone()))?;
        match spec.kind {
            SourceKind::Ics => ics_feed::fetch(client, spec, cursor).await,
            SourceKind::Caldav => caldav_calendar::fetch(client, spec, cursor).await,
        }
    }

    /// What a successful fetch means for the snapshot.
    async fn read(
        &self,
        spec: &SourceSpec,
        record: &SourceRecord,
        fetched: Fetched,
        horizon: freebusy_core::Window,
    ) -> Result<SyncOutcome, FetchError> {
        let state = &record.state;
        let current = state.snapshot_at.is_some() && state.horizon == Some(horizon);
        let unchanged = |cursor: Cursor, body_hash: Option<String>| SyncOutcome::Read {
            cursor: to_json(&cursor),
            body_hash,
            snapshot: None,
        };
        let (objects, change, cursor, body_hash) = match fetched {
            Fetched::NotModified { cursor } => {
                if current {
                    return Ok(unchanged(cursor, None));
                }
                let stored = self.stored(&spec.calendar_id).await?;
                if stored.is_empty() {
                    // A 304 with no copy kept: read in full next time.
                    return Ok(unchanged(Cursor::default(), None));
                }
                (stored, ObjectChange::Keep, cursor, None)
            }
            Fetched::Full { resources, cursor } => {
                let digest = digest_of(&resources);
                if current && state.body_hash.as_deref() == Some(digest.as_str()) {
                    // A 200 with the same body: Radicale and many feeds ignore
                    // conditional requests.
                    return Ok(unchanged(cursor, Some(digest)));
                }
                let objects: Vec<SourceObject> = resources.into_iter().map(object).collect();
                (
                    objects.clone(),
                    ObjectChange::Replace(objects),
                    cursor,
                    Some(digest),
                )
            }
            Fetched::Delta {
                changed,
                removed,
                cursor,
            } => {
                let mut objects: BTreeMap<String, SourceObject> = self
                    .stored(&spec.calendar_id)
                    .await?
                    .into_iter()
                    .map(|object| (object.href.clone(), object))
                    .collect();
                for href in &removed {
                    objects.remove(href);
                }
                let changed: Vec<SourceObject> = changed.into_iter().map(object).collect();
                for object in &changed {
                    objects.insert(object.href.clone(), object.clone());
                }
                (
                    objects.into_values().collect(),
                    ObjectChange::Apply { changed, removed },
                    cursor,
                    None,
                )
            }
        };
        let parsed = self.parse(&spec.calendar_id, &objects).await?;
        if spec.kind == SourceKind::Ics
            && let Some(Parsed {
                calendar: Err(error),
                ..
            }) = parsed.first()
        {
            return Err(FetchError::Protocol(format!(
                "the feed is unusable: {error}"
            )));
        }
        let account = record.account.clone();
        let covered_from = state.covered.map(|covered| covered.start());
        let (events, report) = tokio::task::spawn_blocking(move || {
            snapshot::events(&parsed, &account, horizon, covered_from)
        })
        .await
        .map_err(|e| FetchError::Protocol(format!("expanding the calendar failed: {e}")))?;
        Ok(SyncOutcome::Read {
            cursor: to_json(&cursor),
            body_hash,
            snapshot: Some(Snapshot {
                objects: change,
                horizon,
                events,
                report: serde_json::to_value(&report).unwrap_or_default(),
            }),
        })
    }

    async fn stored(&self, calendar_id: &str) -> Result<Vec<SourceObject>, FetchError> {
        self.inner
            .store
            .source_objects(calendar_id)
            .await
            .map_err(|e| FetchError::Protocol(format!("cannot read the stored copy: {e}")))
    }

    /// Parses each object whose body is new (off the async workers: a big feed takes
    /// a while); others come from the cache.
    async fn parse(
        &self,
        calendar_id: &str,
        objects: &[SourceObject],
    ) -> Result<Vec<Parsed>, FetchError> {
        let mut parsed = Vec::with_capacity(objects.len());
        let mut to_parse = Vec::new();
        {
            let cache = lock(&self.inner.parsed);
            for object in objects {
                let digest = hex(&Sha256::digest(&object.body));
                let key = (calendar_id.to_owned(), object.href.clone());
                match cache.get(&key) {
                    Some((cached, calendar)) if *cached == digest => parsed.push(Parsed {
                        href: object.href.clone(),
                        calendar: Ok(Arc::clone(calendar)),
                    }),
                    _ => {
                        parsed.push(Parsed {
                            href: object.href.clone(),
                            calendar: Err(freebusy_core::wire::ics::ParseError::NotICalendar),
                        });
                        to_parse.push((parsed.len() - 1, digest, object.body.clone()));
                    }
                }
            }
        }
        let results = tokio::task::spawn_blocking(move || {
            to_parse
                .into_iter()
                .map(|(index, digest, body)| {
                    (
                        index,
                        digest,
                        freebusy_core::wire::ics::parse(&body).map(Arc::new),
                    )
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| FetchError::Protocol(format!("parsing the calendar failed: {e}")))?;
        let mut cache = lock(&self.inner.parsed);
        for (index, digest, result) in results {
            if let Ok(calendar) = &result {
                let key = (calendar_id.to_owned(), parsed[index].href.clone());
                cache.insert(key, (digest, Arc::clone(calendar)));
            }
            parsed[index].calendar = result;
        }
        Ok(parsed)
    }
}

/// A handle on [`Sources`] that does not keep them alive (for background tasks).
#[derive(Clone)]
pub struct WeakSources(Weak<Inner>);

impl std::fmt::Debug for WeakSources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WeakSources")
    }
}

impl WeakSources {
    /// The sources, if the server still holds them.
    pub fn upgrade(&self) -> Option<Sources> {
        self.0.upgrade().map(|inner| Sources { inner })
    }
}

/// Why an attempt starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// The schedule says so (checked again when the attempt runs).
    Due,
    /// A request found the source never read.
    Immediate,
    /// Whatever the schedule.
    Forced,
}

/// When a source is due: as scheduled, or sooner if its interval was shortened since
/// (a reload) and it is not backing off.
fn due_at(record: &SourceRecord, spec: &SourceSpec) -> chrono::DateTime<Utc> {
    let scheduled = record.state.next_attempt_at;
    match record.state.last_attempt_at {
        Some(last) if record.state.failures == 0 => scheduled.min(last + to_delta(spec.interval)),
        _ => scheduled,
    }
}

/// The wait after `failures` failures in a row.
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    let first = interval.min(FIRST_RETRY);
    let cap = interval.max(MAX_BACKOFF);
    let doublings = failures.saturating_sub(1).min(20);
    first.saturating_mul(1 << doublings).min(cap)
}

/// `wait`, give or take up to 10 %.
fn jittered(wait: Duration) -> TimeDelta {
    let mut bytes = [0u8; 4];
    let unit = match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX),
        Err(_) => 0.5,
    };
    to_delta(wait.mul_f64(0.9 + 0.2 * unit))
}

/// This process's lease holder name: the host, the process id and random digits, so
/// that two runs (or two processes) never share one.
pub fn holder_name() -> String {
    let mut bytes = [0u8; 8];
    // Without OS randomness the pid and the start time still tell runs apart.
    let random = match getrandom::fill(&mut bytes) {
        Ok(()) => hex(&bytes),
        Err(_) => Utc::now().timestamp_micros().to_string(),
    };
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_default();
    format!("{host}/{}/{random}", std::process::id())
}

fn to_delta(wait: Duration) -> TimeDelta {
    TimeDelta::from_std(wait).unwrap_or(TimeDelta::MAX)
}

fn object(resource: Resource) -> SourceObject {
    SourceObject {
        href: resource.href,
        etag: resource.etag,
        body: resource.body,
    }
}

fn digest_of(resources: &[Resource]) -> String {
    let mut sorted: Vec<&Resource> = resources.iter().collect();
    sorted.sort_by(|a, b| a.href.cmp(&b.href));
    let mut digest = Sha256::new();
    for resource in sorted {
        digest.update(resource.href.as_bytes());
        digest.update([0]);
        digest.update(Sha256::digest(&resource.body));
    }
    hex(&digest.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn to_json(cursor: &Cursor) -> String {
    serde_json::to_string(cursor).unwrap_or_else(|_| "{}".into())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Doubling from a minute (or the interval, if shorter) up to an hour (or the
    // interval, if longer).
    #[test]
    fn backoff_doubles_from_the_first_retry_up_to_its_cap() {
        let five_minutes = Duration::from_secs(300);
        let waits: Vec<u64> = (1..=8)
            .map(|failures| backoff(five_minutes, failures).as_secs())
            .collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(Duration::from_secs(2), 1), Duration::from_secs(2));
        assert_eq!(backoff(Duration::from_secs(2), 3), Duration::from_secs(8));
        let daily = Duration::from_secs(86_400);
        assert_eq!(backoff(daily, 30), daily);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..100 {
            let wait = jittered(Duration::from_secs(100)).num_milliseconds();
            assert!((90_000..=110_000).contains(&wait), "{wait}");
        }
    }
}
