//! Browser tests: the pages in a real headless Chromium, driven over WebDriver, against the real
//! server. They need Debian's `chromium` and `chromium-driver`; without them they are skipped,
//! unless `SCORECAST_REQUIRE_BROWSER=1` (CI), which makes them fail.

#[path = "../common/mod.rs"]
mod common;
mod driver;

mod admin;
mod admin_lifecycle;
mod admin_sets;
mod admin_sports;
mod admin_watched;
mod api_docs;
mod assets;
mod client;
mod clock;
mod competitions;
mod countdown;
mod fallback;
mod favourites;
mod https;
mod line_score;
mod live_panel;
mod match_page;
mod old_clients;
mod restart;
mod scoreboard;
mod set_pages;
mod shared_connection;
mod star_reconnect;
