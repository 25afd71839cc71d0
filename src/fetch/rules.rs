//! The hosts' rules (working hours, notice, horizon, buffers, durations), as the server
//! publishes them beside the availability: `GET {backend}/v1/rules/{email}`.

use freebusy_core::rule::Rules;

use super::http::{Http, HttpRequest};
use super::{FetchError, Sending, expect_success, parse, read, send_patiently};

/// Reads every attendee's rules, one request each, in parallel; none when an attendee
/// is not an email address.
///
/// `Some` with one [`Rules`] per attendee, in their order, when the server published
/// every one; `None` when it answers 404 for any of them (a backend without the rules
/// route, or an address it does not know, whose availability is unknown anyway): the
/// grid then offers free time as the calendars show it, and the server still checks
/// each booking. A document the engine refuses fails the week, as unreadable
/// availability does: a grid built on rules it could not read would offer time the
/// host does not.
///
/// # Errors
///
/// The first [`FetchError`] among the attendees.
pub async fn fetch_rules(
    http: &dyn Http,
    backend: &str,
    attendees: &[String],
    sending: &Sending<'_>,
) -> Result<Option<Vec<Rules>>, FetchError> {
    // An address that is not one is unknown all week (and asked nothing), so no rules
    // can be complete: none are asked for.
    if attendees
        .iter()
        .any(|attendee| freebusy_core::wire::email::check(attendee).is_err())
    {
        return Ok(None);
    }
    let requests = attendees
        .iter()
        .map(|attendee| fetch_one(http, backend, attendee, sending));
    let mut all = Vec::with_capacity(attendees.len());
    let mut published = true;
    for result in super::all(requests).await {
        match result? {
            Some(rules) => all.push(rules),
            None => published = false,
        }
    }
    Ok(published.then_some(all))
}

async fn fetch_one(
    http: &dyn Http,
    backend: &str,
    attendee: &str,
    sending: &Sending<'_>,
) -> Result<Option<Rules>, FetchError> {
    let request = HttpRequest {
        method: "GET",
        url: format!(
            "{backend}/v1/rules/{}",
            String::from(js_sys::encode_uri_component(attendee))
        ),
        bearer: None,
        body: None,
    };
    let response = send_patiently(http, request, sending).await?;
    if response.status == 404 {
        return Ok(None);
    }
    expect_success(response.status)?;
    // The setting refused is named, not why (see `read::rules`).
    let rules = parse(&response.body, Some(attendee), |value| {
        read::rules(value).map_err(|key| format!("{key} cannot be used"))
    });
    // Said to be the rules, not the availability, that cannot be read.
    rules.map(Some).map_err(|error| match error {
        FetchError::Malformed { attendee, detail } => FetchError::Malformed {
            attendee,
            detail: format!("rules: {detail}"),
        },
        other => other,
    })
}
