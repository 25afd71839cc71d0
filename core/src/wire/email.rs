//! Email addresses: how accounts are identified in both APIs.
//!
//! One rule for the server (which refuses other addresses) and the widget (which marks
//! an attendee with another address unknown instead of asking the server about it).

/// Checks that `address` is a plain `local@domain` address, saying what is wrong if not.
///
/// This is the dot-atom form of RFC 5322 (what the Zonio API's "usual form" means in
/// practice), with a domain of at least two labels. Quoted local parts and address
/// literals are valid in the RFC but never seen in calendars, and rejecting them keeps
/// addresses safe to put in URLs, logs and the `TOKEN=EMAIL:SCOPES` flag syntax.
///
/// # Errors
///
/// Returns a short reason, e.g. `"has no @"`, for the caller to put in its message.
pub fn check(address: &str) -> Result<(), &'static str> {
    let Some((local, domain)) = address.split_once('@') else {
        return Err("has no @");
    };
    if local.is_empty() || local.len() > 64 {
        return Err("needs 1 to 64 characters before the @");
    }
    let atom_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    if local
        .split('.')
        .any(|atom| atom.is_empty() || !atom.chars().all(atom_char))
    {
        return Err("has a character or dot that is not allowed before the @");
    }
    if domain.len() > 253 || !domain.contains('.') {
        return Err("needs a domain with a dot after the @, e.g. example.com");
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !domain.split('.').all(label_ok) {
        return Err("has a domain that is not a valid host name");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    // Pins the addresses accepted: the ordinary forms people and calendars use.
    #[test]
    fn ordinary_addresses_pass() {
        for address in [
            "alice@example.com",
            "a.b+tag@mail.example.co.uk",
            "x_y-z@a-b.io",
        ] {
            assert_eq!(check(address), Ok(()), "{address}");
        }
    }

    // Pins the shapes rejected, each for its own reason.
    #[test]
    fn malformed_addresses_fail() {
        for address in [
            "",
            "alice",
            "@example.com",
            "alice@",
            "alice@localhost",
            "al ice@example.com",
            "alice..b@example.com",
            "alice@exa_mple.com",
            "alice@-example.com",
            "a@b@example.com",
        ] {
            assert!(check(address).is_err(), "{address:?} should be rejected");
        }
    }
}
