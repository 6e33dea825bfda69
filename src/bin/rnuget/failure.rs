//! Why a command failed, how it is told to the user, and its exit status.

use std::process::ExitCode;

use rnuget::{Error, ErrorKind};

use crate::terminal::printable;

/// A failed command.
#[derive(Debug)]
pub enum Failure {
    /// The command line cannot be used.
    Usage(String),
    /// The library failed.
    Library(Error),
    /// Writing output or a local file failed.
    Io(&'static str, std::io::Error),
}

impl Failure {
    /// Prints the failure to stderr and returns the exit status: 1 failure, 2 usage, 3 not
    /// found.
    pub fn report(self) -> ExitCode {
        match self {
            Failure::Usage(message) => {
                eprintln!(
                    "rnuget: {}\n(rnuget --help lists the commands and options)",
                    printable(&message)
                );
                ExitCode::from(2)
            }
            Failure::Library(err) => {
                eprintln!("rnuget: error: {}", printable(&err.to_string()));
                ExitCode::from(match err.kind() {
                    ErrorKind::NotFound => 3,
                    ErrorKind::InvalidArgument
                    | ErrorKind::InvalidVersion
                    | ErrorKind::InvalidRange
                    | ErrorKind::InvalidFramework => 2,
                    _ => 1,
                })
            }
            // Output closed early (`rnuget search x | head`): not worth a message.
            Failure::Io(_, err) if err.kind() == std::io::ErrorKind::BrokenPipe => {
                ExitCode::from(1)
            }
            Failure::Io(what, err) => {
                eprintln!("rnuget: error: {what}: {}", printable(&err.to_string()));
                ExitCode::from(1)
            }
        }
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Library(err)
    }
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Self {
        Failure::Io("writing the output", err)
    }
}
