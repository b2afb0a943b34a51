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
}

impl CopyText for sqlx::SqliteConnection {
    async fn copy_rows<T: Sync, F: Fn(&mut Vec<u8>, &T) + Send + Sync>(
        &mut self,
        _: &str,
        _: &[T],
        _: F,
    ) -> Result<bool, sqlx::Error> {
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
}

/// Appends a text value escaped for COPY's text format.
pub(crate) fn push_text(out: &mut Vec<u8>, text: &str) {
    for b in text.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}
