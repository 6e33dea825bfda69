//! Checking where a download goes before any source is asked.

use std::path::Path;

use crate::{Error, ErrorKind, Result};

/// Fails when a package could not be written to `path`: the path is a folder (or ends in a
/// separator), or its parent folder is missing or not a folder. Checked first, so that a typo
/// costs no download.
pub(crate) fn check_target(path: &Path) -> Result<()> {
    let shown = path.display();
    if path.as_os_str().is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "the download path is empty",
        ));
    }
    // `dir/` names a folder even when there is none: the file could never be renamed there.
    let names_folder = path
        .as_os_str()
        .to_string_lossy()
        .ends_with(std::path::is_separator);
    if names_folder || path.is_dir() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("cannot download to {shown}: it is a folder; give a file path"),
        ));
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match std::fs::metadata(parent) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(Error::new(
            ErrorKind::Io,
            format!(
                "cannot download to {shown}: {} is not a folder",
                parent.display()
            ),
        )),
        Err(err) => Err(Error::new(
            ErrorKind::Io,
            format!(
                "cannot download to {shown}: folder {}: {err}",
                parent.display()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_that_cannot_take_a_file_is_refused_naming_it() {
        let dir = std::env::temp_dir().join(format!("rnuget-target-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("plain.txt");
        std::fs::write(&file, b"x").unwrap();

        let err = check_target(&dir).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(err.message().contains(&dir.display().to_string()), "{err}");
        assert!(err.message().contains("is a folder"), "{err}");

        // A path ending in a separator names a folder, whether or not there is one.
        for folder in [
            format!("{}/", dir.display()),
            format!("{}/new/", dir.display()),
        ] {
            let err = check_target(Path::new(&folder)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{folder}");
            assert!(err.message().contains("is a folder"), "{err}");
        }

        let missing = dir.join("no-such-folder").join("p.nupkg");
        let err = check_target(&missing).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(err.message().contains("no-such-folder"), "{err}");

        let under_file = file.join("p.nupkg");
        let err = check_target(&under_file).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(err.message().contains("is not a folder"), "{err}");

        check_target(&dir.join("p.nupkg")).unwrap();
        check_target(Path::new("p.nupkg")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
