//! The `audience-hash` binary end to end: Meta's published examples in, hashes out, rejects on
//! stderr with line numbers, exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const SHA256_EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn run(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_audience-hash"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("audience-hash starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn hashes_metas_published_examples() {
    let input = "email,phone,fn,ln,ct,country\n\
                 Mary@Example.com,(650)555-1212,Valéry,정,Menlo Park,United States\n";
    let out = run(&["--country", "us"], input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("EMAIL,PHONE,FN,LN,CT,COUNTRY"));
    let cells: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        cells,
        [
            // sha256("mary@example.com"), sha256("16505551212"), sha256("valéry"),
            // sha256("정"), sha256("menlopark"), sha256("us")
            "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79",
            "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176",
            "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c",
            "8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14",
            "0007a3d64c01e23d5075203c5977c14e4f7e01a3fc570686fcc50b5e1dd42685",
            "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621",
        ]
    );
}

#[test]
fn rejects_are_reported_per_line_and_never_hashed_empty() {
    let input = "email,phone,fn\n\
                 ok@example.com,(650)555-1212,Ann\n\
                 not-an-email,,Bob\n";
    let out = run(&["--country", "us"], input);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stdout.contains(SHA256_EMPTY), "{stdout}");
    let bob = stdout
        .lines()
        .nth(2)
        .expect("Bob's row is kept: FN still identifies");
    assert!(bob.starts_with(','), "rejected email left empty: {bob}");
    // The rejected email is named with its line (line 3 of the input) and key.
    let reject = stderr
        .lines()
        .find(|l| l.contains("EMAIL"))
        .unwrap_or_default();
    assert!(reject.contains('3'), "{stderr}");
}

#[test]
fn two_threads_write_the_same_output_as_one() {
    let mut input = String::from("email,phone,fn,ln,country\n");
    for i in 0..5000 {
        input.push_str(&format!(
            "user{i}@example.com,+4930{i:07},Jürgen{i},Müller,de\n"
        ));
    }
    let one = run(&["--threads", "1", "--quiet"], &input);
    let two = run(&["--threads", "2", "--quiet"], &input);
    assert!(one.status.success() && two.status.success());
    assert_eq!(one.stdout.iter().filter(|b| **b == b'\n').count(), 5001);
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn unusable_input_exits_2() {
    let out = run(&[], "email,favourite_colour\na@b.com,blue\n");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("favourite_colour"));
    let out = run(&["--country", "atlantis"], "email\na@b.com\n");
    assert_ne!(out.status.code(), Some(0));
}

/// A connection whose reader gets `data`, then a connection reset (ECONNRESET).
#[cfg(target_os = "linux")]
fn reset_after(data: &[u8]) -> std::net::TcpStream {
    use std::net::{TcpListener, TcpStream};

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let conn = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    peer.write_all(data).unwrap();
    // Linux resets a connection, rather than ending it cleanly, when a socket is closed with
    // data it has not read: leave one byte unread on `peer`, then close it.
    (&conn).write_all(b"x").unwrap();
    let mut byte = [0u8; 1];
    assert_eq!(peer.peek(&mut byte).unwrap(), 1);
    drop(peer);
    conn
}

/// A read error part-way through the input (here a connection reset after the header and two
/// rows, as a pipe from another host or a network share can produce) must not end in exit 0
/// with a truncated file that a script would then upload.
#[cfg(target_os = "linux")]
#[test]
fn a_read_error_mid_file_fails_and_says_the_output_is_incomplete() {
    use std::os::fd::OwnedFd;

    for threads in ["1", "2"] {
        let conn = reset_after(b"email\na@example.com\nb@example.com\n");
        let out = Command::new(env!("CARGO_BIN_EXE_audience-hash"))
            .args(["--threads", threads])
            .stdin(Stdio::from(OwnedFd::from(conn)))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--threads {threads}: {stderr}");
        assert!(stderr.contains("INCOMPLETE"), "{stderr}");
        assert!(stderr.contains("line 4"), "where reading stopped: {stderr}");
        // The rows read before the failure are still written (header + 2 rows).
        assert_eq!(
            out.stdout.iter().filter(|b| **b == b'\n').count(),
            3,
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
