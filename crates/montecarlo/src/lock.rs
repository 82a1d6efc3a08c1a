//! One writer per directory: every command that writes into a batch
//! directory (`batch`, `batch --resume`, `merge --out`, `eval --out`,
//! `compare`'s directory and its `a/` and `b/`, `morris`/`sensitivity
//! --out` (before computing, [`lock_out_dir`]), `plot` of a batch) first takes an exclusive advisory lock on [`LOCK_FILE`] in it and
//! holds it until it returns. A second process on the same directory (say a
//! Slurm job re-launched while the first still runs) is refused before it
//! touches anything, instead of deleting the first one's temporary files and
//! computing its runs again. `merge` also locks each shard directory it
//! reads ([`lock_dir_to_read`]), so a shard being resumed is not copied
//! half-written.
//!
//! The lock is the operating system's (`flock` on Unix, `LockFileEx` on
//! Windows, through [`std::fs::File::try_lock`]): it is released when the
//! holder's file is closed, which the OS does when the process dies, so a
//! killed batch never leaves a stale lock behind. The empty lock file itself
//! stays in the directory; nothing that reads a batch directory looks at it.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{McError, Result, io_err};

/// Name of the lock file in a directory being written (`DIR/.lock`). Empty;
/// only its lock matters.
pub const LOCK_FILE: &str = ".lock";

/// An exclusive lock on a directory, held while this value lives.
#[derive(Debug)]
pub struct DirLock {
    /// The open lock file; closing it releases the lock.
    _file: File,
    /// The locked directory.
    dir: PathBuf,
}

/// Unlocks before the file is closed: an `flock` lock belongs to the open
/// file description, which a child being spawned by another thread shares
/// between its fork and its exec, so closing this handle alone could leave
/// the directory locked for that moment (a test that spawns processes
/// beside one that drops a lock saw the next command refused as busy).
impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = self._file.unlock();
    }
}

impl DirLock {
    /// The locked directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Takes the exclusive lock of `dir` (which must exist), without waiting:
/// [`McError::Busy`] when another process (or another handle in this one)
/// holds it.
pub fn lock_dir(dir: &Path) -> Result<DirLock> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_err(&path))?;
    // `File::try_lock` is std since Rust 1.89, the workspace's `rust-version`.
    let locked = file.try_lock();
    match locked {
        Ok(()) => Ok(DirLock {
            _file: file,
            dir: dir.to_path_buf(),
        }),
        Err(TryLockError::WouldBlock) => Err(McError::Busy(dir.to_path_buf())),
        Err(TryLockError::Error(e)) => Err(io_err(&path)(e)),
    }
}

/// Takes the exclusive lock of `dir`, a directory to be read whole (a shard
/// that `merge` copies), without waiting: [`McError::Busy`] while another
/// process writes it. `None` (read unlocked) when this process may neither
/// create nor open `DIR/.lock` (a read-only archive of a finished shard): a
/// directory it cannot write is one it could not lock either way.
pub fn lock_dir_to_read(dir: &Path) -> Result<Option<DirLock>> {
    let path = dir.join(LOCK_FILE);
    let file = match OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e)
            if e.kind() == std::io::ErrorKind::PermissionDenied
                || e.kind() == std::io::ErrorKind::ReadOnlyFilesystem =>
        {
            // An existing lock file can still be locked through a read handle.
            match File::open(&path) {
                Ok(f) => f,
                Err(_) => return Ok(None),
            }
        }
        Err(e) => return Err(io_err(&path)(e)),
    };
    match file.try_lock() {
        Ok(()) => Ok(Some(DirLock {
            _file: file,
            dir: dir.to_path_buf(),
        })),
        Err(TryLockError::WouldBlock) => Err(McError::Busy(dir.to_path_buf())),
        Err(TryLockError::Error(e)) => Err(io_err(&path)(e)),
    }
}

/// Whether another process (or another handle in this one) holds the lock
/// of `dir` now, probed without creating anything: `false` when `DIR/.lock`
/// does not exist or cannot be opened. For a reader that would otherwise
/// take a directory being written for an interrupted one (`plot` of a batch
/// still running, audit s26 econ F10); the lock probed is released at once.
pub fn is_being_written(dir: &Path) -> bool {
    let Ok(file) = File::open(dir.join(LOCK_FILE)) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(TryLockError::WouldBlock) => true,
        Err(TryLockError::Error(_)) => false,
    }
}

/// The lock of an output directory that a computation writes only at its
/// end (`sensitivity --out`, Sobol' or Morris): taken before computing, so a
/// second process on the same `--out` is refused at once rather than after
/// computing for minutes. A directory that [`lock_out_dir`] created is
/// removed again (with its lock file) when this value is dropped before
/// [`OutDirLock::keep`], so a refusal while computing leaves nothing behind.
#[derive(Debug)]
pub struct OutDirLock {
    /// The held lock (`None` only while dropping).
    lock: Option<DirLock>,
    /// Whether [`lock_out_dir`] created the directory.
    created: bool,
    /// Whether the directory is kept when this value is dropped.
    kept: bool,
}

impl OutDirLock {
    /// Keeps the directory when this value is dropped: call it before
    /// writing the outputs into it.
    pub fn keep(&mut self) {
        self.kept = true;
    }
}

impl Drop for OutDirLock {
    fn drop(&mut self) {
        let Some(lock) = self.lock.take() else {
            return;
        };
        if self.created && !self.kept {
            // Removed while still held, so no other process can take the
            // lock of a directory about to disappear; `remove_dir` leaves a
            // directory that something else wrote into.
            let _ = std::fs::remove_file(lock.dir.join(LOCK_FILE));
            let _ = std::fs::remove_dir(&lock.dir);
        }
        drop(lock);
    }
}

/// Creates `dir` if needed and takes its exclusive lock, without waiting
/// ([`McError::Busy`] when another process holds it): see [`OutDirLock`].
pub fn lock_out_dir(dir: &Path) -> Result<OutDirLock> {
    let created = !dir.exists();
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    // A refusal removes nothing: the holder may have created the directory.
    let lock = lock_dir(dir)?;
    Ok(OutDirLock {
        lock: Some(lock),
        created,
        kept: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A second lock on a locked directory is refused, naming it; once the
    /// first is dropped the directory can be locked again.
    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let scratch = tempfile::Builder::new()
            .prefix("mc-lock-unit-")
            .tempdir()
            .unwrap();
        let dir = scratch.path().join("d");
        std::fs::create_dir_all(&dir).unwrap();
        let first = lock_dir(&dir).unwrap();
        let e = lock_dir(&dir).unwrap_err();
        assert!(matches!(&e, McError::Busy(d) if d == &dir), "{e}");
        assert!(e.to_string().contains(&dir.display().to_string()), "{e}");
        drop(first);
        let again = lock_dir(&dir).unwrap();
        assert_eq!(again.dir(), dir);
        drop(again);
    }

    /// The probe sees a held lock, not a released one, and creates nothing
    /// where there is no lock file.
    #[test]
    fn the_probe_sees_a_held_lock_only() {
        let scratch = tempfile::Builder::new()
            .prefix("mc-lock-probe-")
            .tempdir()
            .unwrap();
        let dir = scratch.path().join("d");
        std::fs::create_dir_all(&dir).unwrap();
        assert!(!is_being_written(&dir));
        assert!(!dir.join(LOCK_FILE).exists(), "the probe created the lock file");
        let held = lock_dir(&dir).unwrap();
        assert!(is_being_written(&dir));
        drop(held);
        assert!(!is_being_written(&dir));
        // The probe released what it took: the directory can be locked.
        drop(lock_dir(&dir).unwrap());
    }

    /// An output directory created by [`lock_out_dir`] disappears when the
    /// lock is dropped before `keep`, stays after it; one that existed stays.
    #[test]
    fn an_unkept_output_directory_it_created_is_removed() {
        let root = tempfile::Builder::new().prefix("mc-lock-out-").tempdir().unwrap();
        let dir = root.path().join("new");
        let l = lock_out_dir(&dir).unwrap();
        assert!(matches!(lock_out_dir(&dir), Err(McError::Busy(_))));
        assert!(dir.is_dir(), "a refused second lock removes nothing");
        drop(l);
        assert!(!dir.exists());
        let mut l = lock_out_dir(&dir).unwrap();
        l.keep();
        drop(l);
        assert!(dir.join(LOCK_FILE).exists());
        let l = lock_out_dir(&dir).unwrap();
        drop(l);
        assert!(dir.is_dir(), "it existed before");
    }
}
