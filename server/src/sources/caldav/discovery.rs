//! Finding an account's calendars (RFC 6764 6, RFC 4791 6.2.1, RFC 5397) and reading
//! one collection's properties.

use reqwest::Url;

use super::error::{CalDavError, ShownUrl};
use super::multistatus::{self, Multistatus, Response, resolve, same_resource};
use super::transport::{Depth, Request, method};
use super::xml::{self, CALDAV, CALENDARSERVER, DAV};
use super::{CalendarInfo, Client, Discovery, Reports, SyncToken};

/// What tells a calendar collection apart and what the sync needs to know of it.
const CALENDAR_PROPS: &str = "<D:resourcetype/><D:displayname/>\
<C:supported-calendar-component-set/><D:current-user-privilege-set/><CS:getctag/>\
<D:sync-token/><D:supported-report-set/>";

/// Asked of the starting URL: enough to tell whether it is a calendar, a principal, or
/// something that knows the principal, in one round trip.
const START_PROPS: &str = "<D:current-user-principal/><C:calendar-home-set/>";

fn propfind_body(props: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<D:propfind xmlns:D=\"{DAV}\" xmlns:C=\"{CALDAV}\" xmlns:CS=\"{CALENDARSERVER}\">\
<D:prop>{props}</D:prop></D:propfind>"
    )
}

impl Client {
    /// Finds the account's calendar collections.
    ///
    /// From a bare server URL it asks `/.well-known/caldav` first and then the URL
    /// itself; from a URL with a path, the other way round. The first that names a
    /// `current-user-principal` (or is a principal, or has a `calendar-home-set`) wins.
    /// The principal's `calendar-home-set` is then listed (`Depth: 1`), and every member
    /// that is a calendar collection is returned, whatever components it holds (see
    /// [`CalendarInfo::has_events`]). When the URL is itself a calendar collection, that
    /// one is returned.
    ///
    /// Errors: [`CalDavError::Unauthorized`] at once (no other URL would do better);
    /// [`CalDavError::Unsupported`] when no URL names a principal or the principal has
    /// no home; otherwise the last URL's error.
    pub async fn discover(&self) -> Result<Discovery, CalDavError> {
        let base = self.base().clone();
        let well_known =
            base.join("/.well-known/caldav")
                .map_err(|error| CalDavError::InvalidUrl {
                    reason: error.to_string(),
                })?;
        let starts = if base.path().starts_with("/.well-known/") {
            vec![base.clone()]
        } else if base.path() == "/" {
            vec![well_known, base.clone()]
        } else {
            vec![base.clone(), well_known]
        };
        let mut principal = None;
        let mut homes = Vec::new();
        let mut last_error = None;
        for start in &starts {
            let props = format!("{START_PROPS}{CALENDAR_PROPS}");
            let (answered, found) = match self.propfind(start, Depth::Zero, &props).await {
                Ok(found) => found,
                Err(error) if worth_another_start(&error) => {
                    last_error = Some(error);
                    continue;
                }
                Err(error) => return Err(error),
            };
            let Some(response) = own_response(&answered, &found) else {
                last_error = Some(CalDavError::Malformed {
                    url: ShownUrl::new(&answered),
                    reason: "no response for the resource asked about".to_owned(),
                });
                continue;
            };
            if let Some(calendar) = calendar_info(answered.clone(), response) {
                return Ok(Discovery {
                    principal: href_prop(&answered, response, DAV, "current-user-principal")
                        .into_iter()
                        .next(),
                    homes: Vec::new(),
                    calendars: vec![calendar],
                });
            }
            homes = href_prop(&answered, response, CALDAV, "calendar-home-set");
            principal = href_prop(&answered, response, DAV, "current-user-principal")
                .into_iter()
                .next()
                .or_else(|| is_principal(response).then(|| answered.clone()));
            if principal.is_some() || !homes.is_empty() {
                break;
            }
            last_error = Some(CalDavError::Unsupported {
                url: ShownUrl::new(&answered),
                what: "current-user-principal",
            });
        }
        if principal.is_none() && homes.is_empty() {
            return Err(last_error.unwrap_or(CalDavError::Unsupported {
                url: ShownUrl::new(&base),
                what: "current-user-principal",
            }));
        }
        if homes.is_empty()
            && let Some(principal) = &principal
        {
            let (answered, found) = self
                .propfind(principal, Depth::Zero, "<C:calendar-home-set/>")
                .await?;
            homes = own_response(&answered, &found)
                .map(|response| href_prop(&answered, response, CALDAV, "calendar-home-set"))
                .unwrap_or_default();
            if homes.is_empty() {
                return Err(CalDavError::Unsupported {
                    url: ShownUrl::new(principal),
                    what: "calendar-home-set",
                });
            }
        }
        let mut calendars: Vec<CalendarInfo> = Vec::new();
        for home in &homes {
            let (answered, found) = self.propfind(home, Depth::One, CALENDAR_PROPS).await?;
            for response in &found.responses {
                let Some(url) = response.href().and_then(|href| resolve(&answered, href)) else {
                    continue;
                };
                if calendars
                    .iter()
                    .any(|known| same_resource(&known.url, &url))
                {
                    continue;
                }
                if let Some(calendar) = calendar_info(url, response) {
                    calendars.push(calendar);
                }
            }
        }
        Ok(Discovery {
            principal,
            homes,
            calendars,
        })
    }

    /// The properties of one collection (`PROPFIND`, `Depth: 0`);
    /// [`CalDavError::NotACalendar`] when it is not a calendar collection.
    pub async fn collection_info(&self, collection: &Url) -> Result<CalendarInfo, CalDavError> {
        let (answered, found) = self
            .propfind(collection, Depth::Zero, CALENDAR_PROPS)
            .await?;
        own_response(&answered, &found)
            .and_then(|response| calendar_info(answered.clone(), response))
            .ok_or_else(|| CalDavError::NotACalendar {
                url: ShownUrl::new(collection),
            })
    }

    /// A PROPFIND; the URL that answered (after redirects) and its multistatus.
    async fn propfind(
        &self,
        url: &Url,
        depth: Depth,
        props: &str,
    ) -> Result<(Url, Multistatus), CalDavError> {
        let request = Request::xml(method("PROPFIND")?, url, depth, propfind_body(props));
        let answer = self.transport.send(request).await?.expect(&[207])?;
        let found = multistatus::parse(&answer.body).map_err(|reason| answer.malformed(reason))?;
        // Some servers (Xandikos) answer a missing resource with 207 and a 404 inside.
        if depth == Depth::Zero
            && let Some(status) = own_response(&answer.url, &found).and_then(|r| r.status)
            && !(200..300).contains(&status)
        {
            return Err(answer.error_for(status));
        }
        Ok((answer.url, found))
    }
}

/// Whether discovery should go on to the next starting URL after this error: the URL
/// may simply not be a DAV resource (404, 405, an HTML page, 403 on the root).
fn worth_another_start(error: &CalDavError) -> bool {
    matches!(
        error,
        CalDavError::NotFound { .. }
            | CalDavError::Forbidden { .. }
            | CalDavError::UnexpectedStatus { .. }
            | CalDavError::Malformed { .. }
            | CalDavError::RedirectLoop { .. }
            | CalDavError::TooManyRedirects { .. }
    )
}

/// The response about `answered` itself in a `Depth: 0` answer (some servers write a
/// different form of the href; with one response, that is it).
fn own_response<'a>(answered: &Url, found: &'a Multistatus) -> Option<&'a Response> {
    found
        .responses
        .iter()
        .find(|response| {
            response
                .href()
                .and_then(|href| resolve(answered, href))
                .is_some_and(|url| same_resource(&url, answered))
        })
        .or(match found.responses.as_slice() {
            [only] => Some(only),
            _ => None,
        })
}

/// The URLs inside a property made of `<D:href>`s (principal, home set).
fn href_prop(answered: &Url, response: &Response, namespace: &str, name: &str) -> Vec<Url> {
    response
        .prop(namespace, name)
        .map(|prop| {
            prop.children_named(DAV, "href")
                .filter_map(|href| resolve(answered, href.trimmed_text()))
                .collect()
        })
        .unwrap_or_default()
}

fn is_principal(response: &Response) -> bool {
    response
        .prop(DAV, "resourcetype")
        .is_some_and(|kind| kind.child(DAV, "principal").is_some())
}

/// The collection's [`CalendarInfo`], or `None` when it is not a calendar.
fn calendar_info(url: Url, response: &Response) -> Option<CalendarInfo> {
    let kind = response.prop(DAV, "resourcetype")?;
    kind.child(CALDAV, "calendar")?;
    let text = |namespace: &str, name: &str| {
        response
            .prop(namespace, name)
            .map(xml::Element::trimmed_text)
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    };
    let components = response
        .prop(CALDAV, "supported-calendar-component-set")
        .map(|set| {
            set.children_named(CALDAV, "comp")
                .filter_map(|comp| comp.attribute("name"))
                .map(|name| name.trim().to_ascii_uppercase())
                .collect()
        });
    let writable = response.prop(DAV, "current-user-privilege-set").map(|set| {
        set.children_named(DAV, "privilege").any(|privilege| {
            ["write", "write-content", "all"]
                .iter()
                .any(|name| privilege.child(DAV, name).is_some())
        })
    });
    let reports = response.prop(DAV, "supported-report-set").map(|set| {
        let has = |namespace: &str, name: &str| {
            set.children_named(DAV, "supported-report")
                .any(|supported| {
                    supported
                        .child(DAV, "report")
                        .is_some_and(|report| report.child(namespace, name).is_some())
                })
        };
        Reports {
            sync_collection: has(DAV, "sync-collection"),
            calendar_query: has(CALDAV, "calendar-query"),
            calendar_multiget: has(CALDAV, "calendar-multiget"),
            free_busy_query: has(CALDAV, "free-busy-query"),
        }
    });
    Some(CalendarInfo {
        url,
        display_name: text(DAV, "displayname"),
        components,
        writable,
        ctag: text(CALENDARSERVER, "getctag"),
        sync_token: text(DAV, "sync-token").map(SyncToken::new),
        reports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collection_is_read_whatever_the_prefixes() {
        let body = br#"<ns0:multistatus xmlns:ns0="DAV:" xmlns:ns1="http://calendarserver.org/ns/" xmlns:ns2="urn:ietf:params:xml:ns:caldav">
<ns0:response><ns0:href>/ann/calendars/calendar/</ns0:href><ns0:propstat><ns0:status>HTTP/1.1 200 OK</ns0:status><ns0:prop>
<ns0:resourcetype><ns0:collection/><ns2:calendar/></ns0:resourcetype><ns0:displayname>Work &amp; more</ns0:displayname>
<ns2:supported-calendar-component-set><ns2:comp name="vevent"/><ns2:comp name="VTODO"/></ns2:supported-calendar-component-set>
<ns0:current-user-privilege-set><ns0:privilege><ns0:read/></ns0:privilege></ns0:current-user-privilege-set>
<ns1:getctag>c1</ns1:getctag><ns0:sync-token>s1</ns0:sync-token>
<ns0:supported-report-set><ns0:supported-report><ns0:report><ns0:sync-collection/></ns0:report></ns0:supported-report></ns0:supported-report-set>
</ns0:prop></ns0:propstat></ns0:response></ns0:multistatus>"#;
        let found = multistatus::parse(body).unwrap();
        let url = Url::parse("http://h/ann/calendars/calendar/").unwrap();
        let response = own_response(&url, &found).unwrap();
        let info = calendar_info(url, response).unwrap();
        assert_eq!(info.display_name.as_deref(), Some("Work & more"));
        assert_eq!(info.components, Some(vec!["VEVENT".into(), "VTODO".into()]));
        assert!(info.has_events());
        assert_eq!(info.writable, Some(false));
        assert_eq!(info.ctag.as_deref(), Some("c1"));
        assert_eq!(info.sync_token, Some(SyncToken::new("s1")));
        assert!(info.supports_sync());
        assert!(!info.reports.unwrap().free_busy_query);
    }

    #[test]
    fn the_request_body_declares_every_prefix_it_uses() {
        let body = propfind_body(&format!("{START_PROPS}{CALENDAR_PROPS}"));
        let parsed = xml::parse(body.as_bytes()).unwrap();
        let prop = parsed.child(DAV, "prop").unwrap();
        assert!(prop.child(CALENDARSERVER, "getctag").is_some());
        assert!(prop.child(CALDAV, "calendar-home-set").is_some());
        assert_eq!(prop.children.len(), 9);
    }
}
