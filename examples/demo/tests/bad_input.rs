//! (d) Bad input gets a clear error naming the thing.

use std::process::Command;

fn demo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_demo"))
        .args(args)
        .env_remove("DEMO_DB")
        .env_remove("DEMO_ENDPOINTS")
        .output()
        .expect("run demo")
}

#[test]
fn a_db_in_a_missing_folder_is_named() {
    let out = demo(&["--db", "/nonexistent/x.db", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--db /nonexistent/x.db"), "{stderr}");
    assert!(stderr.contains("/nonexistent"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing ran");
    assert!(
        !std::path::Path::new("/nonexistent").exists(),
        "the folder was created"
    );
}

#[test]
fn a_missing_endpoints_file_is_named() {
    let out = demo(&[
        "--endpoints",
        "/nonexistent/endpoints.json",
        "--db",
        "/tmp/unused-demo.db",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--endpoints /nonexistent/endpoints.json"),
        "{stderr}"
    );
}

#[test]
fn a_zero_order_count_is_refused_by_the_flag_parser() {
    let out = demo(&["--orders", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--orders"));
}
