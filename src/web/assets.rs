//! The embedded files: each served under `/static/{name}` and versioned by its content hash.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

const JS: &str = "text/javascript; charset=utf-8";
/// TypeScript has no registered type; this is the one Deno and esm.sh serve declarations with.
const TS: &str = "application/typescript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";
const HTML: &str = "text/html; charset=utf-8";

/// Hex digits of the SHA-256 kept in a version: 48 bits tell versions of one file apart.
const VERSION_LEN: usize = 12;

/// A file of the client package (`clients/js/`, the one copy of the client).
macro_rules! client {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/clients/js/", $name))
    };
}

/// The static files. Modules come after the modules they import, so that their imports can name
/// the exact version (`/static/ui.js?v=...`, or `./scorecast-state.js?v=...` within the client
/// package) and a change anywhere changes every importer's hash.
const FILES: &[(&str, &str, &str)] = &[
    // The client package, each module after those it imports; the declarations before
    // scorecast.js, whose `@ts-self-types` comment names them.
    ("scorecast-state.js", JS, client!("scorecast-state.js")),
    ("scorecast-rest.js", JS, client!("scorecast-rest.js")),
    ("scorecast-clock.js", JS, client!("scorecast-clock.js")),
    ("scorecast-polling.js", JS, client!("scorecast-polling.js")),
    ("scorecast-connection.js", JS, client!("scorecast-connection.js")),
    ("scorecast-leader.js", JS, client!("scorecast-leader.js")),
    ("scorecast-share.js", JS, client!("scorecast-share.js")),
    ("scorecast-subscription.js", JS, client!("scorecast-subscription.js")),
    ("scorecast.d.ts", TS, client!("scorecast.d.ts")),
    ("scorecast.js", JS, client!("scorecast.js")),
    ("sports.js", JS, include_str!("assets/sports.js")),
    ("sets.js", JS, include_str!("assets/sets.js")),
    ("ui.js", JS, include_str!("assets/ui.js")),
    ("setline.js", JS, include_str!("assets/setline.js")),
    ("style.css", CSS, include_str!("assets/style.css")),
    ("favicon.svg", SVG, include_str!("assets/favicon.svg")),
    ("favourites.js", JS, include_str!("assets/favourites.js")),
    ("alerts.js", JS, include_str!("assets/alerts.js")),
    ("board.js", JS, include_str!("assets/board.js")),
    ("linescore.js", JS, include_str!("assets/linescore.js")),
    ("gamestats.js", JS, include_str!("assets/gamestats.js")),
    ("match.js", JS, include_str!("assets/match.js")),
    ("admin-api.js", JS, include_str!("assets/admin-api.js")),
    ("admin-status.js", JS, include_str!("assets/admin-status.js")),
    ("admin-corrections.js", JS, include_str!("assets/admin-corrections.js")),
    ("admin-clocked.js", JS, include_str!("assets/admin-clocked.js")),
    ("admin-sets.js", JS, include_str!("assets/admin-sets.js")),
    ("admin.js", JS, include_str!("assets/admin.js")),
    ("live.js", JS, include_str!("assets/live.js")),
    ("admin-watched.js", JS, include_str!("assets/admin-watched.js")),
    ("api.js", JS, include_str!("assets/api.js")),
];

/// The pages: templates whose `{{asset:NAME}}` become versioned asset URLs.
const PAGES: &[(&str, &str)] = &[
    ("index.html", include_str!("assets/index.html")),
    ("match.html", include_str!("assets/match.html")),
    ("admin.html", include_str!("assets/admin.html")),
    ("api.html", include_str!("assets/api.html")),
];

/// A file ready to serve: its bytes, type and version.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: String,
    /// The first hex digits of the SHA-256 of `body`; also the ETag.
    pub version: String,
}

impl Asset {
    fn new(name: &'static str, content_type: &'static str, body: String) -> Self {
        let version = hex::encode(Sha256::digest(body.as_bytes()))[..VERSION_LEN].to_owned();
        Self { name, content_type, body, version }
    }

    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }

    /// The URL that may be cached for a year: it changes whenever the content does.
    pub fn url(&self) -> String {
        format!("/static/{}?v={}", self.name, self.version)
    }
}

struct Catalog {
    files: Vec<Asset>,
    pages: Vec<Asset>,
}

/// Built once, on first use: hashing ~50 KB takes well under a millisecond.
fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut files: Vec<Asset> = Vec::with_capacity(FILES.len());
        for &(name, content_type, text) in FILES {
            let mut body = text.to_owned();
            for done in &files {
                body = body
                    .replace(&format!("\"/static/{}\"", done.name), &format!("\"{}\"", done.url()));
                // The client package imports its own modules relatively, as they lie beside it.
                let relative = format!("\"./{}\"", done.name);
                body = body.replace(&relative, &format!("\"./{}?v={}\"", done.name, done.version));
            }
            files.push(Asset::new(name, content_type, body));
        }
        let pages = PAGES
            .iter()
            .map(|&(name, template)| Asset::new(name, HTML, render(template, &files)))
            .collect();
        Catalog { files, pages }
    })
}

fn render(template: &str, files: &[Asset]) -> String {
    files.iter().fold(template.to_owned(), |page, file| {
        page.replace(&format!("{{{{asset:{}}}}}", file.name), &file.url())
    })
}

/// The static file called `name`.
pub fn file(name: &str) -> Option<&'static Asset> {
    catalog().files.iter().find(|a| a.name == name)
}

/// The page rendered from the template `name`.
pub fn page(name: &str) -> &'static Asset {
    catalog().pages.iter().find(|a| a.name == name).expect("every page is in PAGES")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_name_every_asset_by_its_current_version() {
        for &(name, _) in PAGES {
            let body = &page(name).body;
            assert!(!body.contains("{{"), "{name} has a placeholder left: {body}");
            assert!(body.contains(&file("style.css").unwrap().url()), "{name}");
        }
    }

    #[test]
    fn modules_import_the_exact_version_of_what_they_import() {
        let board = &file("board.js").unwrap().body;
        assert!(board.contains(&file("scorecast.js").unwrap().url()));
        assert!(board.contains(&file("ui.js").unwrap().url()));
        let client = &file("scorecast.js").unwrap().body;
        let types = file("scorecast.d.ts").unwrap();
        assert!(
            client.contains(&format!("@ts-self-types=\"./scorecast.d.ts?v={}\"", types.version))
        );
        let state = file("scorecast-state.js").unwrap();
        let connection = &file("scorecast-connection.js").unwrap().body;
        assert!(connection.contains(&format!("from \"./scorecast-state.js?v={}\"", state.version)));
    }

    #[test]
    fn every_module_of_the_client_package_is_served() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/clients/js");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".js") || name.ends_with(".d.ts") {
                assert!(file(&name).is_some(), "clients/js/{name} is not in FILES");
            }
        }
    }
}
