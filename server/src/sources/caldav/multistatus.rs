//! The 207 Multi-Status answer (RFC 4918 13, 14.16) that PROPFIND and every REPORT
//! return: one `response` per resource, each with a status or with properties grouped
//! by status (`propstat`).

use reqwest::Url;

use super::xml::{self, DAV, Element};

/// A parsed multistatus.
#[derive(Debug, Default)]
pub struct Multistatus {
    /// Its `response`s, in order.
    pub responses: Vec<Response>,
    /// A top-level `sync-token` (RFC 6578 sync-collection).
    pub sync_token: Option<String>,
}

/// One `response`.
#[derive(Debug, Default)]
pub struct Response {
    /// Its `href`s as written (usually one; RFC 4918 allows several with one status).
    pub hrefs: Vec<String>,
    /// The response-level `status` (e.g. 404 for a member removed since a sync token).
    pub status: Option<u16>,
    /// `propstat`s: a status and the properties it covers.
    pub propstats: Vec<Propstat>,
}

/// One `propstat`.
#[derive(Debug, Default)]
pub struct Propstat {
    /// The HTTP status of these properties.
    pub status: u16,
    /// The property elements (children of `prop`).
    pub props: Vec<Element>,
}

impl Response {
    /// A property that came back with a 2xx status.
    pub fn prop(&self, namespace: &str, name: &str) -> Option<&Element> {
        self.propstats
            .iter()
            .filter(|propstat| (200..300).contains(&propstat.status))
            .flat_map(|propstat| propstat.props.iter())
            .find(|prop| prop.is(namespace, name))
    }

    /// The first href.
    pub fn href(&self) -> Option<&str> {
        self.hrefs.first().map(String::as_str)
    }
}

/// The URL an `href` names, relative to the URL that answered.
pub fn resolve(answered: &Url, href: &str) -> Option<Url> {
    let url = answered.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// Whether two URLs name the same resource: same origin, same path once decoded, a
/// trailing slash aside (`/cal` and `/cal/`, `%40` and `@`).
pub fn same_resource(a: &Url, b: &Url) -> bool {
    fn path(url: &Url) -> String {
        let decoded = percent_decode(url.path());
        decoded.trim_end_matches('/').to_owned()
    }
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
        && path(a) == path(b)
}

/// `%XX` sequences decoded (invalid ones and non-UTF-8 results kept as they were).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if byte == b'%' {
            let hex = bytes
                .get(index + 1..index + 3)
                .and_then(|pair| std::str::from_utf8(pair).ok())
                .and_then(|pair| u8::from_str_radix(pair, 16).ok());
            if let Some(decoded) = hex {
                out.push(decoded);
                index += 3;
                continue;
            }
        }
        out.push(byte);
        index += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// Reads a multistatus document. The error is a short reason.
pub fn parse(body: &[u8]) -> Result<Multistatus, String> {
    let root = xml::parse(body)?;
    if !root.is(DAV, "multistatus") {
        return Err(format!(
            "expected a DAV: multistatus, got <{}> in {:?}",
            root.name, root.namespace
        ));
    }
    let mut multistatus = Multistatus {
        sync_token: root
            .child(DAV, "sync-token")
            .map(|token| token.trimmed_text().to_owned()),
        ..Multistatus::default()
    };
    for response in root.children {
        if !response.is(DAV, "response") {
            continue;
        }
        let mut parsed = Response {
            hrefs: response
                .children_named(DAV, "href")
                .map(|href| href.trimmed_text().to_owned())
                .filter(|href| !href.is_empty())
                .collect(),
            ..Response::default()
        };
        if parsed.hrefs.is_empty() {
            return Err("a response without an href".to_owned());
        }
        if let Some(status) = response.child(DAV, "status") {
            parsed.status = Some(status_code(status.trimmed_text())?);
        }
        // Moved, not copied: calendar data can be most of the document.
        for propstat in response.children {
            if !propstat.is(DAV, "propstat") {
                continue;
            }
            let status = propstat
                .child(DAV, "status")
                .ok_or_else(|| "a propstat without a status".to_owned())
                .and_then(|status| status_code(status.trimmed_text()))?;
            let props = propstat
                .children
                .into_iter()
                .filter(|prop| prop.is(DAV, "prop"))
                .flat_map(|prop| prop.children)
                .collect();
            parsed.propstats.push(Propstat { status, props });
        }
        multistatus.responses.push(parsed);
    }
    Ok(multistatus)
}

/// `HTTP/1.1 200 OK` to 200.
fn status_code(line: &str) -> Result<u16, String> {
    let mut words = line.split_whitespace();
    let version = words.next().unwrap_or_default();
    let code = words.next().unwrap_or_default();
    match code.parse::<u16>() {
        Ok(code) if version.starts_with("HTTP/") && (100..600).contains(&code) => Ok(code),
        _ => Err(format!("unreadable status line {line:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::caldav::xml::CALDAV;

    #[test]
    fn a_sync_answer_reads_members_removals_and_the_token() {
        let body = br#"<ns0:multistatus xmlns:ns0="DAV:" xmlns:ns1="urn:ietf:params:xml:ns:caldav">
          <ns0:response><ns0:href>/a/cal/1.ics</ns0:href>
            <ns0:propstat><ns0:status>HTTP/1.1 200 OK</ns0:status>
              <ns0:prop><ns0:getetag>"e1"</ns0:getetag></ns0:prop></ns0:propstat>
            <ns0:propstat><ns0:status>HTTP/1.1 404 Not Found</ns0:status>
              <ns0:prop><ns1:calendar-data/></ns0:prop></ns0:propstat>
          </ns0:response>
          <ns0:response><ns0:href>/a/cal/2.ics</ns0:href><ns0:status>HTTP/1.1 404 Not Found</ns0:status></ns0:response>
          <ns0:sync-token>tok-2</ns0:sync-token>
        </ns0:multistatus>"#;
        let parsed = parse(body).unwrap();
        assert_eq!(parsed.sync_token.as_deref(), Some("tok-2"));
        let [changed, removed] = parsed.responses.as_slice() else {
            panic!("two responses")
        };
        assert_eq!(changed.href(), Some("/a/cal/1.ics"));
        assert_eq!(
            changed.prop(DAV, "getetag").unwrap().trimmed_text(),
            "\"e1\""
        );
        // A property the server could not give (404 propstat) is not "there".
        assert!(changed.prop(CALDAV, "calendar-data").is_none());
        assert_eq!(removed.status, Some(404));
    }

    #[test]
    fn the_same_resource_is_recognised_however_it_is_written() {
        let url = |text: &str| Url::parse(text).unwrap();
        let base = url("http://h:8/dav/ann%40example.com/work/");
        assert!(same_resource(
            &base,
            &url("http://h:8/dav/ann@example.com/work")
        ));
        assert!(!same_resource(
            &base,
            &url("http://h:9/dav/ann@example.com/work/")
        ));
        assert!(!same_resource(
            &base,
            &url("http://h:8/dav/ann@example.com/home/")
        ));
        assert_eq!(
            resolve(&base, "1.ics").unwrap().as_str(),
            "http://h:8/dav/ann%40example.com/work/1.ics"
        );
        assert_eq!(
            resolve(&base, "https://other/x").unwrap().as_str(),
            "https://other/x"
        );
        assert!(resolve(&base, "mailto:ann@example.com").is_none());
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%ff%fe"), "%ff%fe");
    }

    #[test]
    fn documents_that_are_not_a_multistatus_are_refused() {
        for body in [
            &br#"<error xmlns="DAV:"><valid-sync-token/></error>"#[..],
            br#"<multistatus><response><href>/x</href></response></multistatus>"#,
            br#"<multistatus xmlns="DAV:"><response><status>HTTP/1.1 200 OK</status></response></multistatus>"#,
            br#"<multistatus xmlns="DAV:"><response><href>/x</href><status>teapot</status></response></multistatus>"#,
            br#"<multistatus xmlns="DAV:"><response><href>/x</href><propstat><prop/></propstat></response></multistatus>"#,
        ] {
            assert!(parse(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }
}
