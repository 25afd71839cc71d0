//! Cronofy's own Node SDK (npm `cronofy`, installed by scripts/setup.sh into
//! `$FREEBUSY_TOOLS`) as a client of the Cronofy-style API: it reads every page, and
//! follows `next_page` the way it does, appending its own parameters to the link.
//!
//! Without node or the SDK this test says so and passes, unless
//! `FREEBUSY_REQUIRE_CRONOFY_SDK` is set (scripts/test.sh sets it), where it fails.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{NO_RATE_LIMIT, TestServer};
use serde_json::Value;

/// Where setup.sh puts npm packages (as scripts/env.sh says).
fn tools() -> PathBuf {
    std::env::var_os("FREEBUSY_TOOLS").map_or_else(
        || {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/freebusy/tools")
        },
        PathBuf::from,
    )
}

// Pins the SDK's view of paging: 250 periods over three pages, each exactly once, in
// order, although the SDK appends `?tzid=…` to every page link.
#[tokio::test]
async fn the_cronofy_sdk_reads_every_page_exactly_once() {
    let modules = tools().join("node_modules");
    let has_node = Command::new("node").arg("--version").output().is_ok();
    if !has_node || !modules.join("cronofy").is_dir() {
        assert!(
            std::env::var_os("FREEBUSY_REQUIRE_CRONOFY_SDK").is_none(),
            "node or the cronofy package is missing from {} (run scripts/setup.sh)",
            modules.display()
        );
        eprintln!("skipped: node or npm `cronofy` missing; scripts/setup.sh installs them");
        return;
    }
    let day = common::booking_day();
    let seed = common::many_events_seed(250);
    let mut flags = vec!["--token", "sdk-token=alice@example.com"];
    flags.extend(NO_RATE_LIMIT);
    let server = TestServer::start_with_seed(&seed, &flags).await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cronofy_sdk/read_pages.js"
    );
    let (from, to) = (day.to_string(), (day + chrono::Days::new(3)).to_string());
    let base = server.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .args([base.as_str(), "sdk-token", "Etc/UTC", &from, &to])
            .env("NODE_PATH", &modules)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "the SDK failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let read: Value = serde_json::from_slice(&output.stdout).unwrap();
    let currents: Vec<u64> = read["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pages| pages["current"].as_u64().unwrap())
        .collect();
    assert_eq!(currents, [1, 2, 3]);
    let uids: Vec<&str> = read["uids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|uid| uid.as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..250).map(|i| format!("e{i:03}")).collect();
    assert_eq!(uids, expected);
}
