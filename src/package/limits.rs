//! What opening a package may cost at most. Every entry is decompressed on open (its CRC is what
//! makes a download trustworthy), so a small hostile file must not be able to make that take
//! minutes: the sizes the central directory declares are bounded before anything is inflated,
//! and inflating stops as soon as an entry yields more than it declared.

/// Bounds on the work and memory opening a `.nupkg` may take. A package outside them is refused
/// with an [`ErrorKind::InvalidPackage`](crate::ErrorKind::InvalidPackage) error.
///
/// The defaults leave room for every real package (nuget.org takes uploads of at most 250 MB;
/// real entries compress at most about 15 to 1) while keeping zip bombs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageLimits {
    /// The largest uncompressed size one entry may declare. Default 1 GiB.
    pub max_entry_size: u64,
    /// The largest sum of the uncompressed sizes of all entries. Default 4 GiB.
    pub max_total_size: u64,
    /// The largest uncompressed / compressed ratio of an entry, and of the archive as a whole,
    /// once they expand to more than [`Self::ratio_exempt_size`]. Default 100.
    pub max_compression_ratio: u64,
    /// Entries (and archives) that expand to no more than this are not held to
    /// [`Self::max_compression_ratio`]: small files of zeros are common. Default 1 MiB.
    pub ratio_exempt_size: u64,
}

impl PackageLimits {
    /// 1 GiB per entry, 4 GiB in all, compression ratios up to 100 above 1 MiB.
    pub const DEFAULT: PackageLimits = PackageLimits {
        max_entry_size: 1 << 30,
        max_total_size: 4 << 30,
        max_compression_ratio: 100,
        ratio_exempt_size: 1 << 20,
    };

    /// Why `uncompressed` bytes from `compressed` exceed the ratio limit, if they do.
    pub(super) fn ratio_excess(&self, uncompressed: u64, compressed: u64) -> Option<String> {
        if uncompressed <= self.ratio_exempt_size {
            return None;
        }
        let allowed = compressed.saturating_mul(self.max_compression_ratio);
        (uncompressed > allowed).then(|| {
            format!(
                "{uncompressed} bytes compressed into {compressed} is a ratio over the limit \
                 of {} (a zip bomb?)",
                self.max_compression_ratio
            )
        })
    }
}

impl Default for PackageLimits {
    fn default() -> Self {
        PackageLimits::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_apply_above_the_exempt_size() {
        let limits = PackageLimits::DEFAULT;
        assert!(limits.ratio_excess(1 << 20, 1).is_none(), "exempt");
        assert!(limits.ratio_excess(2 << 20, 1 << 10).is_some());
        assert!(
            limits.ratio_excess(100 << 20, 1 << 20).is_none(),
            "exactly 100"
        );
        assert!(limits.ratio_excess(100 << 20, 0).is_some());
        assert!(limits.ratio_excess(u64::MAX, u64::MAX).is_none());
    }
}
