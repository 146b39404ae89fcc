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
//! file shrinks below the position or is rewritten (copytruncate), the rest of what was
//! being read is taken from logrotate's copy, found by content ([`generations`]),
//! compressed or not; then the file is read from 0. A final line without a newline is
//! taken only from a generation that is closed (rotated away and quiet, or a copy).
//!
//! After a restart, the position names a generation. When the path no longer holds it,
//! it is found among the path's siblings by content (moved, compressed, copied), and
//! finished; then every generation written while kansoku was down, oldest first; then the
//! path from its start.

pub mod generations;
mod lines;

use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{SourceEnv, now_micros};
use crate::ServeError;
use crate::config::SourceConfig;
use crate::spool::record;
use generations::{Memory, OpenAt, same};
use lines::split;

/// A file source.
pub struct FileTail {
    path: PathBuf,
    poll: Duration,
    /// How long a renamed file must be quiet before it is given up.
    rotate_wait: Duration,
    /// (inode, offset, line) to resume from.
    resume: Option<(u64, u64, u64)>,
    /// What the tail remembers of the generations it read.
    memory: Memory,
    /// Where that is saved.
    memory_path: PathBuf,
}

/// Where reading stands in a generation: the inode that names it in the spool's
/// positions, the offset just past the last line sent, and that line's number.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    inode: u64,
    pos: u64,
    line: u64,
}

/// The live file.
struct Open {
    file: File,
    at: Cursor,
    /// Bytes read after the last newline.
    partial: Vec<u8>,
    /// The file's first bytes (up to [`generations::IDENT`]): its identity, and a copytruncate that
    /// refilled the file past the position between two polls shows as other first bytes.
    head: Vec<u8>,
}

impl Open {
    /// Whether the file, now starting with `head`, no longer starts as it did: truncated
    /// and written anew in place (copytruncate).
    fn rewritten(&self, head: &[u8]) -> bool {
        !self.head.is_empty() && !same(head, &self.head)
    }
}

/// A closed generation (rotated away, compressed, or logrotate's copy) to read to its
/// end before the live file.
struct Closed {
    at: Cursor,
    head: Vec<u8>,
}

/// What one read of the live file found.
enum Step {
    /// Lines (or part of one): read again at once.
    Read,
    /// The end of the file.
    End,
    /// The file was truncated and written anew: finish the old content from its copy.
    Rewritten,
}

/// Bytes read per step at most.
const READ: usize = 1 << 20;

impl FileTail {
    /// A tail of `cfg.path`, resuming at `resume`; what it remembers of the log's
    /// generations is kept in `memory_path`.
    pub fn bind(
        cfg: &SourceConfig,
        resume: Option<(u64, u64, u64)>,
        memory_path: PathBuf,
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
            memory: Memory::load(&memory_path),
            memory_path,
        })
    }

    /// Follows the file until shutdown (on a thread of its own: file reads block).
    pub fn run(mut self, env: SourceEnv) {
        let mut closed = self.after_restart(&env);
        let mut open: Option<Open> = None;
        // When the path was first seen naming another file than the one being read.
        let mut renamed_since: Option<Instant> = None;
        while !env.stopping() {
            if let Some(c) = closed.pop_front() {
                if let Err(e) = self.finish(c, &env) {
                    eprintln!("kansoku serve: {}: {e}", env.name);
                }
                continue;
            }
            if open.is_none() {
                open = self.open(&env);
                renamed_since = None;
            }
            let Some(o) = open.as_mut() else {
                std::thread::sleep(self.poll);
                continue;
            };
            match self.step(o, &env) {
                Ok(Step::Read) => {
                    // Lines still come to the renamed file: it is not done yet.
                    if renamed_since.is_some() {
                        renamed_since = Some(Instant::now());
                    }
                    continue;
                }
                Ok(Step::Rewritten) => {
                    closed.push_back(Closed {
                        at: o.at,
                        head: std::mem::take(&mut o.head),
                    });
                    open = None;
                    continue;
                }
                Ok(Step::End) => {}
                Err(e) => {
                    eprintln!("kansoku serve: {}: {}: {e}", env.name, self.path.display());
                    open = None;
                    std::thread::sleep(self.poll);
                    continue;
                }
            }
            // At the end of the file: rotated or truncated?
            match std::fs::metadata(&self.path) {
                Ok(m) if m.ino() != o.at.inode => {
                    // Renamed away: read on until the writer has been quiet for a while.
                    let since = *renamed_since.get_or_insert_with(Instant::now);
                    if since.elapsed() < self.rotate_wait {
                        std::thread::sleep(self.poll);
                        continue;
                    }
                    // The old file is complete; take a last unterminated line.
                    if !o.partial.is_empty() {
                        let last = std::mem::take(&mut o.partial);
                        let end = o.at.pos + last.len() as u64;
                        let _ = self.send(&mut o.at, &env, &[(last, end)]);
                    }
                    self.memory.finished();
                    self.remember(&env);
                    open = None;
                    continue;
                }
                Ok(m) if m.len() < o.at.pos || o.rewritten(&generations::first_bytes(&o.file)) => {
                    // Copied and truncated in place: the rest of what was being read is
                    // in logrotate's copy, found by its first bytes.
                    closed.push_back(Closed {
                        at: o.at,
                        head: std::mem::take(&mut o.head),
                    });
                    open = None;
                    continue;
                }
                _ => {}
            }
            std::thread::sleep(self.poll);
        }
    }

    /// After a restart: when the path no longer holds the generation the position names,
    /// that generation (found by content among the siblings) and those written since the
    /// last save, in the order to read them; the path is then read from its start.
    fn after_restart(&mut self, env: &SourceEnv) -> VecDeque<Closed> {
        let mut out = VecDeque::new();
        let Some((ino, off, line)) = self.resume else {
            return out;
        };
        let known = self.memory.head_of(ino);
        let here = File::open(&self.path)
            .ok()
            .and_then(|f| Some((f.metadata().ok()?.ino(), generations::first_bytes(&f))));
        let in_place = match (&here, &known) {
            (Some((i, h)), Some(k)) => *i == ino && same(h, k),
            (Some((i, _)), None) => *i == ino,
            (None, _) => false,
        };
        if in_place {
            return out;
        }
        self.resume = None;
        let disk = generations::siblings(&self.path);
        let resumed = match &known {
            Some(k) => disk.iter().find(|d| same(&d.head, k)),
            // Saved before generations were remembered: by inode, as then.
            None => disk.iter().find(|d| d.inode == ino),
        };
        match resumed {
            Some(d) => out.push_back(Closed {
                at: Cursor {
                    inode: ino,
                    pos: off,
                    line,
                },
                head: d.head.clone(),
            }),
            None => eprintln!(
                "kansoku serve: {}: the file being read when kansoku stopped ({}, at byte {off}) is neither there nor among its siblings: its unread lines are lost",
                env.name,
                self.path.display()
            ),
        }
        let mut new: Vec<_> = disk
            .iter()
            .filter(|d| d.modified > self.memory.saved_at && !self.memory.knows(&d.head))
            .filter(|d| resumed.is_none_or(|r| r.path != d.path))
            .collect();
        new.sort_by_key(|d| d.modified);
        for d in new {
            eprintln!(
                "kansoku serve: {}: {} was written while kansoku was down; reading it",
                env.name,
                d.path.display()
            );
            out.push_back(Closed {
                at: Cursor {
                    inode: d.inode,
                    pos: 0,
                    line: 0,
                },
                head: d.head.clone(),
            });
        }
        out
    }

    /// Reads a closed generation (found again by content: logrotate may have moved or
    /// compressed it since it was seen) from its cursor to its end, a last unterminated
    /// line included.
    fn finish(&mut self, c: Closed, env: &SourceEnv) -> std::io::Result<()> {
        self.memory.reading(c.at.inode, &c.head);
        self.remember(env);
        let (_, mut reader) = match generations::find_open_at(&self.path, &c.head, c.at.pos) {
            Ok(found) => found,
            Err(e) => {
                self.memory.finished();
                self.remember(env);
                return Err(std::io::Error::other(match e {
                    // A copy shorter than what was read: logrotate's copytruncate missed
                    // lines written between its copy and its truncate (kansoku has them).
                    OpenAt::Shorter { .. } => format!(
                        "{}'s rotated copy: {e}: the lines past its end were written between logrotate's copy and its truncate; kansoku stored them, the copy lacks them",
                        self.path.display()
                    ),
                    OpenAt::Io(e) => format!(
                        "{}'s rotated generation (read up to byte {}): {e}: lines written after that byte and before the rotation, if any, are lost",
                        self.path.display(),
                        c.at.pos
                    ),
                }));
            }
        };
        let mut at = c.at;
        let mut partial = Vec::new();
        let mut buf = vec![0u8; READ];
        loop {
            if env.stopping() {
                // The position is in the spool; the memory still names this generation.
                return Ok(());
            }
            if env.spool_full() {
                std::thread::sleep(self.poll);
                continue;
            }
            let n = reader.read(&mut buf)?;
            if n == 0 {
                break;
            }
            let lines = split(&mut partial, &buf[..n], at.pos, env);
            self.send(&mut at, env, &lines)
                .map_err(std::io::Error::other)?;
        }
        if !partial.is_empty() {
            let end = at.pos + partial.len() as u64;
            self.send(&mut at, env, &[(partial, end)])
                .map_err(std::io::Error::other)?;
        }
        self.memory.finished();
        self.remember(env);
        Ok(())
    }

    fn open(&mut self, env: &SourceEnv) -> Option<Open> {
        let mut file = File::open(&self.path).ok()?;
        let meta = file.metadata().ok()?;
        let inode = meta.ino();
        let (pos, line) = match self.resume.take() {
            Some((ino, off, line)) if ino == inode && off <= meta.len() => (off, line),
            _ => (0, 0),
        };
        file.seek(SeekFrom::Start(pos)).ok()?;
        let head = generations::first_bytes(&file);
        self.memory.reading(inode, &head);
        self.remember(env);
        Some(Open {
            file,
            at: Cursor { inode, pos, line },
            partial: Vec::new(),
            head,
        })
    }

    /// Saves the memory; a failure is reported (the position itself is in the spool).
    fn remember(&mut self, env: &SourceEnv) {
        if let Err(e) = self.memory.save(&self.memory_path) {
            eprintln!(
                "kansoku serve: {}: saving {}: {e}",
                env.name,
                self.memory_path.display()
            );
        }
    }

    /// Reads what is there; `Ok(true)` when it read something (read again at once).
    fn step(&mut self, o: &mut Open, env: &SourceEnv) -> std::io::Result<Step> {
        if env.spool_full() {
            std::thread::sleep(self.poll);
            return Ok(Step::Read);
        }
        let mut buf = vec![0u8; READ];
        let n = o.file.read(&mut buf)?;
        if n == 0 {
            return Ok(Step::End);
        }
        buf.truncate(n);
        // Checked after the read: a file truncated and written anew (copytruncate)
        // before or during it gave bytes of the new content at the old offset. They are
        // dropped; the copy and the new content's start have them.
        let head = generations::first_bytes(&o.file);
        if o.rewritten(&head) {
            return Ok(Step::Rewritten);
        }
        if head.len() > o.head.len() {
            // A short file grows: its identity grows with it.
            o.head = head;
            self.memory.reading(o.at.inode, &o.head);
            self.remember(env);
        }
        let base = o.at.pos + o.partial.len() as u64;
        let lines = split(&mut o.partial, &buf, base, env);
        self.send(&mut o.at, env, &lines)
            .map_err(std::io::Error::other)?;
        Ok(Step::Read)
    }

    /// Spools lines with their end offsets and advances the cursor.
    fn send(
        &self,
        at: &mut Cursor,
        env: &SourceEnv,
        lines: &[(Vec<u8>, u64)],
    ) -> Result<(), crate::spool::SpoolError> {
        if lines.is_empty() {
            return Ok(());
        }
        let now = now_micros();
        let c = env.counters();
        let mut out = Vec::new();
        let mut taken = 0;
        let mut line = at.line;
        for (text, end) in lines {
            line += 1;
            if text.is_empty() {
                // Keeps the position moving past a rejected line.
                record::encode(&mut out, &env.name, now, (at.inode, *end, line), b"");
                continue;
            }
            c.received.fetch_add(1, Ordering::Relaxed);
            if text.len() > env.max_message {
                c.rejected.fetch_add(1, Ordering::Relaxed);
                record::encode(&mut out, &env.name, now, (at.inode, *end, line), b"");
                continue;
            }
            record::encode(&mut out, &env.name, now, (at.inode, *end, line), text);
            taken += 1;
        }
        env.append_blocking(out)?;
        c.accepted.fetch_add(taken, Ordering::Relaxed);
        at.line = line;
        if let Some((_, end)) = lines.last() {
            at.pos = *end;
        }
        Ok(())
    }
}
