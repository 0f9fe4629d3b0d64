//! starload-chaos: the seeded fault campaign of issue 15 (see `starload_compat_tests::chaos`).
//!
//!   starload-chaos [--trials N] [--seed S] [--secs D] [--faults K] [--max-pause-secs P] [--rate R]
//!                  [--kinds kill-leader,pause-follower,...]
//!
//! Starts its own cluster (3 FEs, 3 BEs) and Tansu broker, runs N trials and ends with
//! `N passed, M failed`; exits non-zero if any trial failed.

use starload_compat_tests::chaos::{run, Fault, Settings};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut s = Settings {
        trials: 3,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(1),
        produce_secs: 20,
        faults_per_trial: 2,
        max_pause_secs: 30,
        rate: 200,
        kinds: Vec::new(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (k, v) = match a.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (a.clone(), it.next().cloned().unwrap_or_default()),
        };
        if k == "--kinds" {
            match Fault::parse_list(&v) {
                Ok(kinds) => s.kinds = kinds,
                Err(e) => {
                    eprintln!("starload-chaos: {e}");
                    return ExitCode::from(2);
                }
            }
            continue;
        }
        let n: u64 = match v.parse() {
            Ok(n) => n,
            Err(_) => {
                eprintln!("starload-chaos: {k} takes a number, got '{v}'");
                return ExitCode::from(2);
            }
        };
        match k.as_str() {
            "--trials" => s.trials = n as usize,
            "--seed" => s.seed = n,
            "--secs" => s.produce_secs = n.max(5),
            "--faults" => s.faults_per_trial = n as usize,
            "--max-pause-secs" => s.max_pause_secs = n.max(5),
            "--rate" => s.rate = n.max(10),
            _ => {
                eprintln!("starload-chaos: unknown flag {k}");
                return ExitCode::from(2);
            }
        }
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("starload-chaos: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(&s)) {
        Ok((_, 0)) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("starload-chaos: {e:#}");
            println!("0 passed, 1 failed");
            ExitCode::from(1)
        }
    }
}
