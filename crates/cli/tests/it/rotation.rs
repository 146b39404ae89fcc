//! Real rotation by the real `logrotate` (Debian's package; `.ci/run` installs it): a
//! writer appends lines, some in two writes (half a line, then the rest), `kansoku ingest
//! DIR` runs between rotations (once killed at a crash point and run again), and the
//! host is "down" for two rotations before the last run. One scenario per logrotate mode;
//! the lake must hold every written line exactly once. The same modes against `kansoku
//! serve`'s file tail: rotations while it runs, then a SIGKILL, two rotations while it is
//! down, and a restart.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// The directives of one mode (`LOGS` and `OLD` are replaced by the folders).
const MODES: &[(&str, &str)] = &[
    (
        "create, compress, delaycompress (nginx's policy)",
        "rotate 30\ncreate 0644\ncompress\ndelaycompress\n",
    ),
    (
        "copytruncate, compress",
        "rotate 30\ncopytruncate\ncompress\n",
    ),
    (
        "dateext into an olddir, compressed with xz",
        "rotate 30\ncreate 0644\ndateext\ndateformat -%s\nolddir OLD\ncompress\ncompresscmd /usr/bin/xz\nuncompresscmd /usr/bin/unxz\ncompressext .xz\n",
    ),
];

struct Writer {
    log: PathBuf,
    next: usize,
    /// The second half of a line written in two writes, still to write.
    rest: Option<String>,
}

impl Writer {
    fn line(i: usize) -> String {
        format!(
            "10.1.{}.{} - - [16/Sep/2026:10:00:00 +0900] \"GET /line/{i} HTTP/1.1\" 200 12 \"-\" \"curl/8\"\n",
            (i >> 8) & 255,
            i & 255
        )
    }

    fn write(&self, text: &str) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("open the log");
        f.write_all(text.as_bytes()).expect("append");
    }

    fn append(&mut self, n: usize) {
        self.finish_line();
        let text: String = (self.next..self.next + n).map(Writer::line).collect();
        self.next += n;
        self.write(&text);
    }

    /// Writes the first half of the next line: a line being written during a run.
    fn half(&mut self) {
        let line = Writer::line(self.next);
        self.next += 1;
        let (a, b) = line.split_at(line.len() / 2);
        self.write(a);
        self.rest = Some(b.to_string());
    }

    fn finish_line(&mut self) {
        if let Some(rest) = self.rest.take() {
            self.write(&rest);
        }
    }
}

/// One logrotate configuration over `logs/access.log` (generations may go to `logs/old`),
/// with its state file and the lake's folder, in a temporary folder.
struct Rotation {
    _dir: tempfile::TempDir,
    logs: PathBuf,
    old: PathBuf,
    data: PathBuf,
    conf: PathBuf,
    state: PathBuf,
    dateext: bool,
    rotated_at: u64,
}

impl Rotation {
    /// The directives of one of [`MODES`].
    fn new(directives: &str) -> Rotation {
        let dir = tempfile::tempdir().expect("tempdir");
        let logs = dir.path().join("logs");
        let old = logs.join("old");
        std::fs::create_dir_all(&old).expect("mkdir");
        let conf = write(
            dir.path(),
            "logrotate.conf",
            &format!(
                "{} {{\n{}}}\n",
                logs.join("access.log").display(),
                directives.replace("OLD", &old.display().to_string())
            ),
        );
        Rotation {
            data: dir.path().join("data"),
            state: dir.path().join("logrotate.state"),
            _dir: dir,
            logs,
            old,
            conf,
            dateext: directives.contains("dateext"),
            rotated_at: 0,
        }
    }

    fn writer(&self) -> Writer {
        Writer {
            log: self.logs.join("access.log"),
            next: 0,
            rest: None,
        }
    }

    /// Finishes the line being written, then rotates.
    fn rotate(&mut self, w: &mut Writer) {
        w.finish_line();
        // dateext names generations by the second (here -%s): a name taken twice makes
        // logrotate skip the rotation. Beside a CPU hog one second apart was not enough
        // (a name repeated once in a loaded run), so two.
        while self.dateext && epoch_second() < self.rotated_at + 2 {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        logrotate(&self.conf, &self.state);
        self.rotated_at = epoch_second();
    }
}

fn logrotate(conf: &Path, state: &Path) {
    let out = Command::new(system_program("logrotate"))
        .arg("-f")
        .arg("-s")
        .arg(state)
        .arg(conf)
        .output()
        .expect("logrotate runs (Debian package logrotate; .ci/run installs it)");
    assert!(out.status.success(), "logrotate: {}", stderr(&out));
}

fn epoch_second() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn ingest(data: &Path, logs: &Path, crash_at: Option<&str>) {
    let mut cmd = kansoku();
    cmd.arg("--data").arg(data).arg("ingest").arg(logs);
    if let Some(point) = crash_at {
        let out = cmd
            .env("FAILPOINTS", format!("{point}=return"))
            .current_dir(data.parent().expect("parent"))
            .output()
            .expect("ingest");
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            out.status.signal(),
            Some(6),
            "crashed at {point}: {}",
            stderr(&out)
        );
        return;
    }
    let out = cmd.output().expect("ingest");
    assert!(
        matches!(out.status.code(), Some(0)),
        "ingest {}: {}",
        logs.display(),
        stderr(&out)
    );
}

#[test]
fn every_logrotate_mode_keeps_each_line_once() {
    for (name, directives) in MODES {
        let mut r = Rotation::new(directives);
        let (logs, old, data) = (r.logs.clone(), r.old.clone(), r.data.clone());
        let mut w = r.writer();
        let mut rotate = |w: &mut Writer| r.rotate(w);
        for round in 0..4 {
            w.append(150);
            if round % 2 == 1 {
                w.half();
            }
            if round == 2 {
                // Killed after a batch's files are in place, before its commit.
                ingest(&data, &logs, Some("lake.batch.renamed"));
            }
            ingest(&data, &logs, None);
            rotate(&mut w);
        }
        // The host is down for two rotations; the next run finds both generations.
        w.append(100);
        rotate(&mut w);
        w.append(100);
        rotate(&mut w);
        w.append(60);
        w.half();
        ingest(&data, &logs, None);
        w.finish_line();
        ingest(&data, &logs, None);

        let written = w.next as i64;
        assert_eq!(
            (
                sql_number(&data, "SELECT count(*) FROM http"),
                sql_number(&data, "SELECT count(DISTINCT path) FROM http")
            ),
            (written, written),
            "{name}: every written line once"
        );
        // A half-written line read as a line would have been rejected.
        let rejects: Vec<_> = std::fs::read_dir(data.join("rejects"))
            .expect("rejects")
            .flatten()
            .map(|e| e.path())
            .collect();
        assert!(rejects.is_empty(), "{name}: {rejects:?}");
        let files: Vec<String> = std::fs::read_dir(&logs)
            .expect("logs")
            .chain(std::fs::read_dir(&old).expect("old"))
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        println!("rotation: {name}: {written} lines once, across {files:?}");
    }
}

/// copytruncate copies the log, then truncates it; a run that read the log between the
/// two stored lines the copy lacks. The copy is then shorter than what was read from the
/// log it starts as: reported, nothing read twice, and the run does not fail.
#[test]
fn a_copytruncate_copy_shorter_than_what_was_read_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).expect("mkdir");
    let data = dir.path().join("data");
    let mut w = Writer {
        log: logs.join("access.log"),
        next: 0,
        rest: None,
    };
    w.append(40);
    // logrotate's copy is taken here…
    let copy = std::fs::read(&w.log).expect("read");
    // …the server writes on, and a run reads those lines before the truncate.
    w.append(5);
    ingest(&data, &logs, None);
    std::fs::write(logs.join("access.log.1"), &copy).expect("copy");
    std::fs::write(&w.log, "").expect("truncate");
    w.append(10);
    let out = run(&data, &["ingest", logs.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains("access.log.1") && said.contains("copytruncate"),
        "{said}"
    );
    assert_eq!(
        (
            sql_number(&data, "SELECT count(*) FROM http"),
            sql_number(&data, "SELECT count(DISTINCT path) FROM http")
        ),
        (55, 55)
    );
}

/// Polls `what` until it holds, for at most `secs` seconds.
fn wait_until(secs: u64, what: &str, mut done: impl FnMut() -> bool) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !done() {
        assert!(
            std::time::Instant::now() < until,
            "waited {secs} s for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn rows(data: &Path) -> (i64, i64) {
    let out = run(
        data,
        &[
            "sql",
            "SELECT count(*) AS n, count(DISTINCT path) AS d FROM http",
            "--format",
            "csv",
        ],
    );
    let text = stdout(&out);
    let mut v = text
        .lines()
        .nth(1)
        .unwrap_or("0,0")
        .split(',')
        .map(|x| x.parse().unwrap_or(0));
    (v.next().unwrap_or(0), v.next().unwrap_or(0))
}

#[test]
fn serve_follows_every_logrotate_mode_through_a_kill_and_rotations_while_down() {
    for (name, directives) in MODES {
        let mut r = Rotation::new(directives);
        let data = r.data.clone();
        std::fs::create_dir_all(&data).expect("mkdir");
        let log = r.logs.join("access.log");
        let cfg = write(
            &data,
            "serve.toml",
            &format!(
                "data_dir = {data:?}\n[spool]\nflush_after_ms = 20\n[dashboard]\nlisten = \"127.0.0.1:0\"\n[alerts]\nstdout = false\n[[source]]\nname = \"tail\"\nkind = \"file\"\npath = {log:?}\nformat = \"combined\"\npoll_ms = 20\nrotate_wait_ms = 300\n"
            ),
        );
        let mut w = r.writer();
        let mut rotate = |w: &mut Writer| r.rotate(w);
        let mut server = crate::serve::start(&cfg, &data);
        for _ in 0..2 {
            w.append(100);
            // Half a line: held, not read as a line, until its rest is written.
            w.half();
            let whole = w.next as i64 - 1;
            wait_until(60, &format!("the tail to read {whole} whole lines"), || {
                rows(&data).0 >= whole
            });
            w.append(20);
            rotate(&mut w);
        }
        w.append(50);
        wait_until(60, "the lines after the live rotations", || {
            rows(&data).0 >= w.next as i64
        });
        // Killed while lines come in; two rotations while it is down.
        w.append(80);
        server.child.kill().expect("SIGKILL");
        let _ = server.child.wait();
        w.append(40);
        rotate(&mut w);
        w.append(40);
        rotate(&mut w);
        w.append(30);
        w.half();
        let mut server = crate::serve::start(&cfg, &data);
        w.finish_line();
        let written = w.next as i64;
        wait_until(90, "every line after the restart", || {
            rows(&data).0 >= written
        });
        // Time for a line read twice to show.
        std::thread::sleep(std::time::Duration::from_millis(500));
        crate::serve::terminate(&mut server, name);
        assert_eq!(
            rows(&data),
            (written, written),
            "{name}: every written line once"
        );
        let rejects: Vec<_> = std::fs::read_dir(data.join("rejects"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(rejects.is_empty(), "{name}: {rejects:?}");
        println!("rotation (serve): {name}: {written} lines once");
    }
}

/// One step of what a host does to its log between and during kansoku's runs.
#[derive(Debug, Clone)]
enum Step {
    /// Append whole lines.
    Append(usize),
    /// Write the first half of a line (the writer is in the middle of it).
    Half,
    /// Rotate: every generation moves up one (`.1` → `.2`…), the log becomes `.1`, a new
    /// log starts; generations from `.2` on (or `.1` too, without delaycompress) are gzipped.
    Rotate { delay_compress: bool },
    /// `kansoku ingest` of the folder.
    Ingest,
    /// `kansoku ingest` killed after its first batch's files are in place, before the commit.
    IngestKilled,
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        4 => (1usize..40).prop_map(Step::Append),
        1 => Just(Step::Half),
        2 => any::<bool>().prop_map(|delay_compress| Step::Rotate { delay_compress }),
        3 => Just(Step::Ingest),
        1 => Just(Step::IngestKilled),
    ]
}

/// Moves the generations of `log` up by one, as logrotate's `rotate N` does.
fn rotate_generations(log: &Path, delay_compress: bool) {
    let dir = log.parent().expect("folder");
    let name = log
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let generation = |n: usize, gz: bool| {
        dir.join(if gz {
            format!("{name}.{n}.gz")
        } else {
            format!("{name}.{n}")
        })
    };
    let mut top = 0;
    while generation(top + 1, false).exists() || generation(top + 1, true).exists() {
        top += 1;
    }
    for n in (1..=top).rev() {
        for gz in [false, true] {
            if generation(n, gz).exists() {
                std::fs::rename(generation(n, gz), generation(n + 1, gz)).expect("shift");
            }
        }
    }
    if log.exists() {
        std::fs::rename(log, generation(1, false)).expect("rotate");
    }
    std::fs::write(log, "").expect("new log");
    let first = if delay_compress { 2 } else { 1 };
    for n in first..=top + 1 {
        let plain = generation(n, false);
        if let Ok(bytes) = std::fs::read(&plain) {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&bytes).expect("gzip");
            std::fs::write(generation(n, true), gz.finish().expect("gzip")).expect("write");
            std::fs::remove_file(&plain).expect("remove");
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 24, ..Default::default() })]

    /// Any sequence of appends, half-written lines, rotations (compressed now or one
    /// generation later), runs and killed runs ends, after a last run, with every written
    /// line in the lake exactly once.
    #[test]
    fn any_sequence_of_writes_rotations_and_runs_stores_each_line_once(
        steps in proptest::collection::vec(step(), 1..14)
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let logs = dir.path().join("logs");
        std::fs::create_dir_all(&logs).expect("mkdir");
        let data = dir.path().join("data");
        let mut w = Writer { log: logs.join("access.log"), next: 0, rest: None };
        for s in &steps {
            match s {
                Step::Append(n) => w.append(*n),
                Step::Half => {
                    if w.rest.is_none() {
                        w.half();
                    }
                }
                Step::Rotate { delay_compress } => {
                    w.finish_line();
                    rotate_generations(&w.log, *delay_compress);
                }
                Step::Ingest => ingest(&data, &logs, None),
                Step::IngestKilled => {
                    // Nothing to write, nothing to kill: the run ends normally.
                    let mut cmd = kansoku();
                    cmd.arg("--data").arg(&data).arg("ingest").arg(&logs)
                        .env("FAILPOINTS", "lake.batch.renamed=return")
                        .current_dir(dir.path());
                    let out = cmd.output().expect("ingest");
                    use std::os::unix::process::ExitStatusExt;
                    proptest::prop_assert!(
                        out.status.success() || out.status.signal() == Some(6),
                        "{:?}: {}", out.status, stderr(&out)
                    );
                }
            }
        }
        w.finish_line();
        ingest(&data, &logs, None);
        let written = w.next as i64;
        let (rows, distinct) = if written == 0 {
            (0, 0)
        } else {
            (
                sql_number(&data, "SELECT count(*) FROM http"),
                sql_number(&data, "SELECT count(DISTINCT path) FROM http"),
            )
        };
        proptest::prop_assert_eq!((rows, distinct), (written, written), "after {:?}", steps);
    }
}
