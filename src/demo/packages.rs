//! Demo packages: real, valid `.nupkg` files built in memory.
//!
//! Each [`DemoPackage`] describes one package version (its nuspec metadata and what the feed says
//! about it, such as listing and download counts) and writes itself as a zip laid out the way
//! `nuget pack` lays one out: `[Content_Types].xml`, `_rels/.rels`, the root `.nuspec`, a
//! `lib/<tfm>/` assembly and the OPC core-properties part. [`demo_packages`] is the set the
//! embedded demo feed serves.

use std::fmt::Write as _;
use std::io::{self, Cursor, Seek, Write};

use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// The publish time the demo feed reports for listed packages.
pub const DEMO_PUBLISHED: &str = "2024-03-01T12:00:00+00:00";

/// One version of a demo package: the nuspec metadata and the feed's view of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPackage {
    /// Package id as written in the nuspec.
    pub id: String,
    /// Version as written in the nuspec.
    pub version: String,
    /// Title, if any.
    pub title: Option<String>,
    /// Authors, joined with commas in the nuspec.
    pub authors: Vec<String>,
    /// Description.
    pub description: String,
    /// Summary, if any.
    pub summary: Option<String>,
    /// Tags, joined with spaces in the nuspec.
    pub tags: Vec<String>,
    /// SPDX license expression, if any.
    pub license_expression: Option<String>,
    /// Project URL, if any.
    pub project_url: Option<String>,
    /// Whether users must accept the license.
    pub require_license_acceptance: bool,
    /// Dependency groups, in nuspec order.
    pub dependency_groups: Vec<DemoDependencyGroup>,
    /// Target frameworks with a `lib/<tfm>/<Id>.dll` entry.
    pub lib_frameworks: Vec<String>,
    /// Whether the feed lists this version (`listed` in its registration).
    pub listed: bool,
    /// Publish time the feed reports (ISO 8601).
    pub published: String,
    /// Download count the feed reports.
    pub downloads: u64,
    /// Bytes of incompressible filler stored in `content/filler.bin` (0 for none), to make big
    /// packages for benchmarks.
    pub filler_bytes: u64,
}

/// Dependencies of a demo package for one target framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDependencyGroup {
    /// The `targetFramework` attribute; `None` writes a group without one.
    pub target_framework: Option<String>,
    /// The dependencies.
    pub dependencies: Vec<DemoDependency>,
}

/// One dependency of a demo package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDependency {
    /// Id of the package depended on.
    pub id: String,
    /// The `version` attribute (a range); `None` leaves it out (any version).
    pub range: Option<String>,
}

impl DemoPackage {
    /// A listed package with default metadata: authors `rnuget`, an MIT license, a description
    /// naming it and a `lib/netstandard2.0/` assembly.
    pub fn new(id: &str, version: &str) -> Self {
        DemoPackage {
            id: id.to_string(),
            version: version.to_string(),
            title: None,
            authors: vec!["rnuget".to_string()],
            description: format!("{id} {version}, a demo package built by rnuget."),
            summary: None,
            tags: vec!["demo".to_string()],
            license_expression: Some("MIT".to_string()),
            project_url: Some(format!(
                "https://example.invalid/rnuget/{}",
                id.to_ascii_lowercase()
            )),
            require_license_acceptance: false,
            dependency_groups: Vec::new(),
            lib_frameworks: vec!["netstandard2.0".to_string()],
            listed: true,
            published: DEMO_PUBLISHED.to_string(),
            downloads: 0,
            filler_bytes: 0,
        }
    }

    /// Adds a dependency to the group for `target_framework` (created if absent).
    pub fn with_dependency(
        mut self,
        target_framework: Option<&str>,
        id: &str,
        range: Option<&str>,
    ) -> Self {
        let framework = target_framework.map(str::to_string);
        let dependency = DemoDependency {
            id: id.to_string(),
            range: range.map(str::to_string),
        };
        match self
            .dependency_groups
            .iter_mut()
            .find(|g| g.target_framework == framework)
        {
            Some(group) => group.dependencies.push(dependency),
            None => self.dependency_groups.push(DemoDependencyGroup {
                target_framework: framework,
                dependencies: vec![dependency],
            }),
        }
        self
    }

    /// Replaces the tags.
    pub fn with_tags(mut self, tags: &[&str]) -> Self {
        self.tags = tags.iter().map(|t| t.to_string()).collect();
        self
    }

    /// Replaces the description.
    pub fn with_description(mut self, description: &str) -> Self {
        self.description = description.to_string();
        self
    }

    /// Sets the title.
    pub fn with_title(mut self, title: &str) -> Self {
        self.title = Some(title.to_string());
        self
    }

    /// Replaces the license expression.
    pub fn with_license(mut self, expression: &str) -> Self {
        self.license_expression = Some(expression.to_string());
        self
    }

    /// Replaces the frameworks that get a `lib/<tfm>/` assembly.
    pub fn with_lib_frameworks(mut self, frameworks: &[&str]) -> Self {
        self.lib_frameworks = frameworks.iter().map(|f| f.to_string()).collect();
        self
    }

    /// Sets the download count the feed reports.
    pub fn with_downloads(mut self, downloads: u64) -> Self {
        self.downloads = downloads;
        self
    }

    /// Adds `bytes` of incompressible filler content.
    pub fn with_filler(mut self, bytes: u64) -> Self {
        self.filler_bytes = bytes;
        self
    }

    /// Marks the version unlisted, with the publish time NuGet gives unlisted packages.
    pub fn unlisted(mut self) -> Self {
        self.listed = false;
        self.published = "1900-01-01T00:00:00+00:00".to_string();
        self
    }

    /// `<id>.<version>.nupkg`, the name `nuget pack` gives the file.
    pub fn file_name(&self) -> String {
        format!("{}.{}.nupkg", self.id, self.version)
    }

    /// The `.nuspec` document.
    pub fn nuspec_xml(&self) -> String {
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        xml.push_str(
            "<package xmlns=\"http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd\">\n",
        );
        xml.push_str("  <metadata>\n");
        element(&mut xml, "id", &self.id);
        element(&mut xml, "version", &self.version);
        if let Some(title) = &self.title {
            element(&mut xml, "title", title);
        }
        element(&mut xml, "authors", &self.authors.join(", "));
        let accept = if self.require_license_acceptance {
            "true"
        } else {
            "false"
        };
        element(&mut xml, "requireLicenseAcceptance", accept);
        if let Some(license) = &self.license_expression {
            let _ = writeln!(
                xml,
                "    <license type=\"expression\">{}</license>",
                escape(license)
            );
            let url = format!("https://licenses.nuget.org/{license}");
            element(&mut xml, "licenseUrl", &url);
        }
        if let Some(url) = &self.project_url {
            element(&mut xml, "projectUrl", url);
        }
        element(&mut xml, "description", &self.description);
        if let Some(summary) = &self.summary {
            element(&mut xml, "summary", summary);
        }
        if !self.tags.is_empty() {
            element(&mut xml, "tags", &self.tags.join(" "));
        }
        self.write_dependencies(&mut xml);
        xml.push_str("  </metadata>\n</package>\n");
        xml
    }

    fn write_dependencies(&self, xml: &mut String) {
        if self.dependency_groups.is_empty() {
            return;
        }
        xml.push_str("    <dependencies>\n");
        for group in &self.dependency_groups {
            match &group.target_framework {
                Some(tfm) => {
                    let _ = writeln!(xml, "      <group targetFramework=\"{}\">", escape(tfm));
                }
                None => xml.push_str("      <group>\n"),
            }
            for dependency in &group.dependencies {
                let _ = write!(xml, "        <dependency id=\"{}\"", escape(&dependency.id));
                if let Some(range) = &dependency.range {
                    let _ = write!(xml, " version=\"{}\"", escape(range));
                }
                xml.push_str(" />\n");
            }
            xml.push_str("      </group>\n");
        }
        xml.push_str("    </dependencies>\n");
    }

    /// The package as `.nupkg` bytes.
    pub fn to_nupkg(&self) -> Vec<u8> {
        // Writing to memory cannot fail for I/O reasons, and every name we write is unique.
        match self.write_nupkg(Cursor::new(Vec::new())) {
            Ok(cursor) => cursor.into_inner(),
            Err(err) => unreachable!("writing a demo package to memory failed: {err}"),
        }
    }

    /// Writes the package as a zip to `out` and returns it.
    pub fn write_nupkg<W: Write + Seek>(&self, out: W) -> io::Result<W> {
        let mut zip = ZipWriter::new(out);
        let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        let stored = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .large_file(self.filler_bytes >= u32::MAX as u64);
        let core_properties = self.core_properties_path();

        zip.start_file("_rels/.rels", deflated)?;
        zip.write_all(self.relationships(&core_properties).as_bytes())?;
        zip.start_file(format!("{}.nuspec", self.id), deflated)?;
        zip.write_all(self.nuspec_xml().as_bytes())?;
        for tfm in &self.lib_frameworks {
            zip.start_file(format!("lib/{tfm}/{}.dll", self.id), deflated)?;
            zip.write_all(&self.fake_assembly(tfm))?;
        }
        if self.filler_bytes > 0 {
            zip.start_file("content/filler.bin", stored)?;
            write_filler(&mut zip, self.filler_bytes, &self.id)?;
        }
        zip.start_file("[Content_Types].xml", deflated)?;
        zip.write_all(self.content_types().as_bytes())?;
        zip.start_file(&core_properties, deflated)?;
        zip.write_all(self.core_properties().as_bytes())?;
        Ok(zip.finish()?)
    }

    /// `package/services/metadata/core-properties/<hex>.psmdcp`, named from a hash of the
    /// identity so that the bytes of a package never change between runs.
    fn core_properties_path(&self) -> String {
        let digest = Sha256::digest(format!("{}/{}", self.id, self.version).as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("package/services/metadata/core-properties/{hex}.psmdcp")
    }

    fn relationships(&self, core_properties: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\n\
             \x20 <Relationship Type=\"http://schemas.microsoft.com/packaging/2010/07/manifest\" \
             Target=\"/{}.nuspec\" Id=\"R0000000000000001\" />\n\
             \x20 <Relationship Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" \
             Target=\"/{}\" Id=\"R0000000000000002\" />\n\
             </Relationships>\n",
            escape(&self.id),
            escape(core_properties)
        )
    }

    fn content_types(&self) -> String {
        let mut extensions = vec!["rels", "psmdcp", "nuspec"];
        if !self.lib_frameworks.is_empty() {
            extensions.push("dll");
        }
        if self.filler_bytes > 0 {
            extensions.push("bin");
        }
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\n",
        );
        for extension in extensions {
            let content_type = match extension {
                "rels" => "application/vnd.openxmlformats-package.relationships+xml",
                "psmdcp" => "application/vnd.openxmlformats-package.core-properties+xml",
                _ => "application/octet",
            };
            let _ = writeln!(
                xml,
                "  <Default Extension=\"{extension}\" ContentType=\"{content_type}\" />"
            );
        }
        xml.push_str("</Types>\n");
        xml
    }

    fn core_properties(&self) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <coreProperties xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
             xmlns:dcterms=\"http://purl.org/dc/terms/\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xmlns=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\">\n\
             \x20 <dc:creator>{}</dc:creator>\n\
             \x20 <dc:description>{}</dc:description>\n\
             \x20 <dc:identifier>{}</dc:identifier>\n\
             \x20 <version>{}</version>\n\
             \x20 <keywords>{}</keywords>\n\
             \x20 <lastModifiedBy>rnuget demo</lastModifiedBy>\n\
             </coreProperties>\n",
            escape(&self.authors.join(", ")),
            escape(&self.description),
            escape(&self.id),
            escape(&self.version),
            escape(&self.tags.join(" "))
        )
    }

    /// A stand-in for an assembly: the DOS header magic and a line naming the package, so that
    /// each file differs and is recognisable in tests.
    fn fake_assembly(&self, tfm: &str) -> Vec<u8> {
        let mut bytes = b"MZ".to_vec();
        bytes.extend_from_slice(format!("\0{} {} for {tfm}\n", self.id, self.version).as_bytes());
        bytes
    }
}

/// Writes `len` pseudo-random bytes (xorshift seeded from `seed`) in 64 KiB chunks, so that a
/// big package never sits in memory while it is written.
fn write_filler<W: Write>(out: &mut W, len: u64, seed: &str) -> io::Result<()> {
    let mut state = seed.bytes().fold(0x9E37_79B9_7F4A_7C15u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01B3)
    }) | 1;
    let mut chunk = vec![0u8; 64 * 1024];
    let mut left = len;
    while left > 0 {
        for word in chunk.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        let take = left.min(chunk.len() as u64) as usize;
        out.write_all(&chunk[..take])?;
        left -= take as u64;
    }
    Ok(())
}

fn element(xml: &mut String, name: &str, text: &str) {
    let _ = writeln!(xml, "    <{name}>{}</{name}>", escape(text));
}

/// Escapes text for XML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// The packages the embedded demo feed serves: a handful of ids with stable and prerelease
/// versions, one unlisted version, dependencies between them, and one id with enough versions
/// that its registration is split into remote pages.
pub fn demo_packages() -> Vec<DemoPackage> {
    let mut packages = Vec::new();
    packages.extend(core_versions());
    packages.extend(logging_versions());
    packages.extend(json_versions());
    packages.extend(http_versions());
    packages.extend(nightly_versions());
    packages
}

fn core_versions() -> Vec<DemoPackage> {
    let core = |version: &str, downloads: u64| {
        DemoPackage::new("Demo.Core", version)
            .with_title("Demo Core")
            .with_description("Core types shared by the rnuget demo packages.")
            .with_tags(&["demo", "core", "primitives"])
            .with_lib_frameworks(&["netstandard2.0", "net6.0"])
            .with_downloads(downloads)
    };
    vec![
        core("1.0.0", 1200),
        core("1.1.0", 3400),
        core("2.0.0-beta.1", 150),
        core("2.0.0", 5100),
    ]
}

fn logging_versions() -> Vec<DemoPackage> {
    let logging = |version: &str, downloads: u64| {
        DemoPackage::new("Demo.Logging", version)
            .with_title("Demo Logging")
            .with_description("Structured logging for the rnuget demo, built on Demo.Core.")
            .with_tags(&["demo", "logging"])
            .with_lib_frameworks(&["netstandard2.0", "net6.0"])
            .with_downloads(downloads)
    };
    vec![
        logging("1.0.0", 800).with_dependency(Some(".NETStandard2.0"), "Demo.Core", Some("1.0.0")),
        logging("1.2.0", 2600)
            .with_dependency(Some(".NETStandard2.0"), "Demo.Core", Some("[1.1.0, 2.0.0)"))
            .with_dependency(Some("net6.0"), "Demo.Core", Some("[1.1.0, )")),
        logging("1.3.0-preview.2", 90).with_dependency(
            Some("net6.0"),
            "Demo.Core",
            Some("[2.0.0-beta.1, )"),
        ),
    ]
}

fn json_versions() -> Vec<DemoPackage> {
    let json = |version: &str, downloads: u64| {
        DemoPackage::new("Demo.Json", version)
            .with_description("A tiny JSON reader for the rnuget demo.")
            .with_tags(&["demo", "json", "serialization"])
            .with_license("Apache-2.0")
            .with_downloads(downloads)
    };
    vec![
        json("0.9.0", 40).unlisted(),
        json("1.0.0", 2100),
        json("1.0.1", 2900),
    ]
}

fn http_versions() -> Vec<DemoPackage> {
    let http = |version: &str, downloads: u64| {
        DemoPackage::new("Demo.Http", version)
            .with_title("Demo HTTP")
            .with_description(
                "An HTTP client for the rnuget demo; uses Demo.Json and Demo.Logging.",
            )
            .with_tags(&["demo", "http", "client"])
            .with_lib_frameworks(&["netstandard2.0", "net8.0"])
            .with_downloads(downloads)
            .with_dependency(Some(".NETStandard2.0"), "Demo.Json", Some("[1.0.1, )"))
            .with_dependency(Some(".NETStandard2.0"), "Demo.Logging", None)
            .with_dependency(Some("net8.0"), "Demo.Json", Some("[1.0.1, )"))
    };
    vec![http("3.0.0", 700), http("3.1.0", 1900)]
}

fn nightly_versions() -> Vec<DemoPackage> {
    let nightly = |version: String, downloads: u64| {
        DemoPackage::new("Demo.Nightly", &version)
            .with_description("Built every night; enough versions for paged registrations.")
            .with_tags(&["demo", "nightly"])
            .with_downloads(downloads)
    };
    let mut versions: Vec<DemoPackage> = (1..=24)
        .map(|n| nightly(format!("1.0.0-nightly.{n}"), n * 3))
        .collect();
    versions.push(nightly("1.0.0".to_string(), 500));
    versions
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn entries(bytes: &[u8]) -> Vec<String> {
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        archive
            .file_names()
            .map(|n| n.unwrap().to_string())
            .collect()
    }

    #[test]
    fn a_package_has_the_parts_nuget_pack_writes() {
        let package = DemoPackage::new("Demo.Core", "1.0.0");
        let mut names = entries(&package.to_nupkg());
        names.sort();
        assert_eq!(names.len(), 5, "{names:?}");
        assert_eq!(names[0], "Demo.Core.nuspec");
        assert_eq!(names[1], "[Content_Types].xml");
        assert_eq!(names[2], "_rels/.rels");
        assert_eq!(names[3], "lib/netstandard2.0/Demo.Core.dll");
        assert!(names[4].starts_with("package/services/metadata/core-properties/"));
        assert!(names[4].ends_with(".psmdcp"));
    }

    #[test]
    fn the_nuspec_carries_metadata_and_dependency_groups() {
        let package = DemoPackage::new("Demo.A&B", "2.0.0-beta.1")
            .with_dependency(Some("net6.0"), "Demo.Core", Some("[1.0.0, 2.0.0)"))
            .with_dependency(None, "Demo.Json", None);
        let bytes = package.to_nupkg();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        archive
            .by_name("Demo.A&B.nuspec")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let text = |name: &str| {
            doc.descendants()
                .find(|n| n.has_tag_name(name))
                .and_then(|n| n.text())
                .map(str::to_string)
        };
        assert_eq!(text("id").as_deref(), Some("Demo.A&B"));
        assert_eq!(text("version").as_deref(), Some("2.0.0-beta.1"));
        assert_eq!(text("license").as_deref(), Some("MIT"));
        let groups: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("group"))
            .collect();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].attribute("targetFramework"), Some("net6.0"));
        assert_eq!(groups[1].attribute("targetFramework"), None);
        let dependency = groups[0].children().find(|n| n.is_element()).unwrap();
        assert_eq!(dependency.attribute("version"), Some("[1.0.0, 2.0.0)"));
    }

    #[test]
    fn packages_are_byte_for_byte_reproducible() {
        let package = DemoPackage::new("Demo.Core", "1.0.0").with_filler(100_000);
        assert_eq!(package.to_nupkg(), package.to_nupkg());
        assert!(package.to_nupkg().len() > 100_000);
    }

    #[test]
    fn the_demo_set_has_prerelease_unlisted_and_dependent_packages() {
        let packages = demo_packages();
        assert!(packages.iter().any(|p| p.version.contains('-')));
        assert!(packages.iter().any(|p| !p.listed));
        assert!(packages.iter().any(|p| !p.dependency_groups.is_empty()));
        assert_eq!(
            packages.iter().filter(|p| p.id == "Demo.Nightly").count(),
            25
        );
    }
}
