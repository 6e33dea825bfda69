//! `GetSupportedFrameworks`: the frameworks of the `lib/`, `build/`, `content/` and `tools/`
//! folders and of the framework assemblies, without `unsupported`, in NuGet's sort order.

use super::Nuspec;
use crate::framework::NuGetFramework;
use crate::framework::text::{eq_ignore_case, starts_with_ignore_case};
use crate::{Error, ErrorKind, Result};

/// The frameworks a package names, as NuGet lists them.
pub(super) fn supported_frameworks(
    files: &[String],
    nuspec: &Nuspec,
    label: &str,
) -> Result<Vec<NuGetFramework>> {
    let mut frameworks: Vec<NuGetFramework> = Vec::new();
    for folder in ["lib", "build", "content", "tools"] {
        for (framework, items) in file_groups(files, folder, label)? {
            if folder == "build" && !items.iter().any(|path| is_build_file(&nuspec.id, path)) {
                // NuGet only uses <id>.targets and <id>.props from build/; a group without
                // them does not count.
                continue;
            }
            frameworks.push(framework);
        }
    }
    frameworks.extend(
        nuspec
            .framework_assemblies
            .iter()
            .map(|g| g.target_framework.clone()),
    );
    frameworks.retain(|f| !f.is_unsupported());
    frameworks.sort();
    frameworks.dedup();
    Ok(frameworks)
}

/// The files under `folder/` grouped by the framework folder below it (`any` when the path has
/// no framework folder or the folder is not a framework), groups in first-seen order.
fn file_groups<'f>(
    files: &'f [String],
    folder: &str,
    label: &str,
) -> Result<Vec<(NuGetFramework, Vec<&'f str>)>> {
    let prefix = format!("{folder}/");
    let mut groups: Vec<(NuGetFramework, Vec<&str>)> = Vec::new();
    for path in files.iter().filter(|p| starts_with_ignore_case(p, &prefix)) {
        let framework = framework_of_path(path, label)?;
        match groups.iter_mut().find(|(f, _)| *f == framework) {
            Some((_, items)) => items.push(path),
            None => groups.push((framework, vec![path])),
        }
    }
    Ok(groups)
}

/// `GetFrameworkFromPath` with sub folders allowed: the second segment of a path with at least
/// three, when it is a specific framework.
fn framework_of_path(path: &str, label: &str) -> Result<NuGetFramework> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    if parts.len() < 3 {
        return Ok(NuGetFramework::any());
    }
    let framework = NuGetFramework::parse_folder(parts[1]).map_err(|err| {
        Error::new(
            ErrorKind::InvalidPackage,
            format!(
                "{label}: folder of {path:?} is not a framework: {}",
                err.message()
            ),
        )
    })?;
    Ok(if framework.is_specific() {
        framework
    } else {
        NuGetFramework::any()
    })
}

fn is_build_file(id: &str, path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    eq_ignore_case(file, &format!("{id}.targets")) || eq_ignore_case(file, &format!("{id}.props"))
}
