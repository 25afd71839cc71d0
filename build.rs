//! Minifies the widget's stylesheet (`www/freebusy.css`) for the bundle: its comments and
//! the spaces CSS does not need go, which the wasm then carries as `freebusy.min.css`.
//! Spaces before `:` stay (`.freebusy :focus-visible` is not `.freebusy:focus-visible`).

use std::path::Path;

fn main() {
    let source = "www/freebusy.css";
    println!("cargo::rerun-if-changed={source}");
    let css = std::fs::read_to_string(source).expect("www/freebusy.css is readable");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("freebusy.min.css"), minify(&css))
        .expect("OUT_DIR is writable");
}

fn minify(css: &str) -> String {
    let mut without_comments = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        without_comments.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    without_comments.push_str(rest);
    let mut out = String::with_capacity(without_comments.len());
    let mut space = false;
    for character in without_comments.chars() {
        if character.is_whitespace() {
            space = true;
            continue;
        }
        let tight = |c: char| matches!(c, '{' | '}' | ';' | ',' | '(' | ')' | '>');
        if space && !out.is_empty() && !tight(character) && !out.ends_with(tight) {
            out.push(' ');
        }
        space = false;
        if character == '}' && out.ends_with(';') {
            out.pop();
        }
        out.push(character);
    }
    out.replace(": ", ":")
}
