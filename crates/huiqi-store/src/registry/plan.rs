//! The SQL of one import, computed once from its source: the look-up of existing rows and the
//! multi-row upserts, with placeholders fit for each driver.

use std::collections::HashMap;

use chrono::NaiveDate;
use huiqi_domain::registry::{Group, Source, StorageType, Value};

use super::MAX_BINDS;
use crate::{Backend, StoreError};

/// The SQL of one import, computed once from its source.
pub(super) struct Plan {
    /// SQLite gets `?` placeholders: sqlx's SQLite binder looks every `$N` up by name, which is
    /// linear in the number of parameters (`sqlite3_bind_parameter_name`), so a 25,000-parameter
    /// statement with `$N` costs O(n²); anonymous `?` are bound in order at O(1).
    pub(super) anonymous: bool,
    pub(super) year: Option<i32>,
    /// (group, offset of its first value in `Record::values`)
    pub(super) groups: Vec<(Group, usize)>,
    /// The columns read back for comparison, in order, each with its storage type: per group, its
    /// columns then its import column.
    pub(super) lookup_columns: Vec<(String, StorageType)>,
    /// The group holding the row's key for new/updated: the yearly groups, or `enterprises`.
    pub(super) primary: Group,
}

pub(super) fn groups_of(source: Source) -> Vec<(Group, usize)> {
    let mut offset = 0;
    source
        .groups()
        .iter()
        .map(|g| {
            let at = offset;
            offset += g.columns().len();
            (*g, at)
        })
        .collect()
}

impl Plan {
    pub(super) fn new(source: Source, year: Option<i32>, backend: Backend) -> Plan {
        let groups = groups_of(source);
        let mut lookup_columns = Vec::new();
        for (g, _) in &groups {
            let alias = if g.is_enterprise() { "e" } else { "f" };
            for c in g.columns() {
                lookup_columns.push((format!("{alias}.{}", c.db), c.ty.storage()));
            }
            lookup_columns.push((format!("{alias}.{}", g.import_column()), StorageType::Int));
        }
        let primary = groups
            .iter()
            .map(|(g, _)| *g)
            .find(|g| !g.is_enterprise())
            .unwrap_or(groups[0].0);
        Plan {
            anonymous: backend == Backend::Sqlite,
            year,
            groups,
            lookup_columns,
            primary,
        }
    }

    pub(super) fn has_enterprise_group(&self) -> bool {
        self.groups.iter().any(|(g, _)| g.is_enterprise())
    }

    pub(super) fn has_yearly_group(&self) -> bool {
        self.groups.iter().any(|(g, _)| !g.is_enterprise())
    }

    /// `SELECT e.uscc, … FROM enterprises e [LEFT JOIN enterprise_facts f …] WHERE e.uscc IN (…)`,
    /// the codes its `n` parameters (after the year, `$1`, on PostgreSQL; SQLite's statement holds
    /// the year as a literal, an integer of ours, so that its parameters are the codes alone).
    pub(super) fn lookup_sql(&self, n: usize) -> String {
        let cols: Vec<&str> = self
            .lookup_columns
            .iter()
            .map(|(c, _)| c.as_str())
            .collect();
        let mut sql = format!("SELECT e.uscc, {} FROM enterprises e", cols.join(", "));
        let mut first = 1;
        if self.has_yearly_group() {
            sql.push_str(" LEFT JOIN enterprise_facts f ON f.uscc = e.uscc AND f.year = ");
            if self.anonymous {
                sql.push_str(&self.year.unwrap_or_default().to_string());
            } else {
                push_placeholder(&mut sql, self.anonymous, 1);
                first = 2;
            }
        }
        sql.push_str(" WHERE e.uscc IN (");
        push_placeholders(&mut sql, self.anonymous, first, n);
        sql.push(')');
        sql
    }

    /// Reads the rows of a SQLite look-up (`sqlite_raw::run_encoded` of [`Plan::lookup_sql`])
    /// into `existing` (uscc → lookup columns).
    pub(super) fn read_lookup_encoded(
        &self,
        data: &[u8],
        existing: &mut HashMap<String, Vec<Value>>,
    ) -> Result<(), StoreError> {
        use crate::sqlite_raw::encoded::{self, Item};
        let bad = |what: String| StoreError::Sqlx(sqlx::Error::Decode(what.into()));
        let mut at = 0;
        while at < data.len() {
            let Item::Text(uscc) = encoded::next(data, &mut at)? else {
                return Err(bad("look-up row without uscc".into()));
            };
            let mut vals = Vec::with_capacity(self.lookup_columns.len());
            for (name, ty) in &self.lookup_columns {
                let value = match (ty, encoded::next(data, &mut at)?) {
                    (_, Item::Null) => Value::Null,
                    (StorageType::Int, Item::Int(n)) => Value::Int(n),
                    (StorageType::Bool, Item::Int(n)) => Value::Bool(n != 0),
                    (StorageType::Text, Item::Text(t)) => Value::Text(t.to_owned()),
                    (StorageType::Date, Item::Text(t)) => Value::Date(
                        NaiveDate::parse_from_str(t, "%Y-%m-%d")
                            .map_err(|e| bad(format!("{name}: {t}: {e}")))?,
                    ),
                    (_, other) => return Err(bad(format!("{name}: {other:?}"))),
                };
                vals.push(value);
            }
            existing.insert(uscc.to_owned(), vals);
        }
        Ok(())
    }

    /// The multi-row upsert of `rows` rows into the table of `groups` (all of one table).
    /// With `upsert` false (the registry was empty: every row is new) a plain INSERT, which spares
    /// SQLite the conflict probe of every row.
    pub(super) fn upsert_sql(
        &self,
        groups: &[Group],
        import_id: i64,
        rows: usize,
        upsert: bool,
    ) -> String {
        let enterprise = groups[0].is_enterprise();
        let (table, key) = if enterprise {
            ("enterprises", "uscc")
        } else {
            ("enterprise_facts", "uscc, year")
        };
        let mut cols: Vec<&str> = vec!["uscc"];
        if !enterprise {
            cols.push("year");
        }
        let mut updates = Vec::new();
        for g in groups {
            for c in g.columns() {
                cols.push(c.db);
                updates.push(format!("{0} = excluded.{0}", c.db));
            }
            cols.push(g.import_column());
            updates.push(format!("{0} = excluded.{0}", g.import_column()));
        }
        let year = self.year.unwrap_or_default();
        // SQLite: OR ROLLBACK, so that a failing row ends the whole transaction (which the import
        // does anyway) and SQLite needs no statement journal for these multi-row statements; with
        // the default ABORT it copies every page a statement touches into a statement journal first
        // (measured: most of the time of a 1M-row import).
        let verb = if self.anonymous {
            "INSERT OR ROLLBACK INTO"
        } else {
            "INSERT INTO"
        };
        let mut sql = format!("{verb} {table} ({}) VALUES ", cols.join(", "));
        let mut p = 1;
        for r in 0..rows {
            if r > 0 {
                sql.push_str(", ");
            }
            // uscc, then year and the import id as literals (integers of ours, not user text)
            sql.push('(');
            push_placeholder(&mut sql, self.anonymous, p);
            p += 1;
            if !enterprise {
                sql.push_str(&format!(", {year}"));
            }
            for g in groups {
                for _ in g.columns() {
                    sql.push_str(", ");
                    push_placeholder(&mut sql, self.anonymous, p);
                    p += 1;
                }
                sql.push_str(&format!(", {import_id}"));
            }
            sql.push(')');
        }
        if upsert {
            sql.push_str(&format!(
                " ON CONFLICT ({key}) DO UPDATE SET {}",
                updates.join(", ")
            ));
        }
        sql
    }

    /// PostgreSQL's bulk path into an empty registry: `COPY table (columns) FROM STDIN`, the
    /// columns in the order of [`Plan::upsert_sql`] (nothing to conflict with, so no upsert).
    pub(super) fn copy_sql(&self, groups: &[Group]) -> String {
        let enterprise = groups[0].is_enterprise();
        let table = if enterprise {
            "enterprises"
        } else {
            "enterprise_facts"
        };
        let mut cols: Vec<&str> = vec!["uscc"];
        if !enterprise {
            cols.push("year");
        }
        for g in groups {
            cols.extend(g.columns().iter().map(|c| c.db));
            cols.push(g.import_column());
        }
        format!("COPY {table} ({}) FROM STDIN", cols.join(", "))
    }

    /// One record as a line of COPY's text format for [`Plan::copy_sql`]: tab-separated, `\N`
    /// for NULL, text escaped (backslash, tab, newline, carriage return).
    pub(super) fn push_copy_row(
        &self,
        out: &mut Vec<u8>,
        groups: &[Group],
        import_id: i64,
        rec: &huiqi_domain::registry::Record,
    ) {
        use crate::copy::{push_date, push_int, push_text};
        push_text(out, rec.uscc.as_str());
        if !groups[0].is_enterprise() {
            out.push(b'\t');
            push_int(out, self.year.unwrap_or_default().into());
        }
        for (g, offset) in &self.groups {
            if !groups.contains(g) {
                continue;
            }
            for v in &rec.values[*offset..*offset + g.columns().len()] {
                out.push(b'\t');
                match v {
                    Value::Int(i) => push_int(out, *i),
                    Value::Bool(b) => out.push(if *b { b't' } else { b'f' }),
                    Value::Text(t) => push_text(out, t),
                    Value::Date(d) => push_date(out, *d),
                    Value::Null => out.extend_from_slice(b"\\N"),
                }
            }
            out.push(b'\t');
            push_int(out, import_id);
        }
        out.push(b'\n');
    }

    /// One record's bound values for SQLite's bulk INSERT ([`Plan::upsert_sql`] without the
    /// upsert, run by `sqlite_raw::run_encoded`): the code, then each group's columns;
    /// the year and import id are literals of the statement; encoded as `sqlite_raw::encoded`,
    /// each value as sqlx would bind it: a flag as 0 or 1, a date as `YYYY-MM-DD` text.
    pub(super) fn push_encoded_row(
        &self,
        out: &mut Vec<u8>,
        groups: &[Group],
        rec: &huiqi_domain::registry::Record,
    ) {
        use crate::sqlite_raw::encoded;
        encoded::push_text(out, rec.uscc.as_str());
        for (g, offset) in &self.groups {
            if !groups.contains(g) {
                continue;
            }
            for v in &rec.values[*offset..*offset + g.columns().len()] {
                match v {
                    Value::Int(i) => encoded::push_int(out, *i),
                    Value::Bool(b) => encoded::push_int(out, i64::from(*b)),
                    Value::Text(t) => encoded::push_text(out, t),
                    Value::Date(d) => {
                        encoded::push_text_with(out, |out| crate::copy::push_date(out, *d))
                    }
                    Value::Null => encoded::push_null(out),
                }
            }
        }
    }

    pub(super) fn rows_per_upsert(groups: &[Group]) -> usize {
        let per_row = 1 + groups.iter().map(|g| g.columns().len()).sum::<usize>();
        (MAX_BINDS / per_row).clamp(1, 1000)
    }
}

/// Appends placeholder number `n`: `?` (SQLite, bound in order) or `$n` (PostgreSQL).
pub(super) fn push_placeholder(sql: &mut String, anonymous: bool, n: usize) {
    if anonymous {
        sql.push('?');
    } else {
        sql.push('$');
        sql.push_str(&n.to_string());
    }
}

pub(super) fn push_placeholders(sql: &mut String, anonymous: bool, first: usize, n: usize) {
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        push_placeholder(sql, anonymous, first + i);
    }
}

/// `items` in slices of at most `n`.
pub(super) fn chunks_of<T>(items: &[T], n: usize) -> std::slice::Chunks<'_, T> {
    items.chunks(n.max(1))
}

const HISTORY_INSERT: &str = "INSERT INTO value_history (uscc, year, field, old_value, old_import_id, new_value, new_import_id) VALUES ";

pub(super) fn history_sql(rows: usize, anonymous: bool) -> String {
    let mut sql = String::from(HISTORY_INSERT);
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        push_placeholders(&mut sql, anonymous, r * 7 + 1, 7);
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn upsert_sql_binds_values_and_inlines_ids() {
        let plan = Plan::new(Source::Hr, Some(2024), Backend::Postgres);
        let sql = plan.upsert_sql(&[Group::Hr], 7, 2, true);
        assert_eq!(
            sql,
            "INSERT INTO enterprise_facts (uscc, year, employees_x100, founder_group, hr_import_id) \
             VALUES ($1, 2024, $2, $3, 7), ($4, 2024, $5, $6, 7) ON CONFLICT (uscc, year) DO UPDATE \
             SET employees_x100 = excluded.employees_x100, founder_group = excluded.founder_group, \
             hr_import_id = excluded.hr_import_id"
        );
        let plan = Plan::new(Source::Market, None, Backend::Postgres);
        assert!(
            plan.lookup_sql(2)
                .ends_with("FROM enterprises e WHERE e.uscc IN ($1, $2)")
        );
        let plan = Plan::new(Source::Facts, Some(2024), Backend::Postgres);
        assert!(
            plan.lookup_sql(1)
                .contains("f.year = $1 WHERE e.uscc IN ($2)")
        );
    }

    #[test]
    fn copy_rows_escape_text_and_write_null() {
        use huiqi_domain::registry::Record;
        let plan = Plan::new(Source::Hr, Some(2024), Backend::Postgres);
        assert_eq!(
            plan.copy_sql(&[Group::Hr]),
            "COPY enterprise_facts (uscc, year, employees_x100, founder_group, hr_import_id) FROM STDIN"
        );
        let uscc = huiqi_domain::uscc::Uscc::from_parts("91", "341502", "MA2N0001").unwrap();
        let code = uscc.as_str().to_string();
        let rec = Record {
            row: 2,
            uscc,
            values: vec![Value::Int(1200), Value::Text("a\tb\\c\nd".into())],
        };
        let mut out = Vec::new();
        plan.push_copy_row(&mut out, &[Group::Hr], 7, &rec);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{code}\t2024\t1200\ta\\tb\\\\c\\nd\t7\n")
        );
        let rec = Record {
            values: vec![Value::Null, Value::Null],
            ..rec
        };
        let mut out = Vec::new();
        plan.push_copy_row(&mut out, &[Group::Hr], 7, &rec);
        assert!(String::from_utf8(out).unwrap().ends_with("\t\\N\t\\N\t7\n"));
    }

    #[test]
    pub(super) fn statements_stay_under_the_bind_limit() {
        for &s in Source::ALL {
            let plan = Plan::new(s, Some(2024), Backend::Sqlite);
            for (g, _) in &plan.groups {
                let per_row = 1 + g.columns().len();
                assert!(Plan::rows_per_upsert(&[*g]) * per_row <= MAX_BINDS);
            }
        }
    }
}
