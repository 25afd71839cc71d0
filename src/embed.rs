//! Embedding without Rust: the `<freebusy-scheduler>` custom element and the JS
//! `freebusy.mount(element, options)` function.
//!
//! Both mount the [`Scheduler`] into a shadow root of the host element with the widget's
//! stylesheet inside it, so the host page's CSS cannot break the widget and the widget's
//! cannot leak out. Attributes and option keys are the names in
//! [`ATTRIBUTES`](crate::options::ATTRIBUTES) (`time-zone` or `timeZone`, and so on).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement, ShadowRootInit, ShadowRootMode};

use crate::fetch::Http;
use crate::options::{ATTRIBUTES, Options};
use crate::scheduler::Scheduler;

/// The custom element's tag name.
pub const ELEMENT_NAME: &str = "freebusy-scheduler";

/// The widget's stylesheet, put inside each shadow root.
const STYLES: &str = include_str!("../www/freebusy.css");

#[wasm_bindgen(inline_js = "
export function define_element(name, attributes, connect, disconnect, change) {
  if (customElements.get(name)) return;
  customElements.define(name, class extends HTMLElement {
    static get observedAttributes() { return attributes; }
    connectedCallback() { connect(this); }
    disconnectedCallback() { disconnect(this); }
    attributeChangedCallback(_name, before, after) {
      if (this.isConnected && before !== after) change(this);
    }
  });
}
")]
extern "C" {
    #[wasm_bindgen(js_name = define_element)]
    fn define_element_in_js(
        name: &str,
        attributes: Array,
        connect: &Function,
        disconnect: &Function,
        change: &Function,
    );
}

/// A mounted widget; dropping it (or [`Mounted::destroy`]) unmounts and cleans up.
pub struct Mounted {
    container: HtmlElement,
    style: Element,
    _handle: Box<dyn std::any::Any>,
}

impl Mounted {
    /// Unmounts the widget: its requests are aborted, its timers cleared, its DOM removed.
    pub fn destroy(self) {}
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.container.remove();
        self.style.remove();
    }
}

/// Mounts the widget with `options` into a shadow root of `host`.
///
/// `http` replaces the browser's fetch (tests use a double).
///
/// # Errors
///
/// A message when the DOM refuses (e.g. `host` cannot have a shadow root).
pub fn mount_with(
    host: &Element,
    options: Options,
    problems: Vec<crate::options::Problem>,
    http: Option<Rc<dyn Http>>,
) -> Result<Mounted, String> {
    let shadow = match host.shadow_root() {
        Some(shadow) => shadow,
        None => host
            .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .map_err(|_| "this element cannot hold the widget (no shadow root)".to_owned())?,
    };
    let document = host
        .owner_document()
        .ok_or_else(|| "the element is not in a document".to_owned())?;
    let style = document
        .create_element("style")
        .map_err(|_| "cannot create a style element".to_owned())?;
    style.set_text_content(Some(STYLES));
    let container: HtmlElement = document
        .create_element("div")
        .map_err(|_| "cannot create the widget's container".to_owned())?
        .unchecked_into();
    let _ = shadow.append_child(&style);
    let _ = shadow.append_child(&container);
    let handle = leptos::mount::mount_to(container.clone(), move || {
        view! { <Scheduler options problems http=http.unwrap_or_else(|| Rc::new(crate::fetch::GlooHttp)) /> }
    });
    Ok(Mounted {
        container,
        style,
        _handle: Box::new(handle),
    })
}

/// Options from an element's attributes.
pub fn options_from_element(element: &Element) -> (Options, Vec<crate::options::Problem>) {
    Options::from_attributes(|name| element.get_attribute(name))
}

/// Options from a JS object: keys are attribute names or their camelCase forms; arrays
/// are joined with commas, booleans and numbers written out.
pub fn options_from_object(object: &JsValue) -> (Options, Vec<crate::options::Problem>) {
    Options::from_attributes(|name| {
        let camel = camel_case(name);
        let value = [camel.as_str(), name]
            .iter()
            .filter_map(|key| Reflect::get(object, &JsValue::from_str(key)).ok())
            .find(|value| !value.is_undefined() && !value.is_null())?;
        if let Some(text) = value.as_string() {
            Some(text)
        } else if let Some(flag) = value.as_bool() {
            Some(flag.to_string())
        } else if let Some(number) = value.as_f64() {
            // Every numeric option is whole (`slot-minutes`); float formatting would
            // cost the bundle kilobytes.
            Some((number as i64).to_string())
        } else if Array::is_array(&value) {
            Some(String::from(Array::from(&value).join(",")))
        } else if value.is_object() {
            // `messages: {"week.next": "Later"}`: read as the attribute's JSON.
            js_sys::JSON::stringify(&value).ok().map(String::from)
        } else {
            None
        }
    })
}

fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for character in name.chars() {
        if character == '-' {
            upper = true;
        } else if upper {
            out.push(character.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(character);
        }
    }
    out
}

thread_local! {
    /// The widgets mounted by custom elements, by host element.
    static ELEMENTS: RefCell<Vec<(Element, Mounted)>> = const { RefCell::new(Vec::new()) };
}

fn mount_element(element: &Element) {
    unmount_element(element);
    let (options, problems) = options_from_element(element);
    if let Ok(mounted) = mount_with(element, options, problems, None) {
        ELEMENTS.with(|elements| elements.borrow_mut().push((element.clone(), mounted)));
    }
}

fn unmount_element(element: &Element) {
    let removed = ELEMENTS.with(|elements| {
        let mut elements = elements.borrow_mut();
        let index = elements.iter().position(|(host, _)| host == element)?;
        Some(elements.remove(index))
    });
    drop(removed);
}

/// Defines `<freebusy-scheduler>` (once per page) and `window.freebusy.mount`.
///
/// `mount(element, options)` returns `{ destroy() }`.
pub fn define_element() {
    let attributes: Array = ATTRIBUTES
        .iter()
        .map(|name| JsValue::from_str(name))
        .collect();
    let connect = Closure::<dyn Fn(Element)>::new(|element: Element| mount_element(&element));
    let disconnect = Closure::<dyn Fn(Element)>::new(|element: Element| unmount_element(&element));
    let change = Closure::<dyn Fn(Element)>::new(|element: Element| mount_element(&element));
    define_element_in_js(
        ELEMENT_NAME,
        attributes,
        connect.as_ref().unchecked_ref(),
        disconnect.as_ref().unchecked_ref(),
        change.as_ref().unchecked_ref(),
    );
    // The element class holds these for the page's lifetime.
    connect.forget();
    disconnect.forget();
    change.forget();

    let mount =
        Closure::<dyn Fn(Element, JsValue) -> JsValue>::new(|element: Element, object: JsValue| {
            let (options, problems) = options_from_object(&object);
            let mounted = Rc::new(RefCell::new(
                mount_with(&element, options, problems, None).ok(),
            ));
            let handle = Object::new();
            let destroy = Closure::<dyn Fn()>::new(move || drop(mounted.borrow_mut().take()));
            let _ = Reflect::set(&handle, &"destroy".into(), destroy.as_ref());
            destroy.forget();
            handle.into()
        });
    if let Some(window) = web_sys::window() {
        let namespace = Reflect::get(&window, &"freebusy".into())
            .ok()
            .filter(JsValue::is_object)
            .unwrap_or_else(|| Object::new().into());
        let _ = Reflect::set(&namespace, &"mount".into(), mount.as_ref());
        let _ = Reflect::set(&window, &"freebusy".into(), &namespace);
    }
    mount.forget();
}

#[cfg(test)]
mod tests {
    use super::camel_case;

    // Attribute names map to the camelCase keys JS options objects use.
    #[test]
    fn attribute_names_become_camel_case_keys() {
        assert_eq!(camel_case("time-zone"), "timeZone");
        assert_eq!(camel_case("book-tentative"), "bookTentative");
        assert_eq!(camel_case("backend"), "backend");
    }
}
