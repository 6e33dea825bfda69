//! Downloads of `.nupkg` files: streamed to a temporary file beside the target, hashed while
//! streaming, validated as a whole package, then renamed into place.
//!
//! Nothing appears at the target path unless the whole package arrived, reads as a valid
//! package and is the package that was asked for (nuspec id, case-insensitive, and version); on
//! any failure the temporary file is removed.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha512};

use crate::error::strip_credentials;
use crate::package::{PackageLimits, PackageReader};
use crate::protocol::DownloadInfo;
use crate::temp_file::{self, TempFile};
use crate::version::NuGetVersion;
use crate::{Error, ErrorKind, Result};

/// The suffix of the temporary file a download streams into. It names rnuget: the folder is the
/// caller's, and clean-up ([`temp_file::remove_stale`]) must never take a file of theirs (or
/// of another program) for one of these.
const PART_SUFFIX: &str = ".rnuget-part";

/// Streams a body into a writer (the provider's authorised GET of the package URL).
pub type Stream<'a> = dyn Fn(&mut dyn Write) -> Result<u64> + 'a;

/// The package a download is for, as the caller asked for it.
#[derive(Debug, Clone, Copy)]
pub struct Requested<'a> {
    /// The id asked for.
    pub id: &'a str,
    /// The version asked for.
    pub version: &'a NuGetVersion,
}

impl Requested<'_> {
    /// `Id 1.0.0`, for messages.
    pub fn label(&self) -> String {
        format!("{} {}", self.id, self.version.to_normalized_string())
    }

    /// Fails unless `package` is this one: the nuspec id equal ignoring case (NuGet compares
    /// ids ordinal, ignoring case) and the version equal as NuGet versions are.
    pub fn check(&self, package: &PackageReader, url: &str) -> Result<()> {
        let nuspec = package.nuspec();
        let same_id = nuspec.id.to_uppercase() == self.id.to_uppercase();
        if same_id && &nuspec.version == self.version {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::InvalidPackage,
            format!(
                "the package at {} is {} {}, not the {} that was asked for",
                strip_credentials(url),
                nuspec.id,
                nuspec.version.to_normalized_string(),
                self.label()
            ),
        )
        .with_url(url))
    }
}

/// Reads the package at `path` as a whole and checks that it is `wanted`.
pub fn validate(path: &Path, wanted: Requested<'_>, url: &str) -> Result<()> {
    let label = format!("package {}", wanted.label());
    let package = PackageReader::open_labelled(path, &label, &PackageLimits::DEFAULT)?;
    wanted.check(&package, url)
}

/// Downloads `url` to `path`.
pub fn to_file(
    stream: &Stream<'_>,
    url: &str,
    wanted: Requested<'_>,
    path: &Path,
) -> Result<DownloadInfo> {
    let label = wanted.label();
    let fail = |err: Error| {
        err.context(format!("downloading package {label}"))
            .with_url(url)
    };
    refuse_special_target(path).map_err(fail)?;
    // Part files left in this folder by killed downloads would otherwise stay forever.
    for stale in temp_file::remove_stale(path, PART_SUFFIX) {
        let shown = crate::observability::printable::printable_owned(stale.display().to_string());
        log::warn!(
            target: "rnuget::protocol",
            "removed {shown}, left by a download whose process no longer runs"
        );
    }
    let mut temp = TempFile::beside(path, PART_SUFFIX).map_err(|e| fail(io_error(e, path)))?;
    let mut writer = HashingWriter::new(BufWriter::new(temp.take_file()?));
    let bytes = stream(&mut writer).map_err(fail)?;
    let sha512 = writer
        .finish()
        .map_err(|e| fail(io_error(e, temp.path())))?;
    validate(temp.path(), wanted, url).map_err(fail)?;
    temp.persist(path).map_err(|e| fail(io_error(e, path)))?;
    Ok(DownloadInfo {
        url: strip_credentials(url),
        bytes,
        sha512,
    })
}

/// Downloads `url` into memory and validates it.
pub fn to_vec(stream: &Stream<'_>, url: &str, wanted: Requested<'_>) -> Result<Vec<u8>> {
    let label = wanted.label();
    let fail = |err: Error| {
        err.context(format!("downloading package {label}"))
            .with_url(url)
    };
    let mut bytes = Vec::new();
    stream(&mut bytes).map_err(fail)?;
    // Validated where they lie: a package may be hundreds of megabytes, and a copy doubles that.
    let package = PackageReader::from_slice(&bytes, &label).map_err(fail)?;
    wanted.check(&package, url).map_err(fail)?;
    Ok(bytes)
}

/// SHA-512 of `bytes`, base64, as NuGet writes it in `.nupkg.sha512`.
pub fn sha512_base64(bytes: &[u8]) -> String {
    STANDARD.encode(Sha512::digest(bytes))
}

/// The download is renamed over `path`: that must only ever replace a regular file. A device
/// (`/dev/full`), a directory or a symbolic link there is refused, so a mistyped output path
/// cannot swap a device node or a link for a package.
fn refuse_special_target(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_file() => Err(Error::new(
            crate::ErrorKind::InvalidArgument,
            format!(
                "{} exists and is not a regular file; refusing to replace it",
                path.display()
            ),
        )),
        _ => Ok(()),
    }
}

fn io_error(err: io::Error, path: &Path) -> Error {
    Error::from(err).context(path.display())
}

/// Hashes and counts what passes through to the file.
struct HashingWriter {
    inner: BufWriter<File>,
    hasher: Sha512,
}

impl HashingWriter {
    fn new(inner: BufWriter<File>) -> Self {
        HashingWriter {
            inner,
            hasher: Sha512::new(),
        }
    }

    /// Flushes to disk and returns the base64 SHA-512.
    fn finish(self) -> io::Result<String> {
        let file = self.inner.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(STANDARD.encode(self.hasher.finalize()))
    }
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::DemoPackage;

    const URL: &str = "http://127.0.0.1:1/flat/demo.core/1.0.0/demo.core.1.0.0.nupkg";

    /// `to_vec` of a body that is `body`, for `Demo.Core 1.0.0`.
    fn download(body: &[u8]) -> Result<Vec<u8>> {
        let version = NuGetVersion::parse("1.0.0").unwrap();
        let wanted = Requested {
            id: "demo.CORE",
            version: &version,
        };
        let stream = |writer: &mut dyn Write| {
            writer.write_all(body)?;
            Ok(body.len() as u64)
        };
        to_vec(&stream, URL, wanted)
    }

    #[test]
    fn a_download_into_memory_is_the_body_validated() {
        let package = DemoPackage::new("Demo.Core", "1.0.0").to_nupkg();
        assert!(download(&package).unwrap() == package);

        let other = DemoPackage::new("Demo.Other", "1.0.0").to_nupkg();
        let err = download(&other).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidPackage);
        assert!(
            err.message()
                .contains("is Demo.Other 1.0.0, not the demo.CORE 1.0.0")
        );

        let err = download(&package[..package.len() - 30]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidPackage);
        let text = err.to_string();
        assert!(
            text.contains("downloading package demo.CORE 1.0.0"),
            "{text}"
        );
        assert!(text.contains("not a readable zip archive"), "{text}");
    }

    #[test]
    #[cfg(unix)]
    fn only_regular_files_are_replaced() {
        let dir = std::env::temp_dir().join(format!("rnuget-target-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("a.nupkg");
        fs::write(&file, b"old").unwrap();
        assert!(refuse_special_target(&file).is_ok());
        assert!(refuse_special_target(&dir.join("absent.nupkg")).is_ok());

        let err = refuse_special_target(&dir).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidArgument);
        assert!(err.message().contains("not a regular file"), "{err}");

        let link = dir.join("link.nupkg");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(refuse_special_target(&link).is_err());
        assert!(refuse_special_target(Path::new("/dev/null")).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
