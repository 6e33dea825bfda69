//! Span ids: fresh on every call, cheap enough for every request and span of a traced call.

use std::cell::Cell;
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

/// A span id: 8 bytes, shown as 16 lowercase hex digits, never all zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpanId(u64);

impl SpanId {
    /// A fresh id, different on every call.
    ///
    /// A per-process count, offset by a seed drawn once from the clock and the process id,
    /// goes through the SplitMix64 finaliser (a bijection, so ids do not repeat within a
    /// process and look random across processes). It is called for every request of a traced
    /// call and every span, so it stays cheap: each thread counts through a block of 65,536
    /// numbers of its own (one shared atomic step per block, not per id), no hash of the clock
    /// per call, no allocation.
    pub fn fresh() -> SpanId {
        static SEED: OnceLock<u64> = OnceLock::new();
        let seed = *SEED.get_or_init(|| {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let mut hasher = Sha256::new();
            hasher.update(nanos.to_le_bytes());
            hasher.update(std::process::id().to_le_bytes());
            let digest = hasher.finalize();
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&digest[..8]);
            u64::from_le_bytes(bytes)
        });
        match splitmix64(seed.wrapping_add(next_count())) {
            0 => SpanId(1),
            id => SpanId(id),
        }
    }

    /// The id as a number (its 8 bytes, big-endian, are the W3C span id).
    pub fn to_u64(self) -> u64 {
        self.0
    }

    /// The 16 hex digits, without allocating.
    pub fn to_hex(self) -> [u8; 16] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 16];
        for (i, digit) in out.iter_mut().enumerate() {
            *digit = HEX[((self.0 >> ((15 - i) * 4)) & 0xf) as usize];
        }
        out
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.to_hex();
        // Hex digits are ASCII.
        f.write_str(std::str::from_utf8(&hex).unwrap_or_default())
    }
}

/// A fresh span id as 16 lowercase hex digits ([`SpanId::fresh`]).
pub fn new_span_id() -> String {
    let hex = SpanId::fresh().to_hex();
    // Hex digits are ASCII.
    String::from_utf8(hex.to_vec()).unwrap_or_default()
}

/// Numbers a thread takes from the process-wide count at once.
const COUNT_BLOCK: u64 = 1 << 16;

/// The next number of the process-wide count, never the same twice in a process: this
/// thread's next one, from a block it took for itself.
fn next_count() -> u64 {
    static BLOCKS: AtomicU64 = AtomicU64::new(0);
    thread_local! {
        /// This thread's next number and the end of its block.
        static NEXT: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    }
    NEXT.with(|next| {
        let (mut count, mut end) = next.get();
        if count == end {
            count = BLOCKS
                .fetch_add(1, Ordering::Relaxed)
                .wrapping_mul(COUNT_BLOCK);
            end = count.wrapping_add(COUNT_BLOCK);
        }
        next.set((count.wrapping_add(1), end));
        count
    })
}

/// The SplitMix64 output function: a bijection of `u64` that mixes every bit.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observability::trace::is_hex;

    #[test]
    fn span_ids_are_fresh_hex() {
        let a = new_span_id();
        let b = new_span_id();
        assert_ne!(a, b);
        assert!(is_hex(&a, 16) && is_hex(&b, 16), "{a} {b}");
        let many: std::collections::HashSet<String> = (0..10_000).map(|_| new_span_id()).collect();
        assert_eq!(many.len(), 10_000);
        assert!(
            many.iter()
                .all(|id| is_hex(id, 16) && id != "0000000000000000")
        );
        // The first output of SplitMix64 seeded with 0, as its reference implementation gives.
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(
            SpanId(0x00f0_67aa_0ba9_02b7).to_string(),
            "00f067aa0ba902b7"
        );
    }

    #[test]
    fn span_ids_of_many_threads_never_repeat() {
        // Each thread counts through blocks of its own; together they still never collide,
        // across block boundaries too.
        let per_thread = (COUNT_BLOCK + 10) as usize;
        let ids: Vec<Vec<SpanId>> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..4)
                .map(|_| scope.spawn(move || (0..per_thread).map(|_| SpanId::fresh()).collect()))
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let all: std::collections::HashSet<SpanId> = ids.into_iter().flatten().collect();
        assert_eq!(all.len(), 4 * per_thread);
    }
}
