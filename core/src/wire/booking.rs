//! The limits of a booking request (`POST /v1/bookings`): the server refuses more with a
//! 422, and the widget's form fields carry them as `maxlength`, so a visitor can never
//! type what the server will refuse.
//!
//! Lengths are in characters (Unicode scalar values); a browser's `maxlength` counts
//! UTF-16 code units, which is never fewer, so a form that fits `maxlength` fits here.

/// The most hosts one booking may have.
pub const MAX_HOSTS: usize = 10;
/// The longest booker name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest booker address, in characters (RFC 5321's limit on a path).
pub const MAX_EMAIL_CHARS: usize = 254;
/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// The longest idempotency key, in characters.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 128;
