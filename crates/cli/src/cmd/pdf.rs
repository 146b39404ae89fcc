//! The report printed to PDF by headless Chromium (Debian's `chromium`).
//!
//! Chromium runs with its sandbox unless this machine cannot give it one: as root it
//! refuses to start sandboxed, and without unprivileged user namespaces (nor a setuid
//! helper) its sandbox cannot start. Then it runs with `--no-sandbox` and says why on one
//! line of standard error. The page is a local file with a policy that forbids scripts,
//! but the sandbox is still the wall between hostile strings from logs and the machine.
//!
//! Chromium gets a time limit; past it its whole process group is killed. It prints into
//! a private temporary folder, and the PDF reaches `out` through the same whole-or-nothing
//! writer as the other formats.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// How long Chromium may take to print one report.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

const BROWSERS: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// Prints `html` to PDF and writes it to `out` (`-`: standard output).
pub fn print(html: &str, out: &Path, limit: Duration) -> anyhow::Result<()> {
    let browser = find_browser().context(
        "PDF output needs Chromium: install it (Debian/Ubuntu: `apt-get install chromium`), \
         or write --format html and print it from a browser",
    )?;
    let dir = private_dir()?;
    let result = print_in(&browser, html, dir.path(), limit);
    drop(dir);
    let pdf = result?;
    if out.as_os_str() == "-" {
        use std::io::Write;
        std::io::stdout().write_all(&pdf)?;
        return Ok(());
    }
    crate::output::write_out(out, &pdf)
}

fn print_in(browser: &Path, html: &str, dir: &Path, limit: Duration) -> anyhow::Result<Vec<u8>> {
    let page = dir.join("report.html");
    let pdf = dir.join("report.pdf");
    std::fs::write(&page, html).context("writing the page for Chromium")?;
    let mut sandbox = match sandbox_unavailable() {
        Some(why) => {
            warn_no_sandbox(&why);
            false
        }
        None => true,
    };
    loop {
        let profile = dir.join(if sandbox { "profile" } else { "profile-ns" });
        let run = run_browser(browser, &page, &pdf, &profile, sandbox, limit)?;
        if run.status.success() && pdf.is_file() {
            return std::fs::read(&pdf).context("reading Chromium's PDF");
        }
        // A machine our checks did not foresee (a container's seccomp policy, say):
        // Chromium says its sandbox could not start. Print without it, saying so.
        if sandbox && run.stderr.to_ascii_lowercase().contains("sandbox") {
            warn_no_sandbox("Chromium could not start its sandbox on this machine");
            sandbox = false;
            continue;
        }
        let last = run
            .stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        bail!(
            "{} could not print the report to PDF ({}){}",
            browser.display(),
            run.status,
            if last.is_empty() {
                String::new()
            } else {
                format!(": {last}")
            }
        );
    }
}

struct Run {
    status: ExitStatus,
    stderr: String,
}

fn run_browser(
    browser: &Path,
    page: &Path,
    pdf: &Path,
    profile: &Path,
    sandbox: bool,
    limit: Duration,
) -> anyhow::Result<Run> {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-pdf-header-footer",
    ]);
    if !sandbox {
        cmd.arg("--no-sandbox");
    }
    cmd.arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        // Chromium's messages go to a file: a pipe nobody drains while we wait could fill
        // and stall it.
        .stderr(
            std::fs::File::create(profile.with_extension("stderr"))
                .context("creating Chromium's log")?,
        );
    // Its own process group, so that the renderer, GPU and zygote processes it starts
    // can be killed with it.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child = cmd
        .spawn()
        .with_context(|| format!("starting {}", browser.display()))?;
    let status = wait_or_kill(child, limit, browser)?;
    let stderr = std::fs::read(profile.with_extension("stderr"))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    Ok(Run { status, stderr })
}

/// Waits for `child` at most `limit`; past it, kills its process group and fails.
fn wait_or_kill(mut child: Child, limit: Duration, browser: &Path) -> anyhow::Result<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            kill_group(&mut child);
            bail!(
                "{} did not finish printing the report to PDF within {:?} and was stopped; \
                 write --format html and print it from a browser instead",
                browser.display(),
                limit
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn kill_group(child: &mut Child) {
    // Never 1 (init): a group id of 1 would mean every process we may signal.
    let group = i32::try_from(child.id())
        .ok()
        .filter(|id| *id > 1)
        .and_then(rustix::process::Pid::from_raw);
    if let Some(group) = group {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn warn_no_sandbox(why: &str) {
    eprintln!("kansoku: warning: printing the PDF with Chromium's sandbox off ({why})");
}

/// Why Chromium's sandbox cannot run here, or `None` when it can.
fn sandbox_unavailable() -> Option<String> {
    if rustix::process::geteuid().is_root() {
        return Some("running as root, where Chromium refuses its sandbox".into());
    }
    let read = |p: &str| std::fs::read_to_string(p).ok().map(|s| s.trim().to_owned());
    let no_userns = read("/proc/sys/user/max_user_namespaces").as_deref() == Some("0")
        || read("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0")
        || read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref() == Some("1");
    // Without user namespaces, a setuid-root helper can still give the sandbox.
    let helper = [
        "/usr/lib/chromium/chrome-sandbox",
        "/opt/google/chrome/chrome-sandbox",
    ]
    .iter()
    .any(|p| setuid_root(Path::new(p)));
    (no_userns && !helper).then(|| "this kernel does not allow unprivileged user namespaces".into())
}

fn setuid_root(p: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).is_ok_and(|m| m.uid() == 0 && m.mode() & 0o4000 != 0)
}

fn find_browser() -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    BROWSERS.iter().find_map(|b| {
        std::env::split_paths(&paths)
            .map(|d| d.join(b))
            .find(|p| p.is_file())
    })
}

/// A folder only this user can read, removed when dropped.
struct PrivateDir(PathBuf);

impl PrivateDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn private_dir() -> anyhow::Result<PrivateDir> {
    use std::os::unix::fs::DirBuilderExt;
    let base = std::env::temp_dir();
    let pid = std::process::id();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    // A fresh name, created by us alone (mkdir fails on anything already there, a
    // symlink included), mode 0700.
    for attempt in 0..16u32 {
        let dir = base.join(format!("kansoku-pdf-{pid}-{nanos:08x}-{attempt}"));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(PrivateDir(dir)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| format!("creating a folder in {}", base.display()));
            }
        }
    }
    bail!("could not create a private folder in {}", base.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_past_its_time_limit_is_killed_with_its_children() {
        // A "browser" that starts a child and hangs: both must be gone after the limit.
        let dir = private_dir().expect("dir");
        let pidfile = dir.path().join("child.pid");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("sleep 300 & echo $! > {}; wait", pidfile.display()));
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().expect("sh runs");
        let err = wait_or_kill(child, Duration::from_millis(500), Path::new("hang"))
            .expect_err("the limit is enforced");
        assert!(
            err.to_string().contains("within 500ms and was stopped"),
            "{err}"
        );
        let pid: i32 = std::fs::read_to_string(&pidfile)
            .expect("child pid")
            .trim()
            .parse()
            .expect("a pid");
        // The grandchild was killed with the group; poll, as reaping by init may lag.
        let deadline = Instant::now() + Duration::from_secs(20);
        let alive = || {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
                !s.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
        };
        while alive() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!alive(), "the browser's child outlived the time limit");
    }

    #[test]
    fn the_private_folder_is_fresh_and_removed() {
        let a = private_dir().expect("a");
        let b = private_dir().expect("b");
        assert_ne!(a.path(), b.path());
        let kept = a.path().to_owned();
        drop(a);
        assert!(!kept.exists());
    }
}
