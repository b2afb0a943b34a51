//! PostgreSQL's `COPY … FROM STDIN` in text format: the bulk path of the registry import and of
//! a matching run's results. SQLite has no COPY: its connections answer `Ok(false)` and the
//! caller writes with multi-row INSERTs.

/// The size of the pieces a COPY is sent in (the rows are encoded piece by piece, so a run of
/// millions of rows never holds its whole text in memory).
const PIECE: usize = 1 << 20;

/// PostgreSQL's `COPY … FROM STDIN` (text format) of `rows`, each written as one line by
/// `line`; SQLite has none (`Ok(false)`: the caller writes with INSERT).
pub(crate) trait CopyText {
    fn copy_rows<T: Sync, F: Fn(&mut Vec<u8>, &T) + Send + Sync>(
        &mut self,
        sql: &str,
        rows: &[T],
        line: F,
    ) -> impl std::future::Future<Output = Result<bool, sqlx::Error>> + Send;

    /// The same for rows already written as COPY text (`data`, whole lines), sent in messages of
    /// [`MESSAGE`] bytes.
    fn copy_bytes(
        &mut self,
        sql: &str,
        data: &[u8],
    ) -> impl std::future::Future<Output = Result<bool, sqlx::Error>> + Send;
}

/// The size of the CopyData messages of [`CopyText::copy_bytes`]. PostgreSQL reads a whole message
/// before it parses any of it, so a chunk sent as one message of megabytes would keep the server
/// waiting for its last byte; in messages of this size it parses one while the next arrives.
const MESSAGE: usize = 1 << 18;

impl CopyText for sqlx::SqliteConnection {
    async fn copy_rows<T: Sync, F: Fn(&mut Vec<u8>, &T) + Send + Sync>(
        &mut self,
        _: &str,
        _: &[T],
        _: F,
    ) -> Result<bool, sqlx::Error> {
        Ok(false)
    }

    async fn copy_bytes(&mut self, _: &str, _: &[u8]) -> Result<bool, sqlx::Error> {
        Ok(false)
    }
}

impl CopyText for sqlx::PgConnection {
    async fn copy_rows<T: Sync, F: Fn(&mut Vec<u8>, &T) + Send + Sync>(
        &mut self,
        sql: &str,
        rows: &[T],
        line: F,
    ) -> Result<bool, sqlx::Error> {
        let mut copy = self.copy_in_raw(sql).await?;
        let mut data = Vec::with_capacity(PIECE + 4096);
        for r in rows {
            line(&mut data, r);
            if data.len() >= PIECE {
                copy.send(data.as_slice()).await?;
                data.clear();
            }
        }
        if !data.is_empty() {
            copy.send(data.as_slice()).await?;
        }
        copy.finish().await?;
        Ok(true)
    }

    async fn copy_bytes(&mut self, sql: &str, data: &[u8]) -> Result<bool, sqlx::Error> {
        let mut copy = self.copy_in_raw(sql).await?;
        for message in data.chunks(MESSAGE) {
            copy.send(message).await?;
        }
        copy.finish().await?;
        Ok(true)
    }
}

/// Appends a text value escaped for COPY's text format.
pub(crate) fn push_text(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    // Most values (codes, names, counties) hold none of the four: one copy, not a push per byte.
    // The test is a fold without early exit over "a control character or a backslash" (a
    // superset of the four), which the compiler turns into a vector loop.
    let plain = !bytes
        .iter()
        .fold(false, |any, &b| any | (b < 0x20) | (b == b'\\'));
    if plain {
        out.extend_from_slice(bytes);
        return;
    }
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

/// Appends an integer in decimal (without `fmt`'s machinery: tens of millions of values per import).
pub(crate) fn push_int(out: &mut Vec<u8>, value: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// Appends a date as `YYYY-MM-DD` (COPY's input for DATE; years 0–9999).
pub(crate) fn push_date(out: &mut Vec<u8>, date: chrono::NaiveDate) {
    use chrono::Datelike;
    let (y, m, d) = (date.year(), date.month(), date.day());
    if !(0..=9999).contains(&y) {
        out.extend_from_slice(date.format("%Y-%m-%d").to_string().as_bytes());
        return;
    }
    let y = y as u32;
    out.extend_from_slice(&[
        b'0' + (y / 1000) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
        b'-',
        b'0' + (m / 10) as u8,
        b'0' + (m % 10) as u8,
        b'-',
        b'0' + (d / 10) as u8,
        b'0' + (d % 10) as u8,
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_as_copy_reads_them() {
        let mut out = Vec::new();
        push_text(&mut out, "六安\t\\x\r\n");
        out.push(b'|');
        push_text(&mut out, "91341500MA2N0000X1");
        out.push(b'|');
        for v in [0, -7, 1234567890123, i64::MIN] {
            push_int(&mut out, v);
            out.push(b'|');
        }
        for (y, m, d) in [(2024, 1, 5), (999, 12, 31), (10000, 3, 4)] {
            push_date(&mut out, chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap());
            out.push(b'|');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "六安\\t\\\\x\\r\\n|91341500MA2N0000X1|0|-7|1234567890123|-9223372036854775808|\
             2024-01-05|0999-12-31|+10000-03-04|"
        );
    }
}
