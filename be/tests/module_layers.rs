//! The BE's layering (ARCHITECTURE.md "Layers", `be/src/lib.rs`): each top-level module imports
//! only modules of lower layers, and no two sibling files import each other (a parent file that
//! re-exports its children and defines types they use is allowed: `storage.rs`'s
//! `TabletStore` is that hub). Reads `be/src` as text (`module_graph`).

use starload_compat_tests::module_graph::{self, circles, upward_imports};

/// Top layer first. Keep in step with `be/src/lib.rs` and ARCHITECTURE.md.
const LAYERS: &[&[&str]] = &[
    // Entry points: BackendService (gRPC), HTTP.
    &["service", "http"],
    // Routine load tasks: Kafka, decode, transform, sink, report.
    &["load"],
    // Shared state and the RoutineLoadTasks trait the service calls through.
    &["context"],
    // RocksDB tablets.
    &["storage"],
    // Foundations.
    &["config", "error", "telemetry"],
];

fn graph() -> module_graph::ModuleGraph {
    let src = starload_compat_tests::paths::package_dir(env!("CARGO_MANIFEST_DIR")).join("src");
    module_graph::read(&src).expect("read be/src")
}

#[test]
fn no_module_imports_a_higher_layer() {
    let v = upward_imports(&graph(), LAYERS);
    let lines: Vec<String> = v.iter().map(|v| v.to_string()).collect();
    assert!(lines.is_empty(), "upward imports:\n{}", lines.join("\n"));
}

#[test]
fn no_circle_between_sibling_files() {
    let c = circles(&graph().without_edges_to_ancestors(), 1);
    assert!(c.is_empty(), "circles: {c:?}");
}

#[test]
fn the_graph_is_read_at_all() {
    let g = graph();
    assert!(g.edges.len() > 30, "only {} files", g.edges.len());
    let task: Vec<String> = g.edges[&vec!["load".to_string(), "task".to_string()]]
        .iter()
        .map(|d| d.join("::"))
        .collect();
    assert!(task.iter().any(|d| d == "load::sink"), "{task:?}");
}
