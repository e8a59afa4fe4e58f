//! Normalization against Meta's published examples, the known SDK divergences, and
//! properties that hold for every input.

use fb_audience::{
    CountryCode, Normalized, Normalizer, PhoneError, RejectReason, Schema, SchemaKey,
    is_sha256_hex, sha256_hex,
};
use proptest::prelude::*;

fn us() -> Normalizer {
    Normalizer::builder()
        .default_country(CountryCode::US)
        .max_birth_year(2026)
        .build()
}

fn norm(key: SchemaKey, value: &str) -> String {
    us().normalize(key, value)
        .unwrap_or_else(|e| panic!("{key} {value:?}: {e}"))
        .as_str()
        .to_string()
}

/// Meta's published example values and their SHA-256s (Custom Audiences guide and the
/// Conversions API customer-information parameters page).
#[test]
fn metas_published_examples() {
    let n = us();
    let cases: &[(SchemaKey, &str, &str, &str)] = &[
        (
            SchemaKey::Email,
            "mary@example.com",
            "mary@example.com",
            "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79",
        ),
        (
            SchemaKey::Email,
            "John_Smith@gmail.com",
            "john_smith@gmail.com",
            "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f",
        ),
        (
            SchemaKey::Phone,
            "(650)555-1212",
            "16505551212",
            "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176",
        ),
        (
            SchemaKey::Phone,
            "+1 555 987 6543",
            "15559876543",
            "1ef970831d7963307784fa8688e8fce101a15685d62aa765fed23f3a2c576a4e",
        ),
        (
            SchemaKey::FirstName,
            "Mary",
            "mary",
            "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec",
        ),
        (
            SchemaKey::FirstName,
            "정",
            "정",
            "8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14",
        ),
        (
            SchemaKey::LastName,
            "Valéry",
            "valéry",
            "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c",
        ),
        (
            SchemaKey::Country,
            "United States",
            "us",
            "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621",
        ),
    ];
    for (key, input, normalized, digest) in cases {
        assert_eq!(norm(*key, input), *normalized, "{key} {input}");
        assert_eq!(n.hash(*key, input).unwrap(), *digest, "{key} {input}");
        assert_eq!(sha256_hex(normalized), *digest);
    }
}

#[test]
fn published_date_example() {
    // `2/16/1997` -> `19970216` is the Conversions API `db` example; Custom Audiences take the
    // parts as DOBY, DOBM and DOBD.
    let d = fb_audience::BirthDate::parse("2/16/1997", fb_audience::DateOrder::MonthDayYear, 2026)
        .unwrap();
    assert_eq!(d.to_string(), "19970216");
    assert_eq!(
        sha256_hex(&d.to_string()),
        "01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c"
    );
    assert_eq!(norm(SchemaKey::BirthYear, &d.year()), "1997");
    assert_eq!(norm(SchemaKey::BirthMonth, "2"), "02");
    assert_eq!(norm(SchemaKey::BirthDay, "16"), "16");
}

#[test]
fn nfc_and_decomposed_input_hash_alike() {
    let composed = "Val\u{e9}ry";
    let decomposed = "Vale\u{301}ry";
    let n = us();
    let a = n.hash(SchemaKey::FirstName, composed).unwrap();
    let b = n.hash(SchemaKey::FirstName, decomposed).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        a,
        "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c"
    );
    // Hashing the decomposed bytes directly gives Meta a value it cannot match.
    assert!(sha256_hex("vale\u{301}ry").starts_with("0aac459e"));
    // Same for cities and emails with accents.
    assert_eq!(
        n.hash(SchemaKey::City, "Sa\u{303}o Paulo").unwrap(),
        sha256_hex("s\u{e3}opaulo")
    );
    assert_eq!(
        n.hash(SchemaKey::Email, "Jose\u{301}@example.com").unwrap(),
        sha256_hex("jos\u{e9}@example.com")
    );
}

/// The behaviour vectors computed with Meta's Python SDK (`normalize_key`), next to ours.
#[test]
fn where_we_differ_from_the_python_sdk() {
    let table: &[(SchemaKey, &str, &str, &str)] = &[
        // key, input, SDK output, ours
        (
            SchemaKey::Phone,
            "0044 20 7183 8750",
            "00442071838750",
            "442071838750",
        ),
        (
            SchemaKey::Phone,
            "+44 (0)20 7183 8750",
            "4402071838750",
            "442071838750",
        ),
        (SchemaKey::FirstName, "Valéry", "valry", "valéry"),
        (SchemaKey::FirstName, "정", "", "정"),
        (SchemaKey::City, "São Paulo", "sopaulo", "sãopaulo"),
        (SchemaKey::Zip, "M1 1AE", "m1 1ae", "m11ae"),
        (SchemaKey::Country, "United States", "un", "us"),
    ];
    let n = Normalizer::builder()
        .default_country(CountryCode::US)
        .build();
    for (key, input, sdk, ours) in table {
        let country = if *key == SchemaKey::Zip {
            CountryCode::lookup("gb")
        } else {
            Some(CountryCode::US)
        };
        let got = n.normalize_in(*key, input, country).unwrap();
        assert_eq!(got.as_str(), *ours, "{key} {input}");
        assert_ne!(got.as_str(), *sdk);
    }
    // Where the SDK is right, so are we.
    assert_eq!(norm(SchemaKey::FirstName, " Mary-Jane "), "maryjane");
    assert_eq!(norm(SchemaKey::LastName, "O'Neil"), "oneil");
    assert_eq!(norm(SchemaKey::Zip, "94035-1234"), "94035");
    assert_eq!(norm(SchemaKey::Gender, "Male"), "m");
    assert_eq!(norm(SchemaKey::BirthMonth, "2"), "02");
    assert_eq!(norm(SchemaKey::BirthDay, "7"), "07");
    // MADID: lowercased, hyphens kept, and never hashed (the SDK's multi-key path hashes it).
    let madid = "AECE52E7-03EE-455A-B3C4-E57283966239";
    assert_eq!(
        us().hash(SchemaKey::MobileAdvertiserId, madid).unwrap(),
        madid.to_lowercase()
    );
    // EXTERN_ID exactly as given (the SDK lowercases it), never hashed.
    assert_eq!(
        us().hash(SchemaKey::ExternId, "Cust-00042").unwrap(),
        "Cust-00042"
    );
}

#[test]
fn empty_and_invalid_values_are_never_hashed() {
    let n = us();
    for key in SchemaKey::ALL {
        for blank in ["", "   ", "\t"] {
            assert_eq!(n.hash(key, blank), Err(RejectReason::Empty), "{key}");
        }
    }
    let schema = Schema::new(SchemaKey::ALL).unwrap();
    let row = n.hash_row(&schema, &[""; 16]);
    assert!(row.cells().iter().all(String::is_empty));
    assert!(!row.cells().iter().any(|c| *c == sha256_hex("")));
    assert!(!row.is_usable());
    assert_eq!(row.rejections().len(), 16);
    assert!(
        row.rejections()
            .iter()
            .all(|r| r.reason == RejectReason::Empty)
    );

    // Values that normalize to nothing are rejected with a reason, per key.
    let schema: Schema = "EMAIL,PHONE,FN,LN,CT,COUNTRY,ZIP,GEN,DOBY,DOBM,DOBD,MADID"
        .parse()
        .unwrap();
    let row = n.hash_row(
        &schema,
        &[
            "nope", "12", "1234", "--", "!!", "Atlantis", "ZIPPY", "other", "1850", "13", "32", "x",
        ],
    );
    let reasons: Vec<(SchemaKey, &str)> = row
        .rejections()
        .iter()
        .map(|r| (r.key, r.reason.code()))
        .collect();
    assert_eq!(
        reasons,
        [
            (SchemaKey::Email, "invalid_email"),
            (SchemaKey::Phone, "phone_length"),
            (SchemaKey::FirstName, "no_letters"),
            (SchemaKey::LastName, "no_letters"),
            (SchemaKey::City, "no_letters"),
            (SchemaKey::Country, "unknown_country"),
            (SchemaKey::Zip, "invalid_zip"),
            (SchemaKey::Gender, "unknown_gender"),
            (SchemaKey::BirthYear, "invalid_year"),
            (SchemaKey::BirthMonth, "invalid_month"),
            (SchemaKey::BirthDay, "invalid_day"),
            (SchemaKey::MobileAdvertiserId, "invalid_madid"),
        ]
    );
    assert!(row.cells().iter().all(String::is_empty));
}

#[test]
fn impossible_dates_are_caught_across_columns() {
    let schema: Schema = "EMAIL,DOBY,DOBM,DOBD".parse().unwrap();
    let n = us();
    let row = n.hash_row(&schema, &["a@b.co", "1997", "2", "30"]);
    assert_eq!(row.cells()[3], "");
    assert_eq!(row.rejections()[0].reason, RejectReason::NoSuchDate);
    assert_eq!(row.cells()[2], sha256_hex("02"));
    let leap = n.hash_row(&schema, &["a@b.co", "1996", "Feb", "29"]);
    assert!(leap.rejections().is_empty());
    assert_eq!(leap.cells()[3], sha256_hex("29"));
}

#[test]
fn row_country_drives_phone_zip_and_state() {
    let schema: Schema = "PHONE,ZIP,ST,COUNTRY".parse().unwrap();
    let n = us();
    let gb = n.hash_row(
        &schema,
        &["020 7183 8750", "SW1A 1AA", "Greater London", "GB"],
    );
    assert_eq!(gb.cells()[0], sha256_hex("442071838750"));
    assert_eq!(gb.cells()[1], sha256_hex("sw1a1aa"));
    assert_eq!(gb.cells()[2], sha256_hex("greaterlondon"));
    let usa = n.hash_row(&schema, &["(650) 555-1212", "94035-1234", "California", ""]);
    assert_eq!(usa.cells()[0], sha256_hex("16505551212"));
    assert_eq!(usa.cells()[1], sha256_hex("94035"));
    assert_eq!(usa.cells()[2], sha256_hex("ca"));
    // Without a default country, a national-format number cannot be completed.
    let bare = Normalizer::default();
    assert_eq!(
        bare.normalize(SchemaKey::Phone, "(650) 555-1212"),
        Err(RejectReason::Phone(PhoneError::NoCountry))
    );
    assert!(bare.normalize(SchemaKey::Phone, "+1 650 555 1212").is_ok());
}

#[test]
fn lookalike_values_and_rows() {
    let schema: Schema = "EMAIL,LOOKALIKE_VALUE".parse().unwrap();
    let n = us();
    let row = n.hash_row(&schema, &["a@b.co", "129.90"]);
    assert_eq!(row.cells()[1], "129.9");
    assert!(row.is_usable());
    let no_value = n.hash_row(&schema, &["a@b.co", "lots"]);
    assert!(!no_value.is_usable(), "a value-based row needs its value");
}

fn key_strategy() -> impl Strategy<Value = SchemaKey> {
    prop::sample::select(
        SchemaKey::ALL
            .into_iter()
            .filter(|k| *k != SchemaKey::Phone)
            .collect::<Vec<_>>(),
    )
}

/// Text with Latin, accented (composed and decomposed), Hangul, Cyrillic, Devanagari, digits,
/// punctuation and whitespace.
fn messy_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "a", "B", "é", "e\u{301}", "Ö", "ß", "İ", "정", "ㅈ", "ㅓ", "ㅇ", "Д", "я", "दे", "ว",
            "1", "9", " ", "-", ".", "'", "@", "_", "/", "\u{a0}", "\t", "ǅ", "Σ", "ς", "ﬁ", "Å",
            "Å",
        ]),
        0..16,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Normalizing a normalized value again changes nothing, for every key but PHONE (covered
    /// by the phone module's own property, with its `+`).
    #[test]
    fn normalizing_twice_changes_nothing(key in key_strategy(), s in messy_text()) {
        let n = us();
        if let Ok(Normalized::Value(once)) = n.normalize(key, &s) {
            let twice = n.normalize(key, &once);
            prop_assert_eq!(twice, Ok(Normalized::Value(once.clone())), "{} {:?}", key, s);
        }
    }

    #[test]
    fn emails_twice(local in "[A-Za-z0-9._%+-]{1,12}", domain in "[A-Za-z]{1,8}\\.[A-Za-z]{2,4}", pad in " {0,2}") {
        let n = us();
        let input = format!("{pad}{local}@{domain}{pad}");
        let once = n.normalize(SchemaKey::Email, &input).unwrap();
        prop_assert_eq!(n.normalize(SchemaKey::Email, once.as_str()).unwrap(), once);
    }

    /// Output is always NFC (EXTERN_ID excepted: it stays exactly as given) and a digest is
    /// always 64 lowercase hex digits.
    #[test]
    fn outputs_are_nfc_and_digests_are_hex(key in key_strategy(), s in messy_text()) {
        use unicode_normalization::is_nfc;
        let n = us();
        if key != SchemaKey::ExternId && let Ok(v) = n.normalize(key, &s) {
            prop_assert!(is_nfc(v.as_str()));
            prop_assert!(!v.as_str().is_empty());
        }
        if key.is_hashed() && let Ok(h) = n.hash(key, &s) {
            prop_assert!(is_sha256_hex(&h) && h == h.to_lowercase());
        }
    }

    /// A SHA-256 in either case passes through unchanged (lowercased), never hashed again.
    #[test]
    fn already_hashed_values_pass_through(
        key in key_strategy(),
        digest in "[0-9a-fA-F]{64}",
        pad in " {0,3}",
    ) {
        prop_assume!(key.is_hashed());
        let n = us();
        let input = format!("{pad}{digest}{pad}");
        prop_assert_eq!(n.hash(key, &input).unwrap(), digest.to_lowercase());
        prop_assert_eq!(n.hash(SchemaKey::Phone, &input).unwrap(), digest.to_lowercase());
        prop_assert_eq!(
            n.normalize(key, &input).unwrap(),
            Normalized::AlreadyHashed(digest.to_lowercase())
        );
    }

    /// Rows never contain sha256("") and always have one cell per key.
    #[test]
    fn rows_never_contain_the_empty_digest(values in prop::collection::vec(messy_text(), 6)) {
        let schema: Schema = "EMAIL,PHONE,FN,LN,CT,COUNTRY".parse().unwrap();
        let row = us().hash_row(&schema, &values);
        prop_assert_eq!(row.cells().len(), 6);
        let empty = sha256_hex("");
        prop_assert!(row.cells().iter().all(|c| *c != empty));
        for (i, c) in row.cells().iter().enumerate() {
            let rejected = row.rejections().iter().any(|r| r.column == i);
            prop_assert_eq!(c.is_empty(), rejected);
        }
    }
}
