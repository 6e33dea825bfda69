//! The framework-keyed lists of a manifest: dependency groups, reference groups and framework
//! assemblies, with NuGet's rules for flat (pre-2.5) lists, empty ranges and duplicates.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use roxmltree::Node;

use super::metadata::Metadata;
use super::model::{FrameworkAssembly, FrameworkSpecificGroup};
use super::xml;
use super::{Dependency, DependencyGroup};
use crate::Result;
use crate::framework::NuGetFramework;
use crate::framework::text::{cmp_ignore_case, eq_ignore_case, hash_ignore_case};
use crate::version::VersionRange;

impl<'a, 'i> Metadata<'a, 'i> {
    /// The framework of a `targetFramework` attribute: `any` when missing or empty.
    fn group_framework(&self, node: Node<'_, '_>) -> Result<NuGetFramework> {
        match xml::attribute(node, "targetFramework") {
            None | Some("") => Ok(NuGetFramework::any()),
            Some(name) => self.framework(name),
        }
    }

    fn framework(&self, name: &str) -> Result<NuGetFramework> {
        NuGetFramework::parse(name).map_err(|err| self.error(err.message()))
    }

    /// `GetDependencyGroups`: `<group>`s in order; without any, the flat `<dependency>` list as
    /// one `any` group (none when that list is empty too).
    pub fn dependency_groups(&self) -> Result<Vec<DependencyGroup>> {
        let lists: Vec<Node> = xml::children(self.node, self.ns, "dependencies").collect();
        let mut groups = Vec::new();
        for group in lists
            .iter()
            .flat_map(|l| xml::children(*l, self.ns, "group"))
        {
            groups.push(DependencyGroup {
                target_framework: self.group_framework(group)?,
                dependencies: self.dependencies(xml::children(group, self.ns, "dependency"))?,
            });
        }
        if groups.is_empty() {
            let flat = lists
                .iter()
                .flat_map(|l| xml::children(*l, self.ns, "dependency"));
            let dependencies = self.dependencies(flat)?;
            if !dependencies.is_empty() {
                groups.push(DependencyGroup {
                    target_framework: NuGetFramework::any(),
                    dependencies,
                });
            }
        }
        Ok(groups)
    }

    /// The dependencies of one group, each once (NuGet keeps them in a set), in manifest order.
    fn dependencies(&self, nodes: impl Iterator<Item = Node<'a, 'i>>) -> Result<Vec<Dependency>> {
        let mut dependencies: Vec<Dependency> = Vec::new();
        // A set, not a scan of the list: 20,000 dependencies must not cost 200 million compares.
        let mut seen = HashSet::new();
        for node in nodes {
            let dependency = self.dependency(node)?;
            if seen.insert(SameDependency(dependency.clone())) {
                dependencies.push(dependency);
            }
        }
        Ok(dependencies)
    }

    /// One `<dependency>`: an id is required; a missing, empty or unparsable range is any
    /// version.
    fn dependency(&self, node: Node<'_, '_>) -> Result<Dependency> {
        let id = xml::attribute(node, "id").unwrap_or("");
        if id.is_empty() {
            return Err(self.error("a <dependency> has no id"));
        }
        let range = match xml::attribute(node, "version") {
            None | Some("") => VersionRange::all(),
            Some(text) => VersionRange::try_parse(text).unwrap_or_else(|| {
                log::warn!(
                    target: "rnuget::package",
                    "{}: dependency {id}: range {text:?} is not a version range; any version is allowed",
                    self.label
                );
                VersionRange::all()
            }),
        };
        Ok(Dependency {
            id: id.to_string(),
            range,
            include: flags(xml::attribute(node, "include")),
            exclude: flags(xml::attribute(node, "exclude")),
        })
    }

    /// `GetReferenceGroups`: `<group>`s of `<reference file>`; without any, the flat list as
    /// one `any` group (none when that list is empty too).
    pub fn reference_groups(&self) -> Result<Vec<FrameworkSpecificGroup>> {
        let lists: Vec<Node> = xml::children(self.node, self.ns, "references").collect();
        let files = |node: Node| -> Vec<String> {
            xml::children(node, self.ns, "reference")
                .filter_map(|r| xml::attribute(r, "file").filter(|f| !f.is_empty()))
                .map(str::to_string)
                .collect()
        };
        let mut groups = Vec::new();
        for group in lists
            .iter()
            .flat_map(|l| xml::children(*l, self.ns, "group"))
        {
            groups.push(FrameworkSpecificGroup {
                target_framework: self.group_framework(group)?,
                items: files(group),
            });
        }
        if groups.is_empty() {
            let items: Vec<String> = lists.iter().flat_map(|l| files(*l)).collect();
            if !items.is_empty() {
                groups.push(FrameworkSpecificGroup {
                    target_framework: NuGetFramework::any(),
                    items,
                });
            }
        }
        Ok(groups)
    }

    /// The `<frameworkAssembly>` elements (found in the root element's default namespace, as
    /// NuGet looks for them).
    pub fn framework_assembly_references(&self) -> Result<Vec<FrameworkAssembly>> {
        let ns = xml::default_namespace(self.root);
        let mut references = Vec::new();
        for list in xml::children(self.node, ns, "frameworkAssemblies") {
            for node in xml::children(list, ns, "frameworkAssembly") {
                references.push(FrameworkAssembly {
                    assembly_name: xml::attribute(node, "assemblyName")
                        .unwrap_or("")
                        .to_string(),
                    target_frameworks: self
                        .framework_list(xml::attribute(node, "targetFramework"))?,
                });
            }
        }
        Ok(references)
    }

    /// A comma-separated `targetFramework`; `any` when it is missing or empty.
    fn framework_list(&self, names: Option<&str>) -> Result<Vec<NuGetFramework>> {
        match names {
            None | Some("") => Ok(vec![NuGetFramework::any()]),
            Some(names) => names
                .split(',')
                .filter(|name| !name.is_empty())
                .map(|name| self.framework(name.trim()))
                .collect(),
        }
    }
}

/// `GetFrameworkAssemblyGroups`: assembly names per framework, each name once (ignoring case),
/// frameworks in NuGet's sort order and names sorted ignoring case.
pub(super) fn framework_assembly_groups(
    references: &[FrameworkAssembly],
) -> Vec<FrameworkSpecificGroup> {
    let mut groups: Vec<FrameworkSpecificGroup> = Vec::new();
    // Indexes by framework and by name, so that many references stay linear.
    let mut index_of: HashMap<NuGetFramework, usize> = HashMap::new();
    let mut names: Vec<HashSet<IgnoreCase>> = Vec::new();
    for reference in references {
        for framework in &reference.target_frameworks {
            let index = *index_of.entry(framework.clone()).or_insert_with(|| {
                groups.push(FrameworkSpecificGroup {
                    target_framework: framework.clone(),
                    items: Vec::new(),
                });
                names.push(HashSet::new());
                groups.len() - 1
            });
            let name = &reference.assembly_name;
            if !name.is_empty() && names[index].insert(IgnoreCase(name.clone())) {
                groups[index].items.push(name.clone());
            }
        }
    }
    groups.sort_by(|a, b| a.target_framework.cmp(&b.target_framework));
    for group in &mut groups {
        group.items.sort_by(|a, b| cmp_ignore_case(a, b));
    }
    groups
}

/// Include or exclude flags: split on commas, trimmed, each once ignoring case, sorted ignoring
/// case.
fn flags(text: Option<&str>) -> Vec<String> {
    let mut flags: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for flag in text
        .unwrap_or("")
        .split(',')
        .filter(|f| !f.is_empty())
        .map(str::trim)
    {
        if seen.insert(IgnoreCase(flag.to_string())) {
            flags.push(flag.to_string());
        }
    }
    flags.sort_by(|a, b| cmp_ignore_case(a, b));
    flags
}

/// A string compared and hashed as `StringComparer.OrdinalIgnoreCase` does.
struct IgnoreCase(String);

impl PartialEq for IgnoreCase {
    fn eq(&self, other: &Self) -> bool {
        eq_ignore_case(&self.0, &other.0)
    }
}

impl Eq for IgnoreCase {}

impl Hash for IgnoreCase {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_ignore_case(&self.0, state);
    }
}

/// A dependency compared and hashed as NuGet's `PackageDependencyComparer` does: id ignoring
/// case, same range, same flags ignoring case.
struct SameDependency(Dependency);

impl PartialEq for SameDependency {
    fn eq(&self, other: &Self) -> bool {
        let same_flags = |x: &[String], y: &[String]| {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| eq_ignore_case(p, q))
        };
        let (a, b) = (&self.0, &other.0);
        eq_ignore_case(&a.id, &b.id)
            && a.range == b.range
            && same_flags(&a.include, &b.include)
            && same_flags(&a.exclude, &b.exclude)
    }
}

impl Eq for SameDependency {}

impl Hash for SameDependency {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_ignore_case(&self.0.id, state);
        self.0.range.hash(state);
        for flag in self.0.include.iter().chain(&self.0.exclude) {
            hash_ignore_case(flag, state);
        }
        self.0.include.len().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_distinct_and_sorted() {
        assert_eq!(
            flags(Some("Build,Analyzers, build")),
            ["Analyzers", "Build"]
        );
        assert!(flags(None).is_empty());
    }
}
