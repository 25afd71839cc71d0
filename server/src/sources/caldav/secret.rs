//! Credentials, kept out of every printout.

use std::fmt;

/// A password or a token. `Debug` prints `Secret(<redacted>)` and there is no `Display`,
/// so it cannot reach a log line, an error message or a status page by accident; the
/// only way to read it is [`Secret::expose`], which the client calls to build the
/// `Authorization` header (marked sensitive, so reqwest's own logging hides it too).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Box<str>);

impl Secret {
    /// Wraps a secret value (read from an environment variable or a `password_file`).
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into().into_boxed_str())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Secret(<redacted>)")
    }
}

/// How the client proves who it is to the server (`Option<Credentials>` where none may
/// be needed: a server behind a trusted proxy, a public calendar).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// HTTP Basic (RFC 7617): what Nextcloud, Fastmail, iCloud (app passwords) and
    /// Radicale accept.
    Basic {
        /// The account name; not secret, shown in `Debug`.
        username: String,
        /// The password or app password.
        password: Secret,
    },
    /// `Authorization: Bearer` (RFC 6750): an OAuth access token.
    Bearer(Secret),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_secret() {
        let credentials = Credentials::Basic {
            username: "ann".into(),
            password: Secret::new("hunter2-very-secret"),
        };
        let printed = format!("{credentials:?} {:?}", Secret::new("tok-123"));
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("tok-123"), "{printed}");
        assert!(printed.contains("ann"), "{printed}");
        assert!(printed.contains("<redacted>"), "{printed}");
    }
}
