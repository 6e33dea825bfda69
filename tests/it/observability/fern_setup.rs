//! The `fern` setup helper as a program uses it: installed as the process's logger (in a child
//! process of its own, as `log` allows one logger per process), writing rnuget's lines at the
//! chosen level to standard error in the full format, other crates' at warn only.

use log::LevelFilter;
use rnuget::ErrorKind;
use rnuget::client::Client;
use rnuget::demo::DemoFeed;
use rnuget::observability::logging::{self, LogFormat, LogOutput, LoggingOptions};

use crate::support::alone::alone_stderr;

/// Whether `line` is `YYYY-MM-DDTHH:MM:SS.mmmZ LEVEL target: message` for this level, target
/// and message start.
fn is_full_line(line: &str, level: &str, target: &str, message: &str) -> bool {
    let Some((stamp, rest)) = line.split_once(' ') else {
        return false;
    };
    let shape = stamp.len() == 24
        && stamp.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            19 => b == b'.',
            23 => b == b'Z',
            _ => b.is_ascii_digit(),
        });
    let head = format!("{level:<5} {target}: {message}");
    shape && rest.starts_with(&head)
}

#[test]
fn the_setup_writes_rnugets_lines_at_its_level_to_stderr_in_the_full_format() {
    let path = concat!(
        module_path!(),
        "::the_setup_writes_rnugets_lines_at_its_level_to_stderr_in_the_full_format"
    );
    let Some(stderr) = alone_stderr(path) else {
        let options = LoggingOptions::default()
            .level(LevelFilter::Debug)
            .format(LogFormat::Full)
            .output(LogOutput::Stderr);
        logging::install(&options).unwrap();
        let feed = DemoFeed::start().unwrap();
        let client = Client::for_sources(&[feed.index_url()]).unwrap();
        client.list_versions("Demo.Core").unwrap();
        log::debug!(target: "ureq::planted", "other crates' debug lines stay out");
        log::warn!(target: "ureq::planted", "other crates' warnings show");
        // One logger per process: a second setup is refused, saying why.
        let again = logging::install(&options).unwrap_err();
        assert_eq!(again.kind(), ErrorKind::InvalidArgument);
        assert!(again.to_string().contains("a logger is installed already"));
        eprintln!("index: {}", feed.index_url());
        return;
    };
    let lines: Vec<&str> = stderr.lines().collect();
    let index = lines
        .iter()
        .find_map(|l| l.strip_prefix("index: "))
        .expect("the child names its feed");
    let request = format!("GET {index} 200 ");
    let full = |level, target, message: &str| {
        lines
            .iter()
            .any(|l| is_full_line(l, level, target, message))
    };
    assert!(full("DEBUG", "rnuget::http", &request), "{stderr}");
    assert!(
        full("WARN", "ureq::planted", "other crates' warnings show"),
        "{stderr}"
    );
    assert!(!stderr.contains("stay out"), "{stderr}");
}
