//! Writing bookings back: one calendar object resource per booking, created, replaced
//! and deleted under ETag preconditions (RFC 4791 5.3.2, RFC 9110 13.1).

use reqwest::header::{CONTENT_TYPE, ETAG, HeaderValue, IF_MATCH, IF_NONE_MATCH};
use reqwest::{Method, Url};
use sha2::{Digest, Sha256};

use super::error::{CalDavError, ShownUrl};
use super::transport::Request;
use super::{Client, ETag, Href, Precondition, Resource};

/// The longest UID used as a file name as it is; longer ones are hashed.
const MAX_NAME: usize = 120;

impl Client {
    /// Stores `ics` (one `VCALENDAR` with one event, as `ics::write` makes it with
    /// `Method::None`) at `resource`, under `precondition`.
    ///
    /// Returns the new ETag when the server sends a strong one; `None` when it sends none
    /// or a weak one (it changed the data while storing it: [`Client::get`] reads what
    /// it kept). 412 is [`CalDavError::PreconditionFailed`]: created meanwhile by someone
    /// else (`Absent`) or changed since the ETag was read (`Matches`).
    pub async fn put(
        &self,
        resource: &Url,
        ics: &str,
        precondition: Precondition,
    ) -> Result<Option<ETag>, CalDavError> {
        let mut headers = vec![(
            CONTENT_TYPE,
            HeaderValue::from_static("text/calendar; charset=utf-8"),
        )];
        headers.extend(condition(resource, &precondition)?);
        let request = Request {
            method: Method::PUT,
            url: resource.clone(),
            headers,
            body: Some(ics.as_bytes().to_vec()),
        };
        let answer = self
            .transport
            .send(request)
            .await?
            .expect(&[200, 201, 204])?;
        Ok(answer
            .header(ETAG.as_str())
            .filter(|etag| !etag.is_empty() && !etag.starts_with("W/"))
            .map(ETag::new))
    }

    /// Deletes `resource`, only if it is still at `etag` when one is given. Already gone
    /// (404, 410) counts as done; 412 is [`CalDavError::PreconditionFailed`].
    pub async fn delete(&self, resource: &Url, etag: Option<&ETag>) -> Result<(), CalDavError> {
        let headers = match etag {
            Some(etag) => condition(resource, &Precondition::Matches(etag.clone()))?,
            None => Vec::new(),
        };
        let request = Request {
            method: Method::DELETE,
            url: resource.clone(),
            headers,
            body: None,
        };
        let answer = self.transport.send(request).await?;
        if answer.is(&[404, 410]) {
            return Ok(());
        }
        answer.expect(&[200, 202, 204]).map(|_| ())
    }

    /// One resource as it is now (`GET`): its data and ETag.
    pub async fn get(&self, resource: &Url) -> Result<Resource, CalDavError> {
        let request = Request {
            method: Method::GET,
            url: resource.clone(),
            headers: vec![(
                reqwest::header::ACCEPT,
                HeaderValue::from_static("text/calendar"),
            )],
            body: None,
        };
        let answer = self.transport.send(request).await?.expect(&[200])?;
        let data = String::from_utf8(answer.body.clone())
            .map_err(|_| answer.malformed("calendar data that is not UTF-8"))?;
        Ok(Resource {
            href: Href::of(resource),
            url: resource.clone(),
            etag: answer
                .header(ETAG.as_str())
                .filter(|etag| !etag.is_empty())
                .map(ETag::new),
            data,
        })
    }

    /// Where the event with `uid` goes in `collection`: `<collection>/<name>.ics`, the
    /// name being the UID when it is short and made of safe characters
    /// (`A-Z a-z 0-9 - _ . @`), else the SHA-256 of the UID in hex, so that any UID gives
    /// a stable name every server accepts.
    pub fn resource_url(collection: &Url, uid: &str) -> Url {
        let safe = !uid.is_empty()
            && uid.len() <= MAX_NAME
            && !uid.starts_with('.')
            && uid
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"-_.@".contains(&byte));
        let name = if safe {
            format!("{uid}.ics")
        } else {
            let digest = Sha256::digest(uid.as_bytes());
            let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
            format!("{hex}.ics")
        };
        let mut url = collection.clone();
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push(&name);
        }
        url
    }
}

/// The header a precondition sends.
fn condition(
    resource: &Url,
    precondition: &Precondition,
) -> Result<Vec<(reqwest::header::HeaderName, HeaderValue)>, CalDavError> {
    Ok(match precondition {
        Precondition::Absent => vec![(IF_NONE_MATCH, HeaderValue::from_static("*"))],
        Precondition::Matches(etag) => {
            let value =
                HeaderValue::from_str(etag.as_str()).map_err(|_| CalDavError::Malformed {
                    url: ShownUrl::new(resource),
                    reason: "an ETag that cannot be sent back in a header".to_owned(),
                })?;
            vec![(IF_MATCH, value)]
        }
        Precondition::None => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_names_are_safe_and_stable() {
        let collection = Url::parse("http://h/dav/ann/work/").unwrap();
        assert_eq!(
            Client::resource_url(&collection, "booking-7@freebusy").as_str(),
            "http://h/dav/ann/work/booking-7@freebusy.ics"
        );
        let odd = Client::resource_url(&collection, "../../x y/é?#");
        assert!(odd.as_str().starts_with("http://h/dav/ann/work/"), "{odd}");
        assert_eq!(odd.path_segments().unwrap().count(), 4, "{odd}");
        assert_eq!(odd, Client::resource_url(&collection, "../../x y/é?#"));
        let bare = Url::parse("http://h/dav/ann/work").unwrap();
        assert_eq!(
            Client::resource_url(&bare, "b1").as_str(),
            "http://h/dav/ann/work/b1.ics"
        );
    }
}
