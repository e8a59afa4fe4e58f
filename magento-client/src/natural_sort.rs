//! PHP's `strnatcmp`, which Laminas sorts OAuth 1.0a parameter names with: Magento's verifier
//! orders `searchCriteria[filter_groups][2]` before `[10]`, so the client must too.

use std::cmp::Ordering;

/// PHP's `strnatcmp` (case-sensitive natural order), which Laminas sorts keys with:
/// digit runs compare as numbers (`[2]` before `[10]`); runs starting with `0` compare digit by
/// digit; leading zeros of the whole string are skipped.
pub(crate) fn php_strnatcmp(a: &[u8], b: &[u8]) -> Ordering {
    if a.is_empty() || b.is_empty() {
        return a.len().cmp(&b.len());
    }
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let (mut ai, mut bi) = (0usize, 0usize);
    let mut leading = true;
    loop {
        let mut ca = at(a, ai);
        let mut cb = at(b, bi);
        while leading && ca == b'0' && ai + 1 < a.len() && a[ai + 1].is_ascii_digit() {
            ai += 1;
            ca = a[ai];
        }
        while leading && cb == b'0' && bi + 1 < b.len() && b[bi + 1].is_ascii_digit() {
            bi += 1;
            cb = b[bi];
        }
        leading = false;
        while ca.is_ascii_whitespace() {
            ai += 1;
            ca = at(a, ai);
        }
        while cb.is_ascii_whitespace() {
            bi += 1;
            cb = at(b, bi);
        }
        if ca.is_ascii_digit() && cb.is_ascii_digit() {
            let fractional = ca == b'0' || cb == b'0';
            let result = if fractional {
                compare_left(a, &mut ai, b, &mut bi)
            } else {
                compare_right(a, &mut ai, b, &mut bi)
            };
            if result != Ordering::Equal {
                return result;
            }
            match (ai >= a.len(), bi >= b.len()) {
                (true, true) => return Ordering::Equal,
                (true, false) => return Ordering::Less,
                (false, true) => return Ordering::Greater,
                _ => {
                    ca = a[ai];
                    cb = b[bi];
                }
            }
        }
        match ca.cmp(&cb) {
            Ordering::Equal => {}
            other => return other,
        }
        ai += 1;
        bi += 1;
        match (ai >= a.len(), bi >= b.len()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
    }
}

fn is_digit_at(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Right-aligned numbers: the longest run wins, else the first difference.
fn compare_right(a: &[u8], ai: &mut usize, b: &[u8], bi: &mut usize) -> Ordering {
    let mut bias = Ordering::Equal;
    loop {
        let (da, db) = (is_digit_at(a, *ai), is_digit_at(b, *bi));
        match (da, db) {
            (false, false) => return bias,
            (false, true) => return Ordering::Less,
            (true, false) => return Ordering::Greater,
            (true, true) => {
                if bias == Ordering::Equal {
                    bias = a[*ai].cmp(&b[*bi]);
                }
            }
        }
        *ai += 1;
        *bi += 1;
    }
}

/// Left-aligned numbers (a run starting with 0): the first difference wins.
fn compare_left(a: &[u8], ai: &mut usize, b: &[u8], bi: &mut usize) -> Ordering {
    loop {
        let (da, db) = (is_digit_at(a, *ai), is_digit_at(b, *bi));
        match (da, db) {
            (false, false) => return Ordering::Equal,
            (false, true) => return Ordering::Less,
            (true, false) => return Ordering::Greater,
            (true, true) => match a[*ai].cmp(&b[*bi]) {
                Ordering::Equal => {}
                other => return other,
            },
        }
        *ai += 1;
        *bi += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strnatcmp_matches_php() {
        let cmp = |a: &str, b: &str| php_strnatcmp(a.as_bytes(), b.as_bytes());
        assert_eq!(cmp("img12", "img10"), Ordering::Greater);
        assert_eq!(cmp("img2", "img10"), Ordering::Less);
        assert_eq!(cmp("a%5B2%5D", "a%5B10%5D"), Ordering::Less);
        assert_eq!(cmp("x01", "x1"), Ordering::Less);
        assert_eq!(cmp("abc", "abc"), Ordering::Equal);
        assert_eq!(cmp("abc", "abcd"), Ordering::Less);
        assert_eq!(cmp("Z", "a"), Ordering::Less);
        assert_eq!(cmp("oauth_token", "oauth_version"), Ordering::Less);
        assert_eq!(cmp("", "a"), Ordering::Less);
    }
}
