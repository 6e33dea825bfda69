//! Text output for people (`--json` output is the library's own serialization).

use std::io::{self, Write};
use std::sync::Arc;

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
        "source {}: {}, showing {}",
        answer.source,
        count(results.total_hits, "hit", "hits"),
        results.results.len()
    )?;
    for result in &results.results {
        let downloads = result
            .total_downloads
            .map(|d| format!("{d} downloads"))
            .unwrap_or_else(|| "downloads unknown".to_string());
        writeln!(
            out,
            "  {} {} ({}, {downloads})",
            result.id,
            result.version.to_normalized_string(),
            count(result.versions.len() as u64, "version", "versions")
        )?;
        if let Some(description) = result.description.as_deref().filter(|d| !d.is_empty()) {
            writeln!(out, "      {}", one_line(description))?;
        }
    }
    Ok(())
}

/// A version list.
pub fn versions(out: &mut dyn Write, id: &str, versions: &[NuGetVersion]) -> io::Result<()> {
    let counted = count(versions.len() as u64, "version", "versions");
    writeln!(out, "{id}: {counted}")?;
    for version in versions {
        writeln!(out, "  {}", version.to_normalized_string())?;
    }
    Ok(())
}

/// Every field of one version's metadata that has a value.
pub fn metadata(out: &mut dyn Write, found: &Found<Arc<PackageMetadata>>) -> io::Result<()> {
    let m = &found.value;
    let version = m.version.to_normalized_string();
    writeln!(out, "{} {version} (from source {})", m.id, found.source)?;
    let mut field = |name: &str, value: Option<String>| match value.filter(|v| !v.is_empty()) {
        Some(value) => writeln!(out, "  {name:<13} {value}"),
        None => Ok(()),
    };
    // Free text is shown as its first line ("…" when there is more): one line per field.
    field("title:", m.title.as_deref().map(one_line))?;
    // NuGet reports the description as the summary when there is none: show it once.
    field(
        "summary:",
        m.summary
            .as_deref()
            .filter(|s| Some(*s) != m.description.as_deref())
            .map(one_line),
    )?;
    field("description:", m.description.as_deref().map(one_line))?;
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

/// One line per version: version, listing, dependency groups. `id` is used only when the
/// list is empty; otherwise the id is shown as the feed spells it.
pub fn metadata_list(
    out: &mut dyn Write,
    id: &str,
    found: &Found<Vec<Arc<PackageMetadata>>>,
) -> io::Result<()> {
    let id = found.value.first().map_or(id, |m| m.id.as_str());
    let counted = count(found.value.len() as u64, "version", "versions");
    writeln!(out, "{id}: {counted} from source {}", found.source)?;
    for m in &found.value {
        let listed = if m.listed { "listed" } else { "unlisted" };
        let groups = m.dependency_groups.len() as u64;
        writeln!(
            out,
            "  {:<24} {listed:<9} {}",
            m.version.to_normalized_string(),
            count(groups, "dependency group", "dependency groups")
        )?;
    }
    Ok(())
}

/// What a download produced; `id` and `version` as the package itself spells them.
pub fn download(
    out: &mut dyn Write,
    id: &str,
    version: &NuGetVersion,
    path: &std::path::Path,
    found: &Found<DownloadInfo>,
) -> io::Result<()> {
    let info = &found.value;
    let version = version.to_normalized_string();
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

/// `1 version`, `2 versions`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The first non-empty line of `text`, at most 100 characters, with "…" when anything was
/// left out (more lines, or the rest of a long line), so that free text keeps to one line.
pub fn one_line(text: &str) -> String {
    const WIDTH: usize = 100;
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("");
    let more = lines.next().is_some();
    if first.chars().count() > WIDTH {
        let cut: String = first.chars().take(WIDTH - 1).collect();
        format!("{}…", cut.trim_end())
    } else if more {
        format!("{first} …")
    } else {
        first.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_keeps_to_one_line_and_says_when_it_was_cut() {
        assert_eq!(one_line("One line."), "One line.");
        assert_eq!(one_line("\n  First.\r\nSecond.\n"), "First. …");
        let long = "x".repeat(150);
        let shown = one_line(&long);
        assert_eq!(shown.chars().count(), 100);
        assert!(shown.ends_with('…'));
        assert_eq!(one_line(""), "");
    }

    #[test]
    fn counts_are_singular_or_plural() {
        assert_eq!(count(1, "version", "versions"), "1 version");
        assert_eq!(count(0, "version", "versions"), "0 versions");
        assert_eq!(count(2, "hit", "hits"), "2 hits");
    }
}
