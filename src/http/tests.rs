//! The HTTP client against loopback servers: headers, statuses, caps, encodings, redirects.

use std::io::Write;
use std::time::Duration;

use flate2::Compression;
use flate2::write::{GzEncoder, ZlibEncoder};

use super::{HttpClient, HttpOptions};
use crate::ErrorKind;
use crate::demo::server::{LoopbackServer, Response};

fn client() -> HttpClient {
    HttpClient::new(HttpOptions::default()).unwrap()
}

fn client_with(options: HttpOptions) -> HttpClient {
    HttpClient::new(options).unwrap()
}

fn serve(body: &'static str) -> LoopbackServer {
    LoopbackServer::start(move |_| Response::json(body)).unwrap()
}

#[test]
fn sends_user_agent_session_id_and_accept_encoding() {
    let server = serve("{}");
    let client = client();
    client
        .get_bytes(&format!("{}/index.json", server.base_url()))
        .unwrap();
    let request = &server.requests()[0];
    let agent = request.header("User-Agent").unwrap();
    assert!(agent.starts_with("rnuget/"), "{agent}");
    assert!(agent.contains(env!("CARGO_PKG_VERSION")), "{agent}");
    assert_eq!(
        request.header("X-NuGet-Session-Id"),
        Some(client.session_id())
    );
    assert_eq!(request.header("Accept-Encoding"), Some("gzip, deflate"));

    // One id per client session, the same on every request of that client.
    client
        .get_bytes(&format!("{}/again", server.base_url()))
        .unwrap();
    assert_eq!(
        server.requests()[1].header("X-NuGet-Session-Id"),
        Some(client.session_id())
    );
    assert_ne!(
        HttpClient::new(HttpOptions::default())
            .unwrap()
            .session_id(),
        client.session_id()
    );
}

#[test]
fn extra_headers_are_sent() {
    let server = serve("{}");
    let options = HttpOptions {
        extra_headers: vec![("X-Custom".into(), "yes".into())],
        ..HttpOptions::default()
    };
    client_with(options).get_bytes(&server.base_url()).unwrap();
    assert_eq!(server.requests()[0].header("x-custom"), Some("yes"));
}

#[test]
fn not_found_is_distinguishable_from_failure() {
    let server = LoopbackServer::start(|req| match req.path() {
        "/missing" => Response::not_found(),
        _ => Response::new(503, "busy"),
    })
    .unwrap();
    let client = client();
    let missing = format!("{}/missing", server.base_url());
    let err = client.get_bytes(&missing).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.is_not_found());
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.url(), Some(missing.as_str()));

    let err = client
        .get_bytes(&format!("{}/busy", server.base_url()))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpStatus);
    assert!(!err.is_not_found());
    assert_eq!(err.status(), Some(503));
    assert!(err.to_string().contains("/busy"), "{err}");
}

#[test]
fn refused_connections_are_network_errors() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/index.json");
    let err = client().get_bytes(&url).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert_eq!(err.message(), "connection refused");
    assert_eq!(err.url(), Some(url.as_str()));
    assert_eq!(err.status(), None);
}

#[test]
fn slow_servers_hit_the_deadline() {
    let server = LoopbackServer::start(|_| {
        std::thread::sleep(Duration::from_millis(1500));
        Response::json("{}")
    })
    .unwrap();
    let options = HttpOptions {
        request_timeout: Duration::from_millis(200),
        ..HttpOptions::default()
    };
    let err = client_with(options)
        .get_bytes(&server.base_url())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    // The limit the user configured, not ureq's name for the phase.
    assert!(err.message().starts_with("timed out after 0.2 s"), "{err}");
}

#[test]
fn deadlines_of_duration_max_mean_no_deadline() {
    // Duration::MAX for "no limit" must not overflow an Instant, here or in ureq.
    let server = serve("{}");
    let options = HttpOptions {
        connect_timeout: Duration::MAX,
        request_timeout: Duration::MAX,
        download_read_timeout: Duration::MAX,
        download_timeout: Some(Duration::MAX),
        ..HttpOptions::default()
    };
    let client = client_with(options);
    assert_eq!(client.get_bytes(&server.base_url()).unwrap(), b"{}");
    let mut out = Vec::new();
    client.download_to(&server.base_url(), &mut out).unwrap();
    assert_eq!(out, b"{}");
}

#[test]
fn a_zero_deadline_says_nothing_was_sent() {
    let server = serve("{}");
    let options = HttpOptions {
        request_timeout: Duration::ZERO,
        ..HttpOptions::default()
    };
    let err = client_with(options)
        .get_bytes(&server.base_url())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(
        err.message(),
        "timed out after 0 s before sending the request"
    );
    assert_eq!(server.request_count(), 0);
}

#[test]
fn bodies_over_the_cap_are_too_large() {
    let body = "x".repeat(100);
    let server = LoopbackServer::start(move |_| Response::new(200, body.clone())).unwrap();
    let capped = |limit| {
        client_with(HttpOptions {
            max_response_bytes: limit,
            ..HttpOptions::default()
        })
    };
    assert_eq!(
        capped(100).get_bytes(&server.base_url()).unwrap().len(),
        100
    );
    let url = format!("{}/big.json", server.base_url());
    let err = capped(99).get_bytes(&url).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert_eq!(err.url(), Some(url.as_str()));
    assert!(err.message().contains("99"), "{err}");
}

#[test]
fn compressed_bodies_are_capped_after_decoding() {
    let mut gzip = GzEncoder::new(Vec::new(), Compression::best());
    gzip.write_all(&[b'a'; 10_000]).unwrap();
    let gzip = gzip.finish().unwrap();
    assert!(gzip.len() < 1000);
    let server = LoopbackServer::start(move |_| {
        Response::new(200, gzip.clone()).with_header("Content-Encoding", "gzip")
    })
    .unwrap();
    let options = HttpOptions {
        max_response_bytes: 5_000,
        ..HttpOptions::default()
    };
    let err = client_with(options)
        .get_bytes(&server.base_url())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert_eq!(
        client().get_bytes(&server.base_url()).unwrap(),
        vec![b'a'; 10_000]
    );
}

#[test]
fn gzip_and_deflate_bodies_are_decoded() {
    let json = br#"{"versions":["1.0.0","2.0.0"]}"#;
    let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
    gzip.write_all(json).unwrap();
    let gzip = gzip.finish().unwrap();
    let mut zlib = ZlibEncoder::new(Vec::new(), Compression::default());
    zlib.write_all(json).unwrap();
    let zlib = zlib.finish().unwrap();
    let server = LoopbackServer::start(move |req| match req.path() {
        "/gzip" => Response::json(gzip.clone()).with_header("Content-Encoding", "gzip"),
        _ => Response::json(zlib.clone()).with_header("Content-Encoding", "deflate"),
    })
    .unwrap();
    let client = client();
    for path in ["/gzip", "/deflate"] {
        let value: serde_json::Value = client
            .get_json(&format!("{}{path}", server.base_url()))
            .unwrap();
        assert_eq!(value["versions"][1], "2.0.0", "{path}");
    }
}

#[test]
fn stacked_encodings_are_refused_naming_them() {
    let json = br#"{"versions":["1.0.0"]}"#;
    let gzip_once = |bytes: &[u8]| {
        let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
        gzip.write_all(bytes).unwrap();
        gzip.finish().unwrap()
    };
    let twice = gzip_once(&gzip_once(json));
    let server = LoopbackServer::start(move |_| {
        Response::json(twice.clone()).with_header("Content-Encoding", "gzip, gzip")
    })
    .unwrap();
    let err = client().get_bytes(&server.base_url()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    assert!(
        err.message()
            .contains("stacked Content-Encoding \"gzip, gzip\""),
        "{err}"
    );
    assert_eq!(err.url(), Some(server.base_url().as_str()));
    assert_eq!(err.status(), Some(200));
}

#[test]
fn downloads_stream_under_the_package_cap() {
    let server = LoopbackServer::start(|_| Response::new(200, vec![7u8; 300_000])).unwrap();
    let mut out = Vec::new();
    let written = client().download_to(&server.base_url(), &mut out).unwrap();
    assert_eq!((written, out.len()), (300_000, 300_000));
    let options = HttpOptions {
        max_package_bytes: 299_999,
        ..HttpOptions::default()
    };
    let err = client_with(options)
        .download_to(&server.base_url(), &mut Vec::new())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
}

#[test]
fn a_trickling_package_outlives_the_per_read_timeout_but_not_download_timeout() {
    // 20 chunks, 40 ms apart: every read is quick, the whole body takes about 0.8 s.
    let body: Vec<u8> = (0..2_000u32).map(|i| (i % 251) as u8).collect();
    let served = body.clone();
    let server = LoopbackServer::start(move |_| {
        Response::new(200, served.clone()).trickled(100, Duration::from_millis(40))
    })
    .unwrap();
    // NuGet's behaviour by default: no overall deadline, only per read.
    let per_read_only = HttpOptions {
        download_read_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_millis(500),
        ..HttpOptions::default()
    };
    let mut out = Vec::new();
    client_with(per_read_only.clone())
        .download_to(&server.base_url(), &mut out)
        .unwrap();
    assert_eq!(out, body);

    let bounded = HttpOptions {
        download_timeout: Some(Duration::from_millis(300)),
        ..per_read_only
    };
    let err = client_with(bounded)
        .download_to(&server.base_url(), &mut Vec::new())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(
        err.message(),
        "timed out after 0.3 s reading the response body"
    );
    assert_eq!(err.url(), Some(server.base_url().as_str()));
}

#[test]
fn credentials_and_extra_headers_are_not_forwarded_across_origins() {
    // Two loopback servers on different ports: the same host, but different origins.
    let other = serve("{\"from\":\"other\"}");
    let other_url = format!("{}/landing.json", other.base_url());
    let home = LoopbackServer::start(move |req| match req.path() {
        "/cross" => Response::new(302, "").with_header("Location", &other_url),
        "/same" => Response::new(301, "").with_header("Location", "/same-target.json"),
        _ => Response::json("{\"from\":\"home\"}"),
    })
    .unwrap();
    let port = home.addr().port();
    let client = client_with(HttpOptions {
        extra_headers: vec![("X-NuGet-ApiKey".into(), "key-s3cret".into())],
        ..HttpOptions::default()
    });

    let value: serde_json::Value = client
        .get_json(&format!("http://me:s3cret@127.0.0.1:{port}/cross"))
        .unwrap();
    assert_eq!(value["from"], "other");
    let sent = home.requests()[0]
        .header("Authorization")
        .map(str::to_string);
    assert_eq!(sent.as_deref(), Some("Basic bWU6czNjcmV0"));
    assert_eq!(
        home.requests()[0].header("X-NuGet-ApiKey"),
        Some("key-s3cret")
    );
    let landed = &other.requests()[0];
    assert_eq!(landed.path(), "/landing.json");
    assert_eq!(
        landed.header("Authorization"),
        None,
        "credentials crossed origins"
    );
    assert_eq!(
        landed.header("X-NuGet-ApiKey"),
        None,
        "the API key crossed origins"
    );

    // A redirect inside the origin keeps them.
    home.clear_requests();
    let value: serde_json::Value = client
        .get_json(&format!("http://me:s3cret@127.0.0.1:{port}/same"))
        .unwrap();
    assert_eq!(value["from"], "home");
    let requests = home.requests();
    assert_eq!(requests[1].path(), "/same-target.json");
    assert_eq!(requests[1].header("Authorization"), sent.as_deref());
    assert_eq!(requests[1].header("X-NuGet-ApiKey"), Some("key-s3cret"));
}

#[test]
fn a_redirect_is_followed_to_the_host_its_authority_names_even_with_an_at_in_its_path() {
    // `http://127.0.0.1:<port>/x@127.0.0.1:1/p` is host 127.0.0.1:<port> by RFC 3986, not
    // port 1 with user info `127.0.0.1:<port>/x`; it is another origin than the first server.
    let other = serve("{\"from\":\"other\"}");
    let location = format!("{}/x@127.0.0.1:1/p", other.base_url());
    let home =
        LoopbackServer::start(move |_| Response::new(302, "").with_header("Location", &location))
            .unwrap();
    let port = home.addr().port();
    let value: serde_json::Value = client()
        .get_json(&format!("http://me:s3cret@127.0.0.1:{port}/start"))
        .unwrap();
    assert_eq!(value["from"], "other");
    let landed = &other.requests()[0];
    assert_eq!(landed.path(), "/x@127.0.0.1:1/p");
    assert_eq!(landed.header("Authorization"), None);
    assert!(home.requests()[0].header("Authorization").is_some());
}

#[test]
fn errors_never_show_credentials() {
    let server = LoopbackServer::start(|_| Response::new(401, "no")).unwrap();
    let port = server.addr().port();
    let err = client()
        .get_bytes(&format!("http://me:s3cret@127.0.0.1:{port}/index.json"))
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("s3cret") && !shown.contains("me@"),
        "{shown}"
    );
    assert_eq!(
        err.url(),
        Some(format!("http://127.0.0.1:{port}/index.json").as_str())
    );
}

#[test]
fn only_http_and_https_are_fetched_or_followed() {
    let server = LoopbackServer::start(|_| {
        Response::new(302, "").with_header("Location", "file:///etc/passwd")
    })
    .unwrap();
    let err = client().get_bytes(&server.base_url()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    assert_eq!(err.url(), Some("file:///etc/passwd"));
    assert_eq!(err.status(), Some(302));
    assert_eq!(server.request_count(), 1);

    let err = client().get_bytes("file:///etc/passwd").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert_eq!(
        err.to_string(),
        "invalid argument: only http:// and https:// URLs can be fetched [url: file:///etc/passwd]"
    );
}

#[test]
fn a_port_out_of_range_is_refused_not_sent_to_the_default_port() {
    // Left to the HTTP stack, `:99999` would go to port 80.
    let err = client()
        .get_bytes("http://127.0.0.1:99999/v3/index.json")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert_eq!(
        err.to_string(),
        "invalid argument: the port \"99999\" is not a number from 0 to 65535 \
         [url: http://127.0.0.1:99999/v3/index.json]"
    );

    let server = LoopbackServer::start(|_| {
        Response::new(302, "").with_header("Location", "http://127.0.0.1:70000/x")
    })
    .unwrap();
    let err = client().get_bytes(&server.base_url()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    assert_eq!(err.url(), Some("http://127.0.0.1:70000/x"));
    assert_eq!(err.status(), Some(302));
    assert_eq!(server.request_count(), 1);
}

#[test]
fn redirect_loops_end() {
    let server =
        LoopbackServer::start(|_| Response::new(302, "").with_header("Location", "/again"))
            .unwrap();
    let options = HttpOptions {
        max_redirects: 3,
        ..HttpOptions::default()
    };
    let err = client_with(options)
        .get_bytes(&server.base_url())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpStatus);
    assert_eq!(server.request_count(), 4);
}

/// Collects `rnuget::http` log lines; installed once for this test binary.
struct Capture;

static LINES: parking_lot::Mutex<Vec<String>> = parking_lot::Mutex::new(Vec::new());

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.target() == "rnuget::http"
    }
    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            LINES
                .lock()
                .push(format!("{} {}", record.level(), record.args()));
        }
    }
    fn flush(&self) {}
}

#[test]
fn one_debug_line_per_request_without_credentials() {
    static LOGGER: Capture = Capture;
    let installed = log::set_logger(&LOGGER).is_ok();
    assert!(installed, "another logger is installed in this test binary");
    log::set_max_level(log::LevelFilter::Debug);
    let server = serve("{\"a\":1}");
    let port = server.addr().port();
    let url = format!("http://me:s3cret@127.0.0.1:{port}/logged.json?sig=SECRETSIG&q=x");
    client().get_bytes(&url).unwrap();
    let lines: Vec<String> = LINES
        .lock()
        .iter()
        .filter(|l| l.contains("/logged.json"))
        .cloned()
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert!(line.starts_with("DEBUG GET http://127.0.0.1:"), "{line}");
    assert!(
        line.contains(" 200 7 bytes ") && line.ends_with(" ms"),
        "{line}"
    );
    assert!(
        !line.contains("s3cret") && !line.contains("SECRETSIG"),
        "{line}"
    );
}
