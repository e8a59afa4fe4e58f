//! SHA-256 as Meta wants it: lowercase hex of the UTF-8 bytes of the normalized value.

use sha2::{Digest, Sha256};

/// Length of a SHA-256 digest in lowercase hex.
pub const SHA256_HEX_LEN: usize = 64;

/// The lowercase hex SHA-256 of `value`.
///
/// ```
/// assert_eq!(
///     fb_audience::sha256_hex("mary@example.com"),
///     "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"
/// );
/// ```
pub fn sha256_hex(value: &str) -> String {
    let mut out = String::with_capacity(SHA256_HEX_LEN);
    push_sha256_hex(value.as_bytes(), &mut out);
    out
}

/// Appends the lowercase hex SHA-256 of `bytes` to `out` (no allocation when `out` has room).
pub fn push_sha256_hex(bytes: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut buf = [0u8; SHA256_HEX_LEN];
    for (i, byte) in digest.iter().enumerate() {
        buf[2 * i] = HEX[(byte >> 4) as usize];
        buf[2 * i + 1] = HEX[(byte & 0x0f) as usize];
    }
    // The buffer holds only ASCII hex digits.
    out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
}

/// `true` when `value` is exactly 64 hex digits (either case): a SHA-256 that must not be hashed
/// again.
///
/// ```
/// assert!(fb_audience::is_sha256_hex(&"A".repeat(64)));
/// assert!(!fb_audience::is_sha256_hex("mary@example.com"));
/// ```
pub fn is_sha256_hex(value: &str) -> bool {
    value.len() == SHA256_HEX_LEN && value.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_string_digest_is_the_one_we_never_send() {
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn push_appends() {
        let mut s = String::from("x,");
        push_sha256_hex(b"test", &mut s);
        assert_eq!(
            s,
            "x,9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
    }
}
