//! A loopback feed in front of a demo feed, so that one run meets every kind of request: it
//! serves the demo feed's documents with their URLs pointing at itself, redirects package
//! downloads to the demo feed (a CDN, as nuget.org does), and, with faults on, answers the first
//! request for each URL with 503 (so every request is retried once). A redirect waits
//! [`PACKAGE_DELAY`] first, so that a download takes at least that long.
//!
//! The relay reads the demo feed with ureq, whose lines are not rnuget's: the log capture keeps
//! only rnuget's own.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use parking_lot::Mutex;
use rnuget::demo::DemoFeed;
use rnuget::demo::server::{LoopbackServer, Request, Response};

/// How long the relay waits before it redirects a package download.
pub const PACKAGE_DELAY: Duration = Duration::from_millis(30);

/// The relay and the demo feed behind it.
pub struct Relay {
    /// The relay: every document's URL points here.
    pub server: LoopbackServer,
    /// The demo feed: the relay's source, and where package downloads are redirected to.
    pub feed: DemoFeed,
}

impl Relay {
    /// A relay in front of `feed`; `faults` makes the first request for each URL a 503.
    pub fn start(feed: DemoFeed, faults: bool) -> Relay {
        let own: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
        let seen: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
        let behind = feed.base_url();
        let base = Arc::clone(&own);
        let server = LoopbackServer::start(move |request| {
            if faults && seen.lock().insert(request.target.clone()) {
                return Response::new(503, "busy: try again");
            }
            let here = base.get().map(String::as_str).unwrap_or_default();
            relay(request, &behind, here)
        })
        .unwrap();
        let _ = own.set(server.base_url());
        Relay { server, feed }
    }

    /// The service index URL a client is given.
    pub fn index_url(&self) -> String {
        self.feed
            .index_url()
            .replace(&self.feed.base_url(), &self.server.base_url())
    }
}

/// A package goes to the feed behind (a redirect); a document is fetched from it, its URLs
/// rewritten to point `here`.
fn relay(request: &Request, behind: &str, here: &str) -> Response {
    let url = format!("{behind}{}", request.target);
    if request.path().ends_with(".nupkg") {
        std::thread::sleep(PACKAGE_DELAY);
        return Response::new(302, "").with_header("Location", &url);
    }
    match ureq::get(&url).call() {
        Ok(response) => {
            let body = response.into_body().read_to_vec().unwrap_or_default();
            let text = String::from_utf8_lossy(&body).replace(behind, here);
            Response::json(text)
        }
        Err(ureq::Error::StatusCode(status)) => Response::new(status, "from the feed behind"),
        Err(err) => Response::new(502, err.to_string()),
    }
}
