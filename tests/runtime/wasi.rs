//! A component built for wasm32-wasip1 loads, and WASI grants it nothing.

use dailyx_tests::*;

#[tokio::test]
async fn a_wasi_component_finds_no_files_env_args_or_network() {
    let reg = TestRegistry::new();
    reg.put("probe.wasm", &component_bytes("fixtures/wasi-probe"));
    reg.manifest("[[component]]\nname = \"probe\"\nversion = \"0.1.0\"\nworld = \"writer\"\nfile = \"probe.wasm\"\n");
    let runtime = reg.start().await;
    let registry = runtime.registry();
    assert!(registry.problems.is_empty(), "{:?}", registry.problems);
    assert!(registry.components["probe"].imports_wasi);
    let record = runtime.call("probe", writer_input("any", &[])).await;
    let notes = &crate::expect_draft(&record).notes;
    assert_eq!(
        notes,
        &vec![
            "read /etc/passwd: false".to_string(),
            "read_dir /: false".into(),
            "read_dir .: false".into(),
            "create /tmp/dailyx-probe: false".into(),
            "env vars: 0".into(),
            "args: 0".into(),
            "tcp connect: false".into(),
            "clock works: true".into(),
        ]
    );
    assert!(!std::path::Path::new("/tmp/dailyx-probe").exists());
}
