//! Child processes with kill-on-drop guards and log files.
//!
//! Every process the harness starts writes stdout and stderr (appended, so a restart keeps the
//! earlier run) to one log file in its own directory. Dropping the guard kills it with SIGKILL
//! and reaps it; if the current thread is panicking (a failed test), the log tail is printed so
//! the failure explains itself.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result};

/// A running child process, killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct ChildGuard {
    name: String,
    child: Child,
    log: PathBuf,
}

impl ChildGuard {
    /// Starts `program args...` in `cwd`, appending its output to `log`.
    pub fn spawn(
        name: &str,
        program: &Path,
        args: &[String],
        cwd: &Path,
        log: &Path,
        envs: &[(String, String)],
    ) -> Result<Self> {
        Self::spawn_in(None, name, program, args, cwd, log, envs)
    }

    /// [`ChildGuard::spawn`] inside network namespace `netns` (`ip netns exec`, which execs the
    /// program in place: the pid is the program's, so kill -9 and SIGSTOP reach it).
    pub fn spawn_in(
        netns: Option<&str>,
        name: &str,
        program: &Path,
        args: &[String],
        cwd: &Path,
        log: &Path,
        envs: &[(String, String)],
    ) -> Result<Self> {
        std::fs::create_dir_all(cwd).with_context(|| format!("create {}", cwd.display()))?;
        let mut out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("open log {}", log.display()))?;
        writeln!(
            out,
            "==== starting {} {}",
            program.display(),
            args.join(" ")
        )?;
        let err = out.try_clone()?;
        let mut cmd = match netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns]).arg(program);
                c
            }
            None => Command::new(program),
        };
        cmd.args(args)
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("spawn {name}: {}", program.display()))?;
        Ok(Self {
            name: name.to_string(),
            child,
            log: log.to_path_buf(),
        })
    }

    /// OS process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The log file this process writes.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// `Some(status text)` if the process has exited.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(format!("wait failed: {e}")),
        }
    }

    /// SIGKILL and reap (kill -9 semantics: no shutdown hooks run).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGSTOP (`stop = true`) or SIGCONT: a hung process that keeps its sockets open.
    pub fn pause(&self, stop: bool) -> Result<()> {
        let sig = if stop { "-STOP" } else { "-CONT" };
        let pid = self.pid().to_string();
        let st = Command::new("kill").args([sig, &pid]).status()?;
        if !st.success() {
            anyhow::bail!("kill {sig} {pid} ({}) failed", self.name);
        }
        Ok(())
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "---- {} log tail ({}) ----\n{}",
                self.name,
                self.log.display(),
                log_tail(&self.log, 60)
            );
        }
    }
}

/// The last `lines` lines of a log file (empty if unreadable).
pub fn log_tail(path: &Path, lines: usize) -> String {
    let Ok(mut f) = File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(64 * 1024);
    if f.seek(SeekFrom::Start(start)).is_err() {
        return String::new();
    }
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
