//! `audience-hash`: normalize and hash a customer CSV for a Meta Custom Audience upload.
//!
//! The input's header names the schema keys (`EMAIL,PHONE,FN,LN,CT,ST,ZIP,COUNTRY,GEN,DOBY,
//! DOBM,DOBD,FI,MADID,EXTERN_ID,LOOKALIKE_VALUE`, any case; a `DOB` column is split into
//! DOBY, DOBM and DOBD). The output is CSV with the same keys as header: SHA-256 hex for the
//! hashed keys, MADID / EXTERN_ID / LOOKALIKE_VALUE as Meta wants them, and an empty cell where
//! a value was rejected — never the hash of an empty string. Rows with nothing identifying left
//! are not written. Every rejected value is reported on stderr with its line number.
//!
//! Exit status: 0 when the whole input could be read (however many values or malformed rows
//! were rejected), 2 when it cannot be used (unreadable file, missing or unknown header, or a
//! read error part-way through, in which case the output holds only the rows before it and
//! must not be uploaded), 1 on an output error.
//!
//! ```text
//! audience-hash --country us < customers.csv > hashed.csv
//! audience-hash --country de --threads 2 --input customers.csv --output hashed.csv
//! ```

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Instant;

use fb_audience::{
    BirthDate, CountryCode, DateOrder, HashedRow, Normalizer, RejectReason, Schema, SchemaKey,
};

const USAGE: &str = "usage: audience-hash [--country CC] [--date-order mdy|dmy] [--strict-phones]
                     [--threads N] [--input FILE] [--output FILE] [--quiet]

  --country CC      country for rows without a usable COUNTRY (national-format phones,
                    ZIP and state rules); ISO code or name
  --date-order      order of a single DOB column written with separators (default mdy)
  --strict-phones   also reject phone numbers no number type of their country matches
  --threads N       hashing threads (default 1)
  --input FILE      read FILE instead of stdin
  --output FILE     write FILE instead of stdout
  --quiet           no per-value rejection lines on stderr, only the summary";

/// Rows handed to a hashing thread at a time.
const CHUNK_ROWS: usize = 4096;

struct Options {
    country: Option<CountryCode>,
    date_order: DateOrder,
    strict_phones: bool,
    threads: usize,
    input: Option<String>,
    output: Option<String>,
    quiet: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        country: None,
        date_order: DateOrder::MonthDayYear,
        strict_phones: false,
        threads: 1,
        input: None,
        output: None,
        quiet: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--country" => {
                let v = value("--country")?;
                o.country = Some(
                    CountryCode::lookup(&v)
                        .ok_or_else(|| format!("--country: {v:?} is not a country"))?,
                );
            }
            "--date-order" => {
                o.date_order = match value("--date-order")?.to_ascii_lowercase().as_str() {
                    "mdy" => DateOrder::MonthDayYear,
                    "dmy" => DateOrder::DayMonthYear,
                    "ymd" => DateOrder::YearMonthDay,
                    other => return Err(format!("--date-order: {other:?} is not mdy, dmy or ymd")),
                }
            }
            "--strict-phones" => o.strict_phones = true,
            "--threads" => {
                let v = value("--threads")?;
                o.threads = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=256).contains(n))
                    .ok_or_else(|| format!("--threads: {v:?} is not a number from 1 to 256"))?;
            }
            "--input" => o.input = Some(value("--input")?),
            "--output" => o.output = Some(value("--output")?),
            "--quiet" => o.quiet = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(o)
}

/// How an input column becomes schema columns.
#[derive(Clone, Copy)]
enum Column {
    Value,
    /// A whole date of birth, split into DOBY, DOBM, DOBD.
    Dob,
}

struct Layout {
    columns: Vec<Column>,
    schema: Schema,
}

fn layout(header: &csv::ByteRecord) -> Result<Layout, String> {
    let mut columns = Vec::new();
    let mut keys = Vec::new();
    for (i, raw) in header.iter().enumerate() {
        let name = String::from_utf8_lossy(raw);
        let name = name.trim().trim_start_matches('\u{feff}');
        if name.eq_ignore_ascii_case("DOB") {
            columns.push(Column::Dob);
            keys.extend([
                SchemaKey::BirthYear,
                SchemaKey::BirthMonth,
                SchemaKey::BirthDay,
            ]);
            continue;
        }
        let key: SchemaKey = name
            .parse()
            .map_err(|e| format!("header column {} ({name:?}): {e}", i + 1))?;
        columns.push(Column::Value);
        keys.push(key);
    }
    let schema = Schema::new(keys).map_err(|e| format!("header: {e}"))?;
    Ok(Layout { columns, schema })
}

/// What hashing a chunk produced, in input order.
struct Done {
    seq: u64,
    csv: Vec<u8>,
    report: Vec<u8>,
    rows: u64,
    written: u64,
    rejected_values: u64,
}

struct Hasher<'a> {
    normalizer: &'a Normalizer,
    layout: &'a Layout,
    date_order: DateOrder,
    max_year: i32,
    quiet: bool,
}

impl Hasher<'_> {
    fn chunk(&self, seq: u64, records: &[(u64, csv::ByteRecord)]) -> Done {
        let mut csv_out = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::with_capacity(records.len() * 6 * 66));
        let mut report = Vec::new();
        let mut values: Vec<String> = Vec::new();
        let mut row = HashedRow::default();
        let (mut written, mut rejected_values) = (0, 0);
        values.resize_with(self.layout.schema.len(), String::new);
        for (line, record) in records {
            let mut dob_error = None;
            let mut j = 0;
            for (i, column) in self.layout.columns.iter().enumerate() {
                let raw = record.get(i).unwrap_or_default();
                match column {
                    Column::Value => {
                        let cell = &mut values[j];
                        cell.clear();
                        match std::str::from_utf8(raw) {
                            Ok(text) => cell.push_str(text),
                            Err(_) => cell.push_str(&String::from_utf8_lossy(raw)),
                        }
                        j += 1;
                    }
                    Column::Dob => {
                        let raw = String::from_utf8_lossy(raw);
                        let parts = match BirthDate::parse(&raw, self.date_order, self.max_year) {
                            Some(d) => [d.year(), d.month(), d.day()],
                            None => {
                                if !raw.trim().is_empty() {
                                    dob_error = Some(raw.into_owned());
                                }
                                Default::default()
                            }
                        };
                        for part in parts {
                            values[j] = part;
                            j += 1;
                        }
                    }
                }
            }
            // A short row: the missing columns are empty.
            for cell in &mut values[j..] {
                cell.clear();
            }
            self.normalizer
                .hash_row_into(&self.layout.schema, &values, &mut row);
            if let Some(raw) = dob_error {
                rejected_values += 1;
                if !self.quiet {
                    let _ = writeln!(
                        report,
                        "line {line}: DOB: {raw:?} is not a valid date of birth"
                    );
                }
            }
            for r in row.rejections() {
                if r.reason == RejectReason::Empty {
                    continue;
                }
                rejected_values += 1;
                if !self.quiet {
                    let _ = writeln!(
                        report,
                        "line {line}: {}: {} ({})",
                        r.key,
                        r.reason,
                        r.reason.code()
                    );
                }
            }
            if row.is_usable() {
                let _ = csv_out.write_record(row.cells());
                written += 1;
            } else if !self.quiet {
                let _ = writeln!(report, "line {line}: row skipped: nothing identifying left");
            }
        }
        Done {
            seq,
            csv: csv_out.into_inner().unwrap_or_default(),
            report,
            rows: records.len() as u64,
            written,
            rejected_values,
        }
    }
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("audience-hash: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let input: Box<dyn Read + Send> = match &opts.input {
        Some(path) => match File::open(path) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("audience-hash: cannot read {path}: {e}");
                return ExitCode::from(2);
            }
        },
        None => Box::new(io::stdin()),
    };
    let output: Box<dyn Write + Send> = match &opts.output {
        Some(path) => match File::create(path) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("audience-hash: cannot write {path}: {e}");
                return ExitCode::from(2);
            }
        },
        None => Box::new(io::stdout()),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(BufReader::with_capacity(1 << 20, input));
    let header = match reader.byte_headers() {
        Ok(h) if !h.is_empty() => h.clone(),
        Ok(_) => {
            eprintln!("audience-hash: the input has no header row naming the schema keys");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("audience-hash: cannot read the header: {e}");
            return ExitCode::from(2);
        }
    };
    let layout = match layout(&header) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("audience-hash: {e}");
            return ExitCode::from(2);
        }
    };
    let mut normalizer = Normalizer::builder().strict_phone_validation(opts.strict_phones);
    if let Some(c) = opts.country {
        normalizer = normalizer.default_country(c);
    }
    let normalizer = normalizer.build();
    let hasher = Hasher {
        normalizer: &normalizer,
        layout: &layout,
        date_order: opts.date_order,
        max_year: chrono::Datelike::year(&chrono::Utc::now()),
        quiet: opts.quiet,
    };

    let started = Instant::now();
    let mut out = BufWriter::with_capacity(1 << 20, output);
    let mut err = BufWriter::new(io::stderr());
    let header_line = layout
        .schema
        .keys()
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",");
    if writeln!(out, "{header_line}").is_err() {
        eprintln!("audience-hash: cannot write the output");
        return ExitCode::from(1);
    }

    let mut totals = (0u64, 0u64, 0u64, 0u64); // rows, written, rejected values, unreadable rows
    let mut write_failed = false;
    let mut emit = |done: Done,
                    out: &mut BufWriter<Box<dyn Write + Send>>,
                    err: &mut BufWriter<io::Stderr>| {
        totals.0 += done.rows;
        totals.1 += done.written;
        totals.2 += done.rejected_values;
        if out.write_all(&done.csv).is_err() {
            write_failed = true;
        }
        let _ = err.write_all(&done.report);
    };

    // Reading stays on this thread; hashing runs on `threads` workers; chunks are written back
    // in input order. Bounded channels keep at most a few chunks in memory.
    //
    // A malformed row is skipped and reading goes on. An I/O error ends reading: the rows
    // read so far are still written, but the run fails (exit 2) so that nobody uploads a
    // truncated file believing it complete.
    let read_chunk = |reader: &mut csv::Reader<_>, state: &mut ReadState| {
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        let mut record = csv::ByteRecord::new();
        while chunk.len() < CHUNK_ROWS && state.stopped.is_none() {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line());
                    chunk.push((line, std::mem::take(&mut record)));
                }
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    if let csv::ErrorKind::Io(io) = e.kind() {
                        // The first line not read: every row before it is in the output.
                        let at = reader.position().line();
                        state.stopped = Some(format!("at line {at}: {io}"));
                    } else {
                        state.unreadable += 1;
                        let _ = writeln!(state.err, "line {line}: row skipped: {e}");
                    }
                }
            }
        }
        chunk
    };

    let mut read_state = ReadState {
        unreadable: 0,
        stopped: None,
        err: BufWriter::new(io::stderr()),
    };
    if opts.threads == 1 {
        let mut seq = 0;
        loop {
            let chunk = read_chunk(&mut reader, &mut read_state);
            if chunk.is_empty() {
                break;
            }
            let _ = read_state.err.flush();
            let done = hasher.chunk(seq, &chunk);
            emit(done, &mut out, &mut err);
            seq += 1;
        }
    } else {
        let (o, e) = std::thread::scope(|scope| {
            let (work_tx, work_rx) =
                mpsc::sync_channel::<(u64, Vec<(u64, csv::ByteRecord)>)>(opts.threads * 2);
            let work_rx = std::sync::Arc::new(std::sync::Mutex::new(work_rx));
            let (done_tx, done_rx) = mpsc::sync_channel::<Done>(opts.threads * 2);
            for _ in 0..opts.threads {
                let work_rx = work_rx.clone();
                let done_tx = done_tx.clone();
                let hasher = &hasher;
                scope.spawn(move || {
                    loop {
                        let next = work_rx.lock().map(|rx| rx.recv());
                        let Ok(Ok((seq, chunk))) = next else { break };
                        if done_tx.send(hasher.chunk(seq, &chunk)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done_tx);
            let writer = scope.spawn(move || {
                let mut pending = std::collections::BTreeMap::new();
                let mut next = 0u64;
                for done in done_rx {
                    pending.insert(done.seq, done);
                    while let Some(d) = pending.remove(&next) {
                        emit(d, &mut out, &mut err);
                        next += 1;
                    }
                }
                for (_, d) in pending {
                    emit(d, &mut out, &mut err);
                }
                (out, err)
            });
            let mut seq = 0;
            loop {
                let chunk = read_chunk(&mut reader, &mut read_state);
                if chunk.is_empty() {
                    break;
                }
                if work_tx.send((seq, chunk)).is_err() {
                    break;
                }
                seq += 1;
            }
            drop(work_tx);
            writer.join().unwrap_or_else(|_| std::process::exit(1))
        });
        out = o;
        err = e;
    }
    if out.flush().is_err() || write_failed {
        eprintln!("audience-hash: cannot write the output");
        return ExitCode::from(1);
    }
    let _ = read_state.err.flush();
    let elapsed = started.elapsed().as_secs_f64();
    let (rows, written, rejected, _) = totals;
    let unreadable = read_state.unreadable;
    let _ = writeln!(
        err,
        "audience-hash: {rows} rows read, {written} written, {} skipped, {rejected} values rejected, {unreadable} unreadable rows; {:.0} rows/s",
        rows - written,
        rows as f64 / elapsed.max(1e-9)
    );
    if let Some(stopped) = &read_state.stopped {
        let _ = writeln!(
            err,
            "audience-hash: reading the input failed {stopped}; the output is INCOMPLETE \
             (only the rows before the failure): do not upload it"
        );
        let _ = err.flush();
        return ExitCode::from(2);
    }
    let _ = err.flush();
    ExitCode::SUCCESS
}

/// What the reading side keeps between chunks.
struct ReadState {
    /// Malformed rows skipped.
    unreadable: u64,
    /// Set when an I/O error ended reading early: where and why.
    stopped: Option<String>,
    /// Where skipped rows are reported.
    err: BufWriter<io::Stderr>,
}
