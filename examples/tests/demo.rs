//! The demo runs for real against the sandbox and loses nothing.

use std::process::Command;

#[test]
fn demo_syncs_resumes_and_loses_nothing() {
    let db =
        std::env::temp_dir().join(format!("commerce-sync-demo-test-{}.db", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_demo"))
        .args(["--db", db.to_str().unwrap(), "--orders", "100"])
        .output()
        .expect("demo starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 100 + 60 orders, every 41st with a malformed email: 3 dead letters.
    assert!(
        stdout.contains("done: 100 seen, 98 delivered, 2 dead-lettered"),
        "{stdout}"
    );
    assert!(stdout.contains("done: 0 seen, 0 delivered"), "{stdout}");
    assert!(
        stdout.contains("done: 60 seen, 59 delivered, 1 dead-lettered"),
        "{stdout}"
    );
    assert!(stdout.contains("dead letters (3)"), "{stdout}");
    assert!(stdout.contains("nothing lost"), "{stdout}");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
