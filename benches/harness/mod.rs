//! A tiny timing helper shared by the benches (`harness = false`, used via `mod harness;`).
//!
//! [`measure`] runs a closure in samples long enough to time reliably, reports the median time
//! per operation with the spread of the samples, and returns it. Time is the thread's on-CPU
//! time (Linux schedstat), so that other processes sharing the machine's cores do not inflate
//! the figures; the wall-clock median is printed beside it. With `RNUGET_BENCH_SHORT=1`
//! it takes far fewer and shorter samples so that CI finishes in seconds; the figures are then
//! rough, which is all CI needs (it checks that the benches run, not how fast).
//! `RNUGET_BENCH_FILTER=text` runs only the benchmarks whose name contains `text`.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What one benchmark measured, in nanoseconds per operation.
#[derive(Debug, Clone, Copy)]
pub struct Measurement {
    /// The median over the samples of the time the thread was on a CPU (wall-clock time
    /// where the system does not tell), so that other processes on a shared machine do not
    /// inflate it.
    pub median_ns: f64,
    /// The median over the samples of the wall-clock time.
    pub wall_median_ns: f64,
    /// The fastest sample (same clock as `median_ns`).
    pub min_ns: f64,
    /// The slowest sample (same clock as `median_ns`).
    pub max_ns: f64,
}

/// True when `RNUGET_BENCH_SHORT=1`: few, short samples.
pub fn short_mode() -> bool {
    std::env::var("RNUGET_BENCH_SHORT").is_ok_and(|v| v == "1")
}

/// True when `RNUGET_BENCH_FILTER` is unset or `name` contains it.
pub fn selected(name: &str) -> bool {
    std::env::var("RNUGET_BENCH_FILTER").map_or(true, |filter| name.contains(&filter))
}

/// Nanoseconds this thread has spent on a CPU (Linux `/proc/thread-self/schedstat`).
pub fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Times `run`, which performs `ops_per_run` operations per call, and prints one line:
/// `name  median ns/op  [wall median; spread min .. max; N samples]`. Returns `None` without
/// running when `RNUGET_BENCH_FILTER` excludes `name`.
///
/// The number of calls per sample is calibrated so that a sample lasts about 100 ms (2 ms in
/// short mode); 15 samples are taken (3 in short mode).
pub fn measure(name: &str, ops_per_run: usize, mut run: impl FnMut()) -> Option<Measurement> {
    if !selected(name) {
        return None;
    }
    let (target, samples) = if short_mode() {
        (Duration::from_millis(2), 3)
    } else {
        (Duration::from_millis(100), 15)
    };
    let calls = calibrate(&mut run, target);
    let ops = calls as f64 * ops_per_run.max(1) as f64;
    let (mut cpu, mut wall) = (Vec::new(), Vec::new());
    for _ in 0..samples {
        let (cpu_start, start) = (thread_cpu_ns(), Instant::now());
        for _ in 0..calls {
            run();
        }
        wall.push(start.elapsed().as_nanos() as f64 / ops);
        if let (Some(begin), Some(end)) = (cpu_start, thread_cpu_ns()) {
            cpu.push(end.saturating_sub(begin) as f64 / ops);
        }
    }
    // The kernel folds on-CPU time into schedstat only at scheduler events, so a short sample
    // can read as zero: then the CPU figures mean nothing and wall time is reported instead.
    let per_op = if cpu.len() == wall.len() && cpu.iter().all(|&ns| ns > 0.0) {
        &mut cpu
    } else {
        &mut wall.clone()
    };
    per_op.sort_by(f64::total_cmp);
    wall.sort_by(f64::total_cmp);
    let m = Measurement {
        median_ns: per_op[per_op.len() / 2],
        wall_median_ns: wall[wall.len() / 2],
        min_ns: per_op[0],
        max_ns: per_op[per_op.len() - 1],
    };
    println!(
        "{name:<40} {:>9.1} ns/op   [wall {:.1}; spread {:.1} .. {:.1}; {samples} samples]",
        m.median_ns, m.wall_median_ns, m.min_ns, m.max_ns
    );
    Some(m)
}

/// How many calls of `run` fill `target`, doubling from one (which also warms caches up).
fn calibrate(run: &mut impl FnMut(), target: Duration) -> u64 {
    let mut calls: u64 = 1;
    loop {
        let start = Instant::now();
        for _ in 0..calls {
            run();
        }
        let elapsed = start.elapsed();
        if elapsed >= target / 2 || calls >= 1 << 30 {
            let scale = target.as_secs_f64() / elapsed.as_secs_f64().max(1e-9);
            return ((calls as f64 * scale).ceil() as u64).max(1);
        }
        calls *= 2;
    }
}

/// A data directory as the tests find it: `$variable`, else `../shared/<leaf>` next to the
/// crate. `None` (with a note on stderr) when it is missing, so a bench can skip that part.
pub fn data_dir(variable: &str, leaf: &str) -> Option<PathBuf> {
    let dir = std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("shared")
                .join(leaf)
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "{variable}: {} is not a directory; skipping what needs it",
            dir.display()
        );
        None
    }
}

/// The oracle directory (`RNUGET_ORACLE_DIR`, default `../shared/oracle`).
pub fn oracle_dir() -> Option<PathBuf> {
    data_dir("RNUGET_ORACLE_DIR", "oracle")
}

/// The corpus directory (`RNUGET_CORPUS_DIR`, default `../shared/corpus`).
pub fn corpus_dir() -> Option<PathBuf> {
    data_dir("RNUGET_CORPUS_DIR", "corpus")
}

/// A directory of this process under the system's temporary folder, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh, empty `rnuget-bench-<name>-<pid>`.
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("rnuget-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    /// Where it is.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
