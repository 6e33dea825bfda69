//! `rnuget serve-demo`: the demo feed in a process of its own, found through the URL it prints
//! first, answering a client until it is killed.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rnuget::ErrorKind;
use rnuget::client::Client;
use rnuget::demo::DemoFeed;
use rnuget::version::NuGetVersion;

/// Longest wait for the first line: a debug binary on a busy CI machine starts slowly, but a
/// server that never prints must fail the test rather than hang it.
const FIRST_LINE_WAIT: Duration = Duration::from_secs(120);

/// A running `rnuget serve-demo`, killed when dropped (also when an assertion fails).
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rnuget"))
        .arg("serve-demo")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Starts `rnuget serve-demo ARGS` and reads the first line of its stdout.
fn serve(args: &[&str]) -> Served {
    let mut child = spawn(args);
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line).map(|_| line);
        let _ = sender.send(read);
    });
    let mut served = Served {
        child,
        url: String::new(),
    };
    match receiver.recv_timeout(FIRST_LINE_WAIT) {
        Ok(line) => served.url = line.unwrap().trim_end().to_string(),
        Err(_) => panic!("serve-demo printed no line in {FIRST_LINE_WAIT:?}"),
    }
    served
}

/// Waits for `child` to exit; one still running after [`FIRST_LINE_WAIT`] is killed and fails
/// the test.
fn exit_of(mut child: Child) -> std::process::Output {
    let deadline = std::time::Instant::now() + FIRST_LINE_WAIT;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve-demo kept running on a port that was taken");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn serve_demo_prints_its_url_first_and_serves_the_demo_feed_until_killed() {
    let mut served = serve(&[]);
    let url = served.url.clone();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(url.ends_with("/v3/index.json"), "{url}");

    // The same packages as the feed `rnuget demo` and the library start, byte for byte.
    let local = DemoFeed::start().unwrap();
    let client = Client::for_sources(std::slice::from_ref(&url)).unwrap();
    for (id, versions) in local.packages() {
        let listed: Vec<String> = versions.iter().map(|(v, _)| v.clone()).collect();
        let served_versions: Vec<String> = client
            .list_versions(&id)
            .unwrap()
            .iter()
            .map(NuGetVersion::to_normalized_string)
            .collect();
        assert_eq!(served_versions, listed, "{id}");
    }
    let version = NuGetVersion::parse("3.1.0").unwrap();
    let bytes = client.download_to_vec("Demo.Http", &version).unwrap();
    assert_eq!(
        bytes.value,
        local.package_bytes("Demo.Http", "3.1.0").unwrap().unwrap()
    );
    // Still serving after a while: it runs until killed, not for one client.
    std::thread::sleep(Duration::from_millis(300));
    assert!(served.child.try_wait().unwrap().is_none());

    served.child.kill().unwrap();
    served.child.wait().unwrap();
    let mut stderr = String::new();
    served
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("serving the demo feed (5 packages, 37 versions)"),
        "{stderr}"
    );
    // Killed, it answers no more.
    let after = Client::for_sources(&[url]).unwrap();
    let err = after.list_versions("Demo.Core").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
}

#[test]
fn serve_demo_listens_on_the_port_asked_and_says_when_it_is_taken() {
    // A port the system just handed out and took back: free for the server.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let served = serve(&["--port", &port.to_string()]);
    assert_eq!(served.url, format!("http://127.0.0.1:{port}/v3/index.json"));
    let client = Client::for_sources(std::slice::from_ref(&served.url)).unwrap();
    assert_eq!(client.list_versions("Demo.Core").unwrap().len(), 4);

    // The same port again, taken by the first server: a clear failure, not a hang.
    let output = exit_of(spawn(&["--port", &port.to_string()]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    assert!(
        stderr.contains(&format!("starting the demo feed: 127.0.0.1:{port}: ")),
        "{stderr}"
    );
}
