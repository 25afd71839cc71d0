//! The visitor's message catalogue, when their language is not English: the server
//! the widget already reads serves it as `GET {backend}/v1/messages/{language}`, a JSON
//! object of key and text (see [`crate::messages`]).

use std::cell::RefCell;
use std::rc::Rc;

use super::http::{Http, HttpRequest};
use super::{Sending, send_patiently};
use crate::messages::{Overrides, parse_overrides};

thread_local! {
    /// Catalogues read so far on this page, by URL: a second widget, or a widget whose
    /// locale changes back, asks nothing.
    static READ: RefCell<Vec<(String, Rc<Overrides>)>> = const { RefCell::new(Vec::new()) };
}

fn url(backend: &str, language: &str) -> String {
    format!("{backend}/v1/messages/{language}")
}

/// The catalogue of `language` from `backend`, if this page read it already.
pub fn cached(backend: &str, language: &str) -> Option<Rc<Overrides>> {
    let url = url(backend, language);
    READ.with_borrow(|read| {
        read.iter()
            .find(|(known, _)| *known == url)
            .map(|(_, texts)| texts.clone())
    })
}

/// Reads the catalogue of `language` (`de`, `ja`) from `backend`, with the week's
/// timeout and abort signal; `None` when it cannot be had (no such route, an error
/// status, no answer in time, an answer that is not an object of strings), and the
/// widget stays English. Texts under keys it does not know (a newer server) are left
/// out; texts it lacks stay English.
pub async fn fetch_catalogue(
    http: &dyn Http,
    backend: &str,
    language: &str,
    sending: &Sending<'_>,
) -> Option<Rc<Overrides>> {
    let url = url(backend, language);
    let request = HttpRequest {
        method: "GET",
        url: url.clone(),
        bearer: None,
        body: None,
    };
    let response = send_patiently(http, request, sending).await.ok()?;
    if !(200..300).contains(&response.status) {
        return None;
    }
    let texts = Rc::new(parse_overrides(&response.body)?.0);
    READ.with_borrow_mut(|read| read.push((url, texts.clone())));
    Some(texts)
}
