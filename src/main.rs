//! The demo page: defines `<freebusy-scheduler>` and `freebusy.mount`; `index.html` uses
//! the element.

// The shipped widget's allocator: talc instead of the default dlmalloc, smaller in the
// bundle. Set here, in the binary trunk builds, not in the library: a Leptos app that
// uses the component keeps its own allocator.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    freebusy::embed::define_element();
}
