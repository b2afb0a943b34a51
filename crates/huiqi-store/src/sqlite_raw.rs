//! SQLite's bulk paths: statements prepared, bound and stepped through SQLite's C API on a pooled
//! connection that sqlx has handed over (`SqliteConnection::lock_handle`). Used by the read of a
//! year's facts, the rows of a matching run, and the registry import's load and look-ups
//! ([`run_encoded`]).
//!
//! Why: sqlx's SQLite driver runs every statement on a worker thread and sends each row to the
//! async side as an owned copy of every value; reading the facts of 1,000,000 enterprises that way
//! took 8–10 s, and as one JSON array per batch (SQLite building the JSON, serde parsing it) 4.8 s.
//! Stepping the statement here reads each column straight from SQLite's row buffer.
//!
//! Invariants (what makes the `unsafe` blocks sound):
//! - a [`Statement`] borrows the [`LockedSqliteHandle`] mutably for its whole life, so the
//!   connection is locked (no other statement runs on it, sqlx's worker is parked) and open from
//!   `sqlite3_prepare_v2` to `sqlite3_finalize` (in `Drop`);
//! - a [`RawRow`] borrows the statement, so the column pointers it reads (valid until the next
//!   step) are copied into owned values before the statement can step again.

use std::ffi::{CStr, CString, c_int};
use std::marker::PhantomData;

use chrono::NaiveDate;
use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;

/// A prepared statement on a locked connection; finalized when dropped.
pub(crate) struct Statement<'h> {
    stmt: *mut ffi::sqlite3_stmt,
    db: *mut ffi::sqlite3,
    _handle: PhantomData<&'h mut ()>,
}

/// SQLite's message for the connection's last error.
fn message(db: *mut ffi::sqlite3, code: c_int) -> sqlx::Error {
    // SAFETY: `db` is the open connection of a live `Statement` (or of the locked handle); the
    // message is copied before any other call on the connection.
    let text = unsafe {
        let p = ffi::sqlite3_errmsg(db);
        if p.is_null() {
            String::new()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    sqlx::Error::Protocol(format!("SQLite 错误 {code}：{text}"))
}

impl<'h> Statement<'h> {
    /// Prepares `sql` (one statement) on the locked connection.
    pub(crate) fn prepare(
        handle: &'h mut LockedSqliteHandle<'_>,
        sql: &str,
    ) -> Result<Statement<'h>, sqlx::Error> {
        let db = handle.as_raw_handle().as_ptr();
        let sql = CString::new(sql).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        let mut stmt = std::ptr::null_mut();
        // SAFETY: `db` is open and locked for 'h (see the module's invariants); `sql` is a
        // NUL-terminated string that outlives the call; `stmt` is written by SQLite.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut())
        };
        if rc != ffi::SQLITE_OK || stmt.is_null() {
            return Err(message(db, rc));
        }
        Ok(Statement {
            stmt,
            db,
            _handle: PhantomData,
        })
    }

    /// Binds an integer to parameter `index` (1-based).
    pub(crate) fn bind_int(&mut self, index: c_int, value: i64) -> Result<(), sqlx::Error> {
        // SAFETY: `stmt` is a live prepared statement (finalized only in Drop).
        let rc = unsafe { ffi::sqlite3_bind_int64(self.stmt, index, value) };
        self.check(rc)
    }

    /// Binds text to parameter `index` (1-based); SQLite copies it.
    pub(crate) fn bind_text(&mut self, index: c_int, value: &str) -> Result<(), sqlx::Error> {
        let n = c_int::try_from(value.len())
            .map_err(|_| sqlx::Error::Protocol("绑定的文本过长".into()))?;
        // SAFETY: `stmt` is live; `value` is valid for `n` bytes during the call, and
        // SQLITE_TRANSIENT makes SQLite copy them before it returns.
        let rc = unsafe {
            ffi::sqlite3_bind_text(
                self.stmt,
                index,
                value.as_ptr().cast(),
                n,
                ffi::SQLITE_TRANSIENT(),
            )
        };
        self.check(rc)
    }

    /// Binds NULL to parameter `index` (1-based).
    pub(crate) fn bind_null(&mut self, index: c_int) -> Result<(), sqlx::Error> {
        // SAFETY: `stmt` is a live prepared statement (finalized only in Drop).
        let rc = unsafe { ffi::sqlite3_bind_null(self.stmt, index) };
        self.check(rc)
    }

    /// The number of parameters of the statement.
    pub(crate) fn parameter_count(&self) -> c_int {
        // SAFETY: `stmt` is a live prepared statement.
        unsafe { ffi::sqlite3_bind_parameter_count(self.stmt) }
    }

    /// Runs a statement that returns no rows (an INSERT) with its current bindings, then
    /// resets it for the next ones (the bindings stay).
    pub(crate) fn execute(&mut self) -> Result<(), sqlx::Error> {
        // SAFETY: `stmt` is live; stepping then resetting a prepared statement is SQLite's
        // documented cycle, and no `RawRow` can exist (it would borrow `self`).
        let (rc, reset) = unsafe {
            let rc = ffi::sqlite3_step(self.stmt);
            (rc, ffi::sqlite3_reset(self.stmt))
        };
        if rc != ffi::SQLITE_DONE {
            return Err(message(self.db, rc));
        }
        self.check(reset)
    }

    /// Resets a statement stepped with [`Statement::next`] for its next bindings.
    pub(crate) fn reset(&mut self) -> Result<(), sqlx::Error> {
        // SAFETY: `stmt` is live, and no `RawRow` can exist (it would borrow `self`).
        let rc = unsafe { ffi::sqlite3_reset(self.stmt) };
        self.check(rc)
    }

    fn check(&self, rc: c_int) -> Result<(), sqlx::Error> {
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(message(self.db, rc))
        }
    }

    /// The next row, or `None` when the statement is done.
    pub(crate) fn next(&mut self) -> Result<Option<RawRow<'_>>, sqlx::Error> {
        // SAFETY: `stmt` is live; stepping invalidates earlier column pointers, which no
        // `RawRow` can still hold (it borrows `self`).
        let rc = unsafe { ffi::sqlite3_step(self.stmt) };
        match rc {
            ffi::SQLITE_ROW => Ok(Some(RawRow { stmt: self })),
            ffi::SQLITE_DONE => Ok(None),
            _ => Err(message(self.db, rc)),
        }
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        // SAFETY: `stmt` was prepared on the connection still locked for 'h and is finalized once.
        unsafe {
            ffi::sqlite3_finalize(self.stmt);
        }
    }
}

/// The current row of a [`Statement`].
pub(crate) struct RawRow<'s> {
    stmt: &'s Statement<'s>,
}

impl RawRow<'_> {
    fn column_type(&self, i: usize) -> Result<c_int, sqlx::Error> {
        // SAFETY: the statement is live and positioned on a row.
        let count = unsafe { ffi::sqlite3_column_count(self.stmt.stmt) };
        let i = c_int::try_from(i).ok().filter(|&i| i < count).ok_or(
            sqlx::Error::ColumnIndexOutOfBounds {
                index: i,
                len: usize::try_from(count).unwrap_or(0),
            },
        )?;
        // SAFETY: as above, with `i` checked against the column count.
        Ok(unsafe { ffi::sqlite3_column_type(self.stmt.stmt, i) })
    }

    fn bad(i: usize, what: &str) -> sqlx::Error {
        sqlx::Error::Decode(format!("第 {} 列应为{what}", i + 1).into())
    }

    /// Column `i` as text, `None` for NULL.
    pub(crate) fn text(&self, i: usize) -> Result<Option<String>, sqlx::Error> {
        self.with_str(i, |t| t.map(str::to_owned))
    }

    /// Column `i` as text lent to `f` (read in place, not copied), `None` for NULL.
    pub(crate) fn with_str<T>(
        &self,
        i: usize,
        f: impl FnOnce(Option<&str>) -> T,
    ) -> Result<T, sqlx::Error> {
        match self.column_type(i)? {
            ffi::SQLITE_NULL => Ok(f(None)),
            ffi::SQLITE_TEXT => {
                let col = i as c_int; // checked by column_type
                // SAFETY: the row's text value; `sqlite3_column_text` first, then
                // `sqlite3_column_bytes` (SQLite's documented order); the slice lives only for
                // this call, while `self` borrows the statement, which cannot step meanwhile.
                let bytes = unsafe {
                    let p = ffi::sqlite3_column_text(self.stmt.stmt, col);
                    let n = ffi::sqlite3_column_bytes(self.stmt.stmt, col);
                    if p.is_null() || n <= 0 {
                        &[][..]
                    } else {
                        std::slice::from_raw_parts(p, n as usize)
                    }
                };
                let text = std::str::from_utf8(bytes).map_err(|_| Self::bad(i, " UTF-8 文本"))?;
                Ok(f(Some(text)))
            }
            _ => Err(Self::bad(i, "文本")),
        }
    }

    /// Appends every column of the row to `out` ([`encoded`]).
    pub(crate) fn push_encoded(&self, out: &mut Vec<u8>) -> Result<(), sqlx::Error> {
        // SAFETY: the statement is live and on a row.
        let count = unsafe { ffi::sqlite3_column_count(self.stmt.stmt) };
        for col in 0..count {
            let i = col as usize;
            match self.column_type(i)? {
                ffi::SQLITE_NULL => encoded::push_null(out),
                // SAFETY: as above; `col` is below the column count.
                ffi::SQLITE_INTEGER => encoded::push_int(out, unsafe {
                    ffi::sqlite3_column_int64(self.stmt.stmt, col)
                }),
                ffi::SQLITE_TEXT => {
                    self.with_str(i, |t| encoded::push_text(out, t.unwrap_or("")))?
                }
                _ => return Err(Self::bad(i, "整数或文本")),
            }
        }
        Ok(())
    }

    /// Column `i` as an integer, `None` for NULL.
    pub(crate) fn int(&self, i: usize) -> Result<Option<i64>, sqlx::Error> {
        match self.column_type(i)? {
            ffi::SQLITE_NULL => Ok(None),
            // SAFETY: the statement is live and on a row; `i` was checked by column_type.
            ffi::SQLITE_INTEGER => Ok(Some(unsafe {
                ffi::sqlite3_column_int64(self.stmt.stmt, i as c_int)
            })),
            _ => Err(Self::bad(i, "整数")),
        }
    }

    /// Column `i` as a date (`YYYY-MM-DD` text), `None` for NULL.
    pub(crate) fn date(&self, i: usize) -> Result<Option<NaiveDate>, sqlx::Error> {
        self.with_str(i, |t| {
            t.map(|t| {
                t.parse::<NaiveDate>()
                    .map_err(|_| Self::bad(i, "日期（年-月-日）"))
            })
            .transpose()
        })?
    }
}

/// Runs `f` where blocking is allowed: on a multi-threaded runtime through `block_in_place` (the
/// runtime's other tasks move to another thread meanwhile); elsewhere (a current-thread runtime,
/// no runtime) directly.
pub(crate) fn off_runtime<T>(f: impl FnOnce() -> T) -> T {
    if tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
    {
        tokio::task::block_in_place(f)
    } else {
        f()
    }
}

/// Values encoded for [`run_encoded`]: each value a tag byte, then for an integer its 8 bytes
/// (little-endian), for text its length (8 bytes, little-endian) and its UTF-8 bytes; NULL is the
/// tag alone. Built on another thread than the one that writes (the registry import's
/// `prepare_bulk`), so the writer only binds; read back on another than the one that reads.
pub(crate) mod encoded {
    pub(crate) const NULL: u8 = 0;
    pub(crate) const INT: u8 = 1;
    pub(crate) const TEXT: u8 = 2;

    pub(crate) fn push_null(out: &mut Vec<u8>) {
        out.push(NULL);
    }

    pub(crate) fn push_int(out: &mut Vec<u8>, value: i64) {
        out.push(INT);
        out.extend_from_slice(&value.to_le_bytes());
    }

    pub(crate) fn push_text(out: &mut Vec<u8>, text: &str) {
        out.push(TEXT);
        out.extend_from_slice(&(text.len() as u64).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
    }

    /// One value read back.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) enum Item<'a> {
        Null,
        Int(i64),
        Text(&'a str),
    }

    /// The value at `*at` in `data`, moving `*at` past it; an error (a program error: the
    /// buffers are written by this crate) if the bytes there are not one.
    pub(crate) fn next<'a>(data: &'a [u8], at: &mut usize) -> Result<Item<'a>, sqlx::Error> {
        let start = *at;
        let bad =
            || sqlx::Error::Protocol(format!("批量读写的数据在第 {start} 字节处损坏（程序错误）"));
        let mut take = |n: usize| -> Result<&'a [u8], sqlx::Error> {
            let end = at.checked_add(n).ok_or_else(bad)?;
            let piece = data.get(*at..end).ok_or_else(bad)?;
            *at = end;
            Ok(piece)
        };
        let word =
            |bytes: &[u8]| -> Result<[u8; 8], sqlx::Error> { bytes.try_into().map_err(|_| bad()) };
        match take(1)?[0] {
            NULL => Ok(Item::Null),
            INT => Ok(Item::Int(i64::from_le_bytes(word(take(8)?)?))),
            TEXT => {
                let n = usize::try_from(u64::from_le_bytes(word(take(8)?)?)).map_err(|_| bad())?;
                let text = std::str::from_utf8(take(n)?).map_err(|_| bad())?;
                Ok(Item::Text(text))
            }
            _ => Err(bad()),
        }
    }

    /// Text written by `write` (which appends UTF-8 bytes to the buffer it is given).
    pub(crate) fn push_text_with(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
        out.push(TEXT);
        let at = out.len();
        out.extend_from_slice(&0u64.to_le_bytes());
        write(out);
        let n = (out.len() - at - 8) as u64;
        out[at..at + 8].copy_from_slice(&n.to_le_bytes());
    }
}

/// Runs a statement once per group of `per_query` values of `params` ([`encoded`]; the last
/// group may be shorter), `sql_for(n)` being the statement for a group of `n` values, and appends
/// every row it returns to `out` ([`encoded`]: integers, text and NULL; another column type is an
/// error). The registry import's bulk paths on SQLite, past sqlx's worker, which copies every
/// value it binds or reads:
/// - its multi-row INSERTs into an empty registry (nothing returned). Not one INSERT per row:
///   each execution of a statement builds its CHECKs' `IN (…)` lists of three or more values as
///   temporary b-trees (`sqlite3BtreeOpen`, perf, 2026-12-01);
/// - its look-ups (`SELECT … WHERE uscc IN (…)`): as one JSON text per group, SQLite spent its
///   time turning integers into text and huiqi parsing them back.
pub(crate) async fn run_encoded(
    conn: &mut sqlx::SqliteConnection,
    sql_for: impl Fn(usize) -> String + Send,
    params: &[u8],
    per_query: usize,
    out: &mut Vec<u8>,
) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    off_runtime(|| {
        // The number of values first (one pass, nothing allocated), so that each group's size,
        // and with it its statement, is known before its values are bound.
        let mut total = 0;
        let mut at = 0;
        while at < params.len() {
            encoded::next(params, &mut at)?;
            total += 1;
        }
        let per_query = per_query.max(1);
        let mut prepared: Option<(usize, Statement<'_>)> = None;
        let (mut done, mut at) = (0, 0);
        while done < total {
            let size = per_query.min(total - done);
            let stmt = match &mut prepared {
                Some((n, stmt)) if *n == size => stmt,
                _ => {
                    // Only the last group can differ in size: the statement before is finalized
                    // here, before the next is prepared (both borrow the handle).
                    prepared = None;
                    let stmt = Statement::prepare(&mut handle, &sql_for(size))?;
                    if usize::try_from(stmt.parameter_count()) != Ok(size) {
                        return Err(sqlx::Error::Protocol(format!(
                            "批量语句有 {} 个参数，而这一组有 {size} 个值（程序错误）",
                            stmt.parameter_count()
                        )));
                    }
                    &mut prepared.insert((size, stmt)).1
                }
            };
            for index in 1..=size as c_int {
                match encoded::next(params, &mut at)? {
                    encoded::Item::Null => stmt.bind_null(index)?,
                    encoded::Item::Int(n) => stmt.bind_int(index, n)?,
                    encoded::Item::Text(t) => stmt.bind_text(index, t)?,
                }
            }
            while let Some(row) = stmt.next()? {
                row.push_encoded(out)?;
            }
            stmt.reset()?;
            done += size;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::encoded::{self, Item};

    #[test]
    fn encoded_values_read_back_and_a_damaged_buffer_is_an_error() {
        let mut out = Vec::new();
        encoded::push_text(&mut out, "六安\t\0x");
        encoded::push_null(&mut out);
        encoded::push_int(&mut out, i64::MIN);
        encoded::push_text_with(&mut out, |o| o.extend_from_slice(b"2024-01-05"));
        encoded::push_text(&mut out, "");
        let mut at = 0;
        let mut items = Vec::new();
        while at < out.len() {
            items.push(encoded::next(&out, &mut at).unwrap());
        }
        assert_eq!(
            items,
            [
                Item::Text("六安\t\0x"),
                Item::Null,
                Item::Int(i64::MIN),
                Item::Text("2024-01-05"),
                Item::Text("")
            ]
        );
        // Cut anywhere inside a value, an unknown tag, a length past the end, bytes not UTF-8.
        for cut in [1, 5, 9, 12] {
            let mut at = 0;
            let short = &out[..cut];
            let mut result = Ok(Item::Null);
            while at < short.len() && result.is_ok() {
                result = encoded::next(short, &mut at);
            }
            assert!(result.is_err(), "cut at {cut}");
        }
        for bad in [
            &[9u8][..],
            &[2, 255, 255, 255, 255, 255, 255, 255, 255],
            &[2, 1, 0, 0, 0, 0, 0, 0, 0, 0xff],
        ] {
            assert!(encoded::next(bad, &mut 0).is_err(), "{bad:?}");
        }
    }
}
