//! The addresses a booking's visitor is given: a page to cancel it, a page to move it,
//! and its invitation as a calendar file.
//!
//! One shape for every place that hands them out (the invitation email, the booking's
//! answer, the widget's confirmation, which builds the same paths on its own API base):
//!
//! | link | path |
//! | --- | --- |
//! | cancel | `/bookings/{id}/cancel?token=T` |
//! | reschedule | `/bookings/{id}/reschedule?token=T` |
//! | calendar | `/v1/bookings/{id}/invitation.ics?token=T` |
//!
//! `T` is a cancel token of the booking: whoever holds a link may cancel or move that
//! booking and nothing else, which is what the email's reader needs. The pages answer
//! with `Referrer-Policy: no-referrer`, so the token does not leak to other sites.

use crate::config::PublicUrl;

/// The visitor's links to one booking, absolute under `--public-url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManageLinks {
    /// The page that cancels the booking (after a confirming click).
    pub cancel: String,
    /// The page that offers other times for the same hosts and duration.
    pub reschedule: String,
    /// The booking's invitation as an `.ics` file ("Add to calendar").
    pub calendar: String,
}

impl ManageLinks {
    /// The links to booking `booking_id` that `token` (one of its cancel tokens) opens.
    pub fn new(base: &PublicUrl, booking_id: &str, token: &str) -> Self {
        let id = encode(booking_id);
        let token = encode(token);
        Self {
            cancel: base.join(&format!("/bookings/{id}/cancel?token={token}")),
            reschedule: base.join(&format!("/bookings/{id}/reschedule?token={token}")),
            calendar: base.join(&format!("/v1/bookings/{id}/invitation.ics?token={token}")),
        }
    }
}

/// Percent-encodes one path segment or query value (ids and tokens are hex today; this
/// keeps a link well-formed whatever they become).
fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_public_url;

    #[test]
    fn links_sit_under_the_public_url_with_the_token_as_a_query() {
        let base = parse_public_url("https://cal.example.com/freebusy/").unwrap();
        let links = ManageLinks::new(&base, "ab12", "c0ffee");
        assert_eq!(
            links.cancel,
            "https://cal.example.com/freebusy/bookings/ab12/cancel?token=c0ffee"
        );
        assert_eq!(
            links.reschedule,
            "https://cal.example.com/freebusy/bookings/ab12/reschedule?token=c0ffee"
        );
        assert_eq!(
            links.calendar,
            "https://cal.example.com/freebusy/v1/bookings/ab12/invitation.ics?token=c0ffee"
        );
    }

    #[test]
    fn strange_characters_cannot_break_out_of_their_part_of_the_link() {
        let base = parse_public_url("https://cal.example.com").unwrap();
        let links = ManageLinks::new(&base, "a/b?c", "t&u=v#w");
        assert_eq!(
            links.cancel,
            "https://cal.example.com/bookings/a%2Fb%3Fc/cancel?token=t%26u%3Dv%23w"
        );
    }
}
