//! `GET /v1/messages/{language}` over a real loopback socket: the widget's catalogues
//! beyond English, public, cacheable, with CORS for the configured origin.

mod common;

use common::{TestServer, client};
use reqwest::StatusCode;
use serde_json::Value;

const ORIGIN: &str = "http://localhost:8080";

async fn server() -> TestServer {
    TestServer::start(&["--allow-origin", ORIGIN]).await
}

// German is served as every key with its German text, cacheable, with an ETag and a
// CORS grant for the widget's page; no token is needed.
#[tokio::test]
async fn a_catalogue_is_every_key_with_its_text_cacheable_and_granted_to_the_page() {
    let server = server().await;
    let response = client()
        .get(server.url("/v1/messages/de"))
        .header("Origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["cache-control"], "public, max-age=86400");
    assert_eq!(headers["access-control-allow-origin"], ORIGIN);
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10,
        "{etag}"
    );
    let body: Value = response.json().await.unwrap();
    let texts = body.as_object().unwrap();
    assert_eq!(texts.len(), freebusy_messages::KEYS.len());
    for key in freebusy_messages::KEYS {
        assert!(texts[key].is_string(), "{key}");
    }
    assert_eq!(texts["week.previous"], "Vorherige Woche");
    assert_eq!(
        texts["problem.option"],
        "{attribute}=\"{value}\" ist nicht {expected}; es gilt der Standardwert"
    );

    // The same ETag again: 304, nothing sent.
    let again = client()
        .get(server.url("/v1/messages/de"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
}

// Each language has its own texts and its own ETag.
#[tokio::test]
async fn every_language_is_served_with_its_own_texts_and_etag() {
    let server = server().await;
    let mut etags = Vec::new();
    for (language, previous) in [
        ("fr", "Semaine précédente"),
        ("es", "Semana anterior"),
        ("ja", "前の週"),
        ("ar", "الأسبوع السابق"),
        ("en", "Previous week"),
    ] {
        let response = client()
            .get(server.url(&format!("/v1/messages/{language}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{language}");
        etags.push(response.headers()["etag"].to_str().unwrap().to_owned());
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["week.previous"], previous, "{language}");
    }
    etags.sort();
    etags.dedup();
    assert_eq!(etags.len(), 5);
}

// A language without a catalogue, or a tag that is not a primary subtag, is a 404 in
// the API's error shape.
#[tokio::test]
async fn a_language_without_a_catalogue_is_a_json_404() {
    let server = server().await;
    for language in ["xx", "de-DE", "DE", "%00", ".."] {
        let response = client()
            .get(server.url(&format!("/v1/messages/{language}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{language}");
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{language}");
    }
}
