//! Manifest rules the corpus does not exercise: package types, flags NuGet refuses, duplicate
//! dependencies, unparsable ranges, the optional elements.

use super::Nuspec;
use crate::ErrorKind;
use crate::framework::NuGetFramework;
use crate::version::VersionRange;

fn nuspec(metadata: &str) -> crate::Result<Nuspec> {
    let xml = format!(
        "<package xmlns=\"http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd\">\
         <metadata><id>A</id><version>1.0</version>{metadata}</metadata></package>"
    );
    Nuspec::parse(&xml, "test.nuspec")
}

#[test]
fn optional_elements_are_read() {
    let n = nuspec(
        "<releaseNotes>notes</releaseNotes><copyright>(c)</copyright><language>en-US</language>\
         <icon>icon.png</icon><readme>README.md</readme><serviceable>1</serviceable>\
         <developmentDependency> True </developmentDependency>\
         <packageTypes><packageType name=' DotnetTool ' version='1.2'/><packageType name='X'/>\
         </packageTypes><license type='file' version='1.0'> LICENSE.txt </license>",
    )
    .unwrap();
    assert_eq!(
        (n.release_notes.as_str(), n.copyright.as_str()),
        ("notes", "(c)")
    );
    assert_eq!(n.language.as_deref(), Some("en-US"));
    assert_eq!(
        (n.icon.as_deref(), n.readme.as_deref()),
        (Some("icon.png"), Some("README.md"))
    );
    assert!(n.serviceable && n.development_dependency);
    let types: Vec<_> = n
        .package_types
        .iter()
        .map(|t| (&*t.name, &*t.version))
        .collect();
    assert_eq!(types, [("DotnetTool", "1.2"), ("X", "0.0")]);
    let license = n.license.unwrap();
    assert_eq!(
        (license.kind.as_str(), &*license.value),
        ("File", "LICENSE.txt")
    );
    assert_eq!(license.version, "1.0");
    assert_eq!(n.version.to_normalized_string(), "1.0.0");
    assert_eq!(n.license_url, None);
    assert_eq!(n.title, "");
}

#[test]
fn fields_nuget_refuses_make_the_manifest_invalid() {
    for bad in [
        "<developmentDependency>yes</developmentDependency>",
        "<serviceable>True</serviceable>",
        "<packageTypes><packageType name=' '/></packageTypes>",
        "<packageTypes><packageType name='X' version='1'/></packageTypes>",
        "<dependencies><dependency version='1.0'/></dependencies>",
        "<dependencies><group targetFramework='plat,Version=bad'/></dependencies>",
    ] {
        let err = nuspec(bad).expect_err(bad);
        assert_eq!(err.kind(), ErrorKind::InvalidPackage, "{bad}: {err}");
        assert!(err.message().contains("test.nuspec"), "{bad}: {err}");
    }
    let xml = "<package><metadata><id>A</id><version>one</version></metadata></package>";
    assert!(Nuspec::parse(xml, "v.nuspec").is_err());
}

#[test]
fn dependencies_follow_nuget() {
    let n = nuspec(
        "<dependencies><group targetFramework='net45'>\
         <dependency id='B' version='[1.0,2.0)' exclude='Build, analyzers'/>\
         <dependency id='b' version='[1.0, 2.0)' exclude='Analyzers,Build'/>\
         <dependency id='C' version='not a range'/><dependency id='D' version=''/>\
         </group><group/></dependencies>",
    )
    .unwrap();
    let groups = &n.dependency_groups;
    assert_eq!(groups.len(), 2);
    assert_eq!(
        groups[0].target_framework,
        NuGetFramework::parse("net45").unwrap()
    );
    assert_eq!(groups[1].target_framework, NuGetFramework::any());
    let ids: Vec<&str> = groups[0]
        .dependencies
        .iter()
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(ids, ["B", "C", "D"], "the second B is the same dependency");
    assert_eq!(groups[0].dependencies[0].exclude, ["analyzers", "Build"]);
    assert_eq!(groups[0].dependencies[1].range, VersionRange::all());
    assert_eq!(groups[0].dependencies[2].range, VersionRange::all());
}

#[test]
fn framework_assemblies_are_grouped_and_sorted() {
    let n = nuspec(
        "<frameworkAssemblies><frameworkAssembly assemblyName='System.Xml' targetFramework='net45, net40'/>\
         <frameworkAssembly assemblyName='mscorlib'/><frameworkAssembly assemblyName='system.xml' targetFramework='net40'/>\
         </frameworkAssemblies>",
    )
    .unwrap();
    let groups: Vec<(String, Vec<String>)> = n
        .framework_assemblies
        .iter()
        .map(|g| (g.target_framework.short_folder_name(), g.items.clone()))
        .collect();
    let expected = [
        ("any", vec!["mscorlib"]),
        ("net40", vec!["System.Xml"]),
        ("net45", vec!["System.Xml"]),
    ];
    let expected: Vec<(String, Vec<String>)> = expected
        .iter()
        .map(|(f, items)| (f.to_string(), items.iter().map(|i| i.to_string()).collect()))
        .collect();
    assert_eq!(groups, expected);
    assert_eq!(n.framework_assembly_references.len(), 3);
    assert_eq!(
        n.framework_assembly_references[0].target_frameworks.len(),
        2
    );
}

#[test]
fn metadata_elements_need_the_metadata_namespace() {
    let xml = "<package xmlns='urn:a'><metadata xmlns='urn:b'><id>A</id><version>1.0.0</version>\
               <title xmlns='urn:c'>T</title><x:id xmlns:x='urn:c'>other</x:id></metadata></package>";
    let n = Nuspec::parse(xml, "ns.nuspec").unwrap();
    assert_eq!(n.id, "A");
    assert_eq!(n.title, "T", "text values are found in any namespace");
}

#[test]
fn many_dependencies_are_deduplicated_in_manifest_order() {
    // Every id twice (the second in another case, with the same range): each is kept once, the
    // first spelling, in the order the manifest gives. A set does this in linear time.
    let mut list = String::new();
    for i in (0..3000).rev() {
        list.push_str(&format!(
            "<dependency id='Dep{i}' version='1.0' include='A,b,a'/>"
        ));
        list.push_str(&format!(
            "<dependency id='DEP{i}' version='[1.0, )' include='B,A'/>"
        ));
    }
    list.push_str("<dependency id='Dep7' version='2.0'/>");
    let n = nuspec(&format!("<dependencies>{list}</dependencies>")).unwrap();
    let dependencies = &n.dependency_groups[0].dependencies;
    assert_eq!(dependencies.len(), 3001);
    assert_eq!(dependencies[0].id, "Dep2999");
    assert_eq!(dependencies[2999].id, "Dep0");
    assert_eq!(
        dependencies[3000].id, "Dep7",
        "another range is another dependency"
    );
    assert_eq!(dependencies[0].include, ["A", "b"]);
}

#[test]
fn many_framework_assemblies_are_grouped() {
    let mut list = String::new();
    for i in 0..2000 {
        let framework = format!("net{}", 40 + i % 3);
        list.push_str(&format!(
            "<frameworkAssembly assemblyName='Asm{}' targetFramework='{framework}'/>",
            i % 500
        ));
        list.push_str(&format!(
            "<frameworkAssembly assemblyName='ASM{}'/>",
            i % 500
        ));
    }
    let n = nuspec(&format!(
        "<frameworkAssemblies>{list}</frameworkAssemblies>"
    ))
    .unwrap();
    let groups: Vec<(String, usize)> = n
        .framework_assemblies
        .iter()
        .map(|g| (g.target_framework.short_folder_name(), g.items.len()))
        .collect();
    let expected = [("any", 500), ("net40", 500), ("net41", 500), ("net42", 500)];
    let expected: Vec<(String, usize)> =
        expected.iter().map(|(f, c)| (f.to_string(), *c)).collect();
    assert_eq!(groups, expected);
    assert_eq!(n.framework_assemblies[0].items[0], "ASM0");
}

/// A manifest error about `test.nuspec` that says `because`.
fn assert_refused(result: crate::Result<Nuspec>, because: &str) {
    let err = result.expect_err(because);
    assert_eq!(err.kind(), ErrorKind::InvalidPackage, "{because}: {err}");
    assert!(err.message().contains("test.nuspec"), "{because}: {err}");
    assert!(err.message().contains(because), "{because}: {err}");
}

#[test]
fn manifests_shaped_to_make_parsing_slow_are_refused() {
    // roxmltree checks each attribute against all the others of its element: 200,000 of them
    // took ten minutes. Past 1,000 the manifest is refused before parsing.
    let attributes: String = (0..1001).map(|i| format!(" a{i}='x'")).collect();
    assert_refused(nuspec(&format!("<x{attributes}/>")), "1001 attributes");
    let fine: String = (0..1000).map(|i| format!(" a{i}='x'")).collect();
    nuspec(&format!("<x{fine}/>")).expect("1,000 attributes are read");

    let declarations: String = (0..300)
        .map(|i| format!("<e xmlns:p{i}='urn:{i}'/>"))
        .collect();
    assert_refused(nuspec(&declarations), "namespace declarations");

    let deep = format!("{}{}", "<a> ".repeat(300), "</a>".repeat(300));
    assert_refused(nuspec(&deep), "nested more than 256 deep");
}

#[test]
fn manifests_with_too_many_nodes_are_refused() {
    let nodes = "<a/>".repeat(super::xml::MAX_NODES as usize);
    assert_refused(nuspec(&format!("<x>{nodes}</x>")), "XML nodes");
}

#[test]
fn ids_are_read_as_written_as_nuget_reads_them() {
    // NuspecReader.GetId returns the element's text; only creating a package validates it.
    for id in ["", "../../evil", " Spaced.Id "] {
        let xml =
            format!("<package><metadata><id>{id}</id><version>1.0</version></metadata></package>");
        let n = Nuspec::parse(&xml, "id.nuspec").unwrap();
        assert_eq!(n.id, id);
        assert!(
            !super::is_valid_id(&n.id),
            "{id:?} is no valid id to build a path from"
        );
    }
    let xml = "<package><metadata><version>1.0</version></metadata></package>";
    assert!(
        Nuspec::parse(xml, "id.nuspec").is_err(),
        "no <id> at all is an error"
    );
}
