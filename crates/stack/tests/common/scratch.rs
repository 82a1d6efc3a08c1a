//! `Scratch`, the temporary paths of the integration tests of
//! `aistack-stack`, `aistack-montecarlo` and `aistack` (whose
//! `tests/common/mod.rs` include this one file by `#[path]`), so that a
//! test leaves nothing in the system's temporary directory, even when it
//! panics.

use std::ops::Deref;
use std::path::{Path, PathBuf};

/// A scratch path that does not exist yet, `name` inside a fresh temporary
/// directory (`NAME-XXXXXX` in the system's temporary directory): dropping it
/// removes that directory and all the test wrote there, also when the test
/// panics. Dereferences to the path.
pub struct Scratch {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Scratch {
    /// A fresh scratch path named `name`.
    pub fn new(name: &str) -> Scratch {
        let dir = tempfile::Builder::new()
            .prefix(&format!("{name}-"))
            .tempdir()
            .expect("a temporary directory");
        Scratch {
            path: dir.path().join(name),
            _dir: dir,
        }
    }
}

impl Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl From<&Scratch> for PathBuf {
    fn from(s: &Scratch) -> PathBuf {
        s.path.clone()
    }
}
