//! A bulk reader for SQLite: one statement stepped through SQLite's C API on a pooled
//! connection that sqlx has handed over (`SqliteConnection::lock_handle`).
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
