//! Files written beside their final path and renamed into place, so that a reader never sees a
//! half-written file: the disk cache and package downloads both write this way.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A new file in the target's folder, removed on drop unless [`TempFile::persist`] renamed it.
pub(crate) struct TempFile {
    path: PathBuf,
    file: Option<File>,
    persisted: bool,
}

impl TempFile {
    /// Creates `.<target name>.<pid>-<n><suffix>` beside `target`; the folder must exist. The
    /// name is unique among threads and processes, so concurrent writers never share a file.
    pub(crate) fn beside(target: &Path, suffix: &str) -> io::Result<TempFile> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".to_string());
        loop {
            let unique = format!(
                ".{name}.{}-{}{suffix}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            let path = dir.join(unique);
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(TempFile {
                        path,
                        file: Some(file),
                        persisted: false,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Where the temporary file is.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The open file, once.
    pub(crate) fn take_file(&mut self) -> io::Result<File> {
        self.file
            .take()
            .ok_or_else(|| io::Error::other("temporary file already taken"))
    }

    /// Renames the file over `target` (atomic on one file system).
    pub(crate) fn persist(mut self, target: &Path) -> io::Result<()> {
        fs::rename(&self.path, target)?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            self.file = None;
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn persisted_files_replace_the_target_and_dropped_ones_vanish() {
        let dir = std::env::temp_dir().join(format!("rnuget-temp-file-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("entry.dat");
        fs::write(&target, b"old").unwrap();

        let mut temp = TempFile::beside(&target, ".tmp").unwrap();
        temp.take_file().unwrap().write_all(b"new").unwrap();
        assert_eq!(
            fs::read(&target).unwrap(),
            b"old",
            "not visible before the rename"
        );
        temp.persist(&target).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");

        let dropped = TempFile::beside(&target, ".tmp").unwrap();
        let dropped_path = dropped.path().to_path_buf();
        assert!(dropped_path.exists());
        drop(dropped);
        assert!(!dropped_path.exists());
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }
}
