//! The facts snapshot (migration `0320_fact_snapshots`): the rows of `FACTS_SQL` for one year,
//! kept in the database as a few binary parts, so that a matching run or a what-if reads some
//! megabytes instead of joining `enterprises` with `enterprise_facts` row by row (issue 18: the
//! join alone takes SQLite 1 s for 1,000,000 enterprises, and handing its rows over 3.3 s).
//!
//! Invariants:
//! - a snapshot is a cache of the registry, never a source: it holds each enterprise's facts as
//!   the join's row gave them (`push_snapshot_facts` in matching.rs: amounts in whole fen, never
//!   rounded; kinds and groups by their ids), and is decoded through the same `facts_from` as a
//!   database row (the same range checks, the same parsing), so a read from the snapshot equals a
//!   read from the join (tested on both databases, and on 1M enterprises by `cmp` of the reports);
//! - it is valid only while its `import_watermark` is the latest import: every read names the
//!   latest import in the same statement, and every import deletes all snapshots in its own
//!   transaction (the registry's two tables change only through imports);
//! - it is written by the first reader after an import, only if no import committed while that
//!   reader read (the latest import before and after the read are the same), in one transaction
//!   that checks the latest import again. Writing is best effort: a replica (read-only), a busy
//!   file or any error leaves the registry as it was and the read's result stands.
//!
//! One part is `MAGIC`, the row count (u32 LE), then each row: a bitmap of its non-NULL columns
//! (u32 LE), then every non-NULL cell in column order: text as a LEB128 length and UTF-8 bytes,
//! integers (and flags) as zigzag LEB128, dates as zigzag LEB128 days from 0001-01-01 (CE).

use chrono::NaiveDate;
use huiqi_domain::FACT_COLUMNS;

use crate::{Store, StoreError, dispatch};

/// Columns of one row (`FACTS_SQL`, `FACT_COLUMNS` order).
pub(crate) const COLUMNS: usize = FACT_COLUMNS.len();

/// Rows per part: about 2 MB for ordinary rows. A part is decoded by one thread and handed on
/// as one batch when the reader's batch is at least this large (huiqi-match's is 20,000).
pub(crate) const PART_ROWS: usize = 16_384;

const MAGIC: &[u8; 4] = b"HQF1";

// A row's bitmap of non-NULL columns is one u32.
const _: () = assert!(COLUMNS <= 32);

/// How a column's cells are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellKind {
    Text,
    Int,
    /// A flag, kept as the integer 0 or 1.
    Bool,
    Date,
}

/// One decoded cell, borrowing the part's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cell<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Date(NaiveDate),
}

/// A decoding failure: the part is not one this module wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Corrupt(pub &'static str);

/// One part being written.
pub(crate) struct PartWriter {
    kinds: [CellKind; COLUMNS],
    buf: Vec<u8>,
    rows: u32,
}

impl PartWriter {
    pub(crate) fn new(kinds: [CellKind; COLUMNS]) -> PartWriter {
        let mut buf = Vec::with_capacity(PART_ROWS * 128);
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(&0u32.to_le_bytes());
        PartWriter {
            kinds,
            buf,
            rows: 0,
        }
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows as usize
    }

    /// Appends one row; `cells` in column order, each of its column's kind or `Null`.
    #[cfg(test)]
    pub(crate) fn push(&mut self, cells: &[Cell<'_>; COLUMNS]) {
        let mut row = self.row();
        for c in cells {
            row.cell(*c);
        }
        row.finish();
    }

    /// Starts a row, written cell by cell in column order ([`RowWriter::cell`]).
    pub(crate) fn row(&mut self) -> RowWriter<'_> {
        let at = self.buf.len();
        self.buf.extend_from_slice(&0u32.to_le_bytes());
        RowWriter {
            part: self,
            at,
            present: 0,
            column: 0,
        }
    }

    /// The part's bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.buf[4..8].copy_from_slice(&self.rows.to_le_bytes());
        self.buf.shrink_to_fit();
        self.buf
    }
}

/// The most a snapshot may hold (about 2.9M enterprises): its parts are kept in memory until the
/// read that builds them ends, so a larger registry (a province on PostgreSQL) is read from the
/// join every time rather than hold gigabytes.
pub(crate) const MAX_BYTES: usize = 384 << 20;

/// The parts of one snapshot as they are written: a new part every [`PART_ROWS`] rows.
pub(crate) struct Parts {
    kinds: [CellKind; COLUMNS],
    done: Vec<(Vec<u8>, usize)>,
    done_bytes: usize,
    part: PartWriter,
}

impl Parts {
    pub(crate) fn new(kinds: [CellKind; COLUMNS]) -> Parts {
        Parts {
            kinds,
            done: Vec::new(),
            done_bytes: 0,
            part: PartWriter::new(kinds),
        }
    }

    /// Bytes written so far.
    pub(crate) fn bytes(&self) -> usize {
        self.done_bytes + self.part.buf.len()
    }

    /// Starts a row ([`PartWriter::row`]) in the current part, or a new one when it is full.
    pub(crate) fn row(&mut self) -> RowWriter<'_> {
        if self.part.rows() == PART_ROWS {
            let full = std::mem::replace(&mut self.part, PartWriter::new(self.kinds)).finish();
            self.done_bytes += full.len();
            self.done.push((full, PART_ROWS));
        }
        self.part.row()
    }

    /// Every part with its row count.
    pub(crate) fn finish(mut self) -> Vec<(Vec<u8>, usize)> {
        if self.part.rows() > 0 {
            let rows = self.part.rows();
            self.done.push((self.part.finish(), rows));
        }
        self.done
    }
}

/// What a year's snapshot holds (`huiqi db stats`, tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub year: i32,
    /// The import it is valid for; stale when a later import exists.
    pub import_watermark: i64,
    pub parts: i64,
    pub rows: i64,
    pub bytes: i64,
}

/// Reads the parts of a current snapshot of a year, in order (the latest import named in the
/// same statement, so a part of a stale snapshot is never read).
pub(crate) const READ_SQL: &str = "SELECT part, parts, row_count, data FROM fact_snapshots \
    WHERE year = $1 AND import_watermark = (SELECT COALESCE(MAX(id), 0) FROM imports) ORDER BY part";

impl Store {
    /// Replaces the snapshot of `year` with `parts`, read while `watermark` was the latest import.
    /// `Ok(false)`: not written, because an import committed since, or another command holds the
    /// write lock (a cache is not worth waiting for).
    pub(crate) async fn write_fact_snapshot(
        &self,
        year: i32,
        watermark: i64,
        parts: &[(Vec<u8>, usize)],
    ) -> Result<bool, StoreError> {
        // Waits at most a moment for another writer; the connection leaves the pool after.
        let wait = match self {
            Store::Sqlite(_) => "PRAGMA busy_timeout = 200",
            Store::Postgres(_) => "SET lock_timeout = '200ms'",
        };
        dispatch!(self, pool => {
            let mut conn = pool.acquire().await?;
            conn.close_on_drop();
            sqlx::query(wait).execute(&mut *conn).await?;
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            // The DELETE takes the write lock first (SQLite), so the check below sees the latest.
            sqlx::query("DELETE FROM fact_snapshots WHERE year = $1")
                .bind(year)
                .execute(&mut *tx)
                .await?;
            let latest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM imports")
                .fetch_one(&mut *tx)
                .await?;
            if latest != watermark {
                tx.rollback().await?;
                return Ok(false);
            }
            let n = i32::try_from(parts.len()).map_err(|_| StoreError::Invalid("快照分段过多".into()))?;
            for (i, (data, rows)) in parts.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO fact_snapshots (year, part, parts, import_watermark, row_count, data) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(year)
                .bind(i as i32)
                .bind(n)
                .bind(watermark)
                .bind(*rows as i64)
                .bind(data.as_slice())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Deletes the snapshot of `year` (a damaged one: the next read rebuilds it).
    pub async fn delete_fact_snapshot(&self, year: i32) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("DELETE FROM fact_snapshots WHERE year = $1")
                .bind(year)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Whether `year` has a snapshot of the latest import: a read of that year's facts then
    /// reads the snapshot and writes nothing (unless a part of it proves damaged).
    pub async fn fact_snapshot_current(&self, year: i32) -> Result<bool, StoreError> {
        dispatch!(self, pool => {
            let found: Option<i32> = sqlx::query_scalar(
                "SELECT part FROM fact_snapshots WHERE year = $1 AND part = 0 \
                 AND import_watermark = (SELECT COALESCE(MAX(id), 0) FROM imports)",
            )
            .bind(year)
            .fetch_optional(pool)
            .await?;
            Ok(found.is_some())
        })
    }

    /// The snapshots kept, current or stale, by year.
    pub async fn fact_snapshots(&self) -> Result<Vec<SnapshotInfo>, StoreError> {
        dispatch!(self, pool => {
            let rows: Vec<(i32, i64, i64, i64, i64)> = sqlx::query_as(
                "SELECT year, MAX(import_watermark), COUNT(*), CAST(SUM(row_count) AS BIGINT), \
                 CAST(SUM(LENGTH(data)) AS BIGINT) FROM fact_snapshots GROUP BY year ORDER BY year",
            )
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(year, import_watermark, parts, rows, bytes)| SnapshotInfo {
                    year,
                    import_watermark,
                    parts,
                    rows,
                    bytes,
                })
                .collect())
        })
    }
}

/// One row being written; it counts once [`RowWriter::finish`]ed.
pub(crate) struct RowWriter<'p> {
    part: &'p mut PartWriter,
    /// Where the row's bitmap is.
    at: usize,
    present: u32,
    column: usize,
}

impl RowWriter<'_> {
    /// The next column's cell, of that column's kind or `Null`.
    pub(crate) fn cell(&mut self, c: Cell<'_>) {
        let i = self.column;
        debug_assert!(i < COLUMNS);
        debug_assert!(matches!(
            (c, self.part.kinds[i]),
            (Cell::Null, _)
                | (Cell::Text(_), CellKind::Text)
                | (Cell::Int(_), CellKind::Int | CellKind::Bool)
                | (Cell::Date(_), CellKind::Date)
        ));
        let buf = &mut self.part.buf;
        match c {
            Cell::Null => {}
            Cell::Text(t) => {
                leb128(buf, t.len() as u64);
                buf.extend_from_slice(t.as_bytes());
            }
            Cell::Int(v) => leb128(buf, zigzag(v)),
            Cell::Date(d) => leb128(buf, zigzag(i64::from(days_from_ce(d)))),
        }
        if c != Cell::Null {
            self.present |= 1 << i;
        }
        self.column += 1;
    }

    /// Ends the row: every column must have been given.
    pub(crate) fn finish(self) {
        debug_assert_eq!(self.column, COLUMNS);
        self.part.buf[self.at..self.at + 4].copy_from_slice(&self.present.to_le_bytes());
        self.part.rows += 1;
    }
}

fn days_from_ce(d: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&d)
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn leb128(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Reads the rows of one part in order.
pub(crate) struct PartReader<'a> {
    kinds: [CellKind; COLUMNS],
    bytes: &'a [u8],
    pos: usize,
    left: u32,
}

impl<'a> PartReader<'a> {
    pub(crate) fn new(kinds: [CellKind; COLUMNS], bytes: &'a [u8]) -> Result<Self, Corrupt> {
        if bytes.len() < 8 || &bytes[..4] != MAGIC {
            return Err(Corrupt("开头不是快照标记"));
        }
        let left = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        Ok(PartReader {
            kinds,
            bytes,
            pos: 8,
            left,
        })
    }

    /// Rows the part says it holds.
    pub(crate) fn len(&self) -> usize {
        self.left as usize
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Corrupt> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or(Corrupt("数据在行中间结束"))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn varint(&mut self) -> Result<u64, Corrupt> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self
                .bytes
                .get(self.pos)
                .ok_or(Corrupt("数据在数值中间结束"))?;
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Corrupt("数值超过 64 位"))
    }

    /// The next row's cells, `None` after the last (then the part must be used up).
    pub(crate) fn next_row(&mut self) -> Result<Option<[Cell<'a>; COLUMNS]>, Corrupt> {
        if self.left == 0 {
            return if self.pos == self.bytes.len() {
                Ok(None)
            } else {
                Err(Corrupt("最后一行之后还有数据"))
            };
        }
        self.left -= 1;
        let p = self.take(4)?;
        let present = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
        if COLUMNS < 32 && present.checked_shr(COLUMNS as u32).unwrap_or(0) != 0 {
            return Err(Corrupt("行的列标记超出列数"));
        }
        let mut cells = [Cell::Null; COLUMNS];
        for (i, cell) in cells.iter_mut().enumerate() {
            if present & (1 << i) == 0 {
                continue;
            }
            *cell = match self.kinds[i] {
                CellKind::Text => {
                    let n = usize::try_from(self.varint()?).map_err(|_| Corrupt("文本过长"))?;
                    let bytes = self.take(n)?;
                    Cell::Text(std::str::from_utf8(bytes).map_err(|_| Corrupt("文本不是 UTF-8"))?)
                }
                CellKind::Int | CellKind::Bool => Cell::Int(unzigzag(self.varint()?)),
                CellKind::Date => {
                    let days = i32::try_from(unzigzag(self.varint()?))
                        .map_err(|_| Corrupt("日期超出范围"))?;
                    Cell::Date(
                        NaiveDate::from_num_days_from_ce_opt(days)
                            .ok_or(Corrupt("日期超出范围"))?,
                    )
                }
            };
        }
        Ok(Some(cells))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> [CellKind; COLUMNS] {
        let mut k = [CellKind::Int; COLUMNS];
        k[0] = CellKind::Text;
        k[1] = CellKind::Text;
        k[2] = CellKind::Date;
        k
    }

    #[test]
    fn rows_come_back_as_written() {
        let d = NaiveDate::from_ymd_opt(2023, 2, 28).unwrap();
        let mut a = [Cell::Null; COLUMNS];
        a[0] = Cell::Text("91341500MA2XXXXX0X");
        a[1] = Cell::Text("六安市金安区某某商贸有限公司");
        a[2] = Cell::Date(d);
        a[3] = Cell::Int(i64::MIN);
        a[4] = Cell::Int(i64::MAX);
        a[5] = Cell::Int(-1);
        a[6] = Cell::Int(0);
        a[COLUMNS - 1] = Cell::Int(123_456_789_012);
        let mut b = [Cell::Null; COLUMNS];
        b[0] = Cell::Text("");
        b[2] = Cell::Date(NaiveDate::MIN);
        let mut w = PartWriter::new(kinds());
        w.push(&a);
        w.push(&b);
        assert_eq!(w.rows(), 2);
        let bytes = w.finish();
        let mut r = PartReader::new(kinds(), &bytes).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r.next_row().unwrap(), Some(a));
        assert_eq!(r.next_row().unwrap(), Some(b));
        assert_eq!(r.next_row().unwrap(), None);
    }

    #[test]
    fn parts_hold_part_rows_rows_each_and_the_rest_in_the_last() {
        let mut parts = Parts::new(kinds());
        for i in 0..PART_ROWS * 2 + 5 {
            let mut row = parts.row();
            row.cell(Cell::Text("某"));
            row.cell(Cell::Null);
            row.cell(Cell::Null);
            for _ in 3..COLUMNS {
                row.cell(Cell::Int(i as i64));
            }
            row.finish();
        }
        let parts = parts.finish();
        let rows: Vec<usize> = parts.iter().map(|(_, n)| *n).collect();
        assert_eq!(rows, [PART_ROWS, PART_ROWS, 5]);
        let mut i = 0i64;
        for (data, n) in &parts {
            let mut r = PartReader::new(kinds(), data).unwrap();
            assert_eq!(r.len(), *n);
            while let Some(cells) = r.next_row().unwrap() {
                assert_eq!(cells[COLUMNS - 1], Cell::Int(i));
                i += 1;
            }
        }
        assert_eq!(i as usize, PART_ROWS * 2 + 5);
        assert!(Parts::new(kinds()).finish().is_empty());
    }

    #[test]
    fn a_damaged_part_is_refused_not_misread() {
        let mut a = [Cell::Null; COLUMNS];
        a[0] = Cell::Text("某某");
        a[3] = Cell::Int(300);
        let mut w = PartWriter::new(kinds());
        w.push(&a);
        let bytes = w.finish();
        // Every truncation is refused (never a shorter row read as whole).
        for n in 0..bytes.len() {
            let Ok(mut r) = PartReader::new(kinds(), &bytes[..n]) else {
                continue;
            };
            assert!(r.next_row().is_err(), "cut at {n} was read");
        }
        // Bytes after the last row, a wrong mark, a bitmap past the columns.
        let mut longer = bytes.clone();
        longer.push(0);
        let mut r = PartReader::new(kinds(), &longer).unwrap();
        assert!(r.next_row().unwrap().is_some());
        assert!(r.next_row().is_err());
        assert!(PartReader::new(kinds(), b"HQF0\0\0\0\0").is_err());
        let mut wide = bytes.clone();
        wide[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(PartReader::new(kinds(), &wide).unwrap().next_row().is_err());
        // Invalid UTF-8 in a text cell.
        let mut bad = bytes.clone();
        bad[14] = 0xff;
        assert_eq!(
            PartReader::new(kinds(), &bad).unwrap().next_row(),
            Err(Corrupt("文本不是 UTF-8"))
        );
    }
}
