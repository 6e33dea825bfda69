//! The feed's side of reading a `.nupkg`: enough of its nuspec to index it.
//!
//! A real feed indexes what a package says about itself when it is pushed; the demo feed does the
//! same for packages handed to it as bytes or files. This is deliberately independent of
//! [`crate::package`], so that the feed is a separate party that the client's reader is tested
//! against, not a mirror of it.

use std::io::{self, Read, Seek};

use super::packages::{DEMO_PUBLISHED, DemoDependency, DemoDependencyGroup, DemoPackage};

/// Reads the root nuspec of the zip in `reader`; `label` names the package in errors.
pub(crate) fn read_package<R: Read + Seek>(reader: R, label: &str) -> io::Result<DemoPackage> {
    let mut archive = zip::ZipArchive::new(reader)
        .map_err(|err| invalid(label, &format!("not a zip archive: {err}")))?;
    let name = archive
        .file_names()
        .filter_map(Result::ok)
        .find(|name| !name.contains('/') && name.to_ascii_lowercase().ends_with(".nuspec"))
        .map(|name| name.into_owned())
        .ok_or_else(|| invalid(label, "no .nuspec at the root"))?;
    let mut xml = String::new();
    archive
        .by_name(&name)
        .map_err(|err| invalid(label, &format!("cannot open {name}: {err}")))?
        .read_to_string(&mut xml)?;
    parse_nuspec(xml.trim_start_matches('\u{feff}'), label)
}

fn parse_nuspec(xml: &str, label: &str) -> io::Result<DemoPackage> {
    let doc = roxmltree::Document::parse(xml)
        .map_err(|err| invalid(label, &format!("nuspec is not XML: {err}")))?;
    let metadata = doc
        .root_element()
        .children()
        .find(|n| n.tag_name().name() == "metadata")
        .ok_or_else(|| invalid(label, "nuspec has no <metadata>"))?;
    let text = |name: &str| {
        metadata
            .children()
            .find(|n| n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
    };
    let id = text("id").ok_or_else(|| invalid(label, "nuspec has no <id>"))?;
    let version = text("version").ok_or_else(|| invalid(label, "nuspec has no <version>"))?;

    let mut package = DemoPackage::new(&id, &version);
    package.title = text("title");
    package.authors = split(text("authors"), &[',']);
    package.description = text("description").unwrap_or_default();
    package.summary = text("summary");
    package.tags = split(text("tags"), &[' ', ',']);
    package.license_expression = metadata
        .children()
        .find(|n| n.tag_name().name() == "license" && n.attribute("type") == Some("expression"))
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string());
    package.project_url = text("projectUrl");
    package.require_license_acceptance =
        text("requireLicenseAcceptance").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    package.dependency_groups = dependency_groups(metadata);
    package.lib_frameworks = Vec::new();
    package.published = DEMO_PUBLISHED.to_string();
    Ok(package)
}

/// Groups as written, or the flat (pre-2.0 nuspec) list as one group without a framework.
fn dependency_groups(metadata: roxmltree::Node<'_, '_>) -> Vec<DemoDependencyGroup> {
    let Some(dependencies) = metadata
        .children()
        .find(|n| n.tag_name().name() == "dependencies")
    else {
        return Vec::new();
    };
    let read = |parent: roxmltree::Node<'_, '_>| {
        parent
            .children()
            .filter(|n| n.tag_name().name() == "dependency")
            .filter_map(|n| {
                Some(DemoDependency {
                    id: n.attribute("id")?.to_string(),
                    range: n.attribute("version").map(str::to_string),
                })
            })
            .collect::<Vec<_>>()
    };
    let groups: Vec<DemoDependencyGroup> = dependencies
        .children()
        .filter(|n| n.tag_name().name() == "group")
        .map(|group| DemoDependencyGroup {
            target_framework: group.attribute("targetFramework").map(str::to_string),
            dependencies: read(group),
        })
        .collect();
    if !groups.is_empty() {
        return groups;
    }
    let flat = read(dependencies);
    if flat.is_empty() {
        return Vec::new();
    }
    vec![DemoDependencyGroup {
        target_framework: None,
        dependencies: flat,
    }]
}

fn split(value: Option<String>, separators: &[char]) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(separators)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn invalid(label: &str, why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{label}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn reads_back_what_a_demo_package_wrote() {
        let written = DemoPackage::new("Demo.Read", "1.2.3-rc.1")
            .with_title("Read me")
            .with_tags(&["a", "b"])
            .with_dependency(Some("net6.0"), "Demo.Core", Some("[1.0.0, )"))
            .with_dependency(Some("net6.0"), "Demo.Json", None);
        let read = read_package(Cursor::new(written.to_nupkg()), "test").unwrap();
        assert_eq!(read.id, "Demo.Read");
        assert_eq!(read.version, "1.2.3-rc.1");
        assert_eq!(read.title.as_deref(), Some("Read me"));
        assert_eq!(read.tags, ["a", "b"]);
        assert_eq!(read.authors, ["rnuget"]);
        assert_eq!(read.license_expression.as_deref(), Some("MIT"));
        assert_eq!(read.dependency_groups, written.dependency_groups);
    }

    #[test]
    fn a_zip_without_a_nuspec_is_an_error_naming_the_package() {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("lib/a.dll", zip::write::SimpleFileOptions::default())
            .unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let err = read_package(Cursor::new(bytes), "broken.nupkg").unwrap_err();
        assert_eq!(err.to_string(), "broken.nupkg: no .nuspec at the root");
        let err = read_package(Cursor::new(b"not a zip".to_vec()), "junk").unwrap_err();
        assert!(
            err.to_string().starts_with("junk: not a zip archive"),
            "{err}"
        );
    }
}
