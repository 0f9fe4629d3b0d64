//! `deploy/grafana/starload-routine-load.json` (issue 16) reads only metrics the FE declares:
//! every `starrocks_fe_*` / `starload_fe_*` name in a panel query is a row of
//! `telemetry::METRICS` (a renamed metric breaks this test, not the dashboard silently), and
//! every routine load metric the issue names appears on some panel.

use starload_fe::telemetry::METRICS;

#[test]
fn dashboard_queries_only_declared_metrics() {
    let path = starload_compat_tests::paths::package_dir(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy/grafana/starload-routine-load.json");
    let text = std::fs::read_to_string(path).expect("dashboard file");
    let dash: serde_json::Value = serde_json::from_str(&text).expect("dashboard JSON");
    let mut exprs = Vec::new();
    for p in dash["panels"].as_array().expect("panels") {
        for t in p["targets"].as_array().expect("targets") {
            exprs.push(t["expr"].as_str().expect("expr").to_string());
        }
    }
    for v in dash["templating"]["list"].as_array().expect("variables") {
        exprs.push(v["query"]["query"].as_str().expect("query").to_string());
    }
    let declared: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
    let mut used = Vec::new();
    for e in &exprs {
        for (i, _) in e.match_indices("_fe_") {
            let start = e[..i]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map(|s| s + 1)
                .unwrap_or(0);
            let end = e[i..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map(|s| i + s)
                .unwrap_or(e.len());
            used.push(e[start..end].to_string());
        }
    }
    assert!(!used.is_empty());
    for name in &used {
        assert!(
            declared.contains(&name.as_str()),
            "the dashboard queries {name}, which the FE does not declare"
        );
    }
    // The routine load metrics issue 16 names are all shown.
    for name in [
        "starrocks_fe_routine_load_jobs",
        "starrocks_fe_routine_load_max_lag_of_partition",
        "starrocks_fe_routine_load_rows_total",
        "starrocks_fe_routine_load_receive_bytes_total",
        "starrocks_fe_routine_load_error_rows_total",
        "starrocks_fe_routine_load_paused_total",
        "starload_fe_routine_load_max_time_lag_seconds",
        "starload_fe_routine_load_retention_horizon_seconds",
    ] {
        assert!(
            used.iter().any(|u| u == name),
            "{name} is on no dashboard panel"
        );
    }
}
