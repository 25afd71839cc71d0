//! The availability engine: wire formats of the free/busy APIs, the merge rule and week
//! slots. Pure: no DOM and no I/O, so it builds for native and wasm32 alike.
