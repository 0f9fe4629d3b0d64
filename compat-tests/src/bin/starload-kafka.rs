//! `starload-kafka`: the small Kafka client the deploy scripts use (no kcat needed).
//!
//! ```text
//! starload-kafka --broker HOST:PORT create-topic NAME PARTITIONS   (ok if it exists)
//! starload-kafka --broker HOST:PORT produce TOPIC PARTITIONS < lines
//!     one message per stdin line, spread round-robin over partitions 0..PARTITIONS
//! starload-kafka --broker HOST:PORT wait                            (until metadata answers)
//! ```

use std::io::BufRead;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use starload_compat_tests::broker::{create_topic, partition_count, Producer};
use starload_compat_tests::poll::Deadline;

async fn real_main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (broker, rest) = match args.as_slice() {
        [flag, b, rest @ ..] if flag == "--broker" => (b.clone(), rest),
        _ => bail!("usage: starload-kafka --broker HOST:PORT (create-topic NAME N | produce TOPIC N | wait)"),
    };
    match rest {
        [cmd] if cmd == "wait" => {
            let d = Deadline::after(Duration::from_secs(60));
            loop {
                if partition_count(&broker, "__starload_probe").await.is_ok() {
                    return Ok(());
                }
                if !d.wait().await {
                    bail!("broker {broker} not answering after 60s");
                }
            }
        }
        [cmd, name, n] if cmd == "create-topic" => {
            let n: i32 = n.parse().context("PARTITIONS must be a number")?;
            let have = partition_count(&broker, name).await.unwrap_or(0);
            if have > 0 {
                println!("topic {name} exists with {have} partitions");
                return Ok(());
            }
            create_topic(&broker, name, n).await?;
            println!("created topic {name} with {n} partitions");
            Ok(())
        }
        [cmd, topic, n] if cmd == "produce" => {
            let n: i32 = n.parse().context("PARTITIONS must be a number")?;
            if n < 1 {
                bail!("PARTITIONS must be at least 1");
            }
            let lines: Vec<String> = std::io::stdin()
                .lock()
                .lines()
                .collect::<std::io::Result<_>>()?;
            let lines: Vec<String> = lines.into_iter().filter(|l| !l.is_empty()).collect();
            let producer = Producer::new(&broker)?;
            for p in 0..n {
                let part: Vec<&str> = lines
                    .iter()
                    .skip(p as usize)
                    .step_by(n as usize)
                    .map(String::as_str)
                    .collect();
                if !part.is_empty() {
                    producer.send(topic, p, &part).await?;
                }
            }
            println!("produced {} messages to {topic}", lines.len());
            Ok(())
        }
        _ => bail!("unknown command {rest:?}"),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match real_main().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("starload-kafka: {e:#}");
            ExitCode::FAILURE
        }
    }
}
