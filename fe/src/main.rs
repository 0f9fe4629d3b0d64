//! starload-fe: flags, config, telemetry, listeners; nothing else.

fn main() {}
