//! What a user can do about a job's state: one sentence per pause / cancel reason code
//! (`routine_load::job::code`, StarRocks's `InternalErrorCode`), shown next to the reason text
//! on the jobs page. The reason text itself is StarRocks's, from SHOW ROUTINE LOAD.

use crate::routine_load::job::{code, JobState};
use crate::routine_load::JobEntry;
use starload_proto::error_code::ERR_LOAD_DATA_PARSE_ERROR;

/// The advice for `e`'s current state, or None when the job needs nothing.
pub fn for_job(e: &JobEntry) -> Option<&'static str> {
    let job = &e.job;
    match job.state {
        JobState::PAUSED => Some(for_pause_code(job.pause_reason.as_ref().map(|r| r.code))),
        JobState::CANCELLED => Some(
            "The job was cancelled and cannot be resumed: fix the cause above, then CREATE ROUTINE LOAD again (its progress is shown above to start from).",
        ),
        JobState::RUNNING if e.unstable.is_some() => Some(
            "Tasks are running slowly (UNSTABLE): check the backends' load and the broker; the job keeps running.",
        ),
        _ => None,
    }
}

/// The advice for a pause reason code.
pub fn for_pause_code(code_of_reason: Option<i32>) -> &'static str {
    match code_of_reason {
        Some(code::MANUAL_PAUSE_ERR) => {
            "Paused by a user: press RESUME (or RESUME ROUTINE LOAD) when it should load again."
        }
        Some(code::TOO_MANY_FAILURE_ROWS_ERR) => {
            "Too many rows were rejected: read the rejected rows on the job page, fix the messages or the job (ALTER ROUTINE LOAD: COLUMNS, WHERE, max_filter_ratio, max_error_number), then RESUME."
        }
        Some(code::TASKS_ABORT_ERR) => {
            "A task failed in a way retrying cannot fix (offsets no longer in Kafka, or the Kafka settings): check the broker list and topic, set kafka_offsets with ALTER ROUTINE LOAD if the data is gone, then RESUME."
        }
        Some(c) if c == i32::from(ERR_LOAD_DATA_PARSE_ERROR.errno) => {
            "A message could not be parsed and pause_on_fatal_parse_error is set: fix the format settings (format, jsonpaths, separators) with ALTER ROUTINE LOAD or move past the offset with kafka_offsets, then RESUME."
        }
        Some(code::DB_ERR) | Some(code::TABLE_ERR) => {
            "The target database or table is gone: recreate it, then RESUME, or STOP the job."
        }
        _ => "Read the reason above and the FE log; RESUME retries the job.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pause_class_has_its_own_advice() {
        let codes = [
            Some(code::MANUAL_PAUSE_ERR),
            Some(code::TOO_MANY_FAILURE_ROWS_ERR),
            Some(code::TASKS_ABORT_ERR),
            Some(i32::from(ERR_LOAD_DATA_PARSE_ERROR.errno)),
            Some(code::TABLE_ERR),
            None,
        ];
        let texts: std::collections::BTreeSet<&str> =
            codes.iter().map(|c| for_pause_code(*c)).collect();
        assert_eq!(texts.len(), codes.len());
        assert!(for_pause_code(Some(code::MANUAL_PAUSE_ERR)).contains("RESUME"));
    }
}
