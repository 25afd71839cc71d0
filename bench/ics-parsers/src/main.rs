//! Each iCalendar candidate's own "parse and expand" path on the corpus, compared with
//! the oracle's instances (core/tests/ics/oracle.py), and each parser fed mutated
//! fixtures to count panics. Prints one table; DESIGN.md records the result.
//!
//! Usage: freebusy-ics-parsers CORPUS_DIR ORACLE_JSON

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

type Span = (DateTime<Utc>, DateTime<Utc>);

struct Case {
    file: String,
    zone: chrono_tz::Tz,
    window: Span,
    oracle: BTreeSet<Span>,
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn overlaps(span: Span, window: Span) -> bool {
    span.0 < window.1 && window.0 < span.1.max(span.0 + chrono::TimeDelta::seconds(1))
}

/// calcard: `ICalendar::expand_dates(default_tz, limit)`, its own complete pipeline.
fn calcard_expand(
    text: &str,
    zone: chrono_tz::Tz,
    window: Span,
    limit: usize,
) -> Result<BTreeSet<Span>, String> {
    use calcard::Entry;
    use calcard::icalendar::dates::TimeOrDelta;
    let mut parser = calcard::Parser::new(text);
    let mut found = BTreeSet::new();
    let mut any = false;
    loop {
        match parser.entry() {
            Entry::ICalendar(calendar) => {
                any = true;
                let expansion =
                    calendar.expand_dates(calcard::common::timezone::Tz::Tz(zone), limit);
                for event in expansion.events {
                    let start = event.start.with_timezone(&Utc);
                    let end = match event.end {
                        TimeOrDelta::Time(end) => end.with_timezone(&Utc),
                        // Checked: a huge DURATION must not panic the harness itself.
                        TimeOrDelta::Delta(delta) => {
                            match event.start.with_timezone(&Utc).checked_add_signed(delta) {
                                Some(end) => end,
                                None => continue,
                            }
                        }
                    };
                    if overlaps((start, end), window) {
                        found.insert((start, end));
                    }
                }
            }
            Entry::Eof => break,
            Entry::InvalidLine(_)
            | Entry::UnexpectedComponentEnd { .. }
            | Entry::UnterminatedComponent(_) => {}
            Entry::TooManyComponents => return Err("too many components".into()),
            _ => {}
        }
    }
    if any {
        Ok(found)
    } else {
        Err("no calendar".into())
    }
}

/// The instances of an rrule set that overlap `window`, each `length` long.
fn set_instances(
    set: rrule::RRuleSet,
    length: chrono::TimeDelta,
    window: Span,
    found: &mut BTreeSet<Span>,
) {
    let after = (window.0 - chrono::TimeDelta::days(2)).with_timezone(&rrule::Tz::UTC);
    let before = window.1.with_timezone(&rrule::Tz::UTC);
    for instance in set.after(after).before(before).all(65_535).dates {
        let begin = instance.with_timezone(&Utc);
        let Some(end) = begin.checked_add_signed(length) else {
            continue;
        };
        if overlaps((begin, end), window) {
            found.insert((begin, end));
        }
    }
}

/// icalendar (hoodie) with its `recurrence` feature: parse, then per event
/// `get_recurrence()` (DTSTART + RRULE + RDATE + EXDATE as an rrule::RRuleSet).
/// The crate has no notion of overrides: RECURRENCE-ID events count as events.
fn icalendar_expand(text: &str, window: Span) -> Result<BTreeSet<Span>, String> {
    use icalendar::{Calendar, CalendarComponent, Component, DatePerhapsTime, EventLike};
    let calendar: Calendar = text.parse().map_err(|e| format!("{e}"))?;
    let mut found = BTreeSet::new();
    for component in calendar.components {
        let CalendarComponent::Event(event) = component else {
            continue;
        };
        let Ok(set) = event.get_recurrence() else {
            continue;
        };
        let (Some(start), end) = (event.get_start(), event.get_end()) else {
            continue;
        };
        let as_naive = |value: &DatePerhapsTime| match value {
            DatePerhapsTime::Date(date) => date.and_hms_opt(0, 0, 0).unwrap(),
            DatePerhapsTime::DateTime(dt) => match dt {
                icalendar::CalendarDateTime::Floating(naive) => *naive,
                icalendar::CalendarDateTime::Utc(utc) => utc.naive_utc(),
                icalendar::CalendarDateTime::WithTimezone { date_time, .. } => *date_time,
            },
        };
        let length = end
            .map(|end| as_naive(&end) - as_naive(&start))
            .unwrap_or_default();
        set_instances(set, length, window, &mut found);
    }
    Ok(found)
}

/// ical (Peltoche) for parsing, rrule for recurrence: the RRuleSet is built from the
/// event's own DTSTART/RRULE/RDATE/EXDATE lines, as text.
fn ical_rrule_expand(text: &str, window: Span) -> Result<BTreeSet<Span>, String> {
    let reader = ical::IcalParser::new(text.as_bytes());
    let mut found = BTreeSet::new();
    for calendar in reader {
        let calendar = calendar.map_err(|e| format!("{e}"))?;
        for event in calendar.events {
            let line = |name: &str| {
                event
                    .properties
                    .iter()
                    .filter(|p| p.name == name)
                    .map(|p| {
                        let params = p
                            .params
                            .iter()
                            .flatten()
                            .map(|(k, v)| format!(";{k}={}", v.join(",")))
                            .collect::<String>();
                        format!("{name}{params}:{}", p.value.clone().unwrap_or_default())
                    })
                    .collect::<Vec<_>>()
            };
            let mut lines = line("DTSTART");
            if lines.is_empty() {
                continue;
            }
            lines.extend(line("RRULE"));
            lines.extend(line("RDATE"));
            lines.extend(line("EXDATE"));
            let Ok(set) = lines.join("\n").parse::<rrule::RRuleSet>() else {
                continue;
            };
            let naive = |name: &str| {
                event
                    .properties
                    .iter()
                    .find(|p| p.name == name)
                    .and_then(|p| p.value.clone())
                    .and_then(|v| {
                        let v = v.trim_end_matches('Z');
                        NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S")
                            .ok()
                            .or_else(|| {
                                NaiveDate::parse_from_str(v, "%Y%m%d")
                                    .ok()
                                    .map(|d| d.and_hms_opt(0, 0, 0).unwrap())
                            })
                    })
            };
            let length = match (naive("DTSTART"), naive("DTEND")) {
                (Some(start), Some(end)) => end - start,
                _ => chrono::TimeDelta::zero(),
            };
            set_instances(set, length, window, &mut found);
        }
    }
    Ok(found)
}

/// Deterministic mutations of a fixture: truncations, dropped and doubled bytes,
/// and lines with their separators damaged.
fn mutations(text: &str, count: usize) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..count)
        .map(|i| {
            let mut out = bytes.to_vec();
            for _ in 0..(1 + i % 4) {
                if out.is_empty() {
                    break;
                }
                let at = (next() as usize) % out.len();
                match next() % 6 {
                    0 => out.truncate(at),
                    1 => {
                        out.remove(at);
                    }
                    2 => out.insert(at, b":;=,\"\\\r\n 9TZ"[(next() % 12) as usize]),
                    3 => out[at] = b'9',
                    4 => {
                        let tail = out.split_off(at);
                        out.extend_from_slice(
                            b"\r\nRRULE:FREQ=DAILY;BYSETPOS=-9999;COUNT=99999999999\r\n",
                        );
                        out.extend(tail);
                    }
                    _ => {
                        let tail = out.split_off(at);
                        out.extend_from_slice(
                            b"DTSTART;TZID=X:99991231T235960\r\nDURATION:P99999999W\r\n",
                        );
                        out.extend(tail);
                    }
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let corpus = std::path::PathBuf::from(&args[1]);
    let oracle: Value = serde_json::from_str(&std::fs::read_to_string(&args[2]).unwrap()).unwrap();
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(corpus.join("../corpus.json")).unwrap())
            .unwrap();
    let mut cases = Vec::new();
    for (fixture, result) in manifest["fixtures"]
        .as_array()
        .unwrap()
        .iter()
        .zip(oracle["results"].as_array().unwrap())
    {
        let Some(windows) = result["windows"].as_array() else {
            continue;
        };
        for window in windows {
            let Some(instances) = window["instances"].as_array() else {
                continue;
            };
            cases.push(Case {
                file: fixture["file"].as_str().unwrap().to_owned(),
                zone: fixture["zone"].as_str().unwrap().parse().unwrap(),
                window: (
                    utc(window["window"][0].as_str().unwrap()),
                    utc(window["window"][1].as_str().unwrap()),
                ),
                oracle: instances
                    .iter()
                    .map(|i| {
                        (
                            utc(i["start"].as_str().unwrap()),
                            utc(i["end"].as_str().unwrap()),
                        )
                    })
                    .collect(),
            });
        }
    }
    type Candidate = (
        &'static str,
        Box<dyn Fn(&str, chrono_tz::Tz, Span) -> Result<BTreeSet<Span>, String>>,
    );
    let candidates: Vec<Candidate> = vec![
        (
            "calcard expand_dates(limit 1000)",
            Box::new(|t, z, w| calcard_expand(t, z, w, 1000)),
        ),
        (
            "calcard expand_dates(limit 10^7)",
            Box::new(|t, z, w| calcard_expand(t, z, w, 10_000_000)),
        ),
        (
            "icalendar + recurrence (rrule)",
            Box::new(|t, _, w| icalendar_expand(t, w)),
        ),
        ("ical + rrule", Box::new(|t, _, w| ical_rrule_expand(t, w))),
    ];
    println!("{} windows with an oracle answer\n", cases.len());
    for (name, expand) in &candidates {
        let mut right = 0;
        let mut wrong = Vec::new();
        let mut failed = Vec::new();
        for case in &cases {
            let text = String::from_utf8_lossy(&std::fs::read(corpus.join(&case.file)).unwrap())
                .into_owned();
            match catch_unwind(AssertUnwindSafe(|| expand(&text, case.zone, case.window))) {
                Ok(Ok(found)) if found == case.oracle => right += 1,
                Ok(Ok(found)) => wrong.push(format!(
                    "{} {}: {} missing, {} extra",
                    case.file,
                    case.window.0.date_naive(),
                    case.oracle.difference(&found).count(),
                    found.difference(&case.oracle).count()
                )),
                Ok(Err(error)) => failed.push(format!(
                    "{} {}: error {error}",
                    case.file,
                    case.window.0.date_naive()
                )),
                Err(_) => failed.push(format!(
                    "{} {}: PANIC",
                    case.file,
                    case.window.0.date_naive()
                )),
            }
        }
        println!(
            "## {name}: {right}/{} windows equal to the oracle",
            cases.len()
        );
        for line in wrong.iter().chain(&failed) {
            println!("  - {line}");
        }
    }

    // Robustness: each parser alone on mutated fixtures, panics counted.
    // The first few panic messages of each kind are printed, to say what they were.
    let seen = std::sync::Mutex::new(std::collections::BTreeMap::<String, usize>::new());
    std::panic::set_hook(Box::new(move |info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let mut seen = seen.lock().unwrap();
        let count = seen.entry(at.clone()).or_default();
        *count += 1;
        if *count == 1 {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            eprintln!("    panic at {at}: {message}");
        }
    }));
    let mut inputs = Vec::new();
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|ext| ext != "ics") {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap()).into_owned();
        inputs.extend(mutations(&text, 300));
    }
    let zone = chrono_tz::Europe::Berlin;
    let window = (utc("2026-01-01T00:00:00Z"), utc("2027-01-01T00:00:00Z"));
    type Parse = (&'static str, Box<dyn Fn(&str)>);
    let parsers: Vec<Parse> = vec![
        (
            "calcard parse",
            Box::new(|t| {
                let mut parser = calcard::Parser::new(t);
                while !matches!(parser.entry(), calcard::Entry::Eof) {}
            }),
        ),
        (
            "calcard parse + expand_dates",
            Box::new(move |t| {
                let _ = calcard_expand(t, zone, window, 10_000);
            }),
        ),
        (
            "icalendar parse",
            Box::new(|t| {
                let _ = t.parse::<icalendar::Calendar>();
            }),
        ),
        (
            "icalendar parse + recurrence",
            Box::new(move |t| {
                let _ = icalendar_expand(t, window);
            }),
        ),
        (
            "ical parse",
            Box::new(|t| {
                for calendar in ical::IcalParser::new(t.as_bytes()) {
                    let _ = calendar;
                }
            }),
        ),
        (
            "ical + rrule",
            Box::new(move |t| {
                let _ = ical_rrule_expand(t, window);
            }),
        ),
    ];
    println!(
        "\n{} mutated inputs (truncated, bytes dropped/inserted, hostile RRULE/DTSTART lines)",
        inputs.len()
    );
    for (name, parse) in &parsers {
        let started = Instant::now();
        let panics = inputs
            .iter()
            .filter(|t| catch_unwind(AssertUnwindSafe(|| parse(t))).is_err())
            .count();
        println!(
            "  {name}: {panics} panics ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
    }
    let garbage: String = (0..50_000_000u64)
        .map(|i| (b' ' + ((i * 7919) % 90) as u8) as char)
        .collect();
    for (name, parse) in parsers.iter().step_by(2) {
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| parse(&garbage)));
        println!(
            "  50 MB of printable garbage, {name}: {} in {:.2} s",
            if outcome.is_ok() { "returned" } else { "PANIC" },
            started.elapsed().as_secs_f64()
        );
    }
    let _ = Utc.timestamp_opt(0, 0);
}
