//! Writing a `VCALENDAR` with one `VEVENT`: what a booking becomes in the host's CalDAV
//! calendar and in invitation emails (RFC 5546 `METHOD:REQUEST` / `METHOD:CANCEL`).
//!
//! Built with the parser crate's own model and writer, which folds lines at 75 octets
//! without splitting a UTF-8 character and escapes text (`\,` `\;` `\\` `\n`). What is
//! checked here first is what the writer would pass through: a `UID` or address with a
//! line break in it would end the property early and let text become properties.

use core::fmt;

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarMethod, ICalendarParameter,
    ICalendarParticipationRole, ICalendarParticipationStatus, ICalendarProperty, ICalendarStatus,
    ICalendarTransparency, ICalendarValue, Uri,
};
use chrono::{DateTime, Datelike, Timelike, Utc};

/// The iTIP method (RFC 5546) of a written calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// No scheduling semantics: a CalDAV `PUT` of the event (no `METHOD` property, as
    /// RFC 4791 requires for stored objects).
    None,
    /// An invitation to the attendees.
    Request,
    /// A copy to keep, expecting no reply (an "Add to calendar" download): written
    /// without `ATTENDEE`s, which RFC 5546 §3.2.1 leaves out of a `PUBLISH`.
    Publish,
    /// The event is cancelled: written with `STATUS:CANCELLED` and a higher `SEQUENCE`
    /// is the caller's job (keep the `UID`).
    Cancel,
}

/// An organizer or attendee.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attendee {
    /// The address, without `mailto:`.
    pub email: String,
    /// The display name (`CN`), if any.
    pub name: Option<String>,
}

/// An event to write (a booking).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    /// Globally unique and kept for the event's whole life (updates and the cancel reuse it).
    pub uid: String,
    /// When this version was made (`DTSTAMP`); the caller passes its clock's time.
    pub stamp: DateTime<Utc>,
    /// Revision (`SEQUENCE`): 0 at first, one more for each change the attendees should see.
    pub sequence: u32,
    /// Start, written in UTC.
    pub start: DateTime<Utc>,
    /// End, written in UTC; after `start`.
    pub end: DateTime<Utc>,
    /// `SUMMARY`.
    pub summary: String,
    /// `DESCRIPTION` (the visitor's note), if any.
    pub description: Option<String>,
    /// `LOCATION`, if any.
    pub location: Option<String>,
    /// `ORGANIZER`: the host.
    pub organizer: Attendee,
    /// `ATTENDEE`s: the visitor(s), invited with `PARTSTAT=NEEDS-ACTION;RSVP=TRUE`.
    pub attendees: Vec<Attendee>,
}

/// Why an event cannot be written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum WriteError {
    /// The `UID` is empty or holds a control character.
    BadUid,
    /// An address is not `local@domain` or holds a control character or space.
    BadAddress(String),
    /// `end` is not after `start`.
    EmptySpan,
    /// A time outside the years 1600–2999.
    OutOfRange,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::BadUid => f.write_str("the UID is empty or holds a control character"),
            WriteError::BadAddress(address) => write!(f, "not an email address: {address:?}"),
            WriteError::EmptySpan => f.write_str("the event's end is not after its start"),
            WriteError::OutOfRange => f.write_str("a time outside the years 1600-2999"),
        }
    }
}

impl std::error::Error for WriteError {}

/// `event` as an iCalendar document (CRLF line ends, folded at 75 octets).
///
/// # Errors
///
/// [`WriteError`] for a `UID` or address that would break the document, an empty span,
/// or a time out of range.
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use freebusy_core::wire::ics::{self, Attendee, Method, NewEvent};
///
/// let booking = NewEvent {
///     uid: "booking-42@freebusy.example".into(),
///     stamp: Utc.with_ymd_and_hms(2026, 4, 1, 12, 0, 0).unwrap(),
///     sequence: 0,
///     start: Utc.with_ymd_and_hms(2026, 4, 21, 9, 0, 0).unwrap(),
///     end: Utc.with_ymd_and_hms(2026, 4, 21, 9, 30, 0).unwrap(),
///     summary: "Intro call".into(),
///     description: Some("Agenda: pricing; the demo, and questions".into()),
///     location: None,
///     organizer: Attendee { email: "ann@example.com".into(), name: Some("Ann".into()) },
///     attendees: vec![Attendee { email: "visitor@example.org".into(), name: None }],
/// };
/// let text = ics::write(&booking, Method::Request)?;
/// assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
/// assert!(text.contains("METHOD:REQUEST\r\n"));
/// assert!(text.contains("DTSTART:20260421T090000Z\r\n"));
/// assert!(text.contains("DESCRIPTION:Agenda: pricing\\; the demo\\, and questions\r\n"));
/// # Ok::<(), ics::WriteError>(())
/// ```
pub fn write(event: &NewEvent, method: Method) -> Result<String, WriteError> {
    if event.uid.trim().is_empty() || event.uid.chars().any(char::is_control) {
        return Err(WriteError::BadUid);
    }
    if event.end <= event.start {
        return Err(WriteError::EmptySpan);
    }
    let mut calendar = ICalendarComponent::new(ICalendarComponentType::VCalendar);
    calendar.add_property(
        ICalendarProperty::Version,
        ICalendarValue::Text("2.0".into()),
    );
    calendar.add_property(
        ICalendarProperty::Prodid,
        ICalendarValue::Text("-//freebusy//freebusy//EN".into()),
    );
    calendar.add_property(
        ICalendarProperty::Calscale,
        ICalendarValue::Text("GREGORIAN".into()),
    );
    match method {
        Method::None => {}
        Method::Request => calendar.add_property(
            ICalendarProperty::Method,
            ICalendarValue::Method(ICalendarMethod::Request),
        ),
        Method::Publish => calendar.add_property(
            ICalendarProperty::Method,
            ICalendarValue::Method(ICalendarMethod::Publish),
        ),
        Method::Cancel => calendar.add_property(
            ICalendarProperty::Method,
            ICalendarValue::Method(ICalendarMethod::Cancel),
        ),
    }
    calendar.component_ids.push(1);

    let mut vevent = ICalendarComponent::new(ICalendarComponentType::VEvent);
    vevent.add_uid(&event.uid);
    vevent.add_dtstamp(utc(event.stamp)?);
    vevent.add_sequence(i64::from(event.sequence));
    vevent.add_property(
        ICalendarProperty::Dtstart,
        ICalendarValue::PartialDateTime(Box::new(utc(event.start)?)),
    );
    vevent.add_property(
        ICalendarProperty::Dtend,
        ICalendarValue::PartialDateTime(Box::new(utc(event.end)?)),
    );
    vevent.add_property(
        ICalendarProperty::Summary,
        ICalendarValue::Text(event.summary.clone()),
    );
    if let Some(description) = &event.description {
        vevent.add_property(
            ICalendarProperty::Description,
            ICalendarValue::Text(description.clone()),
        );
    }
    if let Some(location) = &event.location {
        vevent.add_property(
            ICalendarProperty::Location,
            ICalendarValue::Text(location.clone()),
        );
    }
    vevent.add_property_with_params(
        ICalendarProperty::Organizer,
        name_parameter(&event.organizer),
        address(&event.organizer)?,
    );
    let attendees = if method == Method::Publish {
        &[][..]
    } else {
        &event.attendees[..]
    };
    for attendee in attendees {
        let mut parameters = name_parameter(attendee);
        parameters.push(ICalendarParameter::role(
            ICalendarParticipationRole::ReqParticipant,
        ));
        parameters.push(ICalendarParameter::partstat(
            ICalendarParticipationStatus::NeedsAction,
        ));
        parameters.push(ICalendarParameter::rsvp(true));
        vevent.add_property_with_params(
            ICalendarProperty::Attendee,
            parameters,
            address(attendee)?,
        );
    }
    vevent.add_property(
        ICalendarProperty::Status,
        ICalendarValue::Status(if method == Method::Cancel {
            ICalendarStatus::Cancelled
        } else {
            ICalendarStatus::Confirmed
        }),
    );
    vevent.add_property(
        ICalendarProperty::Transp,
        ICalendarValue::Transparency(ICalendarTransparency::Opaque),
    );

    let document = ICalendar {
        components: vec![calendar, vevent],
    };
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = document.write_to(&mut text);
    Ok(text)
}

/// `CN`, without what a parameter value cannot hold: control characters, and `"`
/// (RFC 5545 has no escape for it inside a quoted value; the writer would emit `\"`,
/// which a strict reader takes as the end of the value), which becomes `'`.
fn name_parameter(person: &Attendee) -> Vec<ICalendarParameter> {
    person
        .name
        .as_ref()
        .map(|name| {
            name.chars()
                .filter(|c| !c.is_control())
                .map(|c| if c == '"' { '\'' } else { c })
                .collect::<String>()
        })
        .filter(|name| !name.trim().is_empty())
        .map(|name| vec![ICalendarParameter::cn(name)])
        .unwrap_or_default()
}

fn address(person: &Attendee) -> Result<ICalendarValue, WriteError> {
    let email = person.email.trim();
    let valid = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    }) && !email
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '"');
    if !valid {
        return Err(WriteError::BadAddress(person.email.clone()));
    }
    Ok(ICalendarValue::Uri(Uri::Location(format!(
        "mailto:{email}"
    ))))
}

fn utc(instant: DateTime<Utc>) -> Result<PartialDateTime, WriteError> {
    let year = instant.year();
    if !super::value::YEARS.contains(&year) {
        return Err(WriteError::OutOfRange);
    }
    let small = |value: u32| u8::try_from(value).map_err(|_| WriteError::OutOfRange);
    Ok(PartialDateTime {
        year: Some(u16::try_from(year).map_err(|_| WriteError::OutOfRange)?),
        month: Some(small(instant.month())?),
        day: Some(small(instant.day())?),
        hour: Some(small(instant.hour())?),
        minute: Some(small(instant.minute())?),
        second: Some(small(instant.second())?),
        tz_hour: Some(0),
        tz_minute: Some(0),
        tz_minus: false,
    })
}
