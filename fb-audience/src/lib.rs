#![doc = include_str!("../README.md")]
//!
//! ## Where to start
//!
//! * **Normalization** ([`Normalizer`]) for every multi-key schema key, by the rules Meta
//!   publishes — not by the shortcuts of Meta's own SDKs, which lose accents and non-Latin names,
//!   send national phone numbers without a country code and turn "United States" into `un`
//!   (see [the differences](#where-this-crate-differs-from-metas-sdks)). A value that cannot be
//!   normalized is never hashed into `sha256("")`: its cell stays empty and a
//!   [`RejectReason`] says why, per row and per key.
//! * **Phones** through libphonenumber's rules and metadata (the [`phonenumber`] crate), with
//!   a fast path for the common shapes; about 0.2 µs per number instead of 1.3–3.5 µs.
//! * **Uploads** ([`Upload`]): add, remove or replace (`usersreplace`) from an iterator or a
//!   stream, in batches of at most 10,000 rows within one session (`session_id`, `batch_seq`
//!   from 1, `last_batch_flag`, `estimated_num_total`), holding one batch in memory, with
//!   Meta's 90-minute replace window guarded and every batch's answer aggregated
//!   ([`UploadReport`]).
//! * **Audience CRUD** ([`AdAccount`], [`AudienceRef`]): create, get, list (page or stream),
//!   delete.
//! * **Graph API plumbing**: `appsecret_proof`, a configurable Graph version, the error envelope
//!   ([`GraphError`]), and a [`GraphClassifier`] that maps error codes, `is_transient` and the
//!   `X-Business-Use-Case-Usage` wait to sync-core [`Verdict`](sync_core::Verdict)s, so
//!   sync-core's shared sender retries throttling after the time Meta announces and never retries a bad
//!   token.
//! * **Sync** ([`AudienceSink`]): subscribed customers in, unsubscribed customers out, unusable
//!   records dead-lettered with the reason.
//! * **Errors** ([`Error`]): sync-core's shared skeleton (`Config`, `Http`, `Api`, `Decode`,
//!   `Paging`) with the [`ClientError`](sync_core::http::ClientError) accessors, plus Meta's
//!   replace-session failures. [`sync_core::Ack::from_error`] turns any of them into a sink's
//!   per-record answer.
//!
//! ## The rules
//!
//! Every value is trimmed; values that are already SHA-256 hex digests (64 hex digits, either
//! case) pass through lowercased and are not hashed again. Hashes are SHA-256 of the UTF-8
//! bytes, lowercase hex. Text is put in Unicode NFC first: `e` + U+0301 and `é` must hash
//! alike, and only the composed form matches Meta's own hash.
//!
//! | Key | Rule (Meta's published rule, and how it is applied) | Rejected when |
//! |---|---|---|
//! | `EMAIL` | trim, lowercase (Unicode, after NFC) | no `@`, empty local part, domain without a dot, whitespace inside |
//! | `PHONE` | digits only, **with the country code**, no leading zeros: `(650)555-1212` → `16505551212`. A leading `+` or `00` means the code is given; otherwise the row's COUNTRY, else the configured default, supplies it, through libphonenumber's rules (trunk prefixes such as the `0` of `020 …` or the `8` of Russian numbers are dropped, carrier codes removed, Italian leading zeros kept). Extensions are dropped | no country for a national-format number; not a number; no valid calling code; under 7 or over 15 digits; a shape no number of that country has (libphonenumber's general pattern); optionally (`strict_phone_validation`) no assigned number type |
//! | `FN`, `LN` | lowercase, letters of **every script kept** (`Valéry` → `valéry`, `정` → `정`), combining marks of those letters kept, digits, punctuation and spaces dropped (`Mary-Jane` → `maryjane`) | no letter left |
//! | `FI` | the first letter of the `FN` rule's result (with its combining marks) | no letter |
//! | `CT` | as `FN` (`São Paulo` → `sãopaulo`, `Seattle-98121` → `seattle`) | no letter |
//! | `ST` | US (or unknown country): the two-letter code, from a code or a state name (`California` → `ca`); elsewhere as `CT` | US value that is no state; no letter |
//! | `ZIP` | lowercase, no spaces or dashes (`M1 1AE` → `m11ae`); US: the first five digits of a ZIP or ZIP+4, 3–4 digits padded with the zeros spreadsheets drop (`7030` → `07030`). A `12345-6789` shape is read as US when the country is unknown | US value that is no ZIP; nothing left |
//! | `COUNTRY` | ISO 3166-1 alpha-2, lowercase, from alpha-2, alpha-3 or numeric codes or country names in English and several other languages (`United States`, `USA`, `840`, `Deutschland` → `us`/`de`); `UK` → `gb` | not a code or a known name (never the first two letters) |
//! | `GEN` | `m` or `f` from the usual forms (`Male`, `F`, `female`, `weiblich`, `Mr.` …) | any other value |
//! | `DOBY` | four digits, 1900 to the current year | anything else |
//! | `DOBM` | `01`–`12`, from `2`, `02` or a month name | out of range |
//! | `DOBD` | `01`–`31`; with DOBM (and DOBY) in the row the date must exist | out of range; no such date (30 February) |
//! | `MADID` | lowercase, hyphens kept, **not hashed** | not an IDFA/GAID UUID, or the all-zero id of limited ad tracking |
//! | `EXTERN_ID` | exactly as given, **not hashed** (Meta: "use the exact format") | only whitespace |
//! | `LOOKALIKE_VALUE` | a non-negative decimal, sent as a JSON number, not hashed | not a non-negative number |
//!
//! A row is uploaded when at least one identifying value survived (anything but `COUNTRY`,
//! `GEN` and `LOOKALIKE_VALUE`) and, in a value-based schema, its value is valid.
//!
//! ## Where this crate differs from Meta's SDKs
//!
//! Meta's Python, PHP and Node SDKs disagree with Meta's published rules in ways that cost
//! matches (a value hashed differently from Meta's own copy never matches). We follow the
//! published rules. Measured on the benchmark's 100,000 rows (`benches/sdk_compare.py`), the
//! Python SDK's `format_params` produced a different hash for 84 % of phones, 48 % of first
//! names, 34 % of countries and 31 % of cities, and sent `sha256("")` tens of thousands of
//! times.
//!
//! | Key | SDK behaviour (Python `normalize_key`; PHP alike) | This crate | Why (match rate) |
//! |---|---|---|---|
//! | `PHONE` | keeps only `[0-9]`: no country code added, leading zeros kept (`0044 20 …` → `0044…`, `(650)555-1212` → `6505551212`) | country code from `+`/`00`, the row's COUNTRY or the default; leading zeros and trunk prefixes dropped | Meta's rule requires the country code and no leading zeros; a number without its code matches no one |
//! | `FN`, `LN`, `FI`, `CT`, `ST` | `[^a-zA-Z]` removed: `Valéry` → `valry`, `정` → empty, `São Paulo` → `sopaulo` | letters of every script kept, NFC | Meta's examples hash `valéry` and `정`; names in non-Latin scripts otherwise hash to `sha256("")` |
//! | `COUNTRY` | first two letters: `United States` → `un` | ISO 3166-1 lookup of codes and names | `un` is no country |
//! | `ZIP` | `split('-')[0]`: inner spaces kept (`M1 1AE` → `m1 1ae`) | spaces and dashes removed; US ZIP+4 cut to 5 digits | Meta: "no spaces and no dash" |
//! | `MADID` | hashed in the multi-key path | not hashed | Meta: "do not hash" |
//! | `EXTERN_ID` | lowercased | exactly as given | Meta: "use the exact format" consistently |
//! | `GEN` (PHP) | first character, not lowercased (`Male` → `M`) | `m`/`f` | Meta wants lowercase |
//! | Empty or unusable values | hashed: `sha256("")` is uploaded | cell left empty, reason reported | a hash of nothing can only match nothing, and hides data problems |
//! | Unicode | no normalization form | NFC first | decomposed input hashes differently |
//! | `DOBM`/`DOBD` | digits, padded; no range check | validated, date must exist | invalid dates cannot match |
//! | `CT` digits / punctuation | — | removed (`Seattle-98121` → `seattle`) | as the PHP SDK's CAPI tests and Meta's rule |
//!
//! Two choices follow one of Meta's documents where another says differently: `CT`/`ST` keep
//! UTF-8 letters (the Conversions API page allows special characters "encoded in UTF-8"; the
//! Custom Audiences table says a–z), and `ZIP` keeps a full UK postcode (`m11ae`, the
//! Conversions API example; the Custom Audiences table mentions area/district/sector).
//!
//! ## Phone numbers: the fast path and the full parse
//!
//! Most inputs are ASCII digits with spaces, dashes, dots, slashes or brackets, maybe after
//! `+` or `00` and before an extension. For those, this crate runs libphonenumber's parse steps
//! (international prefix, calling code, national prefix and carrier code with libphonenumber's
//! viability check, length tests) directly on the digits, using the metadata of the
//! [`phonenumber`] crate with its patterns compiled once. Everything else (vanity letters,
//! `tel:` URIs, unusual punctuation) goes to [`phonenumber::parse`].
//!
//! The two agree: wherever the full parse returns a number its own validator calls valid, the
//! fast path returns the same digits — checked by property tests over 55 regions, random digit
//! strings with every separator and prefix, and each region's example numbers written in
//! national and international form. They part only where the `phonenumber` port departs from
//! libphonenumber and yields a number that is not valid: it strips the region's calling code
//! from national numbers that merely begin with it (India's `91234 56789`), strips national
//! prefixes twice and without libphonenumber's viability check (St Petersburg's
//! `8 (812) 123-45-67`, Russian `8 800` numbers), and applies the default region's prefix rules
//! to `+CC` numbers. There the fast path follows libphonenumber (Java), and tests pin those
//! cases.
//!
//! ## Countries
//!
//! Country codes and names come from a table copied from the
//! [`keshvar`](https://docs.rs/keshvar) crate (ISO 3166-1 codes, ISO short and long names, and
//! common and foreign-language names) and checked against it by a test, plus a short list of
//! everyday English names ISO does not use (`Russia`, `South Korea`, `Czech Republic`, …). US
//! state names come from its ISO 3166-2 subdivisions.
//!
//! ## Errors and retries
//!
//! Calls go through sync-core's client kit ([`ApiClient`](sync_core::http::ApiClient)) with a
//! [`GraphClassifier`]: throttling codes (4, 17, 32, 341, 613, 80000–80014) wait for the time
//! in `X-Business-Use-Case-Usage` / `X-Ad-Account-Usage` (capped by
//! [`ClientOptions::max_server_wait`](sync_core::http::ClientOptions::max_server_wait)); codes 1, 2, `is_transient` and 5xx retry with backoff;
//! token and permission errors (190, 10, 200–299) stop at once with a hint. Uploads are safe to
//! retry (adding the same person twice changes nothing); audience creation is not retried after
//! a transport error. Replace sessions that Meta ended (2650 with subcodes 1870158, 1870159, …)
//! become [`Error::ReplaceSession`]; batches that would land after the 90-minute window are not
//! sent ([`Error::ReplaceWindowExpired`]), nor resent ([`Error::ReplaceResendTooLate`]). A
//! replace batch is resent with the same session fields and rows, so Meta sees one batch twice,
//! never a second replace. Removals travel in the query string in batches under
//! [`MAX_REMOVAL_URL_BYTES`] (see [`removal_url`]).
//!
//! The token, the app secret and `appsecret_proof` are registered, with Graph's
//! [secret names](auth::SECRET_NAMES), on the client's [`Client::redactor`]: they never appear
//! in `Debug`, in errors (Graph's `message` and `error_user_msg` included), in logs or in the
//! sink's per-record reasons. A base URL with user-info or a query is refused.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod audiences;
pub mod auth;
mod base_url;
pub mod client;
pub mod error;
pub mod hash;
pub mod models;
pub mod normalize;
pub mod removal_url;
mod replace_resend;
pub mod schema;
pub mod sync;
pub mod throttle;
pub mod users;
mod vendor;

/// sync-core, re-exported: the types in this crate's signatures ([`ClientOptions`](sync_core::http::ClientOptions),
/// [`Verdict`](sync_core::Verdict), [`Sink`](sync_core::Sink), …) without a second dependency line.
pub use sync_core;

pub use audiences::{AdAccount, AudienceRef};
pub use auth::{Credentials, appsecret_proof};
pub use client::{
    Client, ClientBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_BASE_URL, DEFAULT_GRAPH_VERSION,
    REPLACE_SESSION_LIMIT,
};
pub use error::{Error, GraphError, ReplaceFailure};
pub use hash::{is_sha256_hex, sha256_hex};
pub use models::{
    CustomAudience, CustomerFileSource, InvalidSample, NewAudience, Page, StatusInfo,
    UploadResponse,
};
pub use normalize::{
    BirthDate, CountryCode, DateOrder, FieldRejection, HashedRow, Normalized, Normalizer,
    NormalizerBuilder, PhoneError, RejectReason, UnknownCountry,
};
pub use removal_url::MAX_REMOVAL_URL_BYTES;
pub use schema::{Schema, SchemaError, SchemaKey, UnknownKey};
pub use sync::{AudienceChange, AudienceSink};
pub use throttle::GraphClassifier;
pub use users::{
    MAX_BATCH_ROWS, RejectionSummary, RowRejection, Upload, UploadMode, UploadReport, UploadSession,
};
