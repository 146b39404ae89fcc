//! Inputs: files (plain or gzip), folders (recursively) and stdin, read as a byte stream
//! whose raw bytes are counted for progress.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

impl Input {
    /// How the source is named in the lake's `source` column and in messages.
    pub fn name(&self) -> String {
        match self {
            Input::File(p) => p.to_string_lossy().into_owned(),
            Input::Stdin => "-".into(),
        }
    }
}

/// Expands paths: `-` is stdin, a folder is every regular file below it (sorted, hidden
/// files skipped), anything else is a file. Anything inside `exclude` (the data folder) is
/// left out, so a lake is never read as logs. Missing paths are reported, not fatal.
pub fn expand(paths: &[PathBuf], exclude: &Path) -> (Vec<Input>, Vec<(PathBuf, io::Error)>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    let exclude = std::fs::canonicalize(exclude).ok();
    let excluded = |p: &Path| {
        exclude
            .as_ref()
            .is_some_and(|root| std::fs::canonicalize(p).is_ok_and(|p| p.starts_with(root)))
    };
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if excluded(path) {
            continue;
        } else if path.is_dir() {
            walk(path, &excluded, &mut inputs, &mut errors);
        } else {
            match std::fs::metadata(path) {
                Ok(_) => inputs.push(Input::File(path.clone())),
                Err(e) => errors.push((path.clone(), e)),
            }
        }
    }
    (inputs, errors)
}

fn walk(
    dir: &Path,
    excluded: &dyn Fn(&Path) -> bool,
    inputs: &mut Vec<Input>,
    errors: &mut Vec<(PathBuf, io::Error)>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return errors.push((dir.to_path_buf(), e)),
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        // symlink_metadata: never follow links out of the tree (or into loops).
        match std::fs::symlink_metadata(&path) {
            // The data folder is pruned as a whole, not file by file.
            Ok(m) if m.is_dir() && !excluded(&path) => walk(&path, excluded, inputs, errors),
            Ok(m) if m.is_file() => inputs.push(Input::File(path)),
            Ok(_) => {}
            Err(e) => errors.push((path, e)),
        }
    }
}

/// Counts bytes read from the underlying (possibly compressed) stream.
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An opened input: its decompressed stream and facts about it.
pub struct Opened {
    /// The (decompressed) bytes.
    pub reader: Box<dyn Read + Send>,
    /// Whether the input is gzip-compressed.
    pub gzip: bool,
    /// Size on disk, when known.
    pub size: Option<u64>,
}

/// Gzip bombs: stop after this many decompressed bytes per compressed byte, so a hostile
/// archive cannot fill the disk with rows. Real access logs compress 10–30×.
pub const MAX_GZIP_RATIO: u64 = 1000;

/// Opens an input; gzip is recognised by its magic bytes, not its name.
pub fn open(input: &Input, raw_bytes: Arc<AtomicU64>) -> io::Result<Opened> {
    let (raw, size): (Box<dyn Read + Send>, Option<u64>) = match input {
        Input::File(p) => {
            let f = File::open(p)?;
            let size = f.metadata().ok().map(|m| m.len());
            (Box::new(f), size)
        }
        Input::Stdin => (Box::new(io::stdin()), None),
    };
    let mut buffered = BufReader::with_capacity(
        1 << 20,
        Counting {
            inner: raw,
            count: raw_bytes,
        },
    );
    let head = io::BufRead::fill_buf(&mut buffered)?;
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read + Send> = if gzip {
        let limit = size.map_or(u64::MAX, |s| s.saturating_mul(MAX_GZIP_RATIO).max(1 << 30));
        Box::new(Limited {
            inner: MultiGzDecoder::new(buffered),
            left: limit,
        })
    } else {
        Box::new(buffered)
    };
    Ok(Opened { reader, gzip, size })
}

/// Fails with a clear error once more than the limit has been read.
struct Limited<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("gzip stream expands more than {MAX_GZIP_RATIO}× its size (a decompression bomb?); stopped"),
            )
        })?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_is_recognised_by_content() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log-without-extension");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"hello\nworld\n").expect("write");
        std::fs::write(&path, gz.finish().expect("finish")).expect("write");
        let mut opened = open(&Input::File(path), Arc::default()).expect("open");
        assert!(opened.gzip);
        let mut text = String::new();
        opened.reader.read_to_string(&mut text).expect("read");
        assert_eq!(text, "hello\nworld\n");
    }

    #[test]
    fn folders_expand_recursively_skipping_hidden() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
        std::fs::write(dir.path().join("a/b/x.log"), "x").expect("write");
        std::fs::write(dir.path().join("a/y.log"), "y").expect("write");
        std::fs::write(dir.path().join("a/.hidden"), "h").expect("write");
        let (inputs, errors) = expand(
            &[dir.path().join("a"), dir.path().join("missing")],
            &dir.path().join("data"),
        );
        assert_eq!(inputs.len(), 2);
        assert_eq!(errors.len(), 1);
    }
}
