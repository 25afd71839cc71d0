//! WebDAV's XML: a namespace-resolved element tree read with quick-xml, and the
//! request bodies, written with every server-given string escaped.
//!
//! Names are compared as (namespace URI, local name), never by prefix: Radicale writes
//! `<C:calendar>`, Xandikos `<ns2:calendar>`, others a default namespace.

use quick_xml::XmlVersion;
use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// The WebDAV namespace (RFC 4918).
pub const DAV: &str = "DAV:";
/// The CalDAV namespace (RFC 4791).
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
/// Apple's calendarserver namespace (`getctag`).
pub const CALENDARSERVER: &str = "http://calendarserver.org/ns/";

/// Deeper than any WebDAV answer nests (a multistatus is about 8 deep); it also keeps
/// the recursive drop of the tree far from the stack's end.
const MAX_DEPTH: usize = 64;
/// Elements and attributes in one document. The byte cap bounds the text; this bounds
/// the tree around it (about 100 bytes a node, so some 50 MB at most), since a body of
/// empty elements or attributes would otherwise grow tenfold in memory.
const MAX_NODES: usize = 500_000;

/// One element: its resolved name, attributes (by local name), child elements and the
/// text directly inside it (character data, CDATA and references, concatenated).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Element {
    /// Namespace URI; empty when unbound.
    pub namespace: String,
    /// Local name.
    pub name: String,
    /// Attributes as (local name, value).
    pub attributes: Vec<(String, String)>,
    /// Child elements, in order.
    pub children: Vec<Element>,
    /// The text directly inside (not trimmed: calendar data keeps its lines).
    pub text: String,
}

impl Element {
    /// Whether this is `{namespace}name`.
    pub fn is(&self, namespace: &str, name: &str) -> bool {
        self.namespace == namespace && self.name == name
    }

    /// The first child `{namespace}name`.
    pub fn child(&self, namespace: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.is(namespace, name))
    }

    /// Every child `{namespace}name`.
    pub fn children_named<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |child| child.is(namespace, name))
    }

    /// The text, trimmed (for hrefs, tokens, statuses).
    pub fn trimmed_text(&self) -> &str {
        self.text.trim()
    }

    /// An attribute's value by local name.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Whether any descendant (or this element) is `{namespace}name`.
    pub fn contains(&self, namespace: &str, name: &str) -> bool {
        self.is(namespace, name)
            || self
                .children
                .iter()
                .any(|child| child.contains(namespace, name))
    }
}

/// Reads a whole document into its root element. The error is a short reason.
pub fn parse(body: &[u8]) -> Result<Element, String> {
    parse_within(body, MAX_NODES)
}

/// [`parse`] with at most `max_nodes` elements and attributes.
fn parse_within(body: &[u8], max_nodes: usize) -> Result<Element, String> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|_| "not UTF-8".to_owned())?;
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut nodes = 0usize;
    loop {
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|error| format!("not well-formed XML: {error}"))?;
        let namespace = match resolved {
            ResolveResult::Bound(namespace) => namespace.0.to_owned(),
            ResolveResult::Unbound => String::new(),
            // An undeclared prefix: keep the element, under a namespace nothing matches.
            ResolveResult::Unknown(prefix) => format!("undeclared:{prefix}"),
        };
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                if stack.is_empty() && root.is_some() {
                    return Err("more than one root element".to_owned());
                }
                nodes += 1;
                if nodes > max_nodes {
                    return Err("too many elements".to_owned());
                }
                let is_empty = matches!(event, Event::Empty(_));
                let mut element = Element {
                    namespace,
                    name: start.local_name().as_ref().to_owned(),
                    ..Element::default()
                };
                // Without the duplicate check, which is quadratic in the attributes of one
                // element; a repeated attribute does no harm here.
                for attribute in start.attributes().with_checks(false) {
                    let attribute = attribute.map_err(|error| format!("bad attribute: {error}"))?;
                    nodes += 1;
                    if nodes > max_nodes {
                        return Err("too many attributes".to_owned());
                    }
                    if attribute.key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let value = attribute
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map_err(|error| format!("bad attribute value: {error}"))?;
                    element.attributes.push((
                        attribute.key.local_name().as_ref().to_owned(),
                        value.into_owned(),
                    ));
                }
                if is_empty {
                    close(element, &mut stack, &mut root);
                } else {
                    if stack.len() >= MAX_DEPTH {
                        return Err("elements nested too deep".to_owned());
                    }
                    stack.push(element);
                }
            }
            Event::End(_) => {
                // quick-xml has already checked that the name matches its start.
                let element = stack.pop().ok_or("an end tag without a start")?;
                close(element, &mut stack, &mut root);
            }
            Event::Text(text) => {
                let content = text.xml10_content();
                match stack.last_mut() {
                    Some(open) => open.text.push_str(&content),
                    None if content.trim().is_empty() => {}
                    None => return Err("text outside the root element".to_owned()),
                }
            }
            Event::CData(data) => match stack.last_mut() {
                Some(open) => open.text.push_str(&data.xml10_content()),
                None => return Err("CDATA outside the root element".to_owned()),
            },
            Event::GeneralRef(reference) => {
                let open = stack
                    .last_mut()
                    .ok_or("a reference outside the root element")?;
                match reference.resolve_char_ref() {
                    Ok(Some(character)) => open.text.push(character),
                    Ok(None) => {
                        let name = reference.xml10_content();
                        // Only XML's five: entities a DOCTYPE declares are never
                        // expanded (no "billion laughs").
                        let replacement = resolve_predefined_entity(&name)
                            .ok_or_else(|| format!("unknown entity &{name};"))?;
                        open.text.push_str(replacement);
                    }
                    Err(error) => return Err(format!("bad character reference: {error}")),
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err("cut off before the root element ends".to_owned());
    }
    root.ok_or_else(|| "no root element".to_owned())
}

fn close(element: Element, stack: &mut [Element], root: &mut Option<Element>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

/// `value` escaped for XML text or a double-quoted attribute.
pub fn text(value: &str) -> std::borrow::Cow<'_, str> {
    escape(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_through_any_prefix_or_default_namespace() {
        let radicale = br#"<?xml version='1.0'?><multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><response><C:calendar/></response></multistatus>"#;
        let xandikos = br#"<ns0:multistatus xmlns:ns0="DAV:" xmlns:ns2="urn:ietf:params:xml:ns:caldav"><ns0:response><ns2:calendar/></ns0:response></ns0:multistatus>"#;
        let odd = br#"<x:multistatus xmlns:x="DAV:"><x:response xmlns:x="urn:ietf:params:xml:ns:caldav"><calendar xmlns="urn:ietf:params:xml:ns:caldav"/></x:response></x:multistatus>"#;
        for body in [&radicale[..], &xandikos[..]] {
            let root = parse(body).unwrap();
            assert!(root.is(DAV, "multistatus"));
            let response = root.child(DAV, "response").unwrap();
            assert!(response.child(CALDAV, "calendar").is_some());
        }
        // A prefix rebound inside: the inner `x:response` is CalDAV's, not DAV's.
        let root = parse(odd).unwrap();
        assert!(root.child(DAV, "response").is_none());
        assert!(root.child(CALDAV, "response").is_some());
    }

    #[test]
    fn text_keeps_lines_and_resolves_references_and_cdata() {
        let body = b"<d:x xmlns:d=\"DAV:\">BEGIN:VCALENDAR\r\nSUMMARY:a &amp; b &lt;&#233;&#x263A;\r\n<![CDATA[<raw> & ]]>END</d:x>";
        let root = parse(body).unwrap();
        assert_eq!(
            root.text,
            "BEGIN:VCALENDAR\nSUMMARY:a & b <\u{e9}\u{263a}\n<raw> & END"
        );
    }

    #[test]
    fn hostile_documents_are_errors_not_panics() {
        let deep = "<a>".repeat(10_000);
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>"#;
        // Over the node cap (here 1,000), in elements or in attributes.
        let wide = format!("<a>{}</a>", "<b/>".repeat(1_000));
        let attributes = format!("<a {}/>", "x='' ".repeat(1_000));
        let within = format!("<a>{}</a>", "<b/>".repeat(999));
        assert!(parse_within(within.as_bytes(), 1_000).is_ok());
        assert_eq!(
            parse_within(wide.as_bytes(), 1_000).unwrap_err(),
            "too many elements"
        );
        assert_eq!(
            parse_within(attributes.as_bytes(), 1_000).unwrap_err(),
            "too many attributes"
        );
        for body in [
            deep.as_bytes(),
            &laughs[..],
            b"",
            b"   ",
            b"<a></b>",
            b"<a>",
            b"<a/><b/>",
            b"text<a/>",
            b"<a>\xff\xfe</a>",
            b"<a>&#xD800;</a>",
            b"<html><body>502 Bad Gateway</body>",
        ] {
            assert!(parse(body).is_err(), "{:?}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(text("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
    }
}
