//! Command-line parsing with `std::env::args` only.

use std::path::PathBuf;
use std::time::Duration;

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `search QUERY`
    Search { query: String, skip: u32, take: u32 },
    /// `versions ID [--range RANGE]`
    Versions { id: String, range: Option<String> },
    /// `metadata ID [VERSION]`
    Metadata { id: String, version: Option<String> },
    /// `download ID VERSION [--output PATH]`
    Download {
        id: String,
        version: String,
        output: Option<PathBuf>,
    },
    /// `demo`
    Demo,
    /// `serve-demo [--port N]`: serve the demo feed on `127.0.0.1:N` (0: a free port).
    ServeDemo { port: u16 },
    /// `help`, `--help`
    Help,
    /// `--version`
    Version,
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    pub command: Command,
    /// `--source URL`, repeatable; empty means the embedded demo feed.
    pub sources: Vec<String>,
    /// `--json`
    pub json: bool,
    /// `--prerelease`
    pub prerelease: bool,
    /// `--unlisted`
    pub unlisted: bool,
    /// `--ignore-failed-sources`
    pub ignore_failed_sources: bool,
    /// `--verbose`
    pub verbose: bool,
    /// `--cache-dir DIR`: the disk cache's root instead of NuGet's.
    pub cache_dir: Option<PathBuf>,
    /// `--no-cache`: every document from the feed (what comes back still refreshes the cache).
    pub no_cache: bool,
    /// `--offline`: answers from the cache only.
    pub offline: bool,
    /// `--timeout SECONDS`: the overall deadline of every request, a package's body included.
    pub timeout: Option<Duration>,
}

pub const USAGE: &str = "\
rnuget: a NuGet client (search, versions, metadata, download)

USAGE:
    rnuget <COMMAND> [ARGS] [OPTIONS]

COMMANDS:
    search QUERY              search every source; results per source
    versions ID               every version of ID, prerelease and unlisted included (union
                              of all sources)
    metadata ID [VERSION]     metadata of VERSION (listed or not); without VERSION, of the
                              listed stable versions of ID only, as NuGet's search shows
                              them (--prerelease, --unlisted add the others; a line says
                              how many were left out)
    download ID VERSION       download the .nupkg (validated, SHA-512 printed)
    demo                      walk search, versions, metadata and download on the demo feed
    serve-demo                serve the demo feed on 127.0.0.1 until killed (Ctrl-C); its
                              service index URL is the first line on stdout
    help                      print this help

OPTIONS:
    -s, --source URL          a V3 feed (service index URL); repeat for more sources, asked
                              in order. Without one, the embedded demo feed is started on
                              127.0.0.1 and used.
    -o, --output PATH         download: where to write the file
                              (default ./<id>.<version>.nupkg, lower-cased)
        --range RANGE         versions: also print the version NuGet picks for RANGE
        --prerelease          search, metadata ID: include prerelease versions (hidden
                              without it, as in dotnet package search)
        --unlisted            metadata ID: include unlisted versions
        --skip N, --take N    search: paging (default 0 and 20)
        --port N              serve-demo: the port to listen on (default: a free one)
        --ignore-failed-sources
                              a source that fails is skipped with a warning. Without it, as
                              in a NuGet restore, a failing source fails the command even
                              when a later source has the package; search reports each
                              source and exits 1 when any failed
        --cache-dir DIR       keep the HTTP cache in DIR instead of NuGet's own
                              (NUGET_HTTP_CACHE_PATH, else NuGet's default folder), which
                              rnuget shares with NuGet. Without --source (the embedded demo
                              feed, on a new port each run) nothing is kept on disk unless
                              --cache-dir is given
        --no-cache            read no cached answer: ask the feed (what it answers still
                              refreshes the cache), as NuGet's --no-cache, which still reads
                              a service index cached in the last 30 minutes
        --offline             answer from the cache only, however old, and never touch the
                              network; what is not cached fails, naming its URL. Needs
                              --source: nothing of the demo feed outlives its run
        --timeout SECONDS     give up on any one request after SECONDS (fractions allowed),
                              a package download's whole body included. Without it, as in
                              NuGet, documents have 100 s and a download may run as long as
                              bytes keep coming (at most 60 s apart)
        --json                print JSON instead of text
    -v, --verbose             log every request to stderr
    -h, --help                print this help
        --version             print the version

EXIT STATUS:
    0 success, 1 failure (network, HTTP, protocol, package; search: any source failed),
    2 bad usage or argument, 3 not found in any source. --json does not change it.
";

/// Parses the arguments after the program name.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Args, String> {
    let mut positional: Vec<String> = Vec::new();
    let mut parsed = Args {
        command: Command::Help,
        sources: Vec::new(),
        json: false,
        prerelease: false,
        unlisted: false,
        ignore_failed_sources: false,
        verbose: false,
        cache_dir: None,
        no_cache: false,
        offline: false,
        timeout: None,
    };
    let mut output = None;
    let mut range = None;
    let mut skip = 0u32;
    let mut take = 20u32;
    let mut port = 0u16;
    let mut help = false;
    let mut version = false;
    // Options that belong to some commands only, as written, to refuse them elsewhere.
    let mut scoped: Vec<(&'static str, String)> = Vec::new();

    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs {what}"))
        };
        if let Some(option) = SCOPED.iter().find(|o| o.names.contains(&name.as_str())) {
            scoped.push((option.names[0], name.clone()));
        }
        match name.as_str() {
            "-s" | "--source" => parsed.sources.push(source_url(value("a URL")?)?),
            "-o" | "--output" => output = Some(PathBuf::from(value("a path")?)),
            "--range" => range = Some(value("a version range")?),
            "--skip" => skip = number(&name, &value("a number")?)?,
            "--take" => take = number(&name, &value("a number")?)?,
            "--port" => port = port_number(&value("a port number")?)?,
            "--json" => parsed.json = true,
            "--prerelease" => parsed.prerelease = true,
            "--unlisted" => parsed.unlisted = true,
            "--ignore-failed-sources" => parsed.ignore_failed_sources = true,
            "-v" | "--verbose" => parsed.verbose = true,
            "--cache-dir" => parsed.cache_dir = Some(PathBuf::from(value("a folder")?)),
            "--no-cache" => parsed.no_cache = true,
            "--offline" => parsed.offline = true,
            "--timeout" => parsed.timeout = Some(seconds(&value("a number of seconds")?)?),
            "-h" | "--help" => help = true,
            "--version" => version = true,
            "--" => positional.extend(args.by_ref()),
            flag if flag.starts_with('-') && flag.len() > 1 => {
                return Err(format!("unknown option {flag}"));
            }
            _ => positional.push(arg),
        }
    }

    if parsed.no_cache && parsed.offline {
        return Err("--no-cache and --offline cannot be used together".into());
    }
    parsed.command = if help {
        Command::Help
    } else if version {
        Command::Version
    } else {
        command(positional, output, range, skip, take, port)?
    };
    if let Some(name) = command_name(&parsed.command) {
        for (option, written) in scoped {
            let allowed = SCOPED
                .iter()
                .any(|o| o.names[0] == option && o.commands.contains(&name));
            if !allowed {
                return Err(format!("unknown option {written} for {name}"));
            }
        }
        if parsed.offline && parsed.sources.is_empty() {
            // The demo feed is on a new port each run: no cache entry of an earlier run is its.
            return Err(
                "--offline needs --source: the embedded demo feed starts afresh each \
                 run, so nothing of it is ever cached"
                    .into(),
            );
        }
    }
    Ok(parsed)
}

/// The commands that ask a feed: the only ones that take the feed options (`demo` and
/// `serve-demo` run the embedded feed their own way).
const FEED_COMMANDS: &[&str] = &["search", "versions", "metadata", "download"];

/// An option that only some commands take.
struct Scoped {
    names: &'static [&'static str],
    commands: &'static [&'static str],
}

const SCOPED: &[Scoped] = &[
    Scoped {
        names: &["-o", "--output"],
        commands: &["download"],
    },
    Scoped {
        names: &["--range"],
        commands: &["versions"],
    },
    Scoped {
        names: &["--skip"],
        commands: &["search"],
    },
    Scoped {
        names: &["--take"],
        commands: &["search"],
    },
    Scoped {
        names: &["--prerelease"],
        commands: &["search", "metadata"],
    },
    Scoped {
        names: &["--unlisted"],
        commands: &["metadata"],
    },
    Scoped {
        names: &["--timeout"],
        commands: FEED_COMMANDS,
    },
    Scoped {
        names: &["-s", "--source"],
        commands: FEED_COMMANDS,
    },
    Scoped {
        names: &["--ignore-failed-sources"],
        commands: FEED_COMMANDS,
    },
    Scoped {
        names: &["--cache-dir"],
        commands: FEED_COMMANDS,
    },
    Scoped {
        names: &["--no-cache"],
        commands: FEED_COMMANDS,
    },
    Scoped {
        names: &["--offline"],
        commands: FEED_COMMANDS,
    },
    Scoped {
        names: &["--json"],
        commands: FEED_COMMANDS,
    },
    Scoped {
        names: &["--port"],
        commands: &["serve-demo"],
    },
];

/// The name of a feed command, `None` for the others (help, version, demo).
fn command_name(command: &Command) -> Option<&'static str> {
    match command {
        Command::Search { .. } => Some("search"),
        Command::Versions { .. } => Some("versions"),
        Command::Metadata { .. } => Some("metadata"),
        Command::Download { .. } => Some("download"),
        Command::Demo => Some("demo"),
        Command::ServeDemo { .. } => Some("serve-demo"),
        Command::Help | Command::Version => None,
    }
}

fn command(
    positional: Vec<String>,
    output: Option<PathBuf>,
    range: Option<String>,
    skip: u32,
    take: u32,
    port: u16,
) -> Result<Command, String> {
    let mut words = positional.into_iter();
    let Some(name) = words.next() else {
        return Ok(Command::Help);
    };
    let rest: Vec<String> = words.collect();
    let arity = |min: usize, max: usize, usage: &str| {
        if rest.len() < min || rest.len() > max {
            Err(format!("usage: rnuget {usage}"))
        } else {
            Ok(())
        }
    };
    let command = match name.as_str() {
        "search" => {
            arity(0, usize::MAX, "search QUERY")?;
            Command::Search {
                query: rest.join(" "),
                skip,
                take,
            }
        }
        "versions" => {
            arity(1, 1, "versions ID [--range RANGE]")?;
            Command::Versions {
                id: rest[0].clone(),
                range,
            }
        }
        "metadata" => {
            arity(1, 2, "metadata ID [VERSION]")?;
            Command::Metadata {
                id: rest[0].clone(),
                version: rest.get(1).cloned(),
            }
        }
        "download" => {
            arity(2, 2, "download ID VERSION [--output PATH]")?;
            Command::Download {
                id: rest[0].clone(),
                version: rest[1].clone(),
                output,
            }
        }
        "demo" => {
            arity(0, 0, "demo")?;
            Command::Demo
        }
        "serve-demo" => {
            arity(0, 0, "serve-demo [--port N]")?;
            Command::ServeDemo { port }
        }
        "help" => Command::Help,
        other => return Err(format!("unknown command '{other}'")),
    };
    Ok(command)
}

fn number(name: &str, text: &str) -> Result<u32, String> {
    text.parse()
        .map_err(|_| format!("{name} needs a number, not '{text}'"))
}

/// A `--source` value: blank is no URL at all, a usage error rather than a source whose
/// protocol cannot be told.
fn source_url(text: String) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("--source needs a URL".into());
    }
    Ok(text)
}

/// A positive, finite number of seconds that a `Duration` can hold.
fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("--timeout needs a positive number of seconds, not '{text}'"))
}

fn port_number(text: &str) -> Result<u16, String> {
    text.parse()
        .map_err(|_| format!("--port needs a port number (0 to 65535), not '{text}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Args, String> {
        parse(line.split_whitespace().map(str::to_string))
    }

    #[test]
    fn subcommands_and_options_in_any_order() {
        let args =
            parse_line("--source a download Demo.Core 1.0.0 -o x.nupkg -s b --json").unwrap();
        assert_eq!(args.sources, ["a", "b"]);
        assert!(args.json);
        assert_eq!(
            args.command,
            Command::Download {
                id: "Demo.Core".into(),
                version: "1.0.0".into(),
                output: Some(PathBuf::from("x.nupkg")),
            }
        );
        let args = parse_line("search two words --take=5 --prerelease").unwrap();
        assert_eq!(
            args.command,
            Command::Search {
                query: "two words".into(),
                skip: 0,
                take: 5
            }
        );
        assert!(args.prerelease);
        assert_eq!(parse_line("").unwrap().command, Command::Help);
        assert_eq!(
            parse_line("versions x --help").unwrap().command,
            Command::Help
        );
    }

    #[test]
    fn timeouts_take_seconds_for_feed_commands_only() {
        let args = parse_line("download x 1.0 --timeout 2.5").unwrap();
        assert_eq!(args.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(parse_line("versions x").unwrap().timeout, None);
        assert_eq!(
            parse_line("versions x --timeout=1e400").unwrap_err(),
            "--timeout needs a positive number of seconds, not '1e400'"
        );
        assert_eq!(
            parse_line("serve-demo --timeout 3").unwrap_err(),
            "unknown option --timeout for serve-demo"
        );
    }

    #[test]
    fn mistakes_are_explained() {
        assert_eq!(
            parse_line("fetch x").unwrap_err(),
            "unknown command 'fetch'"
        );
        assert_eq!(
            parse_line("versions").unwrap_err(),
            "usage: rnuget versions ID [--range RANGE]"
        );
        assert_eq!(
            parse_line("search x --source").unwrap_err(),
            "--source needs a URL"
        );
        for blank in ["", "  "] {
            let args = ["versions", "x", "-s", blank].map(String::from);
            assert_eq!(
                parse(args).unwrap_err(),
                "--source needs a URL",
                "{blank:?}"
            );
            let args = [
                "versions".to_string(),
                "x".into(),
                format!("--source={blank}"),
            ];
            assert_eq!(
                parse(args).unwrap_err(),
                "--source needs a URL",
                "{blank:?}"
            );
        }
        assert_eq!(
            parse_line("search --take many").unwrap_err(),
            "--take needs a number, not 'many'"
        );
        assert_eq!(
            parse_line("demo --frobnicate").unwrap_err(),
            "unknown option --frobnicate"
        );
        // An option of another command is refused, not silently ignored.
        assert_eq!(
            parse_line("search x --range 1.0").unwrap_err(),
            "unknown option --range for search"
        );
        assert_eq!(
            parse_line("versions x --prerelease").unwrap_err(),
            "unknown option --prerelease for versions"
        );
        assert_eq!(
            parse_line("metadata x -o p").unwrap_err(),
            "unknown option -o for metadata"
        );
        assert!(parse_line("metadata x --prerelease --unlisted").is_ok());
        assert_eq!(
            parse_line("versions x --offline --no-cache").unwrap_err(),
            "--no-cache and --offline cannot be used together"
        );
        assert_eq!(
            parse_line("versions x --cache-dir").unwrap_err(),
            "--cache-dir needs a folder"
        );
        assert_eq!(
            parse_line("serve-demo --port 70000").unwrap_err(),
            "--port needs a port number (0 to 65535), not '70000'"
        );
        assert_eq!(
            parse_line("demo --port 1").unwrap_err(),
            "unknown option --port for demo"
        );
        assert_eq!(
            parse_line("serve-demo now").unwrap_err(),
            "usage: rnuget serve-demo [--port N]"
        );
    }

    #[test]
    fn serve_demo_takes_a_port() {
        assert_eq!(
            parse_line("serve-demo").unwrap().command,
            Command::ServeDemo { port: 0 }
        );
        assert_eq!(
            parse_line("serve-demo --port=5000").unwrap().command,
            Command::ServeDemo { port: 5000 }
        );
    }

    #[test]
    fn cache_options_go_with_every_command() {
        let args = parse_line("metadata x --cache-dir=/tmp/c --offline -s u").unwrap();
        assert_eq!(args.cache_dir, Some(PathBuf::from("/tmp/c")));
        assert!(args.offline && !args.no_cache);
        let args = parse_line("--no-cache search y").unwrap();
        assert!(args.no_cache && !args.offline && args.cache_dir.is_none());
    }

    #[test]
    fn offline_needs_a_source_since_the_demo_feed_is_never_cached() {
        for line in ["versions x --offline", "search --offline --cache-dir c"] {
            let err = parse_line(line).unwrap_err();
            assert!(
                err.starts_with("--offline needs --source: "),
                "{line}: {err}"
            );
        }
        assert!(parse_line("--offline download x 1.0 --source u").is_ok());
        assert_eq!(
            parse_line("--offline --help").unwrap().command,
            Command::Help
        );
    }

    #[test]
    fn feed_options_are_refused_where_no_feed_is_asked() {
        for (line, option) in [
            ("demo --json", "--json for demo"),
            ("demo --offline", "--offline for demo"),
            ("demo --cache-dir c", "--cache-dir for demo"),
            ("serve-demo -s http://h/index.json", "-s for serve-demo"),
            ("serve-demo --no-cache", "--no-cache for serve-demo"),
            (
                "serve-demo --ignore-failed-sources",
                "--ignore-failed-sources for serve-demo",
            ),
        ] {
            assert_eq!(
                parse_line(line).unwrap_err(),
                format!("unknown option {option}"),
                "{line}"
            );
        }
        assert!(parse_line("demo -v").unwrap().verbose);
    }
}
