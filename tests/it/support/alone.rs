//! A test that runs in a process of its own, so that the log lines it counts are its own: the
//! log capture is process-wide, and other tests of this binary log beside it.

use std::process::{Command, Output};

/// Set in the child process to the name of the one test it runs.
const VARIABLE: &str = "RNUGET_TEST_ALONE";

/// Whether the calling test, whose path is `path` (`concat!(module_path!(), "::name")`), is
/// running alone with the log capture on. Called from the test harness's process, it runs this
/// test binary again for that one test, panics with the child's output unless exactly that
/// test ran and passed there, and returns false; in the child it installs the capture and
/// returns true, and the test goes on to do its work.
pub fn alone(path: &str) -> bool {
    let child = run_alone(path).is_none();
    if child {
        super::logs::capture_logs();
    }
    child
}

/// [`alone`] for a test that installs a logger of its own (so no capture), whose parent reads
/// what the child wrote to standard error: `None` in the child, `Some(stderr)` in the parent
/// once the child passed.
pub fn alone_stderr(path: &str) -> Option<String> {
    run_alone(path).map(|output| String::from_utf8_lossy(&output.stderr).into_owned())
}

/// `None` in the child; in the parent, the output of the child that passed.
fn run_alone(path: &str) -> Option<Output> {
    // `module_path!()` starts with this binary's crate name; the harness names tests without.
    let name = path.split_once("::").map_or(path, |(_, rest)| rest);
    if std::env::var(VARIABLE).is_ok_and(|v| v == name) {
        return None;
    }
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let output = Command::new(exe)
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(VARIABLE, name)
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{name}, run alone, failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    Some(output)
}
