//! The demo page: defines `<freebusy-scheduler>` and `freebusy.mount`; `index.html` uses
//! the element.

fn main() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    freebusy::embed::define_element();
}
