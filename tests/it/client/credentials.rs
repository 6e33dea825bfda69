//! Passwords written in a source URL never show, whatever they hold: not in an error, not in
//! a log line, not on the binary's stderr; one holding an unencoded `/`, `?` or `#` is refused
//! before anything is sent (read by the standard, the user name would be the host).

use std::sync::OnceLock;

use base64::Engine;
use rnuget::ErrorKind;
use rnuget::client::Client;
use rnuget::demo::{DemoFeed, DemoPackage};

/// Collects every `rnuget::*` log line of this test binary (the only logger installed here).
struct Capture;

static LINES: parking_lot::Mutex<Vec<String>> = parking_lot::Mutex::new(Vec::new());

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.target().starts_with("rnuget")
    }
    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            LINES
                .lock()
                .push(format!("{} {}", record.target(), record.args()));
        }
    }
    fn flush(&self) {}
}

fn capture_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        static LOGGER: Capture = Capture;
        log::set_logger(&LOGGER).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// Every password planted below ends with this, so that any piece of one is found.
const MARK: &str = "ssW0RD";

fn assert_hidden(shown: &str) {
    assert!(!shown.contains(MARK), "a password shows: {shown}");
    assert!(!shown.contains("alice"), "the user shows: {shown}");
}

fn feed() -> DemoFeed {
    DemoFeed::with_packages([DemoPackage::new("Hidden", "1.0.0")]).unwrap()
}

/// `http://alice:<password>@127.0.0.1:PORT/index.json` for the feed.
fn with_password(feed: &DemoFeed, password: &str) -> String {
    let index = feed.index_url();
    let rest = index.strip_prefix("http://").unwrap();
    format!("http://alice:{password}@{rest}")
}

#[test]
fn passwords_with_unencoded_delimiters_are_refused_and_never_shown() {
    capture_logs();
    let feed = feed();
    for password in [
        format!("pa/{MARK}"),
        format!("pa?{MARK}"),
        format!("pa#{MARK}"),
    ] {
        let source = with_password(&feed, &password);
        let client = Client::for_sources(&[&source]).unwrap();
        let err = client.list_versions("Hidden").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
        assert!(err.message().contains("percent-encode"), "{err}");
        assert_eq!(err.url(), Some(feed.index_url().as_str()));
        assert_hidden(&format!("{err} {err:?}"));
    }
    assert_eq!(feed.server().request_count(), 0, "nothing was sent");
    for line in LINES.lock().iter() {
        assert_hidden(line);
    }
}

#[test]
fn a_password_with_an_at_sign_is_sent_and_never_shown() {
    capture_logs();
    let feed = feed();
    let password = format!("pa@{MARK}");
    let client = Client::for_sources(&[with_password(&feed, &password)]).unwrap();
    let versions = client.list_versions("Hidden").unwrap();
    assert_eq!(versions.len(), 1);
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("alice:{password}"));
    let sent = feed.server().requests()[0]
        .header("Authorization")
        .map(str::to_string);
    assert_eq!(sent, Some(format!("Basic {expected}")));
    let err = client.list_versions("Missing.Package").map(|_| ());
    if let Err(err) = err {
        assert_hidden(&format!("{err} {err:?}"));
    }
    for line in LINES.lock().iter() {
        assert_hidden(line);
    }
}

#[test]
fn the_binary_never_prints_the_password() {
    let feed = feed();
    for password in [format!("pa/{MARK}"), format!("pa@{MARK}")] {
        let source = with_password(&feed, &password);
        let (code, stdout, stderr) =
            super::rnuget(&["versions", "Hidden", "--source", &source, "-v"]);
        assert_hidden(&stdout);
        assert_hidden(&stderr);
        let refused = password.contains('/');
        assert_eq!(code == 0, !refused, "{code} {stdout} {stderr}");
        if refused {
            assert!(stderr.contains("percent-encode"), "{stderr}");
        }
    }
}
