//! Plain JavaScript values built from Rust data: event details and request bodies.
//!
//! By hand rather than through serde: serde-wasm-bindgen's serializer and the derived
//! impls cost the bundle more than these few objects need.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

/// A plain JS object, built field by field.
pub struct JsObject(Object);

impl Default for JsObject {
    fn default() -> Self {
        JsObject::new()
    }
}

impl JsObject {
    /// `{}`.
    pub fn new() -> JsObject {
        JsObject(Object::new())
    }

    /// Sets `key` to `value`.
    pub fn set(self, key: &str, value: impl Into<JsValue>) -> JsObject {
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &value.into());
        self
    }

    /// Sets `key` to `value` when there is one.
    pub fn set_some(self, key: &str, value: Option<&str>) -> JsObject {
        match value {
            Some(value) => self.set(key, value),
            None => self,
        }
    }

    /// The object.
    pub fn into_value(self) -> JsValue {
        self.0.into()
    }

    /// The object as JSON text (for request bodies).
    pub fn to_json(&self) -> String {
        js_sys::JSON::stringify(&self.0)
            .map(String::from)
            .unwrap_or_default()
    }
}

/// A JS array of `items`, each made a JS value by `value`.
pub fn array<T>(items: &[T], value: impl Fn(&T) -> JsValue) -> JsValue {
    items.iter().map(value).collect::<Array>().into()
}
