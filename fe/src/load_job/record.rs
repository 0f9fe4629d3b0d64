//! `LoadJobRecord`: one INSERT / DELETE statement's load job as persisted under key
//! `0x31 job_id` (JSON) and listed by SHOW LOAD and `information_schema.loads`. The fields
//! are StarRocks's `LoadJob` / `InsertLoadJob` fields an INSERT job fills
//! (`fe/fe-core/src/main/java/com/starrocks/load/loadv2/{LoadJob,InsertLoadJob}.java`); an
//! INSERT job is recorded once it ended, so its state is FINISHED or CANCELLED.

use serde::{Deserialize, Serialize};

/// `JobState` of a recorded job (`load/loadv2/JobState.java`; an INSERT job is only ever
/// recorded final).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(non_camel_case_types)]
pub enum LoadJobState {
    FINISHED,
    CANCELLED,
}

impl LoadJobState {
    /// The name SHOW LOAD prints and `STATE = "..."` matches.
    pub fn name(self) -> &'static str {
        match self {
            LoadJobState::FINISHED => "FINISHED",
            LoadJobState::CANCELLED => "CANCELLED",
        }
    }
}

/// `EtlJobType`: what kind of load the job was (SHOW LOAD `Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(non_camel_case_types)]
pub enum EtlJobType {
    INSERT,
}

impl EtlJobType {
    pub fn name(self) -> &'static str {
        match self {
            EtlJobType::INSERT => "INSERT",
        }
    }
}

/// `FailMsg.CancelType`: why a job was cancelled (`ErrorMsg` prints `type:<name>`). An
/// INSERT job is cancelled with `LOAD_RUN_FAIL` (`InsertLoadJob.setLoadFinishOrCancel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(non_camel_case_types)]
pub enum CancelType {
    LOAD_RUN_FAIL,
}

impl CancelType {
    pub fn name(self) -> &'static str {
        match self {
            CancelType::LOAD_RUN_FAIL => "LOAD_RUN_FAIL",
        }
    }
}

/// `FailMsg`: the cancel type and message of a cancelled job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailMsg {
    pub cancel_type: CancelType,
    pub msg: String,
}

/// One load job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadJobRecord {
    /// From the metadata store's id allocator (global, as StarRocks's `getNextId`).
    pub id: i64,
    pub db_id: i64,
    pub table_id: i64,
    pub label: String,
    pub job_type: EtlJobType,
    pub state: LoadJobState,
    /// `timeoutSecond` (TaskInfo `timeout(s):`).
    pub timeout_s: i64,
    /// `maxFilterRatio` (TaskInfo `max_filter_ratio:`).
    pub max_filter_ratio: f64,
    /// When the statement started (`createTimestamp`), ms since the epoch.
    pub create_ms: i64,
    /// When loading started (`loadStartTimestamp`; for INSERT the create time).
    pub load_start_ms: i64,
    /// When the job ended (`finishTimestamp`).
    pub finish_ms: i64,
    pub fail_msg: Option<FailMsg>,
    /// Rows the statement's scans produced (`totalSourceLoadRows`; 0 for VALUES, which has
    /// no scan).
    pub scan_rows: u64,
    /// Rows rejected by conversion, strict mode or partition routing.
    pub filtered_rows: u64,
    /// Rows a WHERE of the load dropped (an INSERT has none).
    pub unselected_rows: u64,
    /// Rows the sink wrote (`totalSinkLoadRows`).
    pub sink_rows: u64,
    /// The BE's error log of the rejected rows (`EtlStatus.trackingUrl`), if any.
    pub tracking_url: Option<String>,
    /// The load transaction.
    pub txn_id: i64,
    /// The statement's load id (`JobDetails` keys its backends by it).
    pub load_id: String,
    /// The BEs that ran the load (`JobDetails` `All backends`).
    pub backend_ids: Vec<i64>,
}

impl LoadJobRecord {
    /// Progress as `LoadJob.getShowInfo` prints it: `ETL:100%; LOAD:100%` once finished
    /// (progress 100), `ETL:N/A; LOAD:N/A` when cancelled.
    pub fn progress(&self) -> &'static str {
        match self.state {
            LoadJobState::FINISHED => "ETL:100%; LOAD:100%",
            LoadJobState::CANCELLED => "ETL:N/A; LOAD:N/A",
        }
    }

    /// `type:<CancelType>; msg:<msg>` of a cancelled job, None otherwise.
    pub fn error_msg(&self) -> Option<String> {
        self.fail_msg
            .as_ref()
            .map(|f| format!("type:{}; msg:{}", f.cancel_type.name(), f.msg))
    }

    /// A job older than `keep_s` after it ended (`LoadMgr.isJobExpired` with
    /// `label_keep_max_second`).
    pub fn is_expired(&self, now_ms: i64, keep_s: i64) -> bool {
        now_ms - self.finish_ms > keep_s.saturating_mul(1000)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A finished INSERT of two VALUES rows.
    pub fn sample() -> LoadJobRecord {
        LoadJobRecord {
            id: 10278,
            db_id: 10001,
            table_id: 10002,
            label: "insert_load_wikipedia".into(),
            job_type: EtlJobType::INSERT,
            state: LoadJobState::FINISHED,
            timeout_s: 14400,
            max_filter_ratio: 0.0,
            create_ms: 1_686_565_867_000,
            load_start_ms: 1_686_565_867_000,
            finish_ms: 1_686_565_868_000,
            fail_msg: None,
            scan_rows: 0,
            filtered_rows: 0,
            unselected_rows: 0,
            sink_rows: 2,
            tracking_url: None,
            txn_id: 10277,
            load_id: "5ebf11b5-365e-11ee-9e4a-7a563fb695da".into(),
            backend_ids: vec![10006],
        }
    }

    #[test]
    fn round_trips_as_json_and_expires() {
        let mut j = sample();
        j.state = LoadJobState::CANCELLED;
        j.fail_msg = Some(FailMsg {
            cancel_type: CancelType::LOAD_RUN_FAIL,
            msg: "Cancelled".into(),
        });
        let back: LoadJobRecord = serde_json::from_slice(&serde_json::to_vec(&j).unwrap()).unwrap();
        assert_eq!(back, j);
        assert_eq!(back.progress(), "ETL:N/A; LOAD:N/A");
        assert_eq!(
            back.error_msg().as_deref(),
            Some("type:LOAD_RUN_FAIL; msg:Cancelled")
        );
        assert!(!j.is_expired(j.finish_ms + 259_200_000, 259_200));
        assert!(j.is_expired(j.finish_ms + 259_200_001, 259_200));
    }
}
