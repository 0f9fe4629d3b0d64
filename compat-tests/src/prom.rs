//! Reading Prometheus text pages (`/metrics` of an FE or a BE) in tests and benchmarks.

/// Sum of every sample of `name` (all label sets); 0 when the page has none, as a counter
/// reads before its first increment. `name` must match a sample's whole name: `x_count` is
/// not a sample of `x`.
pub fn sample_sum(page: &str, name: &str) -> f64 {
    page.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.split(['{', ' ']).next() == Some(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The `q` quantile (as the page prints it, e.g. "0.5") of summary `name` without other labels.
pub fn quantile(page: &str, name: &str, q: &str) -> Option<f64> {
    let prefix = format!("{name}{{quantile=\"{q}\"}} ");
    page.lines()
        .find_map(|l| l.strip_prefix(&prefix)?.trim().parse::<f64>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "# HELP a_total x\n# TYPE a_total counter\na_total{k=\"1\"} 2\n\
                        a_total{k=\"2\"} 3.5\na_total_other 100\n\
                        d_seconds{quantile=\"0.5\"} 0.25\nd_seconds_count 4\n";

    #[test]
    fn sums_whole_names_only() {
        assert_eq!(sample_sum(PAGE, "a_total"), 5.5);
        assert_eq!(sample_sum(PAGE, "d_seconds_count"), 4.0);
        assert_eq!(sample_sum(PAGE, "missing"), 0.0);
    }

    #[test]
    fn reads_a_summary_quantile() {
        assert_eq!(quantile(PAGE, "d_seconds", "0.5"), Some(0.25));
        assert_eq!(quantile(PAGE, "d_seconds", "0.99"), None);
    }
}
