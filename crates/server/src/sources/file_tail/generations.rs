//! A followed log's generations. logrotate turns `access.log` into `access.log.1`, then
//! `access.log.2.gz` (or `access.log-DATE.xz` in an `olddir`), or copies it and truncates
//! it in place (copytruncate): the file being read can move, be compressed, or be
//! replaced by a copy. A generation is known by its content, the first [`IDENT`] bytes
//! of its decompressed stream, as `kansoku ingest` knows its sources.
//!
//! The tail remembers (in `<data>/serve/tail-<source>.json`) the generation it reads and
//! the last ones it finished, with the time it last saved. After a restart or a
//! copytruncate, it looks at the log's siblings (its folder and that folder's immediate
//! subfolders, names starting with the log's name) and finds there, by content, the
//! generation its position names, and the generations written after its last save that it
//! never saw (several rotations while it was down). Generations it finished, or older
//! than its last save, are left alone.

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use kansoku_pipeline::source::{Input, open_bounded};
use serde::{Deserialize, Serialize};

/// Bytes of a generation's decompressed start that identify it.
pub const IDENT: usize = 1024;

/// Finished generations remembered.
const KEEP: usize = 8;

/// What the tail remembers of its generations.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Memory {
    /// When it was last saved, microseconds: a generation unknown here that was last
    /// written after it was made while the tail was not looking.
    pub saved_at: i64,
    /// Finished generations, oldest first, then the one being read (unfinished).
    generations: Vec<Generation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Generation {
    inode: u64,
    /// Hex of its first bytes (up to [`IDENT`]).
    head: String,
    finished: bool,
}

impl Memory {
    /// Reads the memory (empty when absent or unreadable: the tail then finds the
    /// generation its position names by inode alone, as before this memory existed).
    pub fn load(path: &Path) -> Memory {
        fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Saves it (atomically), stamped with the current time.
    pub fn save(&mut self, path: &Path) -> io::Result<()> {
        self.saved_at = super::now_micros();
        let bytes = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        kansoku_lake::write_atomic(path, &bytes).map_err(io::Error::other)
    }

    /// The generation now being read: `inode` and its first bytes (which grow while the
    /// file is shorter than [`IDENT`]).
    pub fn reading(&mut self, inode: u64, head: &[u8]) {
        if self.generations.last().is_some_and(|g| !g.finished) {
            self.generations.pop();
        }
        self.generations.push(Generation {
            inode,
            head: hex(head),
            finished: false,
        });
    }

    /// The generation being read is read to its end.
    pub fn finished(&mut self) {
        if let Some(g) = self.generations.last_mut() {
            g.finished = true;
        }
        let extra = self.generations.len().saturating_sub(KEEP);
        self.generations.drain(..extra);
    }

    /// First bytes of the generation being read, when it has `inode`.
    pub fn head_of(&self, inode: u64) -> Option<Vec<u8>> {
        self.generations
            .last()
            .filter(|g| !g.finished && g.inode == inode)
            .and_then(|g| unhex(&g.head))
    }

    /// Whether a generation starting with `head` is one the tail read.
    pub fn knows(&self, head: &[u8]) -> bool {
        self.generations
            .iter()
            .filter_map(|g| unhex(&g.head))
            .any(|h| same(&h, head))
    }
}

/// Whether two first-byte runs are of the same content: one is the start of the other
/// (a file shorter than [`IDENT`] grows), and neither is empty.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    n > 0 && a[..n] == b[..n]
}

/// A file that may be a generation of the log.
#[derive(Debug, Clone)]
pub struct OnDisk {
    /// Where it is.
    pub path: PathBuf,
    /// Its inode.
    pub inode: u64,
    /// Its first decompressed bytes (up to [`IDENT`]).
    pub head: Vec<u8>,
    /// Last written, microseconds.
    pub modified: i64,
}

/// The files beside `log` (in its folder and the folder's immediate subfolders) whose
/// names start with the log's name, the log itself left out.
pub fn siblings(log: &Path) -> Vec<OnDisk> {
    let (Some(dir), Some(name)) = (log.parent(), log.file_name()) else {
        return Vec::new();
    };
    let name = name.to_string_lossy().into_owned();
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    if let Ok(entries) = fs::read_dir(dir) {
        folders.extend(
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path()),
        );
    }
    for folder in folders {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path == log || !e.file_name().to_string_lossy().starts_with(&name) {
                continue;
            }
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            let Ok(head) = head_of(&path) else {
                continue;
            };
            files.push(OnDisk {
                path,
                inode: meta.ino(),
                head,
                modified: meta.mtime() * 1_000_000 + meta.mtime_nsec() / 1000,
            });
        }
    }
    files
}

/// An open plain file's first bytes (up to [`IDENT`]), read without moving its position.
pub fn first_bytes(file: &fs::File) -> Vec<u8> {
    use std::os::unix::fs::FileExt;
    let mut head = vec![0u8; IDENT];
    let mut n = 0;
    while n < IDENT {
        match file.read_at(&mut head[n..], n as u64) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    head.truncate(n);
    head
}

/// The first decompressed bytes of a file (up to [`IDENT`]).
pub fn head_of(path: &Path) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(IDENT);
    open(path)?.take(IDENT as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Why a generation could not be opened at a position.
#[derive(Debug, thiserror::Error)]
pub enum OpenAt {
    /// Not readable (gone, or a compressed stream still being written).
    #[error(transparent)]
    Io(#[from] io::Error),
    /// It ends before the position.
    #[error("it holds {holds} bytes, fewer than the {from} already read")]
    Shorter {
        /// Its decompressed length.
        holds: u64,
        /// The position.
        from: u64,
    },
}

/// A generation's decompressed bytes from `from` on.
pub fn open_at(path: &Path, from: u64) -> Result<Box<dyn Read + Send>, OpenAt> {
    let mut r = open(path)?;
    let holds = io::copy(&mut (&mut r).take(from), &mut io::sink())?;
    if holds < from {
        return Err(OpenAt::Shorter { holds, from });
    }
    Ok(r)
}

/// The generation starting with `head` among the log's siblings, opened at `from`. A
/// copy logrotate is compressing may vanish or be half written when it is looked at, so
/// this looks again for a few seconds (the plain file first, then a compressed one).
pub fn find_open_at(
    log: &Path,
    head: &[u8],
    from: u64,
) -> Result<(PathBuf, Box<dyn Read + Send>), OpenAt> {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let mut found: Vec<OnDisk> = siblings(log)
            .into_iter()
            .filter(|d| same(&d.head, head))
            .collect();
        found.sort_by_key(|d| d.modified);
        let mut last = OpenAt::Io(io::Error::new(
            io::ErrorKind::NotFound,
            "no file among the log's siblings starts with its first bytes",
        ));
        for d in found {
            match open_at(&d.path, from) {
                Ok(r) => return Ok((d.path, r)),
                Err(e) => last = e,
            }
        }
        if std::time::Instant::now() > until {
            return Err(last);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn open(path: &Path) -> io::Result<Box<dyn Read + Send>> {
    let opened = open_bounded(
        &Input::File(path.to_path_buf()),
        Arc::new(AtomicU64::new(0)),
        kansoku_pipeline::MAX_GZIP_RATIO,
    )?;
    Ok(opened.reader)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn a_generation_is_found_by_content_compressed_or_moved() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("access.log");
        let text = "line one\nline two\n".repeat(100);
        fs::write(&log, "new content\n").expect("log");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).expect("gzip");
        fs::create_dir(dir.path().join("OLD")).expect("olddir");
        fs::write(
            dir.path().join("OLD/access.log-1.gz"),
            gz.finish().expect("gz"),
        )
        .expect("w");
        fs::write(dir.path().join("other.log"), &text).expect("not a sibling by name");
        let found = siblings(&log);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(same(&found[0].head, text.as_bytes()));
        let mut rest = String::new();
        open_at(&found[0].path, 9)
            .expect("open")
            .read_to_string(&mut rest)
            .expect("read");
        assert_eq!(rest, text[9..]);
        assert!(matches!(
            open_at(&found[0].path, text.len() as u64 + 1),
            Err(OpenAt::Shorter { .. })
        ));
        let (path, _) = find_open_at(&log, &text.as_bytes()[..40], 5).expect("found by content");
        assert_eq!(path, found[0].path);
    }

    #[test]
    fn the_memory_knows_what_was_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tail.json");
        let mut m = Memory::default();
        m.reading(7, b"first");
        m.reading(7, b"first line\n");
        m.finished();
        m.reading(8, b"second");
        m.save(&path).expect("save");
        let m = Memory::load(&path);
        assert!(m.saved_at > 0);
        assert_eq!(m.head_of(8), Some(b"second".to_vec()));
        assert_eq!(m.head_of(7), None, "finished");
        assert!(m.knows(b"first line\nand more"));
        assert!(!m.knows(b"third"));
        assert!(!same(b"", b"x"));
    }
}
