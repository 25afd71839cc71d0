//! `GET /widget/{file}`: the widget's files from `--widget-dir`, over a real socket.

mod common;

use clap::Parser;
use common::TestServer;
use freebusy_server::config::Config;
use sha2::{Digest, Sha384};

/// A widget directory as the release build packages it: the loader with its brotli and
/// gzip forms, a content-hashed wasm with a gzip form only, and a file never served.
fn widget_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
    write("freebusy.js", b"export const loader = 1;");
    write("freebusy.js.br", b"brotli bytes");
    write("freebusy.js.gz", b"gzip bytes");
    write("freebusy-0123456789abcdef.wasm", b"\0asm wasm bytes");
    write("freebusy-0123456789abcdef.wasm.gz", b"gzip wasm");
    write("index.html", b"<p>not served</p>");
    dir
}

/// A client that leaves the bytes as they came: these tests read the encodings on the
/// wire (reqwest decodes gzip itself once any crate of the workspace enables it).
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .expect("client")
}

async fn server(dir: &tempfile::TempDir) -> TestServer {
    TestServer::start(&["--widget-dir", dir.path().to_str().unwrap()]).await
}

// Pins the encodings: brotli when accepted, else gzip, else the file as it is; each
// with its own ETag and `Vary: accept-encoding`.
#[tokio::test]
async fn files_are_served_in_the_best_encoding_accepted() {
    let dir = widget_dir();
    let server = server(&dir).await;
    let get = |encoding: &'static str| {
        let url = server.url("/widget/freebusy.js");
        async move {
            let mut request = client().get(url);
            if !encoding.is_empty() {
                request = request.header("accept-encoding", encoding);
            }
            request.send().await.unwrap()
        }
    };
    let mut tags = Vec::new();
    for (accept, coding, body) in [
        ("gzip, deflate, br", Some("br"), "brotli bytes"),
        ("gzip", Some("gzip"), "gzip bytes"),
        ("br;q=0, gzip;q=0", None, "export const loader = 1;"),
        ("", None, "export const loader = 1;"),
    ] {
        let response = get(accept).await;
        assert_eq!(response.status(), 200, "{accept}");
        let headers = response.headers().clone();
        assert_eq!(
            headers.get("content-encoding").map(|v| v.to_str().unwrap()),
            coding,
            "{accept}"
        );
        assert_eq!(headers["content-type"], "text/javascript; charset=utf-8");
        assert_eq!(headers["vary"], "accept-encoding");
        assert_eq!(headers["access-control-allow-origin"], "*");
        assert_eq!(headers["timing-allow-origin"], "*");
        assert_eq!(headers["cache-control"], "public, no-cache");
        tags.push(headers["etag"].to_str().unwrap().to_owned());
        assert_eq!(response.bytes().await.unwrap(), body.as_bytes(), "{accept}");
    }
    assert_ne!(tags[0], tags[1], "an ETag per encoding");
    assert_eq!(tags[2], tags[3]);
}

// Pins caching: a content-hashed name is immutable for a year; a matching
// If-None-Match gets a 304 without a body.
#[tokio::test]
async fn hashed_files_are_immutable_and_revalidation_is_a_304() {
    let dir = widget_dir();
    let server = server(&dir).await;
    let url = server.url("/widget/freebusy-0123456789abcdef.wasm");
    let response = client()
        .get(&url)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(response.headers()["content-type"], "application/wasm");
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let again = client()
        .get(&url)
        .header("accept-encoding", "br, gzip")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
}

// Pins what is not served: other files, paths below the directory, and everything
// when the server runs without --widget-dir; each a 404 in the error shape.
#[tokio::test]
async fn other_files_and_a_server_without_the_widget_answer_404() {
    let dir = widget_dir();
    let server = server(&dir).await;
    for path in [
        "/widget/index.html",
        "/widget/nothing.js",
        "/widget/..%2Fsecret.js",
    ] {
        let response = client().get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    let bare = TestServer::start(&[]).await;
    let response = client()
        .get(bare.url("/widget/freebusy.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("--widget-dir"));
}

// Pins the integrity hashes (SHA-384 of the bytes, base64) and that a directory
// without the widget stops the server at start-up, naming the flag.
#[tokio::test]
async fn integrity_hashes_and_a_bad_directory_is_refused_at_start_up() {
    let dir = widget_dir();
    let config = Config::parse_from([
        "freebusy-server",
        "--widget-dir",
        dir.path().to_str().unwrap(),
    ]);
    let widget = config.widget_dir.unwrap();
    let listed: Vec<(String, String)> = widget
        .integrity()
        .map(|(name, hash)| (name.to_owned(), hash.to_owned()))
        .collect();
    let expected = |bytes: &[u8]| {
        use base64_check::encode;
        format!("sha384-{}", encode(&Sha384::digest(bytes)))
    };
    assert_eq!(
        listed,
        [
            (
                "freebusy-0123456789abcdef.wasm".to_owned(),
                expected(b"\0asm wasm bytes")
            ),
            (
                "freebusy.js".to_owned(),
                expected(b"export const loader = 1;")
            ),
        ]
    );
    let empty = tempfile::tempdir().unwrap();
    let error = Config::try_parse_from([
        "freebusy-server",
        "--widget-dir",
        empty.path().to_str().unwrap(),
    ])
    .unwrap_err()
    .to_string();
    assert!(error.contains("--widget-dir"), "{error}");
    assert!(error.contains("no freebusy.js"), "{error}");
}

/// An independent base64 (RFC 4648, with padding), to check the server's.
mod base64_check {
    pub fn encode(bytes: &[u8]) -> String {
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let bits: String = bytes.iter().map(|byte| format!("{byte:08b}")).collect();
        let mut out: String = bits
            .as_bytes()
            .chunks(6)
            .map(|chunk| {
                let text = std::str::from_utf8(chunk).unwrap();
                let index = usize::from_str_radix(&format!("{text:0<6}"), 2).unwrap();
                alphabet.as_bytes()[index] as char
            })
            .collect();
        while !out.len().is_multiple_of(4) {
            out.push('=');
        }
        out
    }
}
