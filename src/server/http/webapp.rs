//! The reporter web app: the files of `web/`, embedded in the binary and served for GET (and
//! HEAD) requests that no API route matched, plus the published hash of that bundle.
//!
//! Contract:
//! - `/` serves `index.html`; a path without an extension serves `<path>.html` when it exists
//!   (clean URLs: `/melden`, `/status`), and a folder (`/staff` or `/staff/`) its
//!   `index.html`; any other path serves the embedded file of exactly that
//!   name. Everything else — other methods, unknown paths, `..` or empty segments — is the usual
//!   JSON `not_found`, so the API's error contract is unchanged.
//! - The Content-Type follows the extension; the security headers (CSP, `nosniff`, `no-store`,
//!   …) come from `middleware::security_headers` like every other answer. `no-store` is kept on
//!   purpose: nothing of the channel should stay in a shared device's cache.
//! - At start-up every embedded file is read once into a snapshot: its bytes, its SHA-256, and
//!   for text types a gzip copy (sent with `Content-Encoding: gzip` when the request accepts it,
//!   so a phone on a slow line loads the form in a third of the bytes). Only these static files
//!   are compressed, never API answers. What is served is always what was hashed.
//! - `/trust-root.json` is the installation's trust root (`keys/trust-root.json`, DESIGN §11),
//!   served byte for byte from the file read at start and counted in the bundle like an
//!   embedded file, so the published bundle hash covers the pinned officers, log key and
//!   witnesses. It is the one file not embedded at build time: every installation has its own.
//! - `GET /api/v1/web-bundle` returns `{"files": {path: b64u(SHA-256(file))}, "bundle": b64u}` with
//!   `bundle = SHA-256("meldpunt web bundle v1" || 0x00 || for each path in byte order:
//!   path || 0x00 || SHA-256(file))`, so anyone can compare what a server sends reporters with
//!   a published release (the mitigation of DESIGN §1 for served JavaScript).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse};
use ring::digest;
use rust_embed::RustEmbed;
use serde::Serialize;

use crate::protocol::trust::root::TRUST_ROOT_FILE;
use crate::server::http::error::ApiError;

#[derive(RustEmbed)]
#[folder = "web/"]
struct Assets;

/// The hashes of the embedded files, as published by `GET /api/v1/web-bundle`.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WebBundleView {
    /// Every served file by its path inside `web/`, with b64u(SHA-256(contents)).
    pub files: BTreeMap<String, String>,
    /// b64u of the hash over all files (see the module documentation).
    pub bundle: String,
}

/// One served file, as read at start-up.
struct Served {
    data: Vec<u8>,
    gzip: Option<Vec<u8>>,
}

struct Snapshot {
    files: BTreeMap<String, Served>,
    hashes: BTreeMap<String, [u8; 32]>,
    view: WebBundleView,
}

static SNAPSHOT: LazyLock<Snapshot> = LazyLock::new(take_snapshot);

fn compressible(path: &str) -> bool {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext,
        "html" | "js" | "mjs" | "css" | "json" | "svg" | "txt" | "webmanifest"
    )
}

fn gzip(data: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).ok()?;
    let out = encoder.finish().ok()?;
    (out.len() < data.len()).then_some(out)
}

fn take_snapshot() -> Snapshot {
    let mut files = BTreeMap::new();
    let mut hashes: BTreeMap<String, [u8; 32]> = BTreeMap::new();
    for path in Assets::iter() {
        let Some(file) = Assets::get(&path) else {
            continue;
        };
        let data = file.data.into_owned();
        let mut hash = [0u8; 32];
        hash.copy_from_slice(digest::digest(&digest::SHA256, &data).as_ref());
        let gzip = if compressible(&path) {
            gzip(&data)
        } else {
            None
        };
        hashes.insert(path.to_string(), hash);
        files.insert(path.into_owned(), Served { data, gzip });
    }
    let view = bundle_view(&hashes);
    Snapshot {
        files,
        hashes,
        view,
    }
}

fn bundle_view(hashes: &BTreeMap<String, [u8; 32]>) -> WebBundleView {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(b"meldpunt web bundle v1\x00");
    for (path, hash) in hashes {
        ctx.update(path.as_bytes());
        ctx.update(&[0]);
        ctx.update(hash);
    }
    WebBundleView {
        files: hashes
            .iter()
            .map(|(p, h)| (p.clone(), crate::protocol::b64::encode(h)))
            .collect(),
        bundle: crate::protocol::b64::encode(ctx.finish()),
    }
}

/// The bundle as this installation serves it: the embedded files and its trust root.
pub fn installation_bundle(trust_root_text: &str) -> WebBundleView {
    let mut hashes = SNAPSHOT.hashes.clone();
    hashes.insert(
        TRUST_ROOT_FILE.to_owned(),
        crate::protocol::crypto::sha256(trust_root_text.as_bytes()),
    );
    bundle_view(&hashes)
}

/// Reads and hashes every embedded file now (called once when the server is built).
pub fn bundle() -> &'static WebBundleView {
    &SNAPSHOT.view
}

/// The Content-Type for a file name, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Maps a request path to the embedded file it names, if any.
fn resolve(path: &str) -> Option<String> {
    if path == "/" {
        return Some("index.html".to_owned());
    }
    let rel = path.strip_prefix('/')?;
    // A folder's page: `/staff/` serves `staff/index.html`.
    if let Some(folder) = rel.strip_suffix('/') {
        let page = format!("{folder}/index.html");
        let safe = folder
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && !seg.contains('\\'));
        return (safe && SNAPSHOT.files.contains_key(&page)).then_some(page);
    }
    let safe = rel
        .split('/')
        .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && !seg.contains('\\'));
    if !safe {
        return None;
    }
    let files = &SNAPSHOT.files;
    if files.contains_key(rel) {
        return Some(rel.to_owned());
    }
    let last = rel.rsplit('/').next().unwrap_or(rel);
    if !last.contains('.') {
        let page = format!("{rel}.html");
        if files.contains_key(&page) {
            return Some(page);
        }
        let index = format!("{rel}/index.html");
        if files.contains_key(&index) {
            return Some(index);
        }
    }
    None
}

/// Whether the request's `Accept-Encoding` accepts gzip (with a non-zero q).
fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|part| {
            let mut pieces = part.split(';').map(str::trim);
            let name = pieces.next().unwrap_or("");
            let zero_q = pieces.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            name.eq_ignore_ascii_case("gzip") && !zero_q
        })
}

/// The service's default service: an embedded file (or the trust root) for GET/HEAD, the
/// JSON 404 otherwise.
pub async fn static_or_not_found(
    app: actix_web::web::Data<crate::server::app::App>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Err(ApiError::NotFound);
    }
    if req.path().strip_prefix('/') == Some(TRUST_ROOT_FILE) {
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, content_type(TRUST_ROOT_FILE)))
            .body(app.trust.text.clone()));
    }
    let path = resolve(req.path()).ok_or(ApiError::NotFound)?;
    let file = SNAPSHOT.files.get(&path).ok_or(ApiError::NotFound)?;
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_TYPE, content_type(&path)));
    if file.gzip.is_some() {
        res.insert_header((header::VARY, "Accept-Encoding"));
    }
    match &file.gzip {
        Some(gz) if accepts_gzip(&req) => Ok(res
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(gz.clone())),
        _ => Ok(res.body(file.data.clone())),
    }
}

#[utoipa::path(get, path = "/api/v1/web-bundle", tag = "meta",
    responses((status = 200, description = "SHA-256 of every file of the reporter web app and of the whole bundle", body = WebBundleView)))]
pub async fn web_bundle(app: actix_web::web::Data<crate::server::app::App>) -> HttpResponse {
    HttpResponse::Ok().json(installation_bundle(&app.trust.text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_only_to_embedded_files() {
        assert_eq!(resolve("/").as_deref(), Some("index.html"));
        assert_eq!(resolve("/melden").as_deref(), Some("melden.html"));
        assert_eq!(resolve("/status").as_deref(), Some("status.html"));
        assert_eq!(resolve("/index.html").as_deref(), Some("index.html"));
        assert_eq!(resolve("/css/site.css").as_deref(), Some("css/site.css"));
        for bad in [
            "/../Cargo.toml",
            "/css/../index.html",
            "//index.html",
            "/nothing",
            "/css/",
        ] {
            assert_eq!(resolve(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_bundle_covers_every_file() {
        let b = bundle();
        assert!(b.files.contains_key("index.html"));
        assert_eq!(b.files.len(), Assets::iter().count());
        let index = &SNAPSHOT.files["index.html"];
        let gz = index.gzip.as_ref().expect("html is compressed");
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out).unwrap();
        assert_eq!(out, index.data);
        assert_eq!(
            crate::protocol::b64::decode_array::<32>(&b.bundle).map(|_| ()),
            Some(())
        );
        assert_eq!(content_type("a/b.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("x.svg"), "image/svg+xml");
    }
}
