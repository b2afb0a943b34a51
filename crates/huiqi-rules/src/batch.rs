//! Batch matching on CSV text: facts rows in, one output row per enterprise out.
//! Pure (bytes in, bytes out) so the CLI can feed it blocks of a file in parallel.
//!
//! The fast path handles blocks without any `"`: then every line is one record and
//! fields are split on commas. A block with quotes goes through a real CSV parser
//! in the caller; both paths share [`evaluate_fields`].

use huiqi_domain::Facts;
use huiqi_domain::facts_csv::{Cell, FactError, FactsHeader};
use rust_decimal::Decimal;

use crate::{Engine, MeasureId, Outputs, ValueKind};

/// At most this many errors are kept per block (the file is refused anyway).
pub const MAX_ERRORS: usize = 100;

/// The header line of the output: `uscc`, then every measure in order.
pub fn output_header() -> Vec<u8> {
    let ids: Vec<&str> = MeasureId::ALL.iter().map(|m| m.as_str()).collect();
    let mut v = format!("uscc,{}", ids.join(",")).into_bytes();
    v.push(b'\n');
    v
}

/// Writes an amount already rounded to the fen (scale 2) without going through `Display` and
/// without allocating: the digits go straight into `out`.
fn push_amount(out: &mut Vec<u8>, d: Decimal) {
    let cents = if d.scale() > 2 {
        d.round_dp(2).mantissa()
    } else {
        d.mantissa() * 10i128.pow(2 - d.scale())
    };
    if cents < 0 {
        out.push(b'-');
    }
    let cents = cents.unsigned_abs();
    push_digits(out, cents / 100);
    let c = (cents % 100) as u8;
    out.extend_from_slice(&[b'.', b'0' + c / 10, b'0' + c % 10]);
}

/// The decimal digits of `n` (at most 39), appended; `u64` arithmetic when it fits (every
/// amount within `huiqi_domain::limits`).
fn push_digits(out: &mut Vec<u8>, n: u128) {
    let mut buf = [0u8; 40];
    let mut i = buf.len();
    if let Ok(mut n) = u64::try_from(n) {
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
    } else {
        let mut n = n;
        while n > 0 {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends one output row: the measures of the table in order.
pub fn write_row(out: &mut Vec<u8>, uscc: &str, o: &Outputs) {
    out.extend_from_slice(uscc.as_bytes());
    for &m in MeasureId::ALL {
        out.push(b',');
        match m.kind() {
            ValueKind::Class => out.extend_from_slice(o.size_class.as_str().as_bytes()),
            ValueKind::Flag => {
                out.extend_from_slice(if o.eligible(m) { b"true" } else { b"false" })
            }
            ValueKind::Amount | ValueKind::Total => push_amount(out, o.value(m)),
        }
    }
    out.push(b'\n');
}

/// Parses and evaluates one record given as fields. `facts` is scratch space reused from row to
/// row (its texts keep their buffers).
pub fn evaluate_fields<C: Cell>(
    engine: &Engine,
    header: &FactsHeader,
    fields: &[C],
    row: usize,
    facts: &mut Facts,
    out: &mut Vec<u8>,
) -> Result<(), FactError> {
    header.parse_into(fields, row, facts)?;
    let o = engine.evaluate(facts);
    write_row(out, &facts.uscc, &o);
    Ok(())
}

/// What one block produced.
#[derive(Debug, Default)]
pub struct BlockResult {
    pub output: Vec<u8>,
    /// The first [`MAX_ERRORS`] errors of the block.
    pub errors: Vec<FactError>,
    /// All errors of the block, listed or not.
    pub error_count: usize,
    pub rows: usize,
}

/// The cells of a line, split at its commas: one pass over the bytes (cells are short, so this
/// beats a search per cell). A comma is ASCII, so every cut is on a character boundary.
fn split_commas<'a>(line: &'a str, fields: &mut Vec<&'a str>) {
    fields.clear();
    let mut start = 0;
    for (i, &b) in line.as_bytes().iter().enumerate() {
        if b == b',' {
            fields.push(&line[start..i]);
            start = i + 1;
        }
    }
    fields.push(&line[start..]);
}

impl BlockResult {
    fn count(&mut self, outcome: Result<(), FactError>) {
        self.rows += 1;
        if let Err(e) = outcome {
            self.error_count += 1;
            if self.errors.len() < MAX_ERRORS {
                self.errors.push(e);
            }
        }
    }
}

/// Evaluates a block of complete lines that contains no `"`. `first_line` is the file line
/// number of the block's first line (the header is line 1). Blank lines are skipped.
///
/// The block is checked as UTF-8 once and its cells handed on as text; a block that is not
/// UTF-8 goes cell by cell, so the error names the row and column.
pub fn process_plain_block(
    engine: &Engine,
    header: &FactsHeader,
    block: &[u8],
    first_line: usize,
) -> BlockResult {
    let mut r = BlockResult {
        output: Vec::with_capacity(block.len() / 3),
        ..Default::default()
    };
    let mut facts = Facts::default();
    match std::str::from_utf8(block) {
        Ok(text) => {
            let mut fields: Vec<&str> = Vec::with_capacity(40);
            for (i, line) in text.split('\n').enumerate() {
                let line = line.strip_suffix('\r').unwrap_or(line);
                if line.is_empty() {
                    continue;
                }
                split_commas(line, &mut fields);
                let outcome = evaluate_fields(
                    engine,
                    header,
                    &fields,
                    first_line + i,
                    &mut facts,
                    &mut r.output,
                );
                r.count(outcome);
            }
        }
        Err(_) => {
            let mut fields: Vec<&[u8]> = Vec::with_capacity(40);
            for (i, line) in block.split(|&b| b == b'\n').enumerate() {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.is_empty() {
                    continue;
                }
                fields.clear();
                fields.extend(line.split(|&b| b == b','));
                let outcome = evaluate_fields(
                    engine,
                    header,
                    &fields,
                    first_line + i,
                    &mut facts,
                    &mut r.output,
                );
                r.count(outcome);
            }
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rules;

    #[test]
    fn amounts_print_with_two_decimals() {
        for (d, s) in [
            ("0.00", "0.00"),
            ("12.5", "12.50"),
            ("1234567.891", "1234567.89"),
            ("-3.10", "-3.10"),
            ("7", "7.00"),
        ] {
            let mut out = Vec::new();
            push_amount(&mut out, d.parse().unwrap());
            assert_eq!(String::from_utf8(out).unwrap(), s);
        }
    }

    #[test]
    fn a_block_in_and_rows_out_with_errors_by_line() {
        let rules = Rules::builtin();
        let engine = Engine::new(&rules, "2024-12-31".parse().unwrap());
        // uscc, kind, business_income first; every other fact column after them, empty.
        let first = ["uscc", "kind", "business_income"];
        let mut columns = first.to_vec();
        columns.extend(
            huiqi_domain::FACT_COLUMNS
                .iter()
                .filter(|c| !first.contains(c)),
        );
        let header = FactsHeader::from_fields(columns.iter().map(|c| c.as_bytes())).unwrap();
        let code = huiqi_domain::Uscc::from_parts("92", "341502", "MA2N0XXX").unwrap();
        let rest = ",".repeat(columns.len() - 3);
        let block = format!(
            "{c},individual_business,80000{rest}\n\n{c},individual_business,abc{rest}\n",
            c = code.as_str()
        );
        let r = process_plain_block(&engine, &header, block.as_bytes(), 2);
        assert_eq!(r.rows, 2);
        assert_eq!(
            String::from_utf8(r.output).unwrap(),
            format!(
                "{},micro,false,0.00,3250.00,0.00,0.00,0.00,0.00,3250.00\n",
                code.as_str()
            )
        );
        assert_eq!((r.errors.len(), r.error_count), (1, 1));
        assert_eq!(r.errors[0].row, Some(4));
        assert_eq!(r.errors[0].column.as_deref(), Some("business_income"));
    }
}
