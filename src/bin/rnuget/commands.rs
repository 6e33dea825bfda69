//! The subcommands that talk to feeds: search, versions, metadata, download.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use rnuget::client::Client;
use rnuget::client::Found;
use rnuget::protocol::{MetadataOptions, PackageMetadata, SearchQuery};
use rnuget::version::{NuGetVersion, VersionRange};
use rnuget::{Error, ErrorKind};
use serde_json::json;

use crate::args::{Args, Command};
use crate::failure::Failure;
use crate::render;

/// Runs a feed command with `client` and writes its output.
pub fn run(
    command: &Command,
    client: &Client,
    args: &Args,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    match command {
        Command::Search { query, skip, take } => search(client, args, query, *skip, *take, out),
        Command::Versions { id, range } => versions(client, args, id, range.as_deref(), out),
        Command::Metadata { id, version } => metadata(client, args, id, version.as_deref(), out),
        Command::Download {
            id,
            version,
            output,
        } => download(client, args, id, version, output.clone(), out),
        Command::Demo | Command::ServeDemo { .. } | Command::Help | Command::Version => Ok(()),
    }
}

fn search(
    client: &Client,
    args: &Args,
    query: &str,
    skip: u32,
    take: u32,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let query = SearchQuery {
        query: query.to_string(),
        skip,
        take,
        prerelease: args.prerelease,
        semver2: true,
    };
    let answers = client.search(&query);
    if args.json {
        let sources: Vec<_> = answers
            .iter()
            .map(|a| match &a.result {
                Ok(results) => json!({ "source": a.source, "results": results }),
                Err(err) => json!({ "source": a.source, "error": err.to_string() }),
            })
            .collect();
        print_json(out, &sources)?;
    } else {
        for answer in &answers {
            render::search(out, answer)?;
        }
    }
    // Each source's answer is printed; the exit status says whether any source failed (with
    // --ignore-failed-sources, only whether all did).
    let total = answers.len();
    let failed: Vec<Error> = answers.into_iter().filter_map(|a| a.result.err()).collect();
    if failed.is_empty() || (args.ignore_failed_sources && failed.len() < total) {
        return Ok(());
    }
    let context = format!("search: {} of {total} failed", count_sources(failed.len()));
    match failed.into_iter().next() {
        Some(first) => Err(first.context(context).into()),
        None => Ok(()),
    }
}

fn count_sources(n: usize) -> String {
    render::count(n as u64, "source", "sources")
}

fn versions(
    client: &Client,
    args: &Args,
    id: &str,
    range: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let range = range.map(VersionRange::parse).transpose()?;
    let versions = client.list_versions(id)?;
    // Not found is told before anything is printed, with or without --json.
    if versions.is_empty() {
        return Err(Error::new(ErrorKind::NotFound, format!("no source has {id}")).into());
    }
    let best = range.as_ref().and_then(|r| r.find_best_match(&versions));
    if args.json {
        let value = json!({
            "id": id,
            "versions": versions,
            "range": range,
            "best_match": best,
        });
        print_json(out, &value)?;
        return Ok(());
    }
    render::versions(out, id, &versions)?;
    if let Some(range) = &range {
        match best {
            Some(best) => writeln!(out, "best match for {range}: {best}")?,
            None => writeln!(out, "best match for {range}: none")?,
        }
    }
    Ok(())
}

fn metadata(
    client: &Client,
    args: &Args,
    id: &str,
    version: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    if let Some(version) = version {
        let version = NuGetVersion::parse(version)?;
        let found = client.get_version_metadata(id, &version)?;
        if args.json {
            print_json(out, &found)?;
        } else {
            render::metadata(out, &found)?;
        }
        return Ok(());
    }
    let options = MetadataOptions {
        include_prerelease: args.prerelease,
        include_unlisted: args.unlisted,
    };
    let found = client.get_metadata(id, &options)?;
    if found.value.is_empty() {
        return Err(no_metadata(client, id, &options)?.into());
    }
    let notes = left_out(client, id, &options, &found)?;
    if args.json {
        print_json(out, &found)?;
        // stdout stays one JSON document; the note is for the person reading.
        for note in &notes {
            eprintln!("rnuget: note: {note}");
        }
    } else {
        render::metadata_list(out, id, &found)?;
        for note in &notes {
            writeln!(out, "({note})")?;
        }
    }
    Ok(())
}

/// What `options` left out of `found`, as notes naming the option that shows it:
/// "3 prerelease versions not shown; use --prerelease". The same source read with everything
/// included (its documents are in the cache by now), compared with what was shown.
fn left_out(
    client: &Client,
    id: &str,
    options: &MetadataOptions,
    found: &Found<Vec<Arc<PackageMetadata>>>,
) -> Result<Vec<String>, Failure> {
    if options.include_prerelease && options.include_unlisted {
        return Ok(Vec::new());
    }
    let everything = MetadataOptions {
        include_prerelease: true,
        include_unlisted: true,
    };
    let all = client.get_metadata(id, &everything)?;
    // The first source that has the id answers both calls; another one's versions say
    // nothing about what this one hid.
    if all.source != found.source {
        return Ok(Vec::new());
    }
    let hidden: Vec<&PackageMetadata> = all
        .value
        .iter()
        .filter(|m| !found.value.iter().any(|shown| shown.version == m.version))
        .map(|m| &**m)
        .collect();
    let mut notes = Vec::new();
    let prerelease = hidden.iter().filter(|m| m.version.is_prerelease()).count();
    if !options.include_prerelease && prerelease > 0 {
        let versions = render::count(
            prerelease as u64,
            "prerelease version",
            "prerelease versions",
        );
        notes.push(format!("{versions} not shown; use --prerelease"));
    }
    let unlisted = hidden.iter().filter(|m| !m.listed).count();
    if !options.include_unlisted && unlisted > 0 {
        let versions = render::count(unlisted as u64, "unlisted version", "unlisted versions");
        notes.push(format!("{versions} not shown; use --unlisted"));
    }
    Ok(notes)
}

/// Why `metadata ID` found nothing: no such id, only versions the options hide (then the hint
/// names the options that would show them), or a registration that lists none of the versions
/// the version list has.
fn no_metadata(client: &Client, id: &str, options: &MetadataOptions) -> Result<Error, Failure> {
    let all = client.list_versions(id)?;
    if all.is_empty() {
        return Ok(Error::new(
            ErrorKind::NotFound,
            format!("no source has {id}"),
        ));
    }
    let everything = MetadataOptions {
        include_prerelease: true,
        include_unlisted: true,
    };
    let hidden = match *options == everything {
        true => Vec::new(),
        false => client.get_metadata(id, &everything)?.value,
    };
    if hidden.is_empty() {
        // Not "hidden": the registration itself has nothing to show.
        return Ok(Error::new(
            ErrorKind::NotFound,
            format!(
                "no source has metadata of {id}: its registration lists none of the versions \
                 its version list has ({})",
                render::count(all.len() as u64, "version", "versions")
            ),
        ));
    }
    let mut hint = Vec::new();
    if !options.include_prerelease && hidden.iter().any(|m| m.version.is_prerelease()) {
        hint.push("--prerelease");
    }
    if !options.include_unlisted && hidden.iter().any(|m| !m.listed) {
        hint.push("--unlisted");
    }
    let hint = hint.join(" or ");
    Ok(Error::new(
        ErrorKind::NotFound,
        format!(
            "no source lists a version of {id} to show ({} hidden; try {hint})",
            render::count(hidden.len() as u64, "version", "versions")
        ),
    ))
}

fn download(
    client: &Client,
    args: &Args,
    id: &str,
    version: &str,
    output: Option<PathBuf>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let version = NuGetVersion::parse(version)?;
    let path = output.unwrap_or_else(|| {
        let lower_version = version.to_normalized_string().to_lowercase();
        PathBuf::from(format!("{}.{lower_version}.nupkg", id.to_lowercase()))
    });
    let found = client.download_to_file(id, &version, &path)?;
    if args.json {
        let value = json!({ "source": found.source, "path": path, "download": found.value });
        print_json(out, &value)?;
    } else {
        // As the package spells its identity (it was checked to be the one asked for).
        let package = rnuget::package::PackageReader::open(&path)?;
        let nuspec = package.nuspec();
        render::download(out, &nuspec.id, &nuspec.version, &path, &found)?;
    }
    Ok(())
}

/// Prints `value` as pretty JSON on its own line (`--json` output).
fn print_json(out: &mut dyn Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}
