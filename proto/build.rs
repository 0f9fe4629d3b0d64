//! Compiles proto/*.proto with protox (pure Rust, no protoc on the machine) and generates the
//! tonic client/server code into OUT_DIR. Nothing generated is committed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/types.proto",
        "proto/be_service.proto",
        "proto/fe_service.proto",
        "proto/fe_ha.proto",
    ];
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
