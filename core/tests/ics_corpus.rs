//! The iCalendar conformance corpus (tests/ics): for every fixture and window, the
//! engine's merged free/busy equals the oracle's (Python's `icalendar` +
//! `recurring-ical-events`, tests/ics/oracle.py), except where tests/ics/corpus.json
//! lists a deliberate difference, which must then still be a difference.
//!
//! The oracle runs from the virtualenv scripts/setup.sh makes (`$FREEBUSY_VENV`).
//! Without it the comparison is skipped with a message, unless `FREEBUSY_REQUIRE_ORACLE`
//! or `CI` is set (scripts/test.sh sets the first): there a missing oracle fails.
#![cfg(feature = "ics")]

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use freebusy_core::wire::ics::{self, Account};
use freebusy_core::{Availability, Window};
use serde_json::Value;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ics")
}

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(corpus_dir().join("corpus.json")).unwrap())
        .unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// `[[start, end, status], ...]` of the engine's merged answer.
fn engine_answer(fixture: &Value, window: Window) -> Value {
    let path = corpus_dir()
        .join("corpus")
        .join(fixture["file"].as_str().unwrap());
    let calendar = ics::parse(&std::fs::read(path).unwrap()).unwrap();
    let zone: chrono_tz::Tz = fixture["zone"].as_str().unwrap().parse().unwrap();
    let account = Account::new(fixture["email"].as_str().unwrap(), zone);
    let expansion = calendar.expand(window, &account);
    let merged = Availability::merge_within(expansion.periods(), window);
    Value::Array(
        merged
            .periods()
            .iter()
            .map(|period| {
                serde_json::json!([
                    period.start().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    period.end().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    period.status().as_str(),
                ])
            })
            .collect(),
    )
}

fn windows(fixture: &Value) -> Vec<Window> {
    fixture["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            Window::new(
                utc(pair[0].as_str().unwrap()),
                utc(pair[1].as_str().unwrap()),
            )
            .unwrap()
        })
        .collect()
}

fn oracle_python() -> Option<PathBuf> {
    if let Some(python) = std::env::var_os("FREEBUSY_ORACLE_PYTHON") {
        return Some(PathBuf::from(python));
    }
    // scripts/env.sh names the virtualenv (by a hash of scripts/python-tools.txt).
    let python = PathBuf::from(std::env::var_os("FREEBUSY_VENV")?).join("bin/python3");
    python.exists().then_some(python)
}

// The corpus has at least 25 fixtures and every fixture in the folder is in the manifest.
#[test]
fn the_corpus_has_at_least_25_fixtures_all_listed() {
    let listed: Vec<String> = manifest()["fixtures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_owned())
        .collect();
    let mut on_disk: Vec<String> = std::fs::read_dir(corpus_dir().join("corpus"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".ics"))
        .collect();
    on_disk.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(sorted, on_disk);
    assert!(listed.len() >= 25, "only {} fixtures", listed.len());
}

// Each fixture skips exactly the entries the manifest names (most skip nothing).
#[test]
fn every_fixture_skips_exactly_what_the_manifest_says() {
    for fixture in manifest()["fixtures"].as_array().unwrap() {
        let path = corpus_dir()
            .join("corpus")
            .join(fixture["file"].as_str().unwrap());
        let calendar = ics::parse(&std::fs::read(path).unwrap()).unwrap();
        let skipped: Vec<Value> = calendar
            .skipped()
            .iter()
            .map(|skipped| serde_json::to_value(skipped).unwrap())
            .collect();
        let expected = fixture
            .get("skipped")
            .cloned()
            .unwrap_or(Value::Array(vec![]));
        assert_eq!(Value::Array(skipped), expected, "{}", fixture["file"]);
    }
}

// The engine's merged free/busy equals the oracle's in every window, or differs exactly
// as the manifest's `differences` say (and then the oracle must really differ).
#[test]
fn merged_free_busy_equals_the_oracle_in_every_window() {
    let Some(python) = oracle_python() else {
        let required = std::env::var_os("FREEBUSY_REQUIRE_ORACLE").is_some()
            || std::env::var_os("CI").is_some();
        assert!(
            !required,
            "the iCalendar oracle is missing: run scripts/setup.sh (it makes $FREEBUSY_VENV)"
        );
        eprintln!(
            "SKIPPED: no oracle virtualenv ($FREEBUSY_VENV, see scripts/env.sh); scripts/setup.sh makes it"
        );
        return;
    };
    let output = Command::new(&python)
        .arg(corpus_dir().join("oracle.py"))
        .arg(corpus_dir().join("corpus.json"))
        .output()
        .unwrap_or_else(|error| panic!("running {}: {error}", python.display()));
    assert!(
        output.status.success(),
        "the oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let oracle: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut failures = Vec::new();
    let mut compared = 0;
    for (fixture, result) in manifest()["fixtures"]
        .as_array()
        .unwrap()
        .iter()
        .zip(oracle["results"].as_array().unwrap())
    {
        let file = fixture["file"].as_str().unwrap();
        assert_eq!(result["file"].as_str(), Some(file));
        for (index, window) in windows(fixture).into_iter().enumerate() {
            let engine = engine_answer(fixture, window);
            let oracle_answer = match result.get("error") {
                Some(error) => Err(error.clone()),
                None => match result["windows"][index].get("error") {
                    Some(error) => Err(error.clone()),
                    None => Ok(result["windows"][index]["merged"].clone()),
                },
            };
            let difference = &fixture["differences"][index.to_string()];
            compared += 1;
            if difference.is_null() {
                if oracle_answer.as_ref() != Ok(&engine) {
                    failures.push(format!(
                        "{file} window {index}:\n  engine {engine}\n  oracle {}",
                        oracle_answer.map_or_else(|e| format!("error {e}"), |v| v.to_string())
                    ));
                }
            } else {
                if engine != difference["engine"] {
                    failures.push(format!(
                        "{file} window {index} (a listed difference): engine {engine}, expected {}",
                        difference["engine"]
                    ));
                }
                if oracle_answer.as_ref() == Ok(&engine) {
                    failures.push(format!(
                        "{file} window {index}: listed as a difference, but the oracle now agrees: remove it"
                    ));
                }
            }
        }
    }
    assert!(compared >= 50, "only {compared} windows compared");
    assert!(
        failures.is_empty(),
        "{} of {compared} windows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
