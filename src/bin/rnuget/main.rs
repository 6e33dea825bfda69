//! `rnuget`: search, versions, metadata and download from NuGet V3 feeds on the command line.
//!
//! Without `--source` it starts the embedded demo feed on loopback and uses that, so every
//! command works offline; `rnuget demo` walks through all of them, and `rnuget serve-demo`
//! serves that feed for other programs. See `rnuget --help`.

mod args;
mod commands;
mod demo;
mod failure;
mod render;
mod serve_demo;
mod terminal;

use std::io::Write;
use std::process::ExitCode;

use args::{Args, Command};
use failure::Failure;
use rnuget::cache::CacheOptions;
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::DemoFeed;

fn main() -> ExitCode {
    let args = match args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => return Failure::Usage(message).report(),
    };
    setup_logging(args.verbose);
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

fn run(args: &Args) -> Result<(), Failure> {
    let mut out = terminal::Printable::new(std::io::stdout().lock());
    match &args.command {
        Command::Help => Ok(out.write_all(args::USAGE.as_bytes())?),
        Command::Version => Ok(writeln!(out, "rnuget {}", env!("CARGO_PKG_VERSION"))?),
        Command::Demo => demo::run(&mut out),
        Command::ServeDemo { port } => serve_demo::run(&mut out, *port),
        command => {
            // The feed must outlive the client's calls: keep it until the command is done.
            let (client, _feed) = client_for(args)?;
            commands::run(command, &client, args, &mut out)
        }
    }
}

/// A client for the `--source` URLs, or for a demo feed started here when there are none,
/// with the cache the options ask for.
fn client_for(args: &Args) -> Result<(Client, Option<DemoFeed>), Failure> {
    let mut options = ClientOptions::new()
        .ignore_failed_sources(args.ignore_failed_sources)
        .cache(cache_options(args)?);
    let mut feed = None;
    if args.sources.is_empty() {
        let demo = DemoFeed::start().map_err(|err| Failure::Io("starting the demo feed", err))?;
        eprintln!(
            "rnuget: no --source given; using the embedded demo feed at {}",
            demo.index_url()
        );
        options = options.named_source("demo", &demo.index_url());
        feed = Some(demo);
    }
    for url in &args.sources {
        options = options.source(url);
    }
    if let Some(limit) = args.timeout {
        // One deadline for the whole request: documents already have one; a download gets it
        // over its body too, and no read or connect may wait past it.
        let http = &mut options.http;
        http.request_timeout = limit;
        http.download_timeout = Some(limit);
        http.download_read_timeout = http.download_read_timeout.min(limit);
        http.connect_timeout = http.connect_timeout.min(limit);
    }
    let client = Client::new(options)?;
    if args.no_cache {
        let context = client.new_context().no_cache(true);
        return Ok((client.with_context(context), feed));
    }
    Ok((client, feed))
}

/// Both tiers, the disk one at `--cache-dir` or NuGet's own root; without `--source` (a demo
/// feed on a new port, which no later run asks again) memory only unless `--cache-dir` is
/// given.
fn cache_options(args: &Args) -> Result<CacheOptions, Failure> {
    let cache = match &args.cache_dir {
        Some(dir) => {
            let dir = std::path::absolute(dir).map_err(|e| Failure::Io("--cache-dir", e))?;
            CacheOptions::at(dir)
        }
        None if args.sources.is_empty() => CacheOptions::memory_only(),
        None => CacheOptions::default(),
    };
    Ok(cache.offline(args.offline))
}

/// Warnings always reach stderr; `--verbose` adds rnuget's debug lines (one per request).
fn setup_logging(verbose: bool) {
    let rnuget_level = if verbose {
        log::LevelFilter::Debug
    } else {
        log::LevelFilter::Warn
    };
    let _ = fern::Dispatch::new()
        .level(log::LevelFilter::Warn)
        .level_for("rnuget", rnuget_level)
        .format(|out, message, record| {
            out.finish(format_args!(
                "rnuget: {} [{}] {message}",
                record.level().as_str().to_lowercase(),
                record.target()
            ))
        })
        .chain(Box::new(terminal::Printable::new(std::io::stderr())) as Box<dyn Write + Send>)
        .apply();
}
