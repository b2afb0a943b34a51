//! The enterprise registry: importing a departmental file in one transaction, keeping the old value
//! of every changed value in `value_history`, and reading the registry back.
//!
//! An import arrives as a stream of validated chunks ([`Incoming`]) so that a 1,000,000-row file is
//! never held in memory whole and reading overlaps writing. Everything happens in one transaction:
//! if the reader reports an invalid file, a row names an enterprise the registry does not know, or
//! the process dies, nothing of the import remains. Only rows that changed are written; history rows
//! only for values that changed.
//!
//! Layout: `plan` (the SQL of one import, from its source), `diff` (what an import changes:
//! pure, unit-tested), `import` (the transaction), `read` (the registry read back).

mod diff;
mod import;
mod plan;
mod read;

use chrono::{DateTime, Utc};
use huiqi_domain::registry::{Record, RowError, Source};

pub use read::FactSource;

/// What is being imported.
#[derive(Debug, Clone)]
pub struct ImportMeta {
    pub source: Source,
    /// The year of yearly sources (all but `market`).
    pub year: Option<i32>,
    pub file_name: String,
    /// SHA-256 of the file's bytes, hex.
    pub file_sha256: String,
}

/// A message from the file reader to [`Store::import`].
#[derive(Debug)]
pub enum Incoming {
    Rows(Vec<Record>),
    /// The reader finished; `valid` is false when any row was bad (then nothing is imported).
    End {
        valid: bool,
    },
}

/// Counts of one import, by row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub total: u64,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Values whose old value went to `value_history`.
    pub changed_values: u64,
}

/// How an import ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    /// Committed as import `id`.
    Committed { id: i64, counts: ImportCounts },
    /// Every row equals what the registry holds: nothing was written (not even an `imports` row).
    Unchanged { counts: ImportCounts },
    /// The reader found bad rows: rolled back, nothing imported.
    InvalidInput,
    /// Rows the database refuses (an enterprise not in the registry): rolled back.
    Rejected(Vec<RowError>),
}

/// An `imports` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: i64,
    pub source: String,
    pub year: Option<i32>,
    pub file_name: String,
    pub file_sha256: String,
    pub imported_at: DateTime<Utc>,
    pub rows_total: i64,
    pub rows_new: i64,
    pub rows_updated: i64,
    pub rows_unchanged: i64,
}

/// A `value_history` row: the value `old_value` (from import `old_import_id`) was replaced by
/// `new_value` in import `new_import_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub uscc: String,
    pub year: Option<i32>,
    pub field: String,
    pub old_value: Option<String>,
    pub old_import_id: Option<i64>,
    pub new_value: Option<String>,
    pub new_import_id: i64,
}

/// Row counts of the registry tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegistryCounts {
    pub imports: i64,
    pub enterprises: i64,
    pub enterprise_facts: i64,
    pub value_history: i64,
}

/// One cell of `huiqi db stats`: how many enterprises of a county and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountyKindCount {
    pub county: String,
    pub kind: String,
    pub count: i64,
}

/// What the size class needs of one enterprise in one year (amounts in fen, headcount in hundredths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeInputs {
    pub uscc: String,
    pub county: String,
    pub kind: String,
    pub industry: String,
    pub employees_x100: Option<i64>,
    pub revenue: Option<i64>,
    pub total_assets: Option<i64>,
}

// SQLite's default bind limit is 32,766 (PostgreSQL's 65,535): keep every statement under it.
pub(crate) const MAX_BINDS: usize = 30_000;

/// Reads column `i` of `row` as a [`Value`] of storage type `ty`.
macro_rules! get_value {
    ($row:expr, $i:expr, $ty:expr) => {
        match $ty {
            huiqi_domain::registry::StorageType::Int => $row.try_get::<Option<i64>, _>($i)?.map_or(
                huiqi_domain::registry::Value::Null,
                huiqi_domain::registry::Value::Int,
            ),
            huiqi_domain::registry::StorageType::Bool => {
                $row.try_get::<Option<bool>, _>($i)?.map_or(
                    huiqi_domain::registry::Value::Null,
                    huiqi_domain::registry::Value::Bool,
                )
            }
            huiqi_domain::registry::StorageType::Text => {
                $row.try_get::<Option<String>, _>($i)?.map_or(
                    huiqi_domain::registry::Value::Null,
                    huiqi_domain::registry::Value::Text,
                )
            }
            huiqi_domain::registry::StorageType::Date => {
                $row.try_get::<Option<chrono::NaiveDate>, _>($i)?.map_or(
                    huiqi_domain::registry::Value::Null,
                    huiqi_domain::registry::Value::Date,
                )
            }
        }
    };
}
pub(crate) use get_value;
