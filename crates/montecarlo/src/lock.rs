//! One writer per directory: every command that writes into a batch
//! directory (`batch`, `batch --resume`, `merge --out`, `eval --out`,
//! `compare`'s directory and its `a/` and `b/`, `morris`/`sensitivity
//! --out`, `plot` of a batch) first takes an exclusive advisory lock on [`LOCK_FILE`] in it and
//! holds it until it returns. A second process on the same directory (say a
//! Slurm job re-launched while the first still runs) is refused before it
//! touches anything, instead of deleting the first one's temporary files and
//! computing its runs again.
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A second lock on a locked directory is refused, naming it; once the
    /// first is dropped the directory can be locked again.
    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = std::env::temp_dir().join(format!("mc-lock-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let first = lock_dir(&dir).unwrap();
        let e = lock_dir(&dir).unwrap_err();
        assert!(matches!(&e, McError::Busy(d) if d == &dir), "{e}");
        assert!(e.to_string().contains(&dir.display().to_string()), "{e}");
        drop(first);
        let again = lock_dir(&dir).unwrap();
        assert_eq!(again.dir(), dir);
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
