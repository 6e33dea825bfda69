//! Builds the C programs in `bindings/c/` against the static library and runs them.
//!
//! Each program is compiled with `-std=c11 -Wall -Wextra -Werror` by the compiler the `cc` crate
//! finds, linked against `target/<profile>/librnuget.a` (built by [`static_library`]) and run
//! against a loopback feed started here. The C tests run once
//! under AddressSanitizer and UndefinedBehaviorSanitizer when the compiler supports them, and once
//! under Valgrind's leak check when Valgrind is installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use rnuget::demo::DemoFeed;
use rnuget::demo::server::{LoopbackServer, Response};

/// Flags every C program is compiled with.
const C_FLAGS: &[&str] = &["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"];

/// Sanitizer flags; a finding aborts the program instead of only printing.
const SANITIZER_FLAGS: &[&str] = &[
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
];

/// What the Rust standard library needs from the system when linked statically on Linux.
const SYSTEM_LIBS: &[&str] = &["-lpthread", "-ldl", "-lm"];

/// The workspace root (the parent of `ffi/`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `target/<profile>`: the test executable lives in its `deps/` folder.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    exe.parent()
        .and_then(Path::parent)
        .expect("test executables live in target/<profile>/deps")
        .to_path_buf()
}

/// The static library, built (or found fresh) by `cargo build -p rnuget-ffi --lib --tests` once
/// per test run.
///
/// Cargo does not build a package's library for its integration tests when the library is only a
/// `staticlib`/`cdylib` (nothing links it), so `cargo test` alone would leave a missing or stale
/// `librnuget.a`. Asking cargo here, with the same profile and target directory, makes the C tests
/// always link the code under test; cargo has released its build lock by the time tests run.
fn static_library() -> PathBuf {
    static LIBRARY: OnceLock<PathBuf> = OnceLock::new();
    LIBRARY
        .get_or_init(|| {
            let profile_dir = profile_dir();
            let mut command = cargo_build_command(&profile_dir);
            let status = command.status().expect("cargo runs");
            assert!(status.success(), "{command:?} failed");
            let library = profile_dir.join("librnuget.a");
            assert!(
                library.is_file(),
                "{} is missing after {command:?}",
                library.display()
            );
            library
        })
        .clone()
}

/// `cargo build` of the C ABI library into the profile directory this test runs from.
fn cargo_build_command(profile_dir: &Path) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace_root())
        // `--tests` turns dev-dependencies on, as the `cargo test` running this test did, so that
        // shared dependencies resolve to the same features and the build reuses its artifacts
        // instead of compiling a second variant of the whole tree (checked: with `--lib` alone a
        // clean `cargo test --workspace` compiled everything twice).
        .args(["build", "-p", "rnuget-ffi", "--lib", "--tests"]);
    // The same features as this test, for the same reason.
    if cfg!(feature = "opentelemetry") {
        command.args(["--features", "opentelemetry"]);
    }
    // Cargo gives this test the variables it sets for a crate (CARGO_MANIFEST_DIR, CARGO_PKG_*,
    // ...). Some build scripts (ring's) track those; a nested cargo that inherits them sees them
    // as changed and rebuilds, and the next plain `cargo build` rebuilds back.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if is_crate_variable(&name) {
            command.env_remove(&*name);
        }
    }
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("debug");
    command.args([
        "--profile",
        if profile == "debug" { "dev" } else { profile },
    ]);
    let mut target_dir = profile_dir.parent().expect("target/<profile> has a parent");
    let target = env!("RNUGET_FFI_TARGET");
    if target_dir.file_name().is_some_and(|n| n == target) {
        // A cross build: target/<triple>/<profile>.
        command.args(["--target", target]);
        target_dir = target_dir.parent().expect("target/<triple> has a parent");
    }
    command.arg("--target-dir").arg(target_dir);
    command
}

/// Whether cargo sets this variable for the crate it runs, rather than a user to configure it.
fn is_crate_variable(name: &str) -> bool {
    const PREFIXES: &[&str] = &["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CFG_"];
    const NAMES: &[&str] = &[
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "OUT_DIR",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || NAMES.contains(&name)
}

/// The C compiler `cc` would use in a build script for this target.
fn compiler() -> cc::Tool {
    let target = env!("RNUGET_FFI_TARGET");
    cc::Build::new()
        .target(target)
        .host(target)
        .opt_level(0)
        .debug(true)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .emit_rerun_if_env_changed(false)
        .try_get_compiler()
        .expect("a C compiler for the C tests")
}

/// Where compiled programs go.
fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-tests");
    std::fs::create_dir_all(&dir).expect("target tmp dir is writable");
    dir
}

/// Compiles and links one C source; panics with the compiler's output on any warning or error.
fn build(source: &str, name: &str, sanitize: bool) -> PathBuf {
    let root = workspace_root();
    let exe = out_dir().join(name);
    let mut command = compiler().to_command();
    command.args(C_FLAGS);
    if sanitize {
        command.args(SANITIZER_FLAGS);
    }
    command
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("bindings").join("c").join(source))
        .arg(static_library())
        .args(SYSTEM_LIBS)
        .arg("-o")
        .arg(&exe);
    let output = command.output().expect("the C compiler runs");
    assert!(
        output.status.success(),
        "compiling {source} failed:\n{:?}\n{}{}",
        command,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    exe
}

/// Whether this compiler can build and run a sanitized program here (it cannot everywhere:
/// some kernels and containers refuse ASan's memory layout).
fn sanitizers_work() -> bool {
    static WORKS: OnceLock<bool> = OnceLock::new();
    *WORKS.get_or_init(|| {
        let dir = out_dir();
        let source = dir.join("probe.c");
        let exe = dir.join("probe");
        std::fs::write(&source, "int main(void) { return 0; }\n").expect("probe source");
        let built = compiler()
            .to_command()
            .args(SANITIZER_FLAGS)
            .arg(&source)
            .arg("-o")
            .arg(&exe)
            .output()
            .is_ok_and(|o| o.status.success());
        let works = built && Command::new(&exe).status().is_ok_and(|s| s.success());
        if !works {
            eprintln!("\n*** sanitizers unavailable here: the C tests run without them ***\n");
        }
        works
    })
}

/// Runs a program and fails the test, showing its output, unless it exits with 0.
fn run(mut command: Command) -> Output {
    let output = command.output().expect("the C program starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        output.status.success(),
        "{command:?} failed with {}:\n{stdout}\n{stderr}",
        output.status
    );
    output
}

/// The demo feed, and a server that answers HTTP 500 to everything, asking clients to retry in
/// an hour (`Retry-After: 3600`), as a hostile server might.
fn start_feeds() -> (DemoFeed, LoopbackServer) {
    let feed = DemoFeed::start().expect("the demo feed starts");
    let failing = LoopbackServer::start(|_| {
        Response::new(500, "deliberately broken").with_header("Retry-After", "3600")
    })
    .expect("the failing server starts");
    (feed, failing)
}

/// The arguments `test_rnuget` takes, from a running demo feed.
struct TestArgs {
    index_url: String,
    id: String,
    version: String,
    versions_json: String,
    download_path: PathBuf,
    expected_bytes: Vec<u8>,
    failing_url: String,
}

impl TestArgs {
    /// Picks the id with the most versions, all listed (so that every client call agrees on
    /// them), and its latest version.
    fn new(feed: &DemoFeed, failing: &LoopbackServer, name: &str) -> Self {
        let (id, versions) = feed
            .packages()
            .into_iter()
            .filter(|(_, versions)| versions.iter().all(|(_, listed)| *listed))
            .max_by_key(|(_, versions)| versions.len())
            .expect("the demo feed has an id whose versions are all listed");
        let versions: Vec<String> = versions.into_iter().map(|(version, _)| version).collect();
        let version = versions.last().expect("an id has versions").clone();
        let expected_bytes = feed
            .package_bytes(&id, &version)
            .expect("the feed serves its own package")
            .expect("the package bytes are readable");
        let download_path = out_dir().join(format!("{name}.nupkg"));
        let _ = std::fs::remove_file(&download_path);
        TestArgs {
            index_url: feed.index_url(),
            id,
            version,
            versions_json: serde_json::to_string(&versions).expect("a JSON list"),
            download_path,
            expected_bytes,
            failing_url: format!("{}/v3/index.json", failing.base_url()),
        }
    }

    fn apply(&self, command: &mut Command) {
        command
            .arg(&self.index_url)
            .arg(&self.id)
            .arg(&self.version)
            .arg(&self.versions_json)
            .arg(&self.download_path)
            .arg(&self.failing_url);
    }

    /// The C program's traced client (`test_trace_context`) sent its requests with the
    /// caller's trace id, a span id of their own and the caller's `tracestate`.
    fn assert_traced(feed: &DemoFeed) {
        let prefix = "00-0af7651916cd43dd8448eb211c80319c-";
        let traced: Vec<_> = feed
            .server()
            .requests()
            .into_iter()
            .filter(|r| {
                r.header("traceparent")
                    .is_some_and(|t| t.starts_with(prefix))
            })
            .collect();
        assert!(
            !traced.is_empty(),
            "no request carried the C caller's trace"
        );
        for request in &traced {
            let traceparent = request.header("traceparent").unwrap_or_default();
            assert_eq!(traceparent.len(), 55, "{traceparent}");
            assert!(traceparent.ends_with("-01"), "{traceparent}");
            assert!(!traceparent.contains("b7ad6b7169203331"), "{traceparent}");
            assert_eq!(request.header("tracestate"), Some("rnuget=c"));
        }
    }

    /// The C program downloaded the package to the path given: the bytes must be the feed's.
    fn assert_downloaded(&self) {
        let written = std::fs::read(&self.download_path).expect("the C test wrote the download");
        assert!(
            written == self.expected_bytes,
            "downloaded bytes differ from the feed's package"
        );
    }
}

#[test]
fn c_tests_pass_with_sanitizers_where_available() {
    let sanitize = sanitizers_work();
    let exe = build("test_rnuget.c", "test_rnuget", sanitize);
    let (feed, failing) = start_feeds();
    let args = TestArgs::new(&feed, &failing, "sanitized");
    let mut command = Command::new(exe);
    args.apply(&mut command);
    // Leak detection is on, so an object the C tests forget to free fails the run too.
    command.env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0");
    let output = run(command);
    assert!(String::from_utf8_lossy(&output.stdout).contains(", 0 failed"));
    args.assert_downloaded();
    TestArgs::assert_traced(&feed);
}

#[test]
fn c_tests_leak_nothing_under_valgrind() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        // .ci/run installs valgrind: under CI its absence is a failure, not a skip.
        assert!(
            std::env::var("CI").map_or(true, |v| v.is_empty() || v == "false" || v == "0"),
            "valgrind is not installed, and CI is set"
        );
        eprintln!("\n*** SKIPPED: valgrind is not installed ***\n");
        return;
    }
    let exe = build("test_rnuget.c", "test_rnuget_plain", false);
    let (feed, failing) = start_feeds();
    let args = TestArgs::new(&feed, &failing, "valgrind");
    let mut command = Command::new("valgrind");
    command.args([
        "--error-exitcode=99",
        "--leak-check=full",
        "--errors-for-leak-kinds=definite,indirect",
        "--show-leak-kinds=definite,indirect",
        "--quiet",
    ]);
    command.arg(exe);
    args.apply(&mut command);
    run(command);
    args.assert_downloaded();
}

#[test]
fn example_program_lists_shows_and_downloads() {
    let exe = build("example.c", "example", sanitizers_work());
    let (feed, failing) = start_feeds();
    let args = TestArgs::new(&feed, &failing, "example");
    let latest_stable = feed
        .packages()
        .into_iter()
        .find(|(id, _)| *id == args.id)
        .and_then(|(_, versions)| {
            versions
                .into_iter()
                .filter_map(|(v, _)| rnuget::version::NuGetVersion::parse(&v).ok())
                .filter(|v| !v.is_prerelease())
                .max()
        })
        .expect("the package has a stable version")
        .to_normalized_string();

    let mut command = Command::new(exe);
    command
        .arg(&args.index_url)
        .arg(&args.id)
        .arg(&args.download_path);
    let output = run(command);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(&format!("versions of {}: {}", args.id, args.versions_json)));
    assert!(
        stdout.contains(&format!("latest stable version: {latest_stable}")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("\"id\":\"{}\"", args.id)),
        "{stdout}"
    );
    let written = std::fs::read(&args.download_path).expect("the example wrote the download");
    let served = feed
        .package_bytes(&args.id, &latest_stable)
        .expect("served")
        .expect("bytes");
    assert!(
        written == served,
        "the example's download differs from the feed's package"
    );

    // A failure is reported with its status name and the library's message (naming the URL),
    // and exit status 1.
    let plain = build("example.c", "example", false);
    let failing_url = format!("{}/v3/index.json", failing.base_url());
    let (code, stdout, stderr) = run_example(&plain, &[&failing_url, &args.id]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("listing versions failed: RNUGET_ERR_HTTP_STATUS (300)"),
        "{stderr}"
    );
    assert!(stderr.contains("HTTP status: 500"), "{stderr}");
    assert!(stderr.contains(&format!("URL: {failing_url}")), "{stderr}");
    assert!(!stdout.contains("versions of"), "{stdout}");

    // An id no source has: the library answers an empty list, the example exits 3 saying so.
    let (code, stdout, stderr) = run_example(&plain, &[&args.index_url, "Nope.Package"]);
    assert_eq!(code, Some(3), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("Nope.Package: no source has this package (its version list is empty)"),
        "{stderr}"
    );
    assert!(!stdout.contains("metadata:"), "{stdout}");
}

#[test]
fn example_program_falls_back_to_the_latest_prerelease() {
    let feed = DemoFeed::with_packages([
        rnuget::demo::DemoPackage::new("Only.Pre", "1.0.0-beta.1"),
        rnuget::demo::DemoPackage::new("Only.Pre", "1.0.0-beta.2"),
    ])
    .expect("the feed starts");
    let exe = build("example.c", "example_pre", false);
    let (code, stdout, stderr) = run_example(&exe, &[&feed.index_url(), "only.pre"]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("latest prerelease (no stable one) version: 1.0.0-beta.2"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\"id\":\"Only.Pre\",\"version\":\"1.0.0-beta.2\""),
        "{stdout}"
    );
}

/// Runs the example with `args`: its exit code, stdout and stderr.
fn run_example(exe: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(exe)
        .args(args)
        .output()
        .expect("the example starts");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
