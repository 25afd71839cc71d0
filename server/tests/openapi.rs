//! `GET /openapi.json`: valid JSON, and exactly the routes the router serves.

mod common;

use std::collections::BTreeSet;

use common::{TestServer, client, documented_seed};
use freebusy_server::app::ROUTES;
use serde_json::Value;

async fn document(server: &TestServer) -> Value {
    let response = client()
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.expect("the document is JSON")
}

// Pins the document to the route table: the same (method, path) pairs, no more, no less.
#[tokio::test]
async fn the_document_lists_exactly_the_routes_of_the_router() {
    let server = TestServer::start(&[]).await;
    let doc = document(&server).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            assert!(
                operation["responses"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty()),
                "{method} {path} documents its responses"
            );
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let routed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    assert_eq!(documented, routed);
}

// Pins ROUTES to the router: each listed route is served (not the 404/405 fallbacks).
#[tokio::test]
async fn every_listed_route_is_served() {
    let server = TestServer::start_with_seed(&documented_seed(), &[]).await;
    for (method, path) in ROUTES {
        let concrete = path
            .replace("{email}", "alice@example.com")
            .replace("{cursor}", "nope")
            .replace("{id}", "0123");
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = client()
            .request(method.clone(), server.url(&concrete))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_ne!(
            status,
            reqwest::StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert!(!body.contains("no route for"), "{method} {path}: {body}");
    }
}
