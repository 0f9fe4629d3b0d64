//! The golden-case runner behind the `starload-compat` binary.
//!
//! Cases live in `cases/<area>/<name>.sql` ([`case`] documents the format); the expected output
//! of each is in the `.result` file beside it ([`exec`] documents the result text). A case
//! passes when its result text equals the recorded one byte for byte. `--record` rewrites the
//! `.result` files (CI never records). The run ends with the line `N passed, N failed`.

pub mod case;
pub mod exec;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

pub use exec::Target;

/// One `.sql` file.
#[derive(Debug, Clone)]
pub struct CaseFile {
    /// `<area>/<name>`
    pub id: String,
    pub sql_path: PathBuf,
    pub result_path: PathBuf,
}

/// All `.sql` files under `dir` (two levels: area/name), sorted.
pub fn discover(dir: &Path) -> Result<Vec<CaseFile>> {
    let mut files = Vec::new();
    let mut areas: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("read cases dir {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    areas.sort();
    for area in areas {
        let mut sqls: Vec<PathBuf> = std::fs::read_dir(&area)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        sqls.sort();
        for sql in sqls {
            let area_name = area.file_name().map(|n| n.to_string_lossy().into_owned());
            let stem = sql.file_stem().map(|n| n.to_string_lossy().into_owned());
            if let (Some(a), Some(s)) = (area_name, stem) {
                files.push(CaseFile {
                    id: format!("{a}/{s}"),
                    result_path: sql.with_extension("result"),
                    sql_path: sql,
                });
            }
        }
    }
    Ok(files)
}

/// Options of one run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub target: Target,
    /// Rewrite `.result` files instead of comparing.
    pub record: bool,
    /// Substrings; a case runs if `<area>/<name>::<case>` contains any (all when empty).
    pub filters: Vec<String>,
}

/// Totals of a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
}

/// A few lines around the first difference of two texts.
pub fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let i = e
        .iter()
        .zip(a.iter())
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let from = i.saturating_sub(3);
    let mut out = format!("  first difference at line {}:\n", i + 1);
    for (k, l) in e.iter().enumerate().skip(from).take(i - from + 4) {
        out.push_str(&format!("  {} {l}\n", if k >= i { "-" } else { " " }));
    }
    for l in a.iter().skip(i).take(4) {
        out.push_str(&format!("  + {l}\n"));
    }
    out
}

/// Runs every selected case of `files`, printing one line per case (and a diff on failure).
pub async fn run(files: &[CaseFile], opts: &RunOptions) -> Result<Summary> {
    let mut summary = Summary::default();
    for f in files {
        let text = std::fs::read_to_string(&f.sql_path)
            .with_context(|| format!("read {}", f.sql_path.display()))?;
        let cases = match case::parse_cases(&text) {
            Ok(c) => c,
            Err(e) => {
                println!("FAIL {}: cannot parse: {e:#}", f.id);
                summary.failed += 1;
                continue;
            }
        };
        let expected_text = std::fs::read_to_string(&f.result_path).ok();
        let expected = expected_text
            .as_deref()
            .map(case::split_results)
            .unwrap_or_default();
        let mut recorded: Vec<(String, String)> = Vec::new();
        let mut any_ran = false;
        for c in &cases {
            let id = format!("{}::{}", f.id, c.name);
            let old = expected
                .iter()
                .find(|(n, _)| n == &c.name)
                .map(|(_, t)| t.clone());
            if !opts.filters.is_empty() && !opts.filters.iter().any(|x| id.contains(x.as_str())) {
                if let Some(old) = old {
                    recorded.push((c.name.clone(), old));
                }
                continue;
            }
            any_ran = true;
            let started = Instant::now();
            let (actual, dbs) = exec::run_case(c, &opts.target).await;
            exec::cleanup(&opts.target, &dbs).await;
            let secs = started.elapsed().as_secs_f64();
            if opts.record {
                println!("rec  {id} ({secs:.1}s)");
                summary.passed += 1;
            } else {
                match &old {
                    Some(exp) if *exp == actual => {
                        println!("ok   {id} ({secs:.1}s)");
                        summary.passed += 1;
                    }
                    Some(exp) => {
                        println!("FAIL {id} ({secs:.1}s)\n{}", first_difference(exp, &actual));
                        summary.failed += 1;
                    }
                    None => {
                        println!(
                            "FAIL {id}: no recorded result in {} (run with --record)\n{actual}",
                            f.result_path.display()
                        );
                        summary.failed += 1;
                    }
                }
            }
            recorded.push((c.name.clone(), actual));
        }
        if opts.record && any_ran {
            let mut out = recorded
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
                .join("\n\n");
            out.push('\n');
            std::fs::write(&f.result_path, out)
                .with_context(|| format!("write {}", f.result_path.display()))?;
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn difference_points_at_first_changed_line() {
        let d = first_difference("a\nb\nc", "a\nx\nc");
        assert!(d.contains("line 2"), "{d}");
        assert!(d.contains("- b") && d.contains("+ x"), "{d}");
    }

    #[test]
    fn discovers_area_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("ddl")).unwrap();
        std::fs::write(dir.path().join("ddl/db.sql"), "").unwrap();
        std::fs::write(dir.path().join("ddl/db.result"), "").unwrap();
        let files = discover(dir.path()).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].id, "ddl/db");
    }
}
