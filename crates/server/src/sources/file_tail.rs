//! Following a file as it grows, across rotation, resuming after a restart.
//!
//! The file is polled every `poll_ms`. Each complete line goes to the spool together with
//! the file's inode and the offset just past the line, so the position is durable exactly
//! when the line is: after a crash, tailing resumes after the last line the spool (or, once
//! flushed, the lake's commit) holds, and no line is read twice or skipped.
//!
//! Rotation: when the path names another inode (renamed away, new file created), the old
//! file is still read until it has been quiet for `rotate_wait_ms` (the web server keeps
//! writing there until it reopens its log), then the new one from its start. When the
//! file shrinks below the position (copytruncate), reading starts again at 0. A final line
//! without a newline is taken only once the file has been rotated away and gone quiet.
//!
//! After a restart, the position names an inode. When the path holds another file, the
//! old one is looked for among the path's siblings (`access.log.1`, or any name in the
//! same folder): a rotation while kansoku was down leaves its unread tail there, which is
//! read before the new file. A generation compressed in the meantime has a new inode and
//! is not found (its unread lines are lost; `kansoku ingest` reads it by content).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{SourceEnv, now_micros};
use crate::ServeError;
use crate::config::SourceConfig;
use crate::spool::record;

/// A file source.
pub struct FileTail {
    path: PathBuf,
    poll: Duration,
    /// How long a renamed file must be quiet before it is given up.
    rotate_wait: Duration,
    /// (inode, offset, line) to resume from.
    resume: Option<(u64, u64, u64)>,
}

struct Open {
    file: File,
    inode: u64,
    pos: u64,
    line: u64,
    partial: Vec<u8>,
    /// The file's first bytes as read; a copytruncate that refilled the file past the
    /// position between two polls shows as different first bytes.
    head: Vec<u8>,
}

/// Bytes of the file's start compared to detect a rewrite.
const HEAD: usize = 256;

/// Bytes read per step at most.
const READ: usize = 1 << 20;

impl FileTail {
    /// A tail of `cfg.path`, resuming at `resume` when the file there is still the same.
    pub fn bind(
        cfg: &SourceConfig,
        resume: Option<(u64, u64, u64)>,
    ) -> Result<FileTail, ServeError> {
        let path = cfg
            .path
            .clone()
            .ok_or_else(|| ServeError::Config(format!("source {:?}: needs a path", cfg.name)))?;
        Ok(FileTail {
            path,
            poll: Duration::from_millis(cfg.poll_ms.max(10)),
            rotate_wait: Duration::from_millis(cfg.rotate_wait_ms),
            resume,
        })
    }

    /// Follows the file until shutdown (on a thread of its own: file reads block).
    pub fn run(mut self, env: SourceEnv) {
        let mut open: Option<Open> = None;
        // When the path was first seen naming another file than the one being read.
        let mut renamed_since: Option<std::time::Instant> = None;
        while !env.stopping() {
            if open.is_none() {
                open = self.open();
                renamed_since = None;
            }
            let Some(o) = open.as_mut() else {
                std::thread::sleep(self.poll);
                continue;
            };
            match self.step(o, &env) {
                Ok(true) => {
                    // Lines still come to the renamed file: it is not done yet.
                    if renamed_since.is_some() {
                        renamed_since = Some(std::time::Instant::now());
                    }
                    continue;
                }
                Ok(false) => {}
                Err(e) => {
                    eprintln!("kansoku serve: {}: {}: {e}", env.name, self.path.display());
                    open = None;
                    std::thread::sleep(self.poll);
                    continue;
                }
            }
            // At the end of the file: rotated or truncated?
            match std::fs::metadata(&self.path) {
                Ok(m) if m.ino() != o.inode => {
                    // Renamed away: read on until the writer has been quiet for a while.
                    let since = *renamed_since.get_or_insert_with(std::time::Instant::now);
                    if since.elapsed() < self.rotate_wait {
                        std::thread::sleep(self.poll);
                        continue;
                    }
                    // The old file is complete; take a last unterminated line.
                    if !o.partial.is_empty() {
                        let last = std::mem::take(&mut o.partial);
                        let end = o.pos;
                        let _ = self.send(o, &env, &[(last, end)]);
                    }
                    open = None;
                    continue;
                }
                Ok(m) if m.len() < o.pos || rewritten(&self.path, &o.head) => {
                    o.pos = 0;
                    o.line = 0;
                    o.partial.clear();
                    o.head.clear();
                    if o.file.seek(SeekFrom::Start(0)).is_err() {
                        open = None;
                    }
                    continue;
                }
                _ => {}
            }
            std::thread::sleep(self.poll);
        }
    }

    fn open(&mut self) -> Option<Open> {
        if let Some(old) = self
            .resume
            .and_then(|(ino, off, _)| self.old_generation(ino, off))
        {
            // Rotated while kansoku was down: finish the old file first.
            let (ino, off, line) = self.resume.take()?;
            let mut file = File::open(&old).ok()?;
            file.seek(SeekFrom::Start(off)).ok()?;
            return Some(Open {
                file,
                inode: ino,
                pos: off,
                line,
                partial: Vec::new(),
                head: Vec::new(),
            });
        }
        let mut file = File::open(&self.path).ok()?;
        let meta = file.metadata().ok()?;
        let inode = meta.ino();
        let (pos, line) = match self.resume.take() {
            Some((ino, off, line)) if ino == inode && off <= meta.len() => (off, line),
            _ => (0, 0),
        };
        file.seek(SeekFrom::Start(pos)).ok()?;
        Some(Open {
            file,
            inode,
            pos,
            line,
            partial: Vec::new(),
            head: Vec::new(),
        })
    }

    /// The file beside the path with inode `ino` and unread bytes past `off`, when the path
    /// itself now names another file.
    fn old_generation(&self, ino: u64, off: u64) -> Option<PathBuf> {
        let here = std::fs::metadata(&self.path).ok();
        if here.is_some_and(|m| m.ino() == ino) {
            return None;
        }
        let dir = self.path.parent()?;
        std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .find(|e| {
                e.metadata()
                    .is_ok_and(|m| m.is_file() && m.ino() == ino && m.len() > off)
            })
            .map(|e| e.path())
    }

    /// Reads what is there; `Ok(true)` when it read something (read again at once).
    fn step(&self, o: &mut Open, env: &SourceEnv) -> std::io::Result<bool> {
        if env.spool.is_full() {
            std::thread::sleep(self.poll);
            return Ok(true);
        }
        let mut buf = vec![0u8; READ];
        let n = o.file.read(&mut buf)?;
        if n == 0 {
            return Ok(false);
        }
        buf.truncate(n);
        let read_at = o.pos + o.partial.len() as u64;
        if read_at == o.head.len() as u64 && o.head.len() < HEAD {
            o.head.extend_from_slice(&buf[..n.min(HEAD - o.head.len())]);
        }
        let mut lines = Vec::new();
        let mut start = 0;
        let mut offset = o.pos + o.partial.len() as u64;
        let base = offset;
        for (i, &b) in buf.iter().enumerate() {
            if b == b'\n' {
                let mut line = std::mem::take(&mut o.partial);
                line.extend_from_slice(&buf[start..i]);
                offset = base + i as u64 + 1;
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                lines.push((line, offset));
                start = i + 1;
            }
        }
        o.partial.extend_from_slice(&buf[start..]);
        if o.partial.len() > env.max_message {
            // An endless line: give it up rather than hold it all.
            let c = env.counters();
            c.received.fetch_add(1, Ordering::Relaxed);
            c.rejected.fetch_add(1, Ordering::Relaxed);
            lines.push((Vec::new(), base + n as u64));
            o.partial.clear();
        }
        self.send(o, env, &lines).map_err(std::io::Error::other)?;
        Ok(true)
    }

    /// Spools lines with their end offsets and advances the position.
    fn send(&self, o: &mut Open, env: &SourceEnv, lines: &[(Vec<u8>, u64)]) -> Result<(), String> {
        if lines.is_empty() {
            return Ok(());
        }
        let now = now_micros();
        let c = env.counters();
        let mut out = Vec::new();
        let mut taken = 0;
        let mut line = o.line;
        for (text, end) in lines {
            line += 1;
            if text.is_empty() {
                // Keeps the position moving past a rejected line.
                record::encode(&mut out, &env.name, now, (o.inode, *end, line), b"");
                continue;
            }
            c.received.fetch_add(1, Ordering::Relaxed);
            if text.len() > env.max_message {
                c.rejected.fetch_add(1, Ordering::Relaxed);
                record::encode(&mut out, &env.name, now, (o.inode, *end, line), b"");
                continue;
            }
            record::encode(&mut out, &env.name, now, (o.inode, *end, line), text);
            taken += 1;
        }
        env.spool.append_blocking(out)?;
        c.accepted.fetch_add(taken, Ordering::Relaxed);
        o.line = line;
        if let Some((_, end)) = lines.last() {
            o.pos = *end;
        }
        Ok(())
    }
}

/// Whether the file no longer starts with `head` (rewritten in place).
fn rewritten(path: &std::path::Path, head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    let mut now = vec![0u8; head.len()];
    match File::open(path).and_then(|mut f| f.read_exact(&mut now)) {
        Ok(()) => now != head,
        Err(_) => false,
    }
}
