//! Text output for people (`--json` output is the library's own serialization).

use std::io::{self, Write};

use rnuget::client::{Found, SourceResult};
use rnuget::protocol::{DownloadInfo, PackageMetadata, SearchResults};
use rnuget::version::NuGetVersion;

/// One source's search answer.
pub fn search(out: &mut dyn Write, answer: &SourceResult<SearchResults>) -> io::Result<()> {
    let results = match &answer.result {
        Ok(results) => results,
        Err(err) => return writeln!(out, "source {}: error: {err}", answer.source),
    };
    writeln!(
        out,
        "source {}: {} hit(s), showing {}",
        answer.source,
        results.total_hits,
        results.results.len()
    )?;
    for result in &results.results {
        let downloads = result
            .total_downloads
            .map(|d| format!("{d} downloads"))
            .unwrap_or_else(|| "downloads unknown".to_string());
        writeln!(
            out,
            "  {} {} ({} versions, {downloads})",
            result.id,
            result.version,
            result.versions.len()
        )?;
        if let Some(description) = result.description.as_deref().filter(|d| !d.is_empty()) {
            writeln!(out, "      {}", first_line(description))?;
        }
    }
    Ok(())
}

/// A version list.
pub fn versions(out: &mut dyn Write, id: &str, versions: &[NuGetVersion]) -> io::Result<()> {
    writeln!(out, "{id}: {} version(s)", versions.len())?;
    for version in versions {
        writeln!(out, "  {version}")?;
    }
    Ok(())
}

/// Every field of one version's metadata that has a value.
pub fn metadata(out: &mut dyn Write, found: &Found<PackageMetadata>) -> io::Result<()> {
    let m = &found.value;
    writeln!(out, "{} {} (from source {})", m.id, m.version, found.source)?;
    let mut field = |name: &str, value: Option<String>| match value.filter(|v| !v.is_empty()) {
        Some(value) => writeln!(out, "  {name:<13} {value}"),
        None => Ok(()),
    };
    field("title:", m.title.clone())?;
    // NuGet reports the description as the summary when there is none: show it once.
    field(
        "summary:",
        m.summary
            .clone()
            .filter(|s| Some(s) != m.description.as_ref()),
    )?;
    field("description:", m.description.as_deref().map(first_line))?;
    field("authors:", Some(m.authors.join(", ")))?;
    field("owners:", Some(m.owners.join(", ")))?;
    field("tags:", Some(m.tags.join(" ")))?;
    field(
        "license:",
        m.license_expression.clone().or(m.license_url.clone()),
    )?;
    field("project:", m.project_url.clone())?;
    field(
        "listed:",
        Some(if m.listed { "yes" } else { "no (unlisted)" }.to_string()),
    )?;
    field("published:", m.published.clone())?;
    field("downloads:", m.download_count.map(|d| d.to_string()))?;
    field("package:", m.package_content_url.clone())?;
    if let Some(deprecation) = &m.deprecation {
        let mut text = deprecation.reasons.join(", ");
        if let Some(alternate) = &deprecation.alternate_package {
            text.push_str(&format!("; use {} {}", alternate.id, alternate.range));
        }
        field("deprecated:", Some(text))?;
    }
    for vulnerability in &m.vulnerabilities {
        let text = format!(
            "severity {} {}",
            vulnerability.severity, vulnerability.advisory_url
        );
        field("vulnerable:", Some(text))?;
    }
    dependencies(out, m)
}

fn dependencies(out: &mut dyn Write, m: &PackageMetadata) -> io::Result<()> {
    if m.dependency_groups.is_empty() {
        return writeln!(out, "  dependencies: none");
    }
    writeln!(out, "  dependencies:")?;
    for group in &m.dependency_groups {
        writeln!(out, "    {}", group.target_framework.short_folder_name())?;
        if group.dependencies.is_empty() {
            writeln!(out, "      (none)")?;
        }
        for dependency in &group.dependencies {
            writeln!(out, "      {} {}", dependency.id, dependency.range)?;
        }
    }
    Ok(())
}

/// One line per version: version, listing, publish time.
pub fn metadata_list(
    out: &mut dyn Write,
    id: &str,
    found: &Found<Vec<PackageMetadata>>,
) -> io::Result<()> {
    writeln!(
        out,
        "{id}: {} version(s) from source {}",
        found.value.len(),
        found.source
    )?;
    for m in &found.value {
        let listed = if m.listed { "listed" } else { "unlisted" };
        let groups = m.dependency_groups.len();
        writeln!(
            out,
            "  {:<24} {listed:<9} {} dependency group(s)",
            m.version.to_string(),
            groups
        )?;
    }
    Ok(())
}

/// What a download produced.
pub fn download(
    out: &mut dyn Write,
    id: &str,
    version: &NuGetVersion,
    path: &std::path::Path,
    found: &Found<DownloadInfo>,
) -> io::Result<()> {
    let info = &found.value;
    writeln!(
        out,
        "downloaded {id} {version} from source {}",
        found.source
    )?;
    writeln!(out, "  url:     {}", info.url)?;
    writeln!(out, "  file:    {}", path.display())?;
    writeln!(out, "  bytes:   {}", info.bytes)?;
    writeln!(out, "  sha512:  {}", info.sha512)
}

fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if line.chars().count() > 100 {
        let cut: String = line.chars().take(97).collect();
        format!("{cut}...")
    } else {
        line.to_string()
    }
}
