//! How JSON bodies are refused, in the API's error shape, through the real layers.
//!
//! No product route takes a body yet (bookings will), so these tests mount a probe
//! route that exists only here, inside the same `layers::around` the router uses.
//! When the booking route lands, its own tests should repeat these against it.

mod common;

use axum::routing::post;
use axum::{Json, Router};
use clap::Parser;
use common::{TestServer, client};
use freebusy_server::config::Config;
use freebusy_server::json_body::JsonBody;
use freebusy_server::layers;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Probe {
    name: String,
}

async fn probe_server() -> TestServer {
    let config = Config::parse_from([
        "freebusy-server",
        "--max-body-bytes",
        "64",
        "--rate-burst",
        "100",
    ]);
    let routes = Router::new().route(
        "/probe",
        post(|JsonBody(probe): JsonBody<Probe>| async move { Json(probe.name) }),
    );
    TestServer::serve(
        layers::around(routes, &config),
        tempfile::tempdir().unwrap(),
    )
    .await
}

async fn send(
    server: &TestServer,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let response = client()
        .post(server.url("/probe"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

// Pins that a good body reaches the handler (so the refusals below are the body's fault).
#[tokio::test]
async fn a_well_formed_body_is_accepted() {
    let server = probe_server().await;
    let (status, body) = send(&server, "application/json", r#"{"name": "bea"}"#).await;
    assert_eq!((status, body), (StatusCode::OK, Value::from("bea")));
}

// Pins 400 invalid_json for a body that does not parse.
#[tokio::test]
async fn broken_json_answers_400() {
    let server = probe_server().await;
    let (status, body) = send(&server, "application/json", r#"{"name": "#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_json");
}

// Pins 400 invalid_body for JSON of the wrong shape.
#[tokio::test]
async fn json_of_the_wrong_shape_answers_400() {
    let server = probe_server().await;
    let (status, body) = send(&server, "application/json", r#"{"nom": "bea"}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_body");
}

// Pins 415 for a body that is not declared as JSON.
#[tokio::test]
async fn a_wrong_content_type_answers_415() {
    let server = probe_server().await;
    let (status, body) = send(&server, "text/plain", r#"{"name": "bea"}"#).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body["error"]["code"], "unsupported_media_type");
}

// Pins strict Content-Types: exactly application/json, charset UTF-8 or none; a `+json`
// type, another charset or another parameter is 415.
#[tokio::test]
async fn only_application_json_in_utf8_is_taken_as_json() {
    let server = probe_server().await;
    for content_type in [
        "application/json+evil",
        "application/json; charset=utf-16",
        "application/vnd.api+json",
        "application/json; charset=utf-8; q=1",
    ] {
        let (status, body) = send(&server, content_type, r#"{"name": "bea"}"#).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}");
        assert_eq!(body["error"]["code"], "unsupported_media_type");
    }
    for content_type in [
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
    ] {
        let (status, _) = send(&server, content_type, r#"{"name": "bea"}"#).await;
        assert_eq!(status, StatusCode::OK, "{content_type}");
    }
}

// Pins 413 past --max-body-bytes, in the error shape.
#[tokio::test]
async fn an_oversized_body_answers_413() {
    let server = probe_server().await;
    let big = format!(r#"{{"name": "{}"}}"#, "b".repeat(100));
    let (status, body) = send(&server, "application/json", big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "payload_too_large");
}
