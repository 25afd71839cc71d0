//! Embedding without Rust: the `<freebusy-scheduler>` custom element and the JS
//! `freebusy.mount(element, options)` function.
//!
//! Both mount the [`Scheduler`] into a shadow root of the host element, styled by one
//! constructable stylesheet adopted by every widget's shadow root (no `<style>`
//! element, no inline style: a strict `style-src` policy holds), so the host page's CSS
//! cannot break the widget and the widget's cannot leak out. Attributes and option keys
//! are the names in [`crate::options::ATTRIBUTES`] (`time-zone` or
//! `timeZone`, and so on).
//!
//! The element mounts once per connection, after its attributes are read (a microtask
//! after it is connected, so attributes set right after `append` count too); later
//! attribute changes (batched per microtask) update what they change
//! ([`OptionChanges`]); moving it to another parent (removed and inserted in one task,
//! or `moveBefore`) keeps the widget as it is, open form and typed text included.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::fetch::Http;
use crate::options::{ATTRIBUTES, Options};
use crate::scheduler::{OptionChanges, Scheduler};

/// The custom element's tag name.
pub const ELEMENT_NAME: &str = "freebusy-scheduler";

/// The widget's stylesheet (`www/freebusy.css` without its comments and spaces, by
/// `build.rs`), adopted by each shadow root.
const STYLES: &str = include_str!(concat!(env!("OUT_DIR"), "/freebusy.min.css"));

#[wasm_bindgen(inline_js = "
export function define_element(name, attributes, connect, disconnect, change) {
  if (customElements.get(name)) return;
  // _fb: 0 not mounted, 1 mounting at the next microtask, 2 mounted.
  customElements.define(name, class extends HTMLElement {
    static get observedAttributes() { return attributes; }
    connectedCallback() {
      if (this._fb) return;
      this._fb = 1;
      queueMicrotask(() => {
        if (this._fb === 1 && this.isConnected) { this._fb = 2; connect(this); }
        else if (this._fb === 1) this._fb = 0;
      });
    }
    disconnectedCallback() {
      queueMicrotask(() => {
        if (this.isConnected || !this._fb) return;
        if (this._fb === 2) disconnect(this);
        this._fb = 0;
      });
    }
    connectedMoveCallback() {}
    attributeChangedCallback(_name, before, after) {
      if (this._fb !== 2 || before === after || this._fbChange) return;
      this._fbChange = true;
      queueMicrotask(() => { this._fbChange = false; if (this._fb === 2) change(this); });
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

thread_local! {
    /// The one stylesheet every widget's shadow root adopts (constructable stylesheets:
    /// Chromium 73, Firefox 101, Safari 16.4); `None` only in an older browser, where
    /// the widget is unstyled but works.
    static SHEET: Option<web_sys::CssStyleSheet> = web_sys::CssStyleSheet::new()
        .ok()
        .filter(|sheet| sheet.replace_sync(STYLES).is_ok());
}

/// A mounted widget; dropping it (or [`Mounted::destroy`]) unmounts and cleans up.
pub struct Mounted {
    container: HtmlElement,
    shadow: ShadowRoot,
    changes: OptionChanges,
    _handle: Box<dyn std::any::Any>,
}

impl Mounted {
    /// Unmounts the widget: its requests are aborted, its timers cleared, its DOM removed.
    pub fn destroy(self) {}

    /// Gives the widget new options: it updates what they change.
    pub fn update(&self, options: Options, problems: Vec<crate::options::Problem>) {
        self.changes.send(options, problems);
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.container.remove();
        self.shadow.set_adopted_style_sheets(&Array::new());
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
    if let Some(sheet) = SHEET.with(Clone::clone) {
        shadow.set_adopted_style_sheets(&Array::of1(&sheet));
    }
    let container: HtmlElement = document
        .create_element("div")
        .map_err(|_| "cannot create the widget's container".to_owned())?
        .unchecked_into();
    let _ = shadow.append_child(&container);
    let changes = OptionChanges::default();
    let handle = leptos::mount::mount_to(container.clone(), {
        let changes = changes.clone();
        move || {
            view! {
                <Scheduler
                    options
                    problems
                    changes
                    http=http.unwrap_or_else(|| Rc::new(crate::fetch::BrowserHttp))
                />
            }
        }
    });
    Ok(Mounted {
        container,
        shadow,
        changes,
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

/// An attribute changed: the mounted widget takes the element's options anew.
fn update_element(element: &Element) {
    let (options, problems) = options_from_element(element);
    ELEMENTS.with(|elements| {
        let changes = elements
            .borrow()
            .iter()
            .find(|(host, _)| host == element)
            .map(|(_, mounted)| mounted.changes.clone());
        if let Some(changes) = changes {
            changes.send(options, problems);
        }
    });
}

/// What a JS value is, for an error message: `null`, `undefined`, `a string`, ...
fn describe(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if value.is_undefined() {
        "undefined".into()
    } else {
        format!("a {}", value.js_typeof().as_string().unwrap_or_default())
    }
}

/// `mount(element, options)`: the widget in `element`, or a clear error for anything
/// that is not an element.
fn mount_from_js(element: JsValue, object: JsValue) -> Result<JsValue, JsValue> {
    let Some(element) = element.dyn_ref::<Element>() else {
        return Err(js_sys::Error::new(&format!(
            "freebusy.mount(element, options): element must be a DOM element (e.g. document.querySelector('#booking')), not {}",
            describe(&element)
        ))
        .into());
    };
    let (options, problems) = options_from_object(&object);
    let mounted = mount_with(element, options, problems, None)
        .map_err(|message| js_sys::Error::new(&format!("freebusy.mount: {message}")))?;
    let changes = mounted.changes.clone();
    let mounted = Rc::new(RefCell::new(Some(mounted)));
    let handle = Object::new();
    let destroy = Closure::<dyn Fn()>::new(move || drop(mounted.borrow_mut().take()));
    let update = Closure::<dyn Fn(JsValue)>::new(move |object: JsValue| {
        let (options, problems) = options_from_object(&object);
        changes.send(options, problems);
    });
    let _ = Reflect::set(&handle, &"destroy".into(), destroy.as_ref());
    let _ = Reflect::set(&handle, &"update".into(), update.as_ref());
    destroy.forget();
    update.forget();
    Ok(handle.into())
}

/// Defines `<freebusy-scheduler>` (once per page) and `window.freebusy.mount`.
///
/// `mount(element, options)` returns `{ destroy(), update(options) }`, and throws an
/// `Error` saying what is wrong when `element` is not an element.
pub fn define_element() {
    let attributes: Array = ATTRIBUTES
        .iter()
        .map(|name| JsValue::from_str(name))
        .collect();
    let connect = Closure::<dyn Fn(Element)>::new(|element: Element| mount_element(&element));
    let disconnect = Closure::<dyn Fn(Element)>::new(|element: Element| unmount_element(&element));
    let change = Closure::<dyn Fn(Element)>::new(|element: Element| update_element(&element));
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

    let mount = Closure::<dyn Fn(JsValue, JsValue) -> Result<JsValue, JsValue>>::new(mount_from_js);
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
