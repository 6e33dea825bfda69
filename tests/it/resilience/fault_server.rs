//! A loopback HTTP server that answers each request by a script: the n-th request gets the
//! n-th fault (the last one repeats). One request per connection, so every fault is clean.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answers with this status, headers and body.
    Status(u16, Vec<(&'static str, String)>, &'static str),
    /// Sends the head and half the body, then resets the connection (RST: the rest of the
    /// request is left unread, so closing makes the kernel reset instead of ending cleanly).
    ResetMidBody(&'static str),
    /// Declares the whole body's length, sends half of it, and closes.
    StopHalfway(&'static str),
    /// Accepts and reads the request, then never answers (until the server is dropped).
    NeverAnswer,
    /// Sends the body a byte at a time with `pause` before each.
    Trickle(&'static str, Duration),
}

impl Fault {
    /// `200 OK` with a body.
    pub fn ok(body: &'static str) -> Fault {
        Fault::Status(200, Vec::new(), body)
    }

    /// A status with an empty body.
    pub fn status(code: u16) -> Fault {
        Fault::Status(code, Vec::new(), "")
    }
}

/// The running server; stops when dropped.
pub struct FaultServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    count: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl FaultServer {
    pub fn start(script: Vec<Fault>) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicUsize::new(0));
        let (thread_stop, thread_count) = (Arc::clone(&stop), Arc::clone(&count));
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if thread_stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let n = thread_count.fetch_add(1, Ordering::SeqCst);
                let fault = script[n.min(script.len() - 1)].clone();
                let stop = Arc::clone(&thread_stop);
                std::thread::spawn(move || serve(stream, fault, &stop));
            }
        });
        FaultServer {
            addr,
            stop,
            count,
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests (connections) received so far.
    pub fn requests(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads the request line byte by byte, leaving the headers unread in the kernel.
fn read_request_line(stream: &mut TcpStream) {
    let mut byte = [0u8; 1];
    let mut last = 0u8;
    while stream.read(&mut byte).is_ok_and(|n| n == 1) {
        if last == b'\r' && byte[0] == b'\n' {
            return;
        }
        last = byte[0];
    }
}

/// Reads the whole request head.
fn read_head(stream: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
        seen.push(byte[0]);
    }
}

fn head(status: u16, headers: &[(&str, String)], length: usize) -> String {
    let mut head =
        format!("HTTP/1.1 {status} Status\r\nContent-Length: {length}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head + "\r\n"
}

fn serve(mut stream: TcpStream, fault: Fault, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if let Fault::ResetMidBody(body) = fault {
        read_request_line(&mut stream);
        let half = &body.as_bytes()[..body.len() / 2];
        let _ = stream.write_all(head(200, &[], body.len()).as_bytes());
        let _ = stream.write_all(half);
        let _ = stream.flush();
        std::thread::sleep(Duration::from_millis(20));
        return; // dropped with unread input: the kernel sends RST
    }
    read_head(&mut stream);
    match fault {
        Fault::Status(code, headers, body) => {
            let _ = stream.write_all(head(code, &headers, body.len()).as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
        Fault::StopHalfway(body) => {
            let _ = stream.write_all(head(200, &[], body.len()).as_bytes());
            let _ = stream.write_all(&body.as_bytes()[..body.len() / 2]);
        }
        Fault::NeverAnswer => {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        Fault::Trickle(body, pause) => {
            let _ = stream.write_all(head(200, &[], body.len()).as_bytes());
            for byte in body.as_bytes() {
                std::thread::sleep(pause);
                if stream.write_all(&[*byte]).is_err() || stop.load(Ordering::SeqCst) {
                    return;
                }
            }
        }
        Fault::ResetMidBody(_) => unreachable!(),
    }
    let _ = stream.flush();
}
