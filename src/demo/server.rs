//! A small HTTP/1.1 server on loopback, for the demo feed, tests and benchmarks.
//!
//! It binds `127.0.0.1` only, answers every request through one handler closure, keeps connections
//! alive (as real feeds do, so that connection reuse is exercised), and records every request it
//! saw so that tests can count them. It stops when dropped.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::Mutex;

/// Longest request head the server reads; anything longer is answered with 431 and closed.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// How long an idle kept-alive connection stays open.
const IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// Path and query, as sent (`/v3/index.json?x=1`).
    pub target: String,
    /// Headers in the order sent, names as sent.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The query string without `?`, empty when there is none.
    pub fn query(&self) -> &str {
        self.target.split_once('?').map(|(_, q)| q).unwrap_or("")
    }

    /// The first header with this name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The body of a response.
#[derive(Debug, Clone)]
pub enum Body {
    /// Bytes in memory, shared so that a feed can serve them many times without copying.
    Bytes(Arc<Vec<u8>>),
    /// A file streamed from disk (large packages in benchmarks).
    File(PathBuf),
    /// Bytes sent `chunk` at a time with `pause` before each chunk: a slow server, for
    /// deadline tests.
    Trickle {
        /// The whole body.
        bytes: Arc<Vec<u8>>,
        /// Bytes written at a time (at least 1).
        chunk: usize,
        /// Wait before each chunk.
        pause: Duration,
    },
}

/// A response the handler returns.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Extra headers (`Content-Length` and `Connection` are added by the server).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

impl Response {
    /// A response with a status and a body in memory.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Arc::new(body.into())),
        }
    }

    /// A 200 response with a JSON body.
    pub fn json(body: impl Into<Vec<u8>>) -> Self {
        Response::new(200, body).with_header("Content-Type", "application/json")
    }

    /// A 404 response.
    pub fn not_found() -> Self {
        Response::new(404, "not found")
    }

    /// The same response with its body sent `chunk` bytes at a time, `pause` before each.
    pub fn trickled(mut self, chunk: usize, pause: Duration) -> Self {
        let bytes = match self.body {
            Body::Bytes(bytes) | Body::Trickle { bytes, .. } => bytes,
            Body::File(path) => Arc::new(std::fs::read(path).unwrap_or_default()),
        };
        self.body = Body::Trickle {
            bytes,
            chunk: chunk.max(1),
            pause,
        };
        self
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

type Handler = dyn Fn(&Request) -> Response + Send + Sync;

/// A running loopback server; it stops when dropped.
pub struct LoopbackServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<Request>>>,
    accept_thread: Option<JoinHandle<()>>,
}

impl LoopbackServer {
    /// Starts a server on `127.0.0.1` and a free port, answering through `handler`.
    pub fn start<F>(handler: F) -> io::Result<Self>
    where
        F: Fn(&Request) -> Response + Send + Sync + 'static,
    {
        Self::start_on(0, handler)
    }

    /// Starts a server on `127.0.0.1:port` (0 picks a free port).
    pub fn start_on<F>(port: u16, handler: F) -> io::Result<Self>
    where
        F: Fn(&Request) -> Response + Send + Sync + 'static,
    {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);

        let thread_stop = Arc::clone(&stop);
        let thread_requests = Arc::clone(&requests);
        let accept_thread = std::thread::Builder::new()
            .name("rnuget-loopback-accept".into())
            .spawn(move || accept_loop(listener, thread_stop, thread_requests, handler))?;

        Ok(LoopbackServer {
            addr,
            stop,
            requests,
            accept_thread: Some(accept_thread),
        })
    }

    /// `http://127.0.0.1:PORT` without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().clone()
    }

    /// How many requests were received so far.
    pub fn request_count(&self) -> usize {
        self.requests.lock().len()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.requests.lock().clear();
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so that the thread sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<Request>>>,
    handler: Arc<Handler>,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let requests = Arc::clone(&requests);
        let handler = Arc::clone(&handler);
        let stop = Arc::clone(&stop);
        let _ = std::thread::Builder::new()
            .name("rnuget-loopback-conn".into())
            .spawn(move || {
                if let Err(err) = serve_connection(stream, &stop, &requests, &*handler) {
                    log::debug!(target: "rnuget::demo", "loopback connection ended: {err}");
                }
            });
    }
}

fn serve_connection(
    stream: TcpStream,
    stop: &AtomicBool,
    requests: &Mutex<Vec<Request>>,
    handler: &Handler,
) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;

    while !stop.load(Ordering::SeqCst) {
        let Some(request) = read_request(&mut reader)? else {
            break;
        };
        requests.lock().push(request.clone());
        let keep_alive = !request
            .header("Connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let response = handler(&request);
        write_response(&mut writer, &request, &response, keep_alive)?;
        if !keep_alive {
            break;
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
    Ok(())
}

/// Reads one request head and skips any body; `None` when the peer closed the connection.
fn read_request(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Request>> {
    let mut head_bytes = 0usize;
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    head_bytes += line.len();
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();

    let mut headers = Vec::new();
    loop {
        line.clear();
        let read = reader.read_line(&mut line)?;
        head_bytes += read;
        if read == 0 || head_bytes > MAX_HEAD_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "request head too long",
            ));
        }
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }

    let request = Request {
        method,
        target,
        headers,
    };
    let body_len: u64 = request
        .header("Content-Length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    io::copy(&mut reader.by_ref().take(body_len), &mut io::sink())?;
    Ok(Some(request))
}

fn write_response(
    writer: &mut TcpStream,
    request: &Request,
    response: &Response,
    keep_alive: bool,
) -> io::Result<()> {
    let length = match &response.body {
        Body::Bytes(bytes) | Body::Trickle { bytes, .. } => bytes.len() as u64,
        Body::File(path) => std::fs::metadata(path)?.len(),
    };
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {length}\r\n"));
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    writer.write_all(head.as_bytes())?;

    if request.method != "HEAD" {
        match &response.body {
            Body::Bytes(bytes) => writer.write_all(bytes)?,
            Body::File(path) => {
                io::copy(&mut std::fs::File::open(path)?, writer)?;
            }
            Body::Trickle {
                bytes,
                chunk,
                pause,
            } => {
                for part in bytes.chunks((*chunk).max(1)) {
                    std::thread::sleep(*pause);
                    writer.write_all(part)?;
                    writer.flush()?;
                }
            }
        }
    }
    writer.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(addr: SocketAddr, target: &str) -> String {
        let mut stream = TcpStream::connect(addr).unwrap();
        let request = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn answers_through_the_handler_and_records_requests() {
        let server = LoopbackServer::start(|req| {
            if req.path() == "/hello" {
                Response::new(200, format!("hi {}", req.query()))
            } else {
                Response::not_found()
            }
        })
        .unwrap();

        let ok = get(server.addr(), "/hello?x=1");
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.ends_with("\r\n\r\nhi x=1"), "{ok}");
        assert!(get(server.addr(), "/nope").starts_with("HTTP/1.1 404 "));

        let seen = server.requests();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].target, "/hello?x=1");
        assert_eq!(seen[0].header("host"), Some("x"));
    }
}
