//! SHOW LOAD rows and `information_schema.loads` cells of a load job, as StarRocks 3.4 prints
//! them: titles from `common/proc/LoadProcDir.TITLE_NAMES` (21 columns, `Warehouse` last,
//! pinned by `ShowLoadStmtTest.testNormal`), values from `load/loadv2/LoadJob.getShowInfo`
//! (SHOW LOAD) and `LoadJob.toThrift` (information_schema.loads), JobDetails from
//! `load/EtlStatus.LoadStatistic.toShowInfoStr`. `shared/spec/frontend.md` §4 lists the
//! 2.x titles (`URL`, no row counts, no `Warehouse`); the 3.4 source wins, and the tracking
//! URL is `information_schema.loads.TRACKING_URL` (SHOW LOAD prints `TrackingSQL`).

use super::record::LoadJobRecord;
use crate::java_text::{fmt_time, java_double};

/// SHOW LOAD titles (`LoadProcDir.TITLE_NAMES`).
pub const SHOW_LOAD_TITLES: [&str; 21] = [
    "JobId",
    "Label",
    "State",
    "Progress",
    "Type",
    "Priority",
    "ScanRows",
    "FilteredRows",
    "UnselectedRows",
    "SinkRows",
    "EtlInfo",
    "TaskInfo",
    "ErrorMsg",
    "CreateTime",
    "EtlStartTime",
    "EtlFinishTime",
    "LoadStartTime",
    "LoadFinishTime",
    "TrackingSQL",
    "JobDetails",
    "Warehouse",
];

/// SHOW LOAD columns whose values are Java `Long`s (`getShowInfo` adds them as numbers), so
/// ORDER BY compares them as numbers; every other column compares as text.
pub const NUMERIC_TITLES: [&str; 5] = [
    "JobId",
    "ScanRows",
    "FilteredRows",
    "UnselectedRows",
    "SinkRows",
];

/// `LoadPriority.NORMAL` by name: INSERT jobs keep the default priority.
pub const PRIORITY: &str = "NORMAL";

/// The warehouse every job runs in (`WarehouseManager.DEFAULT_WAREHOUSE_NAME`); starload has
/// one.
pub const DEFAULT_WAREHOUSE: &str = "default_warehouse";

/// `FeConstants.NULL_STRING`: what SHOW LOAD prints for an absent value.
const NULL_STRING: &str = "NULL";

/// `resource:N/A; timeout(s):<t>; max_filter_ratio:<r>` (`getResourceName` is `N/A` for
/// every load but Spark).
pub fn task_info(job: &LoadJobRecord) -> String {
    format!(
        "resource:N/A; timeout(s):{}; max_filter_ratio:{}",
        job.timeout_s,
        java_double(job.max_filter_ratio)
    )
}

/// The TrackingSQL cell: a query over `load_tracking_logs` when the job has rejected rows,
/// empty otherwise.
pub fn tracking_sql(job: &LoadJobRecord) -> Option<String> {
    job.tracking_url.as_ref().map(|_| {
        format!(
            "select tracking_log from information_schema.load_tracking_logs where job_id={}",
            job.id
        )
    })
}

/// JobDetails: Gson of a `TreeMap` (keys in code-unit order, no spaces). An INSERT has one
/// load (task) on one coordinator BE, which has finished when the job is recorded; it reads
/// no files. The BE does not report written bytes, so `InternalTableLoadBytes` and
/// `ScanBytes` are 0.
pub fn job_details(job: &LoadJobRecord) -> String {
    let ids = job
        .backend_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let load_id = json_string(&job.load_id);
    format!(
        concat!(
            "{{\"All backends\":{{{id}:[{ids}]}},\"FileNumber\":0,\"FileSize\":0,",
            "\"InternalTableLoadBytes\":0,\"InternalTableLoadRows\":{sink},\"ScanBytes\":0,",
            "\"ScanRows\":{scan},\"TaskNumber\":1,\"Unfinished backends\":{{{id}:[]}}}}"
        ),
        id = load_id,
        ids = ids,
        sink = job.sink_rows,
        scan = job.scan_rows,
    )
}

/// A JSON string literal as Gson writes it (HTML-safe escaping of `<`, `>`, `&`, `=`, `'`).
fn json_string(s: &str) -> String {
    crate::java_text::gson_string(s, true)
}

/// One SHOW LOAD row (`LoadJob.getShowInfo`), times in zone `tz` (`TimeUtils` prints in the
/// session's time zone).
pub fn show_row(job: &LoadJobRecord, tz: &str) -> Vec<Option<String>> {
    let t = |ms: i64| Some(fmt_time(ms, tz));
    vec![
        Some(job.id.to_string()),
        Some(job.label.clone()),
        Some(job.state.name().to_string()),
        Some(job.progress().to_string()),
        Some(job.job_type.name().to_string()),
        Some(PRIORITY.to_string()),
        Some(job.scan_rows.to_string()),
        Some(job.filtered_rows.to_string()),
        Some(job.unselected_rows.to_string()),
        Some(job.sink_rows.to_string()),
        // EtlInfo: only Spark loads have ETL counters.
        Some(NULL_STRING.to_string()),
        Some(task_info(job)),
        Some(job.error_msg().unwrap_or_else(|| NULL_STRING.to_string())),
        t(job.create_ms),
        // An INSERT has no ETL stage: EtlStartTime, EtlFinishTime and LoadStartTime are all
        // the load start (`getEtlStartTimestamp` returns `loadStartTimestamp`).
        t(job.load_start_ms),
        t(job.load_start_ms),
        t(job.load_start_ms),
        t(job.finish_ms),
        Some(tracking_sql(job).unwrap_or_default()),
        Some(job_details(job)),
        Some(DEFAULT_WAREHOUSE.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load_job::record::tests::sample;
    use crate::load_job::record::{CancelType, FailMsg, LoadJobState};

    fn cell(row: &[Option<String>], title: &str) -> String {
        let i = SHOW_LOAD_TITLES.iter().position(|t| *t == title).unwrap();
        row[i].clone().unwrap()
    }

    #[test]
    fn finished_insert_row_as_starrocks_prints_it() {
        // StarRocks's docs (loading/InsertInto.md, "Check via SHOW LOAD") show the same row
        // for an INSERT of two VALUES rows.
        let row = show_row(&sample(), "Asia/Shanghai");
        assert_eq!(row.len(), SHOW_LOAD_TITLES.len());
        assert_eq!(cell(&row, "JobId"), "10278");
        assert_eq!(cell(&row, "State"), "FINISHED");
        assert_eq!(cell(&row, "Progress"), "ETL:100%; LOAD:100%");
        assert_eq!(cell(&row, "Type"), "INSERT");
        assert_eq!(cell(&row, "Priority"), "NORMAL");
        assert_eq!(cell(&row, "ScanRows"), "0");
        assert_eq!(cell(&row, "SinkRows"), "2");
        assert_eq!(cell(&row, "EtlInfo"), "NULL");
        assert_eq!(
            cell(&row, "TaskInfo"),
            "resource:N/A; timeout(s):14400; max_filter_ratio:0.0"
        );
        assert_eq!(cell(&row, "ErrorMsg"), "NULL");
        assert_eq!(cell(&row, "CreateTime"), "2023-06-12 18:31:07");
        assert_eq!(cell(&row, "EtlStartTime"), "2023-06-12 18:31:07");
        assert_eq!(cell(&row, "EtlFinishTime"), "2023-06-12 18:31:07");
        assert_eq!(cell(&row, "LoadStartTime"), "2023-06-12 18:31:07");
        assert_eq!(cell(&row, "LoadFinishTime"), "2023-06-12 18:31:08");
        assert_eq!(cell(&row, "TrackingSQL"), "");
        assert_eq!(
            cell(&row, "JobDetails"),
            r#"{"All backends":{"5ebf11b5-365e-11ee-9e4a-7a563fb695da":[10006]},"FileNumber":0,"FileSize":0,"InternalTableLoadBytes":0,"InternalTableLoadRows":2,"ScanBytes":0,"ScanRows":0,"TaskNumber":1,"Unfinished backends":{"5ebf11b5-365e-11ee-9e4a-7a563fb695da":[]}}"#
        );
        assert_eq!(cell(&row, "Warehouse"), "default_warehouse");
    }

    #[test]
    fn cancelled_insert_row() {
        let mut j = sample();
        j.state = LoadJobState::CANCELLED;
        j.max_filter_ratio = 0.25;
        j.filtered_rows = 1;
        j.tracking_url = Some("http://127.0.0.1:8040/api/_load_error_log?file=x".into());
        j.fail_msg = Some(FailMsg {
            cancel_type: CancelType::LOAD_RUN_FAIL,
            msg: "Cancelled".into(),
        });
        let row = show_row(&j, "+00:00");
        assert_eq!(cell(&row, "Progress"), "ETL:N/A; LOAD:N/A");
        assert_eq!(cell(&row, "FilteredRows"), "1");
        assert_eq!(
            cell(&row, "TaskInfo"),
            "resource:N/A; timeout(s):14400; max_filter_ratio:0.25"
        );
        assert_eq!(cell(&row, "ErrorMsg"), "type:LOAD_RUN_FAIL; msg:Cancelled");
        assert_eq!(cell(&row, "CreateTime"), "2023-06-12 10:31:07");
        assert_eq!(
            cell(&row, "TrackingSQL"),
            "select tracking_log from information_schema.load_tracking_logs where job_id=10278"
        );
    }

    #[test]
    fn gson_escapes_html_characters() {
        assert_eq!(
            json_string("a<b>=&'\"\\"),
            r#""a\u003cb\u003e\u003d\u0026\u0027\"\\""#
        );
    }

    #[test]
    fn numeric_titles_are_titles() {
        for t in NUMERIC_TITLES {
            assert!(SHOW_LOAD_TITLES.contains(&t), "{t}");
        }
    }
}
