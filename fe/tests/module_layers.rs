//! The FE's layering (ARCHITECTURE.md "Layers", `fe/src/lib.rs`): each top-level module sits in
//! one layer and imports only modules of lower layers, and no set of more than two source
//! files imports each other in a circle. Reads `fe/src` as text (`module_graph`), so a new
//! upward import or a new module without a layer fails here before review.

use starload_compat_tests::module_graph::{self, circles, upward_imports};

/// Top layer first. Keep in step with `fe/src/lib.rs` and ARCHITECTURE.md.
const LAYERS: &[&[&str]] = &[
    // Entry points: MySQL protocol, FrontendService (BE -> FE), HTTP.
    &["server", "rpc", "http"],
    // The web console (/console): statements through the handler as the logged-in user.
    &["console"],
    // Several FEs: statement routing to the leader, read index, leadership take-over, peers.
    &["ha"],
    // Statement execution.
    &["handler"],
    // Wiring: one FeContext with every manager.
    &["context"],
    // Statement parsing; per-connection session state.
    &["sql", "session"],
    // Routine load jobs and scheduling; SELECT through DataFusion.
    &["routine_load", "query"],
    // Load transactions and publish; INSERT load jobs (SHOW LOAD).
    &["txn", "load_job"],
    // Backends and FE -> BE calls; users and grants; global variables.
    &["cluster", "privilege", "variables"],
    // Databases, tables, partitions, tablets.
    &["catalog"],
    // Foundations.
    &[
        "meta",
        "config",
        "result",
        "clock",
        "java_text",
        "error",
        "telemetry",
    ],
];

fn graph() -> module_graph::ModuleGraph {
    let src = starload_compat_tests::paths::package_dir(env!("CARGO_MANIFEST_DIR")).join("src");
    module_graph::read(&src).expect("read fe/src")
}

#[test]
fn no_module_imports_a_higher_layer() {
    let v = upward_imports(&graph(), LAYERS);
    let lines: Vec<String> = v.iter().map(|v| v.to_string()).collect();
    assert!(lines.is_empty(), "upward imports:\n{}", lines.join("\n"));
}

#[test]
fn no_circle_of_more_than_two_files() {
    let c = circles(&graph(), 2);
    assert!(c.is_empty(), "circles: {c:?}");
}

#[test]
fn the_graph_is_read_at_all() {
    // Guards the two checks above against a reader that finds nothing.
    let g = graph();
    assert!(g.edges.len() > 50, "only {} files", g.edges.len());
    let handler: Vec<String> = g.edges[&vec!["handler".to_string(), "ddl".to_string()]]
        .iter()
        .map(|d| d.join("::"))
        .collect();
    assert!(handler.iter().any(|d| d == "context"), "{handler:?}");
}
