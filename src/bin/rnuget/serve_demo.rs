//! `rnuget serve-demo`: the embedded demo feed on its own, for programs other than this one
//! (the C example, a `dotnet` or `nuget` client, a browser) to point at.

use std::io::Write;
use std::time::Duration;

use rnuget::demo::{DemoFeed, demo_packages};

use crate::failure::Failure;

/// How often the requests the server records are forgotten: nobody reads them here, and a feed
/// left running for days would otherwise keep every one.
const FORGET_REQUESTS_EVERY: Duration = Duration::from_secs(60);

/// Serves the demo feed on `127.0.0.1:port` (0: a free port), prints its service index URL as
/// the first line of `out`, and serves until the process is killed.
pub fn run(out: &mut dyn Write, port: u16) -> Result<(), Failure> {
    let feed = DemoFeed::builder()
        .packages(demo_packages())
        .port(port)
        .start()
        .map_err(|err| {
            let err = std::io::Error::new(err.kind(), format!("127.0.0.1:{port}: {err}"));
            Failure::Io("starting the demo feed", err)
        })?;
    writeln!(out, "{}", feed.index_url())?;
    out.flush()?;
    let packages = feed.packages();
    let versions: usize = packages.iter().map(|(_, v)| v.len()).sum();
    eprintln!(
        "rnuget: serving the demo feed ({} packages, {versions} versions) on {} until killed \
         (Ctrl-C)\nrnuget: try  rnuget versions Demo.Core --source {}",
        packages.len(),
        feed.base_url(),
        feed.index_url()
    );
    // The server answers on its own threads; this one only keeps the feed alive.
    loop {
        std::thread::sleep(FORGET_REQUESTS_EVERY);
        feed.server().clear_requests();
    }
}
