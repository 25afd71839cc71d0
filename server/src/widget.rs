//! The widget's own files, served by the server beside the data (`--widget-dir`), so one
//! binary hosts both: `<script type="module" src="https://calendar.example.com/widget/freebusy.js">`.
//!
//! The directory is what `trunk build --release` packages (`dist/`: `freebusy.js`, a
//! content-hashed `freebusy-<hash>.wasm`, their `.br` and `.gz` forms, `integrity.json`).
//! It is read once, at start-up (a bad directory stops the server with a message naming
//! the flag), and kept in memory. Each file is served in the best encoding the request
//! accepts among those precompressed beside it (brotli, then gzip, then as is), with an
//! ETag per encoding, and with its SHA-384 hash for `integrity=` attributes. Names with a
//! content hash never change, so they are cached for a year as `immutable`; the others
//! (`freebusy.js`, whose URL embedders write down) are revalidated every time.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use axum::body::Bytes;
use sha2::{Digest, Sha256, Sha384};

/// The most files a widget directory may hold, and the largest one: against a flag
/// pointed at a home directory by mistake.
const MOST_FILES: usize = 64;
const LARGEST_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// How a file's bytes are encoded on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Brotli (`.br` beside the file).
    Brotli,
    /// Gzip (`.gz` beside the file).
    Gzip,
    /// As it is.
    Identity,
}

impl Encoding {
    /// The `Content-Encoding` value; `None` for the file as it is.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }

    fn token(self) -> &'static str {
        self.header().unwrap_or("identity")
    }
}

/// One file of the widget, in each encoding it was precompressed in.
#[derive(Debug)]
pub struct WidgetFile {
    /// Its media type.
    pub content_type: &'static str,
    /// Whether its name carries its content hash (cached for good).
    pub immutable: bool,
    /// `sha384-…` of its bytes, for `integrity=` attributes.
    pub integrity: String,
    tag: String,
    identity: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
}

impl WidgetFile {
    /// The bytes to send for a request whose `Accept-Encoding` is `accept`, their
    /// encoding and their ETag.
    pub fn negotiate(&self, accept: Option<&str>) -> (Bytes, Encoding, String) {
        let (body, encoding) = [
            (self.brotli.as_ref(), Encoding::Brotli),
            (self.gzip.as_ref(), Encoding::Gzip),
        ]
        .into_iter()
        .find_map(|(body, encoding)| {
            body.filter(|_| accepts(accept, encoding))
                .map(|body| (body.clone(), encoding))
        })
        .unwrap_or((self.identity.clone(), Encoding::Identity));
        let etag = format!("\"{}-{}\"", self.tag, encoding.token());
        (body, encoding, etag)
    }
}

/// Whether `Accept-Encoding: accept` takes `encoding` (a q-value of 0 refuses it;
/// `*` stands for anything not named).
fn accepts(accept: Option<&str>, encoding: Encoding) -> bool {
    let Some(accept) = accept else {
        return false;
    };
    let mut wildcard = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let quality = parts
            .filter_map(|part| part.trim().strip_prefix("q="))
            .filter_map(|q| q.trim().parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(encoding.token()) {
            return quality > 0.0;
        }
        if name == "*" {
            wildcard = Some(quality > 0.0);
        }
    }
    wildcard.unwrap_or(false)
}

/// The widget's files by name; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct WidgetFiles(Arc<BTreeMap<String, WidgetFile>>);

impl WidgetFiles {
    /// Reads the widget directory `dir`: every `.js`, `.wasm`, `.css` and `.json` file
    /// in it (not below it), with the `.br` and `.gz` forms beside each.
    ///
    /// # Errors
    ///
    /// A message when the directory cannot be read, holds no `freebusy.js`, too many
    /// files or one too large.
    pub fn load(dir: &Path) -> Result<WidgetFiles, String> {
        let entries = std::fs::read_dir(dir).map_err(|error| {
            format!(
                "cannot read the widget directory {}: {error}",
                dir.display()
            )
        })?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|error| format!("{}: {error}", dir.display()))?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let kind = entry
                .file_type()
                .map_err(|error| format!("{name}: {error}"))?;
            if kind.is_file() && content_type(&name).is_some() {
                names.push(name);
            }
        }
        if names.len() > MOST_FILES {
            return Err(format!(
                "{} holds {} widget files; at most {MOST_FILES} (is it the widget's dist/?)",
                dir.display(),
                names.len()
            ));
        }
        let read = |name: &str| -> Result<Option<Bytes>, String> {
            let path = dir.join(name);
            match std::fs::metadata(&path) {
                Ok(meta) if meta.len() > LARGEST_FILE_BYTES => Err(format!(
                    "{} is larger than {LARGEST_FILE_BYTES} bytes",
                    path.display()
                )),
                Ok(_) => std::fs::read(&path)
                    .map(|bytes| Some(Bytes::from(bytes)))
                    .map_err(|error| format!("cannot read {}: {error}", path.display())),
                Err(_) => Ok(None),
            }
        };
        let mut files = BTreeMap::new();
        for name in names {
            let Some(identity) = read(&name)? else {
                continue;
            };
            let digest = Sha256::digest(&identity);
            let tag: String = digest
                .iter()
                .take(8)
                .map(|byte| format!("{byte:02x}"))
                .collect();
            let file = WidgetFile {
                content_type: content_type(&name).unwrap_or("application/octet-stream"),
                immutable: has_content_hash(&name),
                integrity: format!("sha384-{}", base64(&Sha384::digest(&identity))),
                tag,
                brotli: read(&format!("{name}.br"))?,
                gzip: read(&format!("{name}.gz"))?,
                identity,
            };
            files.insert(name, file);
        }
        if !files.contains_key("freebusy.js") {
            return Err(format!(
                "{} has no freebusy.js: point --widget-dir at the widget's release build (dist/ after `trunk build --release`)",
                dir.display()
            ));
        }
        Ok(WidgetFiles(Arc::new(files)))
    }

    /// The file `name`, if the directory had it.
    pub fn get(&self, name: &str) -> Option<&WidgetFile> {
        self.0.get(name)
    }

    /// Each script and wasm file with its `integrity=` hash, by name.
    pub fn integrity(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.0
            .iter()
            .filter(|(name, _)| name.ends_with(".js") || name.ends_with(".wasm"))
            .map(|(name, file)| (name.as_str(), file.integrity.as_str()))
    }
}

/// The media type of the files served; `None` for any other file.
fn content_type(name: &str) -> Option<&'static str> {
    let extension = name.rsplit_once('.')?.1;
    Some(match extension {
        "js" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        _ => return None,
    })
}

/// `name-0123456789abcdef.ext`: a name that changes whenever the content does.
fn has_content_hash(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default();
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() >= 16 && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Standard base64 with padding (what `integrity=` takes).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (index, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if index <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Pins the encoding rules: the named encoding's q-value decides, `*` covers the
    // rest, and nothing said means the file as it is.
    #[test]
    fn accept_encoding_is_read_with_its_q_values() {
        assert!(accepts(Some("gzip, deflate, br"), Encoding::Brotli));
        assert!(accepts(Some("gzip;q=0.5"), Encoding::Gzip));
        assert!(!accepts(Some("br;q=0, gzip"), Encoding::Brotli));
        assert!(accepts(Some("*"), Encoding::Brotli));
        assert!(!accepts(Some("*, br;q=0"), Encoding::Brotli));
        assert!(!accepts(None, Encoding::Gzip));
    }

    // Pins which names are cached for good, and the base64 of integrity hashes.
    #[test]
    fn hashed_names_are_immutable_and_integrity_is_base64() {
        assert!(has_content_hash("freebusy-0123456789abcdef.wasm"));
        assert!(!has_content_hash("freebusy.js"));
        assert!(!has_content_hash("integrity.json"));
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b""), "");
    }
}
