//! The lists beside the registry (migration `0110_lists`): `certifications` (认定名单) and
//! `training_sessions` (创业培训台账), with their imports (`list_imports`: file name, SHA-256,
//! time) and the old values of changed rows (`list_history`).
//!
//! An import is one transaction: every certification's enterprise must be in the registry (else
//! every such row is reported and nothing is written); a row equal to the stored one is left
//! alone, so importing the same file again changes nothing and records no import.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use huiqi_domain::lists::{CertKind, Certification, ListRows, TrainingSession};
use huiqi_domain::registry::RowError;
use sqlx::Row;

use crate::registry::{ImportCounts, ImportOutcome};
use crate::{Store, StoreError, dispatch};

/// The file a list import comes from.
#[derive(Debug, Clone)]
pub struct ListMeta {
    pub file_name: String,
    /// SHA-256 of the file's bytes, hex.
    pub file_sha256: String,
    /// The header of the 统一社会信用代码 column as written in the file (for messages).
    pub uscc_header: String,
}

/// A `list_imports` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListImport {
    pub id: i64,
    pub source: String,
    pub file_name: String,
    pub file_sha256: String,
    pub imported_at: DateTime<Utc>,
    pub rows_total: i64,
    pub rows_new: i64,
    pub rows_updated: i64,
}

/// A stored certification with its provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCertification {
    pub uscc: String,
    pub kind: String,
    pub certified_on: NaiveDate,
    pub certificate_no: Option<String>,
    pub import_id: i64,
}

/// Rows per `IN (…)` look-up.
const LOOKUP: usize = 500;

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a row of either list is for the import: its key, its values as canonical text (compared
/// with the stored row and kept in the history when replaced).
trait ListRow {
    fn key(&self) -> String;
    fn values(&self) -> BTreeMap<&'static str, Option<String>>;
}

impl ListRow for Certification {
    fn key(&self) -> String {
        format!("{}/{}", self.uscc, self.kind.as_str())
    }
    fn values(&self) -> BTreeMap<&'static str, Option<String>> {
        BTreeMap::from([
            ("certified_on", Some(self.certified_on.to_string())),
            ("certificate_no", self.certificate_no.clone()),
        ])
    }
}

impl ListRow for TrainingSession {
    fn key(&self) -> String {
        self.session_id.clone()
    }
    fn values(&self) -> BTreeMap<&'static str, Option<String>> {
        BTreeMap::from([
            ("held_on", Some(self.held_on.to_string())),
            ("county", Some(self.county.clone())),
            ("title", Some(self.title.clone())),
            ("organiser", self.organiser.clone()),
            ("attendees", Some(self.attendees.to_string())),
        ])
    }
}

/// What to do with one row.
enum Plan {
    Insert,
    /// Replace the stored values (old values, old import).
    Update(BTreeMap<&'static str, Option<String>>, i64),
    Keep,
}

fn plan(
    new: BTreeMap<&'static str, Option<String>>,
    old: Option<&(BTreeMap<&'static str, Option<String>>, i64)>,
    counts: &mut ImportCounts,
) -> Plan {
    counts.total += 1;
    match old {
        None => {
            counts.new += 1;
            Plan::Insert
        }
        Some((o, _)) if *o == new => {
            counts.unchanged += 1;
            Plan::Keep
        }
        Some((o, import)) => {
            counts.updated += 1;
            let changed: BTreeMap<_, _> = o
                .iter()
                .filter(|(k, v)| new.get(*k) != Some(*v))
                .map(|(k, v)| (*k, v.clone()))
                .collect();
            counts.changed_values += changed.len() as u64;
            Plan::Update(changed, *import)
        }
    }
}

impl Store {
    /// Imports the rows of a list file in one transaction (see the module doc).
    pub async fn import_list(
        &self,
        meta: &ListMeta,
        rows: &ListRows,
    ) -> Result<ImportOutcome, StoreError> {
        let source = rows.source().as_str();
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let import_id: i64 = sqlx::query_scalar(
                "INSERT INTO list_imports (source, file_name, file_sha256, imported_at, rows_total, \
                 rows_new, rows_updated, rows_unchanged) VALUES ($1, $2, $3, $4, 0, 0, 0, 0) RETURNING id",
            )
            .bind(source)
            .bind(meta.file_name.as_str())
            .bind(meta.file_sha256.as_str())
            .bind(Utc::now())
            .fetch_one(&mut *tx)
            .await?;
            let mut counts = ImportCounts::default();
            let mut history: Vec<(String, String, i64)> = Vec::new();
            match rows {
                ListRows::Certifications(rows) => {
                    let mut known = HashSet::new();
                    let mut stored = BTreeMap::new();
                    for part in rows.chunks(LOOKUP) {
                        let list = placeholders(1, part.len());
                        let sql = format!("SELECT uscc FROM enterprises WHERE uscc IN ({list})");
                        let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
                        for r in part {
                            q = q.bind(r.uscc.as_str());
                        }
                        known.extend(q.fetch_all(&mut *tx).await?);
                        let sql = format!(
                            "SELECT uscc, kind, certified_on, certificate_no, import_id FROM certifications \
                             WHERE uscc IN ({list})"
                        );
                        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                        for r in part {
                            q = q.bind(r.uscc.as_str());
                        }
                        for row in q.fetch_all(&mut *tx).await? {
                            let uscc: String = row.try_get(0)?;
                            let kind: String = row.try_get(1)?;
                            let on: NaiveDate = row.try_get(2)?;
                            let no: Option<String> = row.try_get(3)?;
                            let values = BTreeMap::from([
                                ("certified_on", Some(on.to_string())),
                                ("certificate_no", no),
                            ]);
                            stored.insert(format!("{uscc}/{kind}"), (values, row.try_get::<i64, _>(4)?));
                        }
                    }
                    let unknown: Vec<RowError> = rows
                        .iter()
                        .filter(|r| !known.contains(r.uscc.as_str()))
                        .map(|r| RowError {
                            row: r.row,
                            column: Some(meta.uscc_header.clone()),
                            message: format!(
                                "统一社会信用代码 {} 不在企业库中：请先导入该企业的登记信息（huiqi import --source market 或 --source facts）",
                                r.uscc
                            ),
                        })
                        .collect();
                    if !unknown.is_empty() {
                        tx.rollback().await?;
                        return Ok(ImportOutcome::Rejected(unknown));
                    }
                    for r in rows {
                        let sql = match plan(r.values(), stored.get(&r.key()), &mut counts) {
                            Plan::Keep => continue,
                            Plan::Insert => {
                                "INSERT INTO certifications (certified_on, certificate_no, import_id, uscc, kind) \
                                 VALUES ($1, $2, $3, $4, $5)"
                            }
                            Plan::Update(old, old_import) => {
                                history.push((r.key(), json(&old), old_import));
                                "UPDATE certifications SET certified_on = $1, certificate_no = $2, import_id = $3 \
                                 WHERE uscc = $4 AND kind = $5"
                            }
                        };
                        sqlx::query(sql)
                            .bind(r.certified_on)
                            .bind(r.certificate_no.as_deref())
                            .bind(import_id)
                            .bind(r.uscc.as_str())
                            .bind(r.kind.as_str())
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                ListRows::Trainings(rows) => {
                    let mut stored = BTreeMap::new();
                    for part in rows.chunks(LOOKUP) {
                        let sql = format!(
                            "SELECT session_id, held_on, county, title, organiser, attendees, import_id \
                             FROM training_sessions WHERE session_id IN ({})",
                            placeholders(1, part.len())
                        );
                        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                        for r in part {
                            q = q.bind(r.session_id.as_str());
                        }
                        for row in q.fetch_all(&mut *tx).await? {
                            let old = TrainingSession {
                                row: 0,
                                session_id: row.try_get(0)?,
                                held_on: row.try_get(1)?,
                                county: row.try_get(2)?,
                                title: row.try_get(3)?,
                                organiser: row.try_get(4)?,
                                attendees: row.try_get(5)?,
                            };
                            stored.insert(old.key(), (old.values(), row.try_get::<i64, _>(6)?));
                        }
                    }
                    for r in rows {
                        let sql = match plan(r.values(), stored.get(&r.key()), &mut counts) {
                            Plan::Keep => continue,
                            Plan::Insert => {
                                "INSERT INTO training_sessions (held_on, county, title, organiser, attendees, \
                                 import_id, session_id) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                            }
                            Plan::Update(old, old_import) => {
                                history.push((r.key(), json(&old), old_import));
                                "UPDATE training_sessions SET held_on = $1, county = $2, title = $3, \
                                 organiser = $4, attendees = $5, import_id = $6 WHERE session_id = $7"
                            }
                        };
                        sqlx::query(sql)
                            .bind(r.held_on)
                            .bind(r.county.as_str())
                            .bind(r.title.as_str())
                            .bind(r.organiser.as_deref())
                            .bind(r.attendees)
                            .bind(import_id)
                            .bind(r.session_id.as_str())
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            if counts.new == 0 && counts.updated == 0 {
                tx.rollback().await?;
                return Ok(ImportOutcome::Unchanged { counts });
            }
            for (key, old, old_import) in &history {
                sqlx::query(
                    "INSERT INTO list_history (source, row_key, old_values, old_import_id, new_import_id) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(source)
                .bind(key.as_str())
                .bind(old.as_str())
                .bind(*old_import)
                .bind(import_id)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "UPDATE list_imports SET rows_total = $1, rows_new = $2, rows_updated = $3, \
                 rows_unchanged = $4 WHERE id = $5",
            )
            .bind(counts.total as i64)
            .bind(counts.new as i64)
            .bind(counts.updated as i64)
            .bind(counts.unchanged as i64)
            .bind(import_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(ImportOutcome::Committed { id: import_id, counts })
        })
    }

    /// Every list import, oldest first.
    pub async fn list_imports(&self) -> Result<Vec<ListImport>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, source, file_name, file_sha256, imported_at, rows_total, rows_new, rows_updated \
                 FROM list_imports ORDER BY id",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(ListImport {
                        id: r.try_get(0)?,
                        source: r.try_get(1)?,
                        file_name: r.try_get(2)?,
                        file_sha256: r.try_get(3)?,
                        imported_at: r.try_get(4)?,
                        rows_total: r.try_get(5)?,
                        rows_new: r.try_get(6)?,
                        rows_updated: r.try_get(7)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }

    /// The certifications of one kind (or all), by uscc, with their import.
    pub async fn certifications(
        &self,
        kind: Option<CertKind>,
    ) -> Result<Vec<StoredCertification>, StoreError> {
        dispatch!(self, pool => {
            let rows = sqlx::query(
                "SELECT uscc, kind, certified_on, certificate_no, import_id FROM certifications \
                 WHERE $1 IS NULL OR kind = $1 ORDER BY uscc, kind",
            )
            .bind(kind.map(CertKind::as_str))
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(StoredCertification {
                        uscc: r.try_get(0)?,
                        kind: r.try_get(1)?,
                        certified_on: r.try_get(2)?,
                        certificate_no: r.try_get(3)?,
                        import_id: r.try_get(4)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }

    /// Rows of `list_history` (old values replaced by a later import).
    pub async fn list_history_count(&self) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM list_history").fetch_one(pool).await?)
        })
    }
}

fn json(values: &BTreeMap<&'static str, Option<String>>) -> String {
    serde_json::to_string(values).unwrap_or_default()
}
