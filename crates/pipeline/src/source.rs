//! Inputs: files (plain or compressed with gzip, bzip2, xz or zstd, told apart by their
//! first bytes), folders (recursively) and stdin, read as a byte stream whose raw bytes
//! are counted for progress.

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

/// How an input is compressed, told by its first bytes (logrotate's `compresscmd` may be
/// any of these, and a rotated file's name need not say which).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (`1f 8b`), several members read as one stream.
    Gzip,
    /// bzip2 (`BZh`), several streams read as one.
    Bzip2,
    /// xz (`fd 37 7a 58 5a 00`).
    Xz,
    /// zstd (`28 b5 2f fd`), several frames read as one stream.
    Zstd,
}

impl Compression {
    /// The compression whose magic bytes `head` starts with.
    pub fn of(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(b"BZh") && head.get(3).is_some_and(|b| (b'1'..=b'9').contains(b))
        {
            Compression::Bzip2
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Compression::Xz
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// Whether the stream is compressed (a compressed file is a closed generation: no
    /// writer appends to it).
    pub fn is_compressed(self) -> bool {
        self != Compression::None
    }
}

/// An opened input: its decompressed stream and facts about it.
pub struct Opened {
    /// The (decompressed) bytes.
    pub reader: Box<dyn Read + Send>,
    /// How the input is compressed.
    pub compression: Compression,
    /// Size on disk, when known.
    pub size: Option<u64>,
}

/// Decompression bombs: by default a stream may expand to this many bytes per compressed
/// byte read so far (real access logs compress 10–30×, repetitive ones rarely past 100×;
/// xz and zstd reach a few hundred on the same). `kansoku ingest --max-gzip-ratio` (named
/// when gzip was the only format) changes it for every format; 0 turns the check off.
pub const MAX_GZIP_RATIO: u64 = 200;

/// Below this many decompressed bytes the ratio is not checked: a small file of one line
/// repeated may well compress a thousandfold and is no bomb.
pub const GZIP_RATIO_FREE_BYTES: u64 = 16 << 20;

/// Memory an xz stream may ask for (`xz -9` needs 65 MiB); a damaged or hostile header
/// asking for more is refused instead of reserving it.
const XZ_MEM_LIMIT_KIB: u32 = 256 * 1024;

/// Opens an input; its compression is recognised by its magic bytes, not its name. A
/// compressed stream that expands more than `max_ratio` times the compressed bytes read
/// so far (after the first [`GZIP_RATIO_FREE_BYTES`]) fails with an error naming the
/// limit; memory stays bounded either way, since the stream is read in chunks. Works for
/// stdin too.
pub fn open_bounded(
    input: &Input,
    raw_bytes: Arc<AtomicU64>,
    max_ratio: u64,
) -> io::Result<Opened> {
    let (raw, size): (Box<dyn Read + Send>, Option<u64>) = match input {
        Input::File(p) => {
            let f = File::open(p)?;
            let size = f.metadata().ok().map(|m| m.len());
            (Box::new(f), size)
        }
        Input::Stdin => (Box::new(io::stdin()), None),
    };
    let compressed = Arc::new(AtomicU64::new(0));
    let mut buffered = BufReader::with_capacity(
        1 << 20,
        Counting {
            inner: Counting {
                inner: raw,
                count: raw_bytes,
            },
            count: Arc::clone(&compressed),
        },
    );
    let compression = Compression::of(io::BufRead::fill_buf(&mut buffered)?);
    let decoded: Box<dyn Read + Send> = match compression {
        Compression::None => {
            return Ok(Opened {
                reader: Box::new(buffered),
                compression,
                size,
            });
        }
        Compression::Gzip => Box::new(MultiGzDecoder::new(buffered)),
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(buffered)),
        Compression::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(
            buffered,
            true,
            XZ_MEM_LIMIT_KIB,
        )),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?),
    };
    let reader: Box<dyn Read + Send> = if max_ratio > 0 {
        Box::new(Bounded {
            inner: decoded,
            compressed,
            expanded: 0,
            max_ratio,
        })
    } else {
        decoded
    };
    Ok(Opened {
        reader,
        compression,
        size,
    })
}

/// A decompressed stream that fails with a clear error once it outgrows its ratio.
struct Bounded<R> {
    inner: R,
    /// Compressed bytes read from the source so far (read ahead by the buffer, so the
    /// ratio errs on the generous side).
    compressed: Arc<AtomicU64>,
    expanded: u64,
    max_ratio: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.expanded += n as u64;
        let allowed = self
            .compressed
            .load(Ordering::Relaxed)
            .saturating_mul(self.max_ratio)
            .max(GZIP_RATIO_FREE_BYTES);
        if self.expanded > allowed {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "compressed stream expands more than {}× its compressed size (a decompression bomb?); stopped after {} MB; if the file is genuine, raise --max-gzip-ratio (0 = no limit)",
                    self.max_ratio,
                    self.expanded >> 20
                ),
            ));
        }
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
        let mut opened =
            open_bounded(&Input::File(path), Arc::default(), MAX_GZIP_RATIO).expect("open");
        assert_eq!(opened.compression, Compression::Gzip);
        let mut text = String::new();
        opened.reader.read_to_string(&mut text).expect("read");
        assert_eq!(text, "hello\nworld\n");
    }

    /// The bytes of `text` compressed as logrotate's compresscmd would, each format.
    fn compressed(text: &[u8]) -> Vec<(Compression, Vec<u8>)> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text).expect("gzip");
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        bz.write_all(text).expect("bzip2");
        let mut xz = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1))
            .expect("xz");
        xz.write_all(text).expect("xz");
        vec![
            (Compression::Gzip, gz.finish().expect("gzip")),
            (Compression::Bzip2, bz.finish().expect("bzip2")),
            (Compression::Xz, xz.finish().expect("xz")),
            (
                Compression::Zstd,
                zstd::stream::encode_all(text, 3).expect("zstd"),
            ),
        ]
    }

    /// A rotated generation compressed by gzip, bzip2, xz or zstd reads as the plain
    /// file did, whatever it is named.
    #[test]
    fn every_compression_is_recognised_by_content() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = b"first line\nsecond line\n".repeat(500);
        for (kind, bytes) in compressed(&text) {
            let path = dir.path().join("access.log.2");
            std::fs::write(&path, bytes).expect("write");
            let mut opened =
                open_bounded(&Input::File(path), Arc::default(), MAX_GZIP_RATIO).expect("open");
            assert_eq!(opened.compression, kind);
            let mut back = Vec::new();
            opened.reader.read_to_end(&mut back).expect("read");
            assert_eq!(back, text, "{kind:?}");
        }
    }

    /// A gzip bomb stops with an error naming the limit, after a bounded number
    /// of bytes; with the check off the same stream reads to its end.
    #[test]
    fn gzip_bomb_stops_at_the_ratio() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bomb.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            gz.write_all(&zeros).expect("write");
        }
        std::fs::write(&path, gz.finish().expect("finish")).expect("write");
        let input = Input::File(path);
        let mut opened = open_bounded(&input, Arc::default(), 10).expect("open");
        let mut sink = Vec::new();
        let err = opened.reader.read_to_end(&mut sink).expect_err("a bomb");
        assert!(err.to_string().contains("--max-gzip-ratio"), "{err}");
        assert!(sink.len() as u64 <= GZIP_RATIO_FREE_BYTES + (1 << 20));
        let mut opened = open_bounded(&input, Arc::default(), 0).expect("open");
        assert_eq!(
            io::copy(&mut opened.reader, &mut io::sink()).expect("unbounded"),
            64 << 20
        );
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
