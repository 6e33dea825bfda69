//! Reading `.nupkg` archives and their `.nuspec` manifests, as NuGet.Packaging 5.8 does.
//!
//! ```text
//! archive.rs           the whole-zip validation a package passes before anyone sees it
//! duplicate_entries.rs archives naming an entry twice: listed and checked as NuGet reads them
//! central_directory.rs the directory and entries read by hand, for what the zip crate hides
//! limits.rs            the sizes and compression ratios a package may declare (zip bombs)
//! nuspec.rs            the manifest model and its parsing
//! metadata.rs          single <metadata> values: text, flags, license, repository, package types
//! groups.rs            dependency groups, reference groups, framework assemblies
//! frameworks.rs        supported frameworks (GetSupportedFrameworks)
//! hash.rs              SHA-512 of the file and the signed-package content hash
//! xml.rs               XML decoding and XDocument-like lookups
//! xml_shape.rs         the pre-scan refusing manifests shaped to make parsing slow
//! model.rs             license, package type, repository, framework-specific groups
//! dependency.rs        dependencies and dependency groups (shared with feed metadata)
//! ```

mod archive;
mod central_directory;
mod dependency;
mod duplicate_entries;
mod frameworks;
mod groups;
mod hash;
mod id;
mod limits;
mod metadata;
mod model;
mod nuspec;
#[cfg(test)]
mod tests;
mod xml;
mod xml_shape;

pub use dependency::{Dependency, DependencyGroup};
pub use id::{MAX_PACKAGE_ID_LENGTH, is_valid_id, validate_id};
pub use limits::PackageLimits;
pub use model::{
    FrameworkAssembly, FrameworkSpecificGroup, LicenseKind, LicenseMetadata, PackageType,
    RepositoryMetadata,
};
pub use nuspec::Nuspec;

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use crate::framework::NuGetFramework;
use crate::{Error, ErrorKind, Result};

/// An opened, validated `.nupkg`.
// TODO(extraction): the archive is not kept open, so entries cannot be read or extracted yet.
// When they can: of a name listed twice NuGet reads the first copy, while the zip crate's
// lookup by name gives the last (see duplicate_entries.rs).
#[derive(Debug)]
pub struct PackageReader {
    label: String,
    files: Vec<String>,
    nuspec: Nuspec,
    signed: bool,
    sha512: String,
    content_hash: String,
}

impl PackageReader {
    /// Opens and validates a package file (whole zip, one root nuspec, safe entry names), within
    /// the default [`PackageLimits`].
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with_limits(path, &PackageLimits::DEFAULT)
    }

    /// [`Self::open`] within the given limits.
    pub fn open_with_limits(path: &Path, limits: &PackageLimits) -> Result<Self> {
        Self::open_labelled(path, &path.display().to_string(), limits)
    }

    /// [`Self::open_with_limits`], naming the package `label` in errors rather than by its
    /// path (a temporary file's name says nothing to the caller, and a cache path may end with
    /// a secret of its source's URL).
    pub fn open_labelled(path: &Path, label: &str, limits: &PackageLimits) -> Result<Self> {
        let file = File::open(path)
            .map_err(|err| Error::from(err).context(format!("{label}: cannot open package")))?;
        Self::read(BufReader::new(file), label.to_string(), limits)
    }

    /// Validates and opens a package held in memory, within the default [`PackageLimits`].
    /// `label` names it in errors.
    pub fn from_bytes(bytes: Vec<u8>, label: &str) -> Result<Self> {
        Self::from_bytes_with_limits(bytes, label, &PackageLimits::DEFAULT)
    }

    /// [`Self::from_bytes`] within the given limits.
    pub fn from_bytes_with_limits(
        bytes: Vec<u8>,
        label: &str,
        limits: &PackageLimits,
    ) -> Result<Self> {
        Self::read(Cursor::new(bytes), label.to_string(), limits)
    }

    /// Validates and opens a package borrowed from memory, within the default
    /// [`PackageLimits`]: the same checks as [`Self::from_bytes`], without taking (or copying)
    /// the bytes, so a caller can validate a buffer and then hand the buffer on.
    pub fn from_slice(bytes: &[u8], label: &str) -> Result<Self> {
        Self::from_slice_with_limits(bytes, label, &PackageLimits::DEFAULT)
    }

    /// [`Self::from_slice`] within the given limits.
    pub fn from_slice_with_limits(
        bytes: &[u8],
        label: &str,
        limits: &PackageLimits,
    ) -> Result<Self> {
        Self::read(Cursor::new(bytes), label.to_string(), limits)
    }

    fn read<R: Read + Seek>(mut reader: R, label: String, limits: &PackageLimits) -> Result<Self> {
        let archive = archive::read(&mut reader, &label, limits)?;
        let nuspec = Nuspec::from_bytes(&archive.nuspec, &label)?;
        let hash_error = |err: std::io::Error| {
            Error::new(
                ErrorKind::InvalidPackage,
                format!("{label}: cannot hash package: {err}"),
            )
        };
        reader.seek(SeekFrom::Start(0)).map_err(hash_error)?;
        let sha512 = hash::sha512(&mut reader).map_err(hash_error)?;
        let content_hash = if archive.signed {
            hash::signed_content_hash(&mut reader).map_err(hash_error)?
        } else {
            sha512.clone()
        };
        let id = crate::observability::printable::printable(&nuspec.id);
        log::debug!(
            target: "rnuget::package",
            "{label}: {id} {} ({} entries)",
            nuspec.version,
            archive.files.len()
        );
        Ok(PackageReader {
            files: archive.files,
            signed: archive.signed,
            nuspec,
            sha512,
            content_hash,
            label,
        })
    }

    /// The manifest.
    pub fn nuspec(&self) -> &Nuspec {
        &self.nuspec
    }

    /// Entry names in archive order, `%XX` escapes decoded (`GetFiles()`), directories included.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The name this package was opened under (its path, or the label given).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// True when the package carries a signature (`.signature.p7s`); it is not verified.
    pub fn is_signed(&self) -> bool {
        self.signed
    }

    /// Base64 SHA-512 of the whole file, as NuGet writes `<id>.<version>.nupkg.sha512`.
    pub fn sha512(&self) -> &str {
        &self.sha512
    }

    /// NuGet's content hash (`.nupkg.metadata`): [`Self::sha512`] for an unsigned package, the
    /// hash of the package without its signature for a signed one.
    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }

    /// `GetSupportedFrameworks()`: the frameworks of `lib/`, `build/`, `content/`, `tools/` and
    /// the framework assemblies, sorted; an error when a folder name is one NuGet cannot parse.
    pub fn supported_frameworks(&self) -> Result<Vec<NuGetFramework>> {
        frameworks::supported_frameworks(&self.files, &self.nuspec, &self.label)
    }
}
