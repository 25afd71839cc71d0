//! Who may do what: bearer tokens and their scopes, and the secrets that cancel a
//! booking (only their hashes are stored).

use std::collections::HashMap;

use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};

use crate::email;
use crate::error::ApiError;

/// The scope a token needs for the Cronofy-style free/busy route.
pub const READ_FREE_BUSY: &str = "read_free_busy";
/// A broader scope that, as Cronofy documents, includes [`READ_FREE_BUSY`].
pub const READ_EVENTS: &str = "read_events";
/// The operator's scope for `GET /v1/sources`: how every source stands.
pub const READ_SOURCES: &str = "read_sources";
/// Every scope this server checks: a grant of any other could never matter, so
/// `--token` refuses it.
pub const KNOWN_SCOPES: &[&str] = &[READ_FREE_BUSY, READ_EVENTS, READ_SOURCES];

/// What a route asks of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Reading the account's free/busy: `read_free_busy`, or `read_events` which
    /// includes it.
    ReadFreeBusy,
    /// Reading every source's sync status: `read_sources`.
    ReadSources,
}

impl Scope {
    /// The scope's name, as a 403 names it.
    pub fn name(self) -> &'static str {
        match self {
            Scope::ReadFreeBusy => READ_FREE_BUSY,
            Scope::ReadSources => READ_SOURCES,
        }
    }

    /// Whether a grant of `scopes` includes this scope.
    fn granted_by(self, scopes: &[String]) -> bool {
        match self {
            Scope::ReadFreeBusy => scopes
                .iter()
                .any(|scope| scope == READ_FREE_BUSY || scope == READ_EVENTS),
            Scope::ReadSources => scopes.iter().any(|scope| scope == READ_SOURCES),
        }
    }
}

/// A bearer token and what it may do: whose calendars, which scopes.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// The secret the client sends as `Authorization: Bearer TOKEN`.
    pub token: String,
    /// The account the token acts for.
    pub email: String,
    /// Cronofy-style scopes, e.g. `read_free_busy`.
    pub scopes: Vec<String>,
}

impl TokenGrant {
    /// Whether the token grants `scope`.
    pub fn grants(&self, scope: Scope) -> bool {
        scope.granted_by(&self.scopes)
    }
}

// Tokens are secrets: keep them out of `{:?}` and so out of logs.
impl std::fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGrant")
            .field("token", &"<redacted>")
            .field("email", &self.email)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// Parses `TOKEN=EMAIL`, `TOKEN=EMAIL:SCOPE,SCOPE` or `TOKEN=EMAIL:` (the `--token`
/// flag); a bare `TOKEN=EMAIL` grants `read_free_busy`. Scopes are [`KNOWN_SCOPES`].
///
/// # Errors
///
/// A message saying which part is malformed.
pub fn parse_token(text: &str) -> Result<TokenGrant, String> {
    let (token, rest) = text
        .split_once('=')
        .ok_or("expected TOKEN=EMAIL or TOKEN=EMAIL:SCOPES")?;
    // RFC 6750's token68 alphabet, so the token survives an Authorization header as is.
    let token_char = |c: char| c.is_ascii_alphanumeric() || "-._~+/".contains(c);
    if token.is_empty() || !token.chars().all(token_char) {
        return Err("the token must be non-empty and use only A-Z a-z 0-9 - . _ ~ + /".into());
    }
    let (email, scopes) = match rest.split_once(':') {
        None => (rest, vec![READ_FREE_BUSY.to_owned()]),
        Some((email, "")) => (email, Vec::new()),
        Some((email, list)) => {
            let scopes: Vec<String> = list.split(',').map(str::to_owned).collect();
            if let Some(unknown) = scopes.iter().find(|s| !KNOWN_SCOPES.contains(&s.as_str())) {
                return Err(format!(
                    "unknown scope {unknown:?}: this server knows {} (comma-separated; \
                     TOKEN=EMAIL: for a token that may read nothing)",
                    KNOWN_SCOPES.join(" and ")
                ));
            }
            (email, scopes)
        }
    };
    email::check(email).map_err(|why| format!("email {email:?} {why}"))?;
    Ok(TokenGrant {
        token: token.to_owned(),
        email: email.to_owned(),
        scopes,
    })
}

/// Every token the server knows, by its secret.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    grants: HashMap<String, TokenGrant>,
}

impl Tokens {
    /// The table of `grants` (a later grant of the same token wins; the flags refuse
    /// repeats before this).
    pub fn new(grants: &[TokenGrant]) -> Tokens {
        let grants = grants
            .iter()
            .map(|grant| (grant.token.clone(), grant.clone()))
            .collect();
        Tokens { grants }
    }

    /// The grant of the request's bearer token, if it grants `scope`.
    ///
    /// # Errors
    ///
    /// [`ApiError::Unauthorized`] for a missing or unknown token,
    /// [`ApiError::Forbidden`] for a known one without `scope`.
    pub fn authorize(&self, headers: &HeaderMap, scope: Scope) -> Result<&TokenGrant, ApiError> {
        let token = bearer_token(headers).ok_or(ApiError::Unauthorized)?;
        let grant = self.grants.get(token).ok_or(ApiError::Unauthorized)?;
        if !grant.grants(scope) {
            return Err(ApiError::Forbidden(scope.name()));
        }
        Ok(grant)
    }
}

/// The token of `Authorization: Bearer TOKEN`, if the header is there and well formed.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// A booking's cancel token as handed to the booker, and the hash the store keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelToken {
    /// The secret: 64 hex digits from the OS's random source.
    pub token: String,
    /// Its [`token_hash`].
    pub hash: String,
}

impl CancelToken {
    /// A fresh token.
    ///
    /// # Errors
    ///
    /// [`ApiError::Internal`] if the OS has no random source to give.
    pub fn new() -> Result<CancelToken, ApiError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| ApiError::Internal(format!("no random source for a cancel token: {e}")))?;
        let token = hex(&bytes);
        let hash = token_hash(&token);
        Ok(CancelToken { token, hash })
    }
}

/// The SHA-256 of a cancel token, in hex: all the store keeps, so a leaked database
/// cannot cancel bookings.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Pins the default: a bare TOKEN=EMAIL may read free/busy.
    #[test]
    fn a_token_without_scopes_reads_free_busy() {
        let grant = parse_token("abc123=alice@example.com").unwrap();
        assert_eq!(grant.email, "alice@example.com");
        assert!(grant.grants(Scope::ReadFreeBusy));
    }

    // Pins how to express a token that is known but lacks the free/busy scope, and
    // that scopes this server never checks are refused rather than granted in vain.
    #[test]
    fn a_token_with_an_empty_scope_list_cannot_read_free_busy() {
        assert!(
            !parse_token("t=alice@example.com:")
                .unwrap()
                .grants(Scope::ReadFreeBusy)
        );
        let message = parse_token("t=alice@example.com:create_event").unwrap_err();
        assert!(
            message.contains(r#"unknown scope "create_event""#),
            "{message}"
        );
        assert!(parse_token("t=alice@example.com:read_free_busy,").is_err());
        assert!(
            parse_token("t=alice@example.com:read_events")
                .unwrap()
                .grants(Scope::ReadFreeBusy)
        );
    }

    // Pins the rejected token shapes.
    #[test]
    fn malformed_tokens_are_rejected() {
        for text in [
            "alice@example.com",
            "=alice@example.com",
            "t=alice",
            "a b=x@example.com",
            "t=a@example.com:Read",
        ] {
            assert!(parse_token(text).is_err(), "{text:?}");
        }
    }

    // Pins 401 for no or an unknown token, 403 for a known one without the scope.
    #[test]
    fn authorize_tells_unknown_tokens_from_missing_scopes() {
        let tokens = Tokens::new(&[
            parse_token("reader=alice@example.com").unwrap(),
            parse_token("none=alice@example.com:").unwrap(),
        ]);
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
            headers
        };
        let grant = tokens
            .authorize(&with("Bearer reader"), Scope::ReadFreeBusy)
            .unwrap();
        assert_eq!(grant.email, "alice@example.com");
        assert!(matches!(
            tokens.authorize(&HeaderMap::new(), Scope::ReadFreeBusy),
            Err(ApiError::Unauthorized)
        ));
        assert!(matches!(
            tokens.authorize(&with("Bearer stranger"), Scope::ReadFreeBusy),
            Err(ApiError::Unauthorized)
        ));
        assert!(matches!(
            tokens.authorize(&with("Bearer none"), Scope::ReadFreeBusy),
            Err(ApiError::Forbidden(READ_FREE_BUSY))
        ));
    }

    // Pins that a cancel token is 64 hex digits and that only its hash is kept.
    #[test]
    fn a_cancel_token_is_random_hex_with_its_sha256() {
        let first = CancelToken::new().unwrap();
        assert_eq!(first.token.len(), 64);
        assert!(first.token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(first.hash, token_hash(&first.token));
        assert_ne!(first.hash, first.token);
        assert_ne!(CancelToken::new().unwrap().token, first.token);
    }
}
