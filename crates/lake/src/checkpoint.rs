//! Per-source ingest checkpoints: what each source has committed to the lake.
//!
//! A source is known by the SHA-256 of its first [`PREFIX`] bytes (its fingerprint), not by
//! its path: a rotated file renamed to `access.log.1` is still the file already read, and a
//! new `access.log` with other first bytes is a new source. The bytes are those of the
//! decompressed stream (the caller's), so compressing a rotated generation does not make
//! it new. A file shorter than [`PREFIX`] is fingerprinted on what it has; when it grows
//! (to any length), its checkpoint is found again by hashing the same number of bytes and
//! moved to the new fingerprint.
//!
//! One JSON file per source under `<data>/ingest/`, replaced atomically; a lock file per
//! source keeps two workers from reading the same source at once.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::LakeError;
use crate::writer::sync_dir;

/// Bytes of a file that identify it.
pub const PREFIX: usize = 1024;

/// Identity of a source: hash of its first bytes and how many bytes were hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// Hex SHA-256 of the first `len` bytes.
    pub hash: String,
    /// Number of bytes hashed (`PREFIX`, or the whole file when shorter).
    pub len: usize,
}

impl Fingerprint {
    /// Fingerprint of a byte prefix.
    pub fn of(prefix: &[u8]) -> Fingerprint {
        let len = prefix.len().min(PREFIX);
        Fingerprint {
            hash: hex(&Sha256::digest(&prefix[..len])),
            len,
        }
    }

    /// Fingerprint of a file's first bytes.
    pub fn of_file(path: &Path) -> Result<Fingerprint, LakeError> {
        let mut buf = Vec::with_capacity(PREFIX);
        File::open(path)
            .and_then(|f| f.take(PREFIX as u64).read_to_end(&mut buf))
            .map_err(|e| LakeError::io(path, e))?;
        Ok(Fingerprint::of(&buf))
    }

    /// A short form used in file names.
    pub fn short(&self) -> &str {
        &self.hash[..16]
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Line counts of a source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Lines read.
    pub lines: u64,
    /// Records stored.
    pub stored: u64,
    /// Lines rejected.
    pub rejected: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.lines += o.lines;
        self.stored += o.stored;
        self.rejected += o.rejected;
    }
}

/// What a source has committed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Identity of the source.
    pub fingerprint: Option<Fingerprint>,
    /// Paths the source has been read from (latest last).
    pub paths: Vec<String>,
    /// Input format.
    pub format: String,
    /// Bytes (of the decompressed stream) committed so far.
    pub offset: u64,
    /// Lines committed so far.
    pub line: u64,
    /// Counts committed so far.
    pub counts: Counts,
    /// Batch files being written and not yet committed; removed on recovery.
    pub pending: Vec<PathBuf>,
    /// Last commit, RFC 3339.
    pub updated: String,
}

/// A locked source: read its checkpoint, then record pending files and commits.
#[derive(Debug)]
pub struct SourceGuard {
    path: PathBuf,
    _lock: File,
    /// The committed state.
    pub checkpoint: Checkpoint,
}

impl SourceGuard {
    /// Locks the source with `fingerprint` in `ingest_dir` (waiting for another worker to
    /// finish with it), finds its checkpoint (also under a shorter, earlier fingerprint
    /// of the same source, when its first bytes `head` are given), and removes files of a
    /// batch left pending by a crash.
    pub fn acquire(
        ingest_dir: &Path,
        fingerprint: &Fingerprint,
        head: Option<&[u8]>,
    ) -> Result<SourceGuard, LakeError> {
        let key = format!("{}-{}", fingerprint.len, fingerprint.hash);
        let path = ingest_dir.join(format!("{key}.json"));
        let lock_path = ingest_dir.join(format!("{key}.lock"));
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| LakeError::io(&lock_path, e))?;
        lock.lock().map_err(|e| LakeError::io(&lock_path, e))?;
        let (mut checkpoint, migrated) = match read(&path)? {
            Some(c) => (c, None),
            None => match head.map(|h| grown_from_short(ingest_dir, h)).transpose()? {
                Some(Some((old, c))) => (c, Some(old)),
                _ => (Checkpoint::default(), None),
            },
        };
        checkpoint.fingerprint = Some(fingerprint.clone());
        let mut guard = SourceGuard {
            path,
            _lock: lock,
            checkpoint,
        };
        if let Some(old) = migrated {
            // Save under the new fingerprint before forgetting the old one, so a crash
            // in between never loses what was committed.
            guard.save()?;
            let _ = fs::remove_file(old);
        }
        guard.recover()?;
        Ok(guard)
    }

    /// Removes the files of an uncommitted batch and clears `pending`. (Temporaries a
    /// crash left are removed by [`crate::Lake::recover`], which opening the lake runs.)
    fn recover(&mut self) -> Result<(), LakeError> {
        if self.checkpoint.pending.is_empty() {
            return Ok(());
        }
        for f in std::mem::take(&mut self.checkpoint.pending) {
            match fs::remove_file(&f) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(LakeError::io(&f, e)),
            }
        }
        self.save()
    }

    /// Records the files a batch is about to write, before writing them.
    pub fn begin(&mut self, files: Vec<PathBuf>) -> Result<(), LakeError> {
        self.checkpoint.pending = files;
        self.save()
    }

    /// Commits a written batch: the new offset and line, and the counts it adds.
    pub fn commit(&mut self, offset: u64, line: u64, counts: Counts) -> Result<(), LakeError> {
        let c = &mut self.checkpoint;
        c.pending.clear();
        c.offset = offset;
        c.line = line;
        c.counts += counts;
        c.updated = chrono::Utc::now().to_rfc3339();
        self.save()?;
        fail::fail_point!("lake.checkpoint.committed", |_| std::process::abort());
        Ok(())
    }

    fn save(&self) -> Result<(), LakeError> {
        write_atomic(
            &self.path,
            &serde_json::to_vec_pretty(&self.checkpoint).unwrap_or_default(),
        )
    }
}

/// A source once shorter than [`PREFIX`] has a checkpoint under its short fingerprint;
/// when it has grown, find it by hashing as many of its first bytes (`head`) as that
/// fingerprint covered. The longest such prefix wins.
fn grown_from_short(
    ingest_dir: &Path,
    head: &[u8],
) -> Result<Option<(PathBuf, Checkpoint)>, LakeError> {
    let head = &head[..head.len().min(PREFIX)];
    let mut best: Option<(PathBuf, Checkpoint)> = None;
    for (path, c) in list(ingest_dir)? {
        let Some(fp) = &c.fingerprint else { continue };
        let longer = best
            .as_ref()
            .is_none_or(|(_, b)| b.fingerprint.as_ref().is_some_and(|b| b.len < fp.len));
        if fp.len < head.len() && longer && Fingerprint::of(&head[..fp.len]) == *fp {
            best = Some((path, c));
        }
    }
    Ok(best)
}

fn read(path: &Path) -> Result<Option<Checkpoint>, LakeError> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| LakeError::Checkpoint {
                path: path.to_path_buf(),
                message: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(LakeError::io(path, e)),
    }
}

/// Every checkpoint in the folder, with its file.
pub fn list(ingest_dir: &Path) -> Result<Vec<(PathBuf, Checkpoint)>, LakeError> {
    let mut out = Vec::new();
    let entries = fs::read_dir(ingest_dir).map_err(|e| LakeError::io(ingest_dir, e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json")
            && let Some(c) = read(&path)?
        {
            out.push((path, c));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Replaces `path` with `bytes` atomically (temporary file, fsync, rename). The temporary
/// is named like the batch writer's (`.<name>.<pid>.tmp`), so the same clean-up
/// ([`crate::remove_temporaries`]) removes what a crash left of either.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LakeError> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut f = File::create(&tmp).map_err(|e| LakeError::io(&tmp, e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| LakeError::io(&tmp, e))?;
    fail::fail_point!("lake.checkpoint.written", |_| std::process::abort());
    fs::rename(&tmp, path).map_err(|e| LakeError::io(path, e))?;
    sync_dir(dir);
    Ok(())
}

impl crate::Lake {
    /// Every source's committed checkpoint.
    pub fn checkpoints(&self) -> Result<Vec<Checkpoint>, LakeError> {
        Ok(list(&self.ingest_dir())?
            .into_iter()
            .map(|(_, c)| c)
            .collect())
    }
}

/// A name (a source, a site, a rule id) as a file name: anything but ASCII letters,
/// digits, `-` and `_` becomes `_`, so no name can reach another folder.
pub fn file_name_of(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_file_checkpoint_follows_growth() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ingest = dir.path().join("ingest");
        fs::create_dir_all(&ingest).expect("mkdir");
        let log = dir.path().join("a.log");
        fs::write(&log, b"line one\n").expect("write");
        let fp = Fingerprint::of_file(&log).expect("fp");
        {
            let mut g = SourceGuard::acquire(&ingest, &fp, Some(b"line one\n")).expect("acquire");
            g.commit(
                9,
                1,
                Counts {
                    lines: 1,
                    stored: 1,
                    rejected: 0,
                },
            )
            .expect("commit");
        }
        let mut grown = b"line one\n".to_vec();
        grown.extend(std::iter::repeat_n(b'x', 2000));
        fs::write(&log, &grown).expect("write");
        let fp2 = Fingerprint::of_file(&log).expect("fp");
        assert_ne!(fp, fp2);
        let g = SourceGuard::acquire(&ingest, &fp2, Some(&grown)).expect("acquire");
        assert_eq!(g.checkpoint.offset, 9);
        assert_eq!(list(&ingest).expect("list").len(), 1);
    }

    /// A log shorter than the identity window that grows but stays shorter was a new
    /// source at every run, and was read again from its first line.
    #[test]
    fn a_short_file_that_stays_short_keeps_its_checkpoint() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut text = b"line one\n".to_vec();
        let mut committed = 0;
        for next in [b"line two\n".as_slice(), b"line three\n", b"four\n"] {
            let mut g = SourceGuard::acquire(dir.path(), &Fingerprint::of(&text), Some(&text))
                .expect("acquire");
            assert_eq!(
                g.checkpoint.offset,
                committed,
                "found again at {} bytes",
                text.len()
            );
            committed = text.len() as u64;
            g.commit(committed, 0, Counts::default()).expect("commit");
            drop(g);
            text.extend_from_slice(next);
        }
        assert_eq!(list(dir.path()).expect("list").len(), 1);
    }

    #[test]
    fn pending_files_are_removed_on_acquire() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fp = Fingerprint::of(b"abc");
        let stray = dir.path().join("stray.parquet");
        fs::write(&stray, b"half").expect("write");
        {
            let mut g = SourceGuard::acquire(dir.path(), &fp, None).expect("acquire");
            g.begin(vec![stray.clone()]).expect("begin");
            // the process "dies" here: no commit
        }
        let g = SourceGuard::acquire(dir.path(), &fp, None).expect("acquire");
        assert!(!stray.exists());
        assert!(g.checkpoint.pending.is_empty());
        assert_eq!(g.checkpoint.offset, 0);
    }
}
