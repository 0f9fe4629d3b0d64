//! `starload-compat`: runs the golden SQL cases under `compat-tests/cases` against a live
//! starload FE and a Kafka-compatible broker, and ends with `N passed, N failed`.
//!
//! ```text
//! starload-compat [--host 127.0.0.1] [--port 9030] [--user root] [--password PW]
//!                 [--broker HOST:PORT] [--registry URL] [--cases DIR] [--record] [--list]
//!                 [FILTER...]
//! ```
//! Without `--broker` it starts a Tansu broker of its own (if Tansu is installed) for the run;
//! without `--registry` a schema registry of its own (`starload_compat_tests::registry`, Basic
//! auth `starload:secret`, so `${registry}` carries credentials as users write them).
//! Exit status: 0 when nothing failed, 1 otherwise, 2 on bad arguments.

use std::path::PathBuf;
use std::process::ExitCode;

use starload_compat_tests::paths::workspace_root;
use starload_compat_tests::runner::{discover, run, RunOptions, Target};
use starload_compat_tests::sql::mysql_url;
use starload_compat_tests::{Broker, SchemaRegistry};

struct Args {
    host: String,
    port: u16,
    user: String,
    password: String,
    broker: Option<String>,
    registry: Option<String>,
    cases: PathBuf,
    record: bool,
    list: bool,
    filters: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        host: "127.0.0.1".into(),
        port: 9030,
        user: "root".into(),
        password: String::new(),
        broker: None,
        registry: None,
        cases: workspace_root().join("compat-tests").join("cases"),
        record: false,
        list: false,
        filters: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (key, inline) = match arg.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match key.as_str() {
            "--host" => a.host = value("--host")?,
            "--port" => {
                a.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port takes a number".to_string())?
            }
            "--user" => a.user = value("--user")?,
            "--password" => a.password = value("--password")?,
            "--broker" => a.broker = Some(value("--broker")?),
            "--registry" => a.registry = Some(value("--registry")?),
            "--cases" => a.cases = PathBuf::from(value("--cases")?),
            "--record" => a.record = true,
            "--list" => a.list = true,
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            _ => a.filters.push(arg),
        }
    }
    Ok(a)
}

const USAGE: &str = "usage: starload-compat [--host H] [--port P] [--user U] [--password PW] \
[--broker HOST:PORT] [--registry URL] [--cases DIR] [--record] [--list] [FILTER...]";

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("starload-compat: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let files = match discover(&args.cases) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("starload-compat: {e:#}");
            return ExitCode::from(2);
        }
    };
    if args.list {
        for f in &files {
            println!("{}", f.id);
        }
        return ExitCode::SUCCESS;
    }
    // Keep our own broker alive for the whole run.
    let mut _own_broker = None;
    let broker = match args.broker.clone() {
        Some(b) => Some(b),
        None => match Broker::start().await {
            Ok(b) => {
                let addr = b.bootstrap();
                println!("started Tansu broker at {addr}");
                _own_broker = Some(b);
                Some(addr)
            }
            Err(e) => {
                println!("no broker: {e:#}; cases that need one will fail");
                None
            }
        },
    };
    let mut _own_registry = None;
    let registry = match args.registry.clone() {
        Some(r) => Some(r),
        None => match SchemaRegistry::start_with_auth("starload", "secret") {
            Ok(r) => {
                let url = r.url();
                println!("started schema registry at {}", r.plain_url());
                _own_registry = Some(r);
                Some(url)
            }
            Err(e) => {
                println!("no schema registry: {e:#}; avro cases will fail");
                None
            }
        },
    };
    let url =
        mysql_url(args.port, &args.user, &args.password, None).replace("127.0.0.1", &args.host);
    let opts = RunOptions {
        target: Target {
            mysql_url: url,
            broker,
            registry,
        },
        record: args.record,
        filters: args.filters,
    };
    match run(&files, &opts).await {
        Ok(s) => {
            println!("{} passed, {} failed", s.passed, s.failed);
            if s.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("starload-compat: {e:#}");
            println!("0 passed, 1 failed");
            ExitCode::FAILURE
        }
    }
}
