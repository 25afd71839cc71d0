//! Radicale's own free-busy REPORT as a second oracle for the iCalendar conformance
//! corpus (core/tests/ics): every fixture is imported into its own collection of a real
//! Radicale, and for every window of core/tests/ics/corpus.json the VFREEBUSY Radicale
//! answers (read back with `wire::ics` and merged) must equal the engine's merged
//! free/busy for the fixture, except where core/tests/ics/radicale.json lists a
//! deliberate difference: then Radicale's answer must be exactly the listed one, or its
//! listed alternative `or` (so a Radicale that changes, either way, shows up). core/tests/ics/README.md explains each.

#[path = "common/caldav_peer.rs"]
mod caldav_peer;

use std::path::{Path, PathBuf};

use caldav_peer::{Kind, Peer, USER};
use chrono::{DateTime, Utc};
use freebusy_core::wire::ics::{self, Account};
use freebusy_core::{Availability, Period, Window};
use freebusy_server::sources::caldav::{Client, Limits};
use serde_json::{Value, json};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/ics")
}

fn read_json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(corpus().join(name)).unwrap()).unwrap()
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// `[[start, end, status], ...]`, merged within the window: the form both sides take.
fn merged(periods: Vec<Period>, window: Window) -> Value {
    let stamp = |at: DateTime<Utc>| at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    Availability::merge_within(periods, window)
        .periods()
        .iter()
        .map(|period| {
            json!([
                stamp(period.start()),
                stamp(period.end()),
                period.status().as_str()
            ])
        })
        .collect()
}

#[tokio::test]
async fn radicale_free_busy_equals_the_engine_in_every_window() {
    let Some(peer) = Peer::start(Kind::Radicale, &[]).await else {
        return;
    };
    let client = Client::new(peer.root.clone(), peer.credentials(), Limits::default()).unwrap();
    let manifest = read_json("corpus.json");
    let listed = read_json("radicale.json");
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut agreed = 0;
    for fixture in manifest["fixtures"].as_array().unwrap() {
        let file = fixture["file"].as_str().unwrap();
        let bytes = std::fs::read(corpus().join("corpus").join(file)).unwrap();
        let name = file.trim_end_matches(".ics");
        let imported = peer.import_collection(name, &bytes).await;
        let collection = peer.root.join(&format!("/{USER}/{name}/")).unwrap();
        let zone: chrono_tz::Tz = fixture["zone"].as_str().unwrap().parse().unwrap();
        let account = Account::new(fixture["email"].as_str().unwrap(), zone);
        let calendar = ics::parse(&bytes).unwrap();
        for (index, pair) in fixture["windows"].as_array().unwrap().iter().enumerate() {
            let window = Window::new(
                instant(pair[0].as_str().unwrap()),
                instant(pair[1].as_str().unwrap()),
            )
            .unwrap();
            let engine = merged(calendar.expand(window, &account).periods(), window);
            let radicale = if !imported.is_success() {
                json!(format!("refused: {}", imported.as_u16()))
            } else {
                match client.free_busy_query(&collection, window).await {
                    Ok(text) => {
                        let answer = ics::parse(text.as_bytes())
                            .unwrap_or_else(|error| panic!("{file}: {error:?}\n{text}"));
                        merged(answer.expand(window, &account).periods(), window)
                    }
                    Err(error) => json!(format!("error: {error}")),
                }
            };
            compared += 1;
            let difference = &listed["differences"][file][index.to_string()];
            if difference.is_null() {
                if radicale == engine {
                    agreed += 1;
                } else {
                    failures.push(format!(
                        "{file} window {index}:\n  engine   {engine}\n  radicale {radicale}"
                    ));
                }
            } else {
                // `or`: a second answer Radicale gives depending on its own clock.
                let expected = difference["radicale"] == radicale || difference["or"] == radicale;
                if !expected {
                    failures.push(format!(
                        "{file} window {index} (listed as {:?}): radicale now answers {radicale}, listed {}",
                        difference["why"], difference["radicale"]
                    ));
                }
                if radicale == engine {
                    failures.push(format!(
                        "{file} window {index}: listed as a difference, but Radicale now agrees: remove it"
                    ));
                }
            }
        }
    }
    eprintln!("radicale oracle: {agreed} of {compared} windows equal, the rest listed");
    assert!(compared >= 50, "only {compared} windows compared");
    assert!(
        failures.is_empty(),
        "{} of {compared} windows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
