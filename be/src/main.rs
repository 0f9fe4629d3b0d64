//! starload-be: flags, config, telemetry, listeners; nothing else.

fn main() {}
