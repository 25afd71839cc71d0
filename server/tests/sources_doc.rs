//! SOURCES.md's examples work as written: every `json` block of it starts the real
//! binary, with the environment variables and files the page names in place (the
//! files under a temporary folder instead of /run/secrets and /var/lib).

mod common;

use std::process::{Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_freebusy-server");

fn blocks() -> Vec<String> {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("SOURCES.md"),
    )
    .unwrap();
    page.split("```json\n")
        .skip(1)
        .map(|rest| rest[..rest.find("```").unwrap()].to_owned())
        .collect()
}

#[cfg(unix)]
#[test]
fn every_example_of_sources_md_starts_the_server() {
    let blocks = blocks();
    assert!(blocks.len() >= 3, "the page has its examples");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().display().to_string();
    for (index, block) in blocks.iter().enumerate() {
        let value: serde_json::Value = serde_json::from_str(block).unwrap();
        if value.get("accounts").is_none() {
            continue; // the status example
        }
        let seed_text = block
            .replace("/run/secrets/", &format!("{root}/"))
            .replace("/var/lib/freebusy/", &format!("{root}/"));
        for name in [
            "ada-outlook-ics-url",
            "us-holidays.ics",
            "lin-nextcloud-app-password",
        ] {
            std::fs::write(
                dir.path().join(name),
                "https://outlook.office365.com/owa/calendar/x/y/calendar.ics\n",
            )
            .unwrap();
        }
        let seed = dir.path().join(format!("seed{index}.json"));
        std::fs::write(&seed, seed_text).unwrap();
        let mut child = Command::new(BINARY)
            .args(["--listen", "127.0.0.1:0", "--seed"])
            .arg(&seed)
            .arg("--db")
            .arg(dir.path().join(format!("db{index}.sqlite3")))
            .env("RUST_LOG", "error")
            .env(
                "ADA_GOOGLE_ICS_URL",
                "https://calendar.google.com/calendar/ical/a/private-b/basic.ics",
            )
            .env(
                "GRACE_ICLOUD_WEBCAL_URL",
                "webcal://p42-caldav.icloud.com/published/2/x",
            )
            .env("GRACE_INTRANET_PASSWORD", "x")
            .env("LIN_FASTMAIL_APP_PASSWORD", "x")
            .env("LIN_RADICALE_PASSWORD", "x")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let url = common::listening_url(&mut child);
        let _ = child.kill();
        let output = child.wait_with_output().unwrap();
        assert!(
            url.is_ok(),
            "block {index} did not start the server: {url:?} {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
