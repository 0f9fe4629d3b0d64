//! Bounded jobs and time starts (issue 16 item 5; StarRocks has neither, Doris has the time
//! start): new data-source properties
//! - `kafka_end_offsets` = "o1,o2,..": with `kafka_partitions`, the first offset of each
//!   partition NOT to load;
//! - `kafka_end_time` = "yyyy-MM-dd HH:mm:ss" (the job's `timezone`): load the messages older
//!   than that moment. It must not be in the future: it is resolved once, at CREATE, through
//!   Kafka's offsetsForTimes into end offsets (a partition with no message at or after it ends
//!   at its current high watermark);
//! - `kafka_offsets` entries and `property.kafka_default_offsets` may be a datetime: the job
//!   starts at the first message at or after it (offsetsForTimes; none: the high watermark,
//!   as OFFSET_END).
//!
//! A bounded job's tasks send the end offsets to the BE, whose consumers stop there as at EOF
//! (`be/src/load/consumer.rs`). Once every bounded partition's progress reached its end, the
//! scheduler stops the job: state STOPPED, ReasonOfStateChanged
//! `ErrorReason{errCode = 201, msg='...'}` (201: starload's own code; StarRocks's
//! InternalErrorCode has no "end reached").
//!
//! Partitions discovered after CREATE (no `kafka_partitions`) have no end and are not waited
//! for; a datetime `kafka_default_offsets` starts them at OFFSET_END, as an unparsable default.

use super::job::{ErrorReason, RoutineLoadJob};
use super::properties::{KAFKA_DEFAULT_OFFSETS, KAFKA_OFFSETS, KAFKA_PARTITIONS};
use chrono::{NaiveDateTime, TimeZone};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

pub const KAFKA_END_OFFSETS: &str = "kafka_end_offsets";
pub const KAFKA_END_TIME: &str = "kafka_end_time";
/// The errCode of the STOPPED reason (starload's own).
pub const END_REACHED_ERR: i32 = 201;

/// A bounded job's end, persisted with the job (`RoutineLoadJob.bound`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobBound {
    /// Partition -> first offset not to load.
    pub end_offsets: Vec<(i32, i64)>,
    /// The property as given (`kafka_end_offsets` or `kafka_end_time`), for messages.
    pub given: String,
}

/// What CREATE found in `FROM KAFKA (...)` before the usual validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeProps {
    pub end_offsets: Option<Vec<i64>>,
    pub end_time: Option<String>,
    /// Positions in `kafka_offsets` that are datetimes, with their text.
    pub start_times: Vec<(usize, String)>,
    /// `property.kafka_default_offsets` when it is a datetime.
    pub default_time: Option<String>,
}

impl TimeProps {
    pub fn is_empty(&self) -> bool {
        *self == TimeProps::default()
    }
}

/// `yyyy-MM-dd HH:mm:ss` (the datetime form Doris accepts).
pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok()
}

/// Milliseconds since the epoch of `s` in zone `tz` (a name or `+08:00`).
pub fn datetime_ms(s: &str, tz: &str) -> Result<i64, String> {
    let dt = parse_datetime(s).ok_or_else(|| format!("Invalid datetime: {s}"))?;
    if let Ok(zone) = tz.parse::<chrono_tz::Tz>() {
        return zone
            .from_local_datetime(&dt)
            .earliest()
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| format!("Invalid datetime: {s}"));
    }
    let offset = chrono::FixedOffset::east_opt(parse_offset_secs(tz).unwrap_or(0))
        .ok_or_else(|| format!("Invalid datetime: {s}"))?;
    offset
        .from_local_datetime(&dt)
        .earliest()
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| format!("Invalid datetime: {s}"))
}

fn parse_offset_secs(tz: &str) -> Option<i32> {
    let t = tz.trim();
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    Some(sign * (h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60))
}

/// Takes the issue-16 properties out of `props` (so the StarRocks validation sees only its
/// own) and puts placeholders where a datetime stands in `kafka_offsets` /
/// `property.kafka_default_offsets`.
pub fn split_source_properties(
    props: &[(String, String)],
) -> Result<(Vec<(String, String)>, TimeProps), String> {
    let mut out = Vec::with_capacity(props.len());
    let mut t = TimeProps::default();
    for (k, v) in props {
        match k.as_str() {
            KAFKA_END_OFFSETS => {
                let offs = v
                    .replace(' ', "")
                    .split(',')
                    .map(|o| match o.parse::<i64>() {
                        Ok(n) if n >= 0 => Ok(n),
                        _ => Err(format!("{KAFKA_END_OFFSETS} must be integers >= 0: {v}")),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                t.end_offsets = Some(offs);
            }
            KAFKA_END_TIME => {
                if parse_datetime(v).is_none() {
                    return Err(format!(
                        "{KAFKA_END_TIME} must be a datetime as yyyy-MM-dd HH:mm:ss: {v}"
                    ));
                }
                t.end_time = Some(v.trim().to_string());
            }
            KAFKA_OFFSETS => {
                let parts: Vec<String> = v
                    .split(',')
                    .enumerate()
                    .map(|(i, o)| {
                        if parse_datetime(o).is_some() {
                            t.start_times.push((i, o.trim().to_string()));
                            "OFFSET_END".to_string()
                        } else {
                            o.to_string()
                        }
                    })
                    .collect();
                out.push((k.clone(), parts.join(",")));
            }
            _ if k.strip_prefix("property.") == Some(KAFKA_DEFAULT_OFFSETS)
                && parse_datetime(v).is_some() =>
            {
                t.default_time = Some(v.trim().to_string());
                out.push((k.clone(), "OFFSET_END".into()));
            }
            _ => out.push((k.clone(), v.clone())),
        }
    }
    if t.end_offsets.is_some() && t.end_time.is_some() {
        return Err(format!(
            "{KAFKA_END_OFFSETS} and {KAFKA_END_TIME} cannot be used together"
        ));
    }
    if t.end_offsets.is_some() && !props.iter().any(|(k, _)| k == KAFKA_PARTITIONS) {
        return Err(format!("{KAFKA_END_OFFSETS} needs {KAFKA_PARTITIONS}"));
    }
    Ok((out, t))
}

/// What CREATE resolved: start offsets to set, the job's bound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Partition -> start offset (explicit partitions, or every topic partition for a
    /// datetime `kafka_default_offsets` without `kafka_partitions`).
    pub starts: Vec<(i32, i64)>,
    pub bound: Option<JobBound>,
}

/// Kafka's offsetsForTimes for `partitions` at `ts_ms`; a partition without a message at or
/// after it gets its high watermark. Blocking (run on the blocking pool).
fn offsets_for_times_blocking(
    brokers: &str,
    topic: &str,
    props: &BTreeMap<String, String>,
    partitions: &[i32],
    ts_ms: i64,
    timeout: Duration,
) -> Result<Vec<(i32, i64)>, String> {
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", brokers)
        .set("enable.auto.commit", "false")
        .set("group.id", "starload_fe_offsets_for_times");
    for (k, v) in props {
        cfg.set(k, v);
    }
    let c: BaseConsumer = cfg.create().map_err(|e| e.to_string())?;
    let mut tpl = TopicPartitionList::new();
    for p in partitions {
        tpl.add_partition_offset(topic, *p, Offset::Offset(ts_ms))
            .map_err(|e| e.to_string())?;
    }
    let got = c
        .offsets_for_times(tpl, timeout)
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for p in partitions {
        let off = got
            .find_partition(topic, *p)
            .map(|e| e.offset())
            .unwrap_or(Offset::End);
        let o = match off {
            Offset::Offset(o) if o >= 0 => o,
            _ => {
                c.fetch_watermarks(topic, *p, timeout)
                    .map_err(|e| e.to_string())?
                    .1
            }
        };
        out.push((*p, o));
    }
    Ok(out)
}

/// Source of a CREATE: where to ask.
#[derive(Debug, Clone)]
pub struct Source {
    pub brokers: String,
    pub topic: String,
    pub properties: BTreeMap<String, String>,
    /// Explicit `kafka_partitions` in user order (empty: every partition of the topic).
    pub explicit: Vec<i32>,
    /// The topic's partitions (asked only when needed).
    pub all: Vec<i32>,
}

async fn for_times(
    src: &Source,
    partitions: &[i32],
    ts_ms: i64,
    timeout: Duration,
) -> Result<Vec<(i32, i64)>, String> {
    let (b, t, p, parts) = (
        src.brokers.clone(),
        src.topic.clone(),
        src.properties.clone(),
        partitions.to_vec(),
    );
    let outer = timeout.saturating_mul(2) + Duration::from_secs(1);
    match tokio::time::timeout(
        outer,
        tokio::task::spawn_blocking(move || {
            offsets_for_times_blocking(&b, &t, &p, &parts, ts_ms, timeout)
        }),
    )
    .await
    {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("Local: Timed out".into()),
    }
}

/// Resolves datetimes and ends against Kafka (`tz`: the job's timezone; `now_ms`: CREATE's
/// moment, which `kafka_end_time` may not pass).
pub async fn resolve(
    t: &TimeProps,
    src: &Source,
    tz: &str,
    now_ms: i64,
    timeout: Duration,
) -> Result<Resolved, String> {
    let mut r = Resolved::default();
    let targets: Vec<i32> = if src.explicit.is_empty() {
        src.all.clone()
    } else {
        src.explicit.clone()
    };
    for (i, text) in &t.start_times {
        let Some(p) = src.explicit.get(*i) else {
            continue;
        };
        let ms = datetime_ms(text, tz)?;
        r.starts.extend(for_times(src, &[*p], ms, timeout).await?);
    }
    if let Some(text) = &t.default_time {
        let ms = datetime_ms(text, tz)?;
        // Explicit partitions that kafka_offsets did not set, or every topic partition.
        let set: Vec<i32> = r.starts.iter().map(|(p, _)| *p).collect();
        let rest: Vec<i32> = if src.explicit.is_empty() {
            targets.clone()
        } else if t.start_times.is_empty() && !src.explicit.is_empty() {
            src.explicit
                .iter()
                .copied()
                .filter(|p| !set.contains(p))
                .collect()
        } else {
            Vec::new()
        };
        if !rest.is_empty() {
            r.starts.extend(for_times(src, &rest, ms, timeout).await?);
        }
    }
    if let Some(ends) = &t.end_offsets {
        if ends.len() != src.explicit.len() {
            return Err(format!(
                "Partitions number should be equals to {KAFKA_END_OFFSETS} number"
            ));
        }
        r.bound = Some(JobBound {
            end_offsets: src
                .explicit
                .iter()
                .copied()
                .zip(ends.iter().copied())
                .collect(),
            given: format!("{KAFKA_END_OFFSETS}={}", join(ends)),
        });
    }
    if let Some(text) = &t.end_time {
        let ms = datetime_ms(text, tz)?;
        if ms > now_ms {
            return Err(format!(
                "{KAFKA_END_TIME} {text} is later than now: an end time must have passed"
            ));
        }
        r.bound = Some(JobBound {
            end_offsets: for_times(src, &targets, ms, timeout).await?,
            given: format!("{KAFKA_END_TIME}={text}"),
        });
    }
    Ok(r)
}

fn join(v: &[i64]) -> String {
    v.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// The end offsets of a task's partitions (absent: unbounded).
pub fn end_offsets_of(bound: &Option<JobBound>, task_offsets: &[(i32, i64)]) -> HashMap<i32, i64> {
    let Some(b) = bound else {
        return HashMap::new();
    };
    b.end_offsets
        .iter()
        .filter(|(p, _)| task_offsets.iter().any(|(tp, _)| tp == p))
        .copied()
        .collect()
}

/// Every bounded partition's progress reached its end.
pub fn reached_end(job: &RoutineLoadJob) -> bool {
    let Some(b) = &job.bound else {
        return false;
    };
    !b.end_offsets.is_empty()
        && b.end_offsets
            .iter()
            .all(|(p, end)| job.progress.get(*p).is_some_and(|o| o >= *end))
}

/// The STOPPED reason of a job that reached its end.
pub fn end_reason(job: &RoutineLoadJob) -> ErrorReason {
    let given = job.bound.as_ref().map(|b| b.given.as_str()).unwrap_or("");
    let ends = job
        .bound
        .as_ref()
        .map(|b| {
            b.end_offsets
                .iter()
                .map(|(p, o)| format!("{p}:{o}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    ErrorReason::new(
        END_REACHED_ERR,
        format!("The job reached its end ({given}; end offsets {ends}) and stopped"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routine_load::job::tests::sample_job;

    fn kv(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn splits_new_properties_and_datetimes() {
        let (rest, t) = split_source_properties(&kv(&[
            ("kafka_topic", "t"),
            ("kafka_partitions", "0,1"),
            ("kafka_offsets", "5,2024-05-01 10:00:00"),
            ("kafka_end_offsets", "9, 20"),
            ("property.kafka_default_offsets", "2024-05-01 09:00:00"),
        ]))
        .unwrap();
        assert_eq!(
            rest,
            kv(&[
                ("kafka_topic", "t"),
                ("kafka_partitions", "0,1"),
                ("kafka_offsets", "5,OFFSET_END"),
                ("property.kafka_default_offsets", "OFFSET_END"),
            ])
        );
        assert_eq!(t.end_offsets, Some(vec![9, 20]));
        assert_eq!(t.start_times, vec![(1, "2024-05-01 10:00:00".to_string())]);
        assert_eq!(t.default_time.as_deref(), Some("2024-05-01 09:00:00"));
        assert!(split_source_properties(&kv(&[("kafka_end_offsets", "1")]))
            .unwrap_err()
            .contains("needs kafka_partitions"));
        assert!(split_source_properties(&kv(&[("kafka_end_time", "yesterday")])).is_err());
        assert!(split_source_properties(&kv(&[
            ("kafka_partitions", "0"),
            ("kafka_end_offsets", "-1")
        ]))
        .is_err());
    }

    #[test]
    fn datetimes_in_zones() {
        assert_eq!(
            datetime_ms("2024-05-01 10:00:00", "UTC").unwrap(),
            1_714_557_600_000
        );
        assert_eq!(
            datetime_ms("2024-05-01 10:00:00", "Asia/Shanghai").unwrap(),
            1_714_557_600_000 - 8 * 3600 * 1000
        );
        assert_eq!(
            datetime_ms("2024-05-01 10:00:00", "+01:00").unwrap(),
            1_714_557_600_000 - 3600 * 1000
        );
    }

    #[test]
    fn ends_reached_and_reason() {
        let mut job = sample_job();
        assert!(!reached_end(&job));
        job.bound = Some(JobBound {
            end_offsets: vec![(0, 5), (1, 0)],
            given: "kafka_end_offsets=5,0".into(),
        });
        job.progress.set(0, 4);
        assert!(!reached_end(&job));
        job.progress.set(0, 5);
        assert!(reached_end(&job));
        assert_eq!(
            end_reason(&job).to_string(),
            "ErrorReason{errCode = 201, msg='The job reached its end (kafka_end_offsets=5,0; end offsets 0:5,1:0) and stopped'}"
        );
        assert_eq!(
            end_offsets_of(&job.bound, &[(1, 0), (3, 0)]),
            HashMap::from([(1, 0)])
        );
    }
}
