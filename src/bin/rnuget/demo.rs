//! `rnuget demo`: the main job end to end on the embedded demo feed, saying what it does.

use std::io::Write;

use rnuget::client::{Client, ClientOptions};
use rnuget::demo::DemoFeed;
use rnuget::package::PackageReader;
use rnuget::protocol::{MetadataOptions, SearchQuery};
use rnuget::version::{NuGetVersion, VersionRange};

use crate::failure::Failure;
use crate::render;

/// The package whose metadata is shown, and the one downloaded.
const METADATA_OF: (&str, &str) = ("Demo.Logging", "1.2.0");
const DOWNLOAD_OF: (&str, &str) = ("Demo.Http", "3.1.0");
const VERSIONS_OF: &str = "Demo.Core";
const RANGES: [&str; 3] = ["[1.0.0, 2.0.0)", "1.*", "(2.0.0, )"];
const UNLISTED_IN: &str = "Demo.Json";

/// Starts the demo feed, runs every step against it and prints what happened.
pub fn run(out: &mut dyn Write) -> Result<(), Failure> {
    let feed = DemoFeed::start().map_err(|err| Failure::Io("starting the demo feed", err))?;
    let client = Client::new(ClientOptions::new().named_source("demo", &feed.index_url()))?;
    introduce(out, &feed, &client)?;
    search(out, &client)?;
    versions(out, &client)?;
    metadata(out, &client)?;
    download(out, &client)?;
    writeln!(
        out,
        "\ndone: {} HTTP requests to the demo feed, all from session {}",
        feed.server().request_count(),
        client.session_id()
    )?;
    Ok(())
}

fn introduce(out: &mut dyn Write, feed: &DemoFeed, client: &Client) -> Result<(), Failure> {
    let packages = feed.packages();
    let versions: usize = packages.iter().map(|(_, v)| v.len()).sum();
    let unlisted: usize = packages
        .iter()
        .map(|(_, v)| v.iter().filter(|(_, listed)| !listed).count())
        .sum();
    writeln!(
        out,
        "rnuget demo: a NuGet V3 feed served from this process, and a client for it"
    )?;
    writeln!(out, "feed:    {}", feed.index_url())?;
    writeln!(
        out,
        "         {} packages, {versions} versions ({unlisted} unlisted), built in memory",
        packages.len()
    )?;
    writeln!(out, "client:  session id {}", client.session_id())?;
    Ok(())
}

fn search(out: &mut dyn Write, client: &Client) -> Result<(), Failure> {
    writeln!(
        out,
        "\n1. search \"demo\", prerelease included, every source at once"
    )?;
    let query = SearchQuery {
        query: "demo".to_string(),
        ..SearchQuery::default()
    };
    for answer in client.search(&query) {
        render::search(out, &answer)?;
        answer.result?;
    }
    Ok(())
}

fn versions(out: &mut dyn Write, client: &Client) -> Result<(), Failure> {
    writeln!(
        out,
        "\n2. versions of {VERSIONS_OF} (the union over all sources)"
    )?;
    let versions = client.list_versions(VERSIONS_OF)?;
    render::versions(out, VERSIONS_OF, &versions)?;
    for text in RANGES {
        let range = VersionRange::parse(text)?;
        match range.find_best_match(&versions) {
            Some(best) => writeln!(out, "  best match for {text}: {best}")?,
            None => writeln!(out, "  best match for {text}: none")?,
        }
    }
    Ok(())
}

fn metadata(out: &mut dyn Write, client: &Client) -> Result<(), Failure> {
    let (id, version) = METADATA_OF;
    writeln!(out, "\n3. metadata of {id} {version}")?;
    let found = client.get_version_metadata(id, &NuGetVersion::parse(version)?)?;
    render::metadata(out, &found)?;

    let all = client.list_versions(UNLISTED_IN)?;
    let listed = client.get_metadata(UNLISTED_IN, &MetadataOptions::default())?;
    let shown: Vec<String> = listed.value.iter().map(|m| m.version.to_string()).collect();
    let hidden: Vec<String> = all
        .iter()
        .filter(|v| !listed.value.iter().any(|m| &m.version == *v))
        .map(|v| v.to_string())
        .collect();
    writeln!(
        out,
        "  {UNLISTED_IN}: the flat container lists {} versions; metadata shows the listed ones \
         ({}) and hides the unlisted {}",
        all.len(),
        shown.join(", "),
        hidden.join(", ")
    )?;
    Ok(())
}

fn download(out: &mut dyn Write, client: &Client) -> Result<(), Failure> {
    let (id, version) = DOWNLOAD_OF;
    writeln!(
        out,
        "\n4. download {id} {version}: streamed to a file, hashed and validated"
    )?;
    let version = NuGetVersion::parse(version)?;
    let dir = std::env::temp_dir().join(format!("rnuget-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|err| Failure::Io("creating a temporary folder", err))?;
    let path = dir.join(format!("{}.{version}.nupkg", id.to_lowercase()));
    let result = download_into(out, client, id, &version, &path);
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    writeln!(out, "  (the file was in a temporary folder, removed again)")?;
    Ok(())
}

fn download_into(
    out: &mut dyn Write,
    client: &Client,
    id: &str,
    version: &NuGetVersion,
    path: &std::path::Path,
) -> Result<(), Failure> {
    let found = client.download_to_file(id, version, path)?;
    render::download(out, id, version, path, &found)?;
    let package = PackageReader::open(path)?;
    let nuspec = package.nuspec();
    writeln!(
        out,
        "  read back: {} {} with {} entries; dependency groups: {}",
        nuspec.id,
        nuspec.version,
        package.files().len(),
        nuspec
            .dependency_groups
            .iter()
            .map(|g| g.target_framework.short_folder_name())
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    Ok(())
}
