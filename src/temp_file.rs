//! Files written beside their final path and renamed into place, so that a reader never sees a
//! half-written file: the disk cache and package downloads both write this way.
//!
//! A process killed while writing leaves its temporary file behind; [`remove_stale`] clears
//! those in a target's folder whose owner is gone, named by the process id in the file's name.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// Where process ids cannot be checked, how old a temporary file must be to count as stale.
pub(crate) const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// How long a temporary file of another target, whose process is gone, must have gone
/// unwritten before it counts as abandoned (see [`remove_stale`]).
pub(crate) const ABANDONED_AFTER: Duration = Duration::from_secs(60 * 60);

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

/// Removes the temporary files (`.<name>.<pid>-<n><suffix>`) in `target`'s folder that their
/// writers left behind when they were killed, and returns the paths removed. A file of this
/// process is never touched, nor anything but a regular file (a link, a folder). The rule, for
/// the files of every target, `target`'s own included:
///
/// - on Linux, once no process with its pid runs (`/proc/<pid>` is gone) *and* it has not been
///   modified for [`ABANDONED_AFTER`]. The pid alone is not proof: a download in another pid
///   namespace (a container sharing the folder), or of another user under `/proc`'s
///   `hidepid`, has a pid this process cannot see. A live download writes as its bytes
///   arrive, and one that stops gets no new bytes for at most its read timeout (60 s by
///   default), so a file untouched for an hour is no live writer's;
/// - elsewhere (or without `/proc`), once it has not been modified for [`STALE_AFTER`].
///
/// `suffix` must name rnuget (`.rnuget-part`): the folder may be the caller's, holding files
/// of theirs that have the same shape.
///
/// A folder or file that cannot be read or removed is left as it is (this is clean-up, never
/// a reason to fail).
pub(crate) fn remove_stale(target: &Path, suffix: &str) -> Vec<PathBuf> {
    let Some(dir) = folder_of(target) else {
        return Vec::new();
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let proc_fs = cfg!(target_os = "linux") && Path::new("/proc/self").exists();
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let Some(pid) = temp_owner(&file_name, suffix) else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let path = entry.path();
        let stale = if proc_fs {
            !Path::new("/proc").join(pid.to_string()).exists() && older_than(&path, ABANDONED_AFTER)
        } else {
            older_than(&path, STALE_AFTER)
        };
        if stale && entry.file_type().is_ok_and(|t| t.is_file()) && fs::remove_file(&path).is_ok() {
            removed.push(path);
        }
    }
    removed
}

/// The folder a temporary file of `target` goes in.
fn folder_of(target: &Path) -> Option<&Path> {
    match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => Some(dir),
        Some(_) => Some(Path::new(".")),
        None => None,
    }
}

/// The process id in `file_name` when it is `.<name>.<pid>-<n><suffix>` ([`TempFile::beside`]'s
/// form).
fn temp_owner(file_name: &str, suffix: &str) -> Option<u32> {
    let middle = file_name.strip_prefix('.')?.strip_suffix(suffix)?;
    let (name, owner) = middle.rsplit_once('.')?;
    let (pid, serial) = owner.split_once('-')?;
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if name.is_empty() || !digits(pid) || !digits(serial) {
        return None;
    }
    pid.parse().ok()
}

/// Whether `path` was last modified more than `age` ago (false when that cannot be told).
fn older_than(path: &Path, age: Duration) -> bool {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .is_some_and(|elapsed| elapsed > age)
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

    #[test]
    fn the_owner_pid_of_a_temporary_name_is_read() {
        assert_eq!(temp_owner(".A.1.0.0.nupkg.42-7.part", ".part"), Some(42));
        assert_eq!(temp_owner(".out.42-0.part", ".part"), Some(42));
        for other in [
            ".A.1.0.0.nupkg.42-7.tmp",
            ".A.1.0.0.nupkg.42.part",
            ".A.1.0.0.nupkg.x-7.part",
            ".A.1.0.0.nupkg.42-.part",
            "A.1.0.0.nupkg.42-7.part",
            "..42-7.part",
            ".42-7.part",
            "A.1.0.0.nupkg",
        ] {
            assert_eq!(temp_owner(other, ".part"), None, "{other}");
        }
    }

    /// Sets a file's modification time `age` into the past.
    fn age(path: &Path, age: Duration) {
        let file = File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn stale_part_files_of_dead_processes_go_and_live_ones_stay() {
        let dir = std::env::temp_dir().join(format!("rnuget-stale-parts-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("Demo.Core.1.0.0.nupkg");
        // A pid above the kernel's maximum cannot belong to any process.
        let pid_max: u32 = fs::read_to_string("/proc/sys/kernel/pid_max")
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let dead_pid = pid_max + 1;
        // The target's own, its process gone: removed once old; kept while recent, since its
        // writer may live in a pid namespace this process cannot see.
        let dead_old = dir.join(format!(".Demo.Core.1.0.0.nupkg.{dead_pid}-0.part"));
        let dead_recent = dir.join(format!(".Demo.Core.1.0.0.nupkg.{dead_pid}-1.part"));
        let own = dir.join(format!(
            ".Demo.Core.1.0.0.nupkg.{}-0.part",
            std::process::id()
        ));
        // Process 1 always runs (the init of this pid namespace).
        let live_old = dir.join(".Demo.Core.1.0.0.nupkg.1-3.part");
        // Another target's, its process gone: kept while recent, removed once old.
        let other_recent = dir.join(format!(".Other.1.0.0.nupkg.{dead_pid}-0.part"));
        let other_old = dir.join(format!(".Old.1.0.0.nupkg.{dead_pid}-1.part"));
        // Another target's, old, but its process runs: kept.
        let other_old_live = dir.join(".Slow.1.0.0.nupkg.1-2.part");
        // Not a temporary file of rnuget's, however old: kept.
        let foreign = dir.join("notes.part");
        let all = [
            &dead_old,
            &dead_recent,
            &own,
            &live_old,
            &other_recent,
            &other_old,
            &other_old_live,
            &foreign,
        ];
        for path in all {
            fs::write(path, b"partial").unwrap();
        }
        let just_under = ABANDONED_AFTER - Duration::from_secs(60);
        age(&other_recent, just_under);
        age(&dead_recent, just_under);
        let old = [
            &dead_old,
            &own,
            &live_old,
            &other_old,
            &other_old_live,
            &foreign,
        ];
        for path in old {
            age(path, ABANDONED_AFTER + Duration::from_secs(60));
        }
        // A link named like a stale part file, to a file of the caller's: neither goes.
        let kept = dir.join("kept.txt");
        fs::write(&kept, b"the caller's").unwrap();
        let link = dir.join(format!(".Link.1.0.0.nupkg.{dead_pid}-0.part"));
        std::os::unix::fs::symlink(&kept, &link).unwrap();
        age(&kept, ABANDONED_AFTER + Duration::from_secs(60));

        let mut removed = remove_stale(&target, ".part");
        removed.sort();
        let mut want = vec![dead_old.clone(), other_old.clone()];
        want.sort();
        assert_eq!(removed, want);
        for path in all {
            assert_eq!(path.exists(), !want.contains(path), "{}", path.display());
        }
        assert!(fs::symlink_metadata(&link).is_ok() && kept.exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn age_tells_old_files_from_new_ones() {
        let dir = std::env::temp_dir().join(format!("rnuget-stale-age-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        fs::write(&path, b"x").unwrap();
        assert!(!older_than(&path, STALE_AFTER));
        let old = SystemTime::now() - 2 * STALE_AFTER;
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        assert!(older_than(&path, STALE_AFTER));
        assert!(!older_than(&dir.join("missing"), STALE_AFTER));
        fs::remove_dir_all(&dir).unwrap();
    }
}
