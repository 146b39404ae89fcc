//! Replacing day files of the `leak` table as one transaction.
//!
//! An import may change posts on many days at once (a merge moves a post to the day of
//! its earliest sighting), so the days are replaced together:
//!
//! 1. each new day file is written complete under a hidden name (`.stage-….parquet`,
//!    which neither kansoku nor DataFusion lists);
//! 2. the journal (`<data>/leaks/commit.json`: staged → final names, files to remove)
//!    is written atomically: this is the commit point;
//! 3. staged files are renamed into place and replaced files removed;
//! 4. the journal is removed.
//!
//! [`recover`] runs before every change: a journal is carried through (step 3 again,
//! each part skipped when done), staged files without a journal are deleted. A killed
//! import therefore leaves either the old table or the new one once recovered.

use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::LeakError;

/// Prefix of staged (not yet committed) day files.
pub(crate) const STAGE_PREFIX: &str = ".stage-";

/// What a commit does, recorded before it does it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Journal {
    /// Staged file → its final name.
    pub renames: Vec<(PathBuf, PathBuf)>,
    /// Files the new ones replace.
    pub remove: Vec<PathBuf>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LeakError + '_ {
    move |source| LeakError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename, folder fsync).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LeakError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io(dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        fs::rename(&tmp, path).map_err(io(path))?;
        sync_dir(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Commits `journal` (steps 2–4 of the module docs).
pub(crate) fn commit(journal_path: &Path, journal: &Journal) -> Result<(), LeakError> {
    if journal.renames.is_empty() && journal.remove.is_empty() {
        return Ok(());
    }
    fail::fail_point!("leaks.store.staged", |_| std::process::abort());
    let bytes = serde_json::to_vec_pretty(journal).map_err(|e| LeakError::Store(e.to_string()))?;
    write_atomic(journal_path, &bytes)?;
    fail::fail_point!("leaks.store.journal", |_| std::process::abort());
    apply(journal_path, journal)
}

fn apply(journal_path: &Path, journal: &Journal) -> Result<(), LeakError> {
    let mut dirs: Vec<&Path> = Vec::new();
    for (staged, target) in &journal.renames {
        if staged.exists() {
            fs::rename(staged, target).map_err(io(target))?;
        }
        if let Some(d) = target.parent() {
            dirs.push(d);
        }
    }
    fail::fail_point!("leaks.store.renamed", |_| std::process::abort());
    for old in &journal.remove {
        match fs::remove_file(old) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(old)(e)),
        }
        if let Some(d) = old.parent() {
            dirs.push(d);
        }
    }
    dirs.sort();
    dirs.dedup();
    for d in dirs {
        sync_dir(d);
        // A day that lost its last file goes, so `day=` folders mean days with posts.
        let _ = fs::remove_dir(d);
    }
    fs::remove_file(journal_path).map_err(io(journal_path))?;
    Ok(())
}

/// Finishes a commit a crash interrupted, or drops staged files it never committed.
/// Returns whether anything was left to recover.
pub(crate) fn recover(journal_path: &Path, table_dir: &Path) -> Result<bool, LeakError> {
    let mut recovered = false;
    if let Ok(bytes) = fs::read(journal_path) {
        recovered = true;
        match serde_json::from_slice::<Journal>(&bytes) {
            Ok(j) => apply(journal_path, &j)?,
            // Written atomically, so unreadable means not ours: drop it, and the staged
            // files below go with it; the next rebuild writes whatever is missing.
            Err(_) => fs::remove_file(journal_path).map_err(io(journal_path))?,
        }
    }
    let Ok(days) = fs::read_dir(table_dir) else {
        return Ok(recovered);
    };
    for day in days.flatten() {
        let Ok(files) = fs::read_dir(day.path()) else {
            continue;
        };
        for f in files.flatten() {
            // Staged files, and the writer's temporaries of staged files a killed import
            // left (`..stage-….tmp`): the store lock is held, so no writer is alive.
            let name = f.file_name().to_string_lossy().into_owned();
            if name.starts_with(STAGE_PREFIX)
                || name
                    .strip_prefix('.')
                    .is_some_and(|n| n.starts_with(STAGE_PREFIX))
            {
                recovered = true;
                fs::remove_file(f.path()).map_err(io(&f.path()))?;
            }
        }
    }
    Ok(recovered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_commit_is_carried_through() {
        let dir = tempfile::tempdir().expect("tempdir");
        let day = dir.path().join("table/day=2022-08-01");
        fs::create_dir_all(&day).expect("mkdir");
        let old = day.join("leak-old.parquet");
        let staged = day.join(".stage-new.parquet");
        let new = day.join("leak-new.parquet");
        fs::write(&old, "old").expect("write");
        fs::write(&staged, "new").expect("write");
        let journal_path = dir.path().join("commit.json");
        let j = Journal {
            renames: vec![(staged.clone(), new.clone())],
            remove: vec![old.clone()],
        };
        // The crash: journal written, nothing applied.
        write_atomic(&journal_path, &serde_json::to_vec(&j).expect("json")).expect("journal");
        assert!(recover(&journal_path, &dir.path().join("table")).expect("recover"));
        assert_eq!(fs::read_to_string(&new).expect("new"), "new");
        assert!(!old.exists() && !staged.exists() && !journal_path.exists());
        assert!(!recover(&journal_path, &dir.path().join("table")).expect("again"));
    }

    #[test]
    fn staged_files_without_a_journal_are_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let day = dir.path().join("table/day=2022-08-01");
        fs::create_dir_all(&day).expect("mkdir");
        let old = day.join("leak-old.parquet");
        let staged = day.join(".stage-new.parquet");
        fs::write(&old, "old").expect("write");
        fs::write(&staged, "new").expect("write");
        let tmp = day.join("..stage-new.parquet.4242.tmp");
        fs::write(&tmp, "half").expect("write");
        let journal_path = dir.path().join("commit.json");
        assert!(recover(&journal_path, &dir.path().join("table")).expect("recover"));
        assert!(old.exists() && !staged.exists() && !tmp.exists());
    }
}
