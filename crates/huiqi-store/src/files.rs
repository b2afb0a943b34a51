//! The shared file store (migration `0510_files`): each uploaded file's bytes kept once in `files`,
//! under their SHA-256 (hex), with their size and content type. What refers to a file (a 为企服务
//! problem's attachment, a 督办 report's evidence, a 清欠 complaint's evidence) is a row of its own
//! table naming the file by that key with the name it was uploaded under ([`FileMeta`]). Which
//! types are accepted and whether the bytes are what the name says is checked before, in
//! `huiqi_app::files`.

use sha2::{Digest, Sha256};

use crate::{Store, StoreError, dispatch};

/// The largest file kept (bytes).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// A file to keep (its type already checked against its content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A stored file's description as its owner's row holds it (its bytes: [`Store::file_bytes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    /// The row's id (what a download route names).
    pub id: i64,
    /// The problem, report or complaint the file belongs to.
    pub owner_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// The hex SHA-256 of bytes: a file's key.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Refuses a file the store does not keep (too large, empty or without a name); `what` names it
/// in the message (附件, 佐证材料).
pub fn check_new(what: &str, f: &NewFile) -> Result<(), StoreError> {
    if f.file_name.trim().is_empty() {
        return Err(StoreError::Invalid(format!("{what}缺少文件名")));
    }
    if f.bytes.is_empty() {
        return Err(StoreError::Invalid(format!(
            "{what}“{}”是空文件",
            f.file_name
        )));
    }
    if f.bytes.len() > MAX_FILE_BYTES {
        return Err(StoreError::Invalid(format!(
            "{what}“{}”有 {} 字节，超过上限 {} MB：请压缩或拆分后再上传",
            f.file_name,
            f.bytes.len(),
            MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    Ok(())
}

/// Keeps a file's bytes once (a file already kept is not written again), inside the caller's
/// transaction; evaluates to its key. Used by every table that refers to files.
macro_rules! put_file {
    ($tx:expr, $f:expr) => {{
        let f: &$crate::files::NewFile = $f;
        let sha = $crate::files::sha256_hex(&f.bytes);
        sqlx::query(
            "INSERT INTO files (sha256, content_type, size_bytes, content) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&sha)
        .bind(&f.content_type)
        .bind(f.bytes.len() as i64)
        .bind(&f.bytes)
        .execute(&mut *$tx)
        .await?;
        sha
    }};
}
pub(crate) use put_file;

impl Store {
    /// The bytes kept under a key.
    pub async fn file_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        dispatch!(self, pool => {
            Ok(sqlx::query_scalar("SELECT content FROM files WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(pool)
                .await?)
        })
    }
}

/// Reads an owner's file row and its bytes: `sql` selects `id, owner, file_name, content_type,
/// size_bytes, sha256` of one row by `$1`.
pub(crate) async fn meta_and_bytes(
    store: &Store,
    sql: &'static str,
    id: i64,
) -> Result<Option<(FileMeta, Vec<u8>)>, StoreError> {
    let Some(meta) = metas(store, sql, id).await?.into_iter().next() else {
        return Ok(None);
    };
    let bytes = store.file_bytes(&meta.sha256).await?.ok_or_else(|| {
        StoreError::Invalid(format!(
            "文件“{}”的内容不在文件库中（{}）",
            meta.file_name, meta.sha256
        ))
    })?;
    Ok(Some((meta, bytes)))
}

/// File rows: `sql` selects `id, owner, file_name, content_type, size_bytes, sha256` by `$1`.
pub(crate) async fn metas(
    store: &Store,
    sql: &'static str,
    key: i64,
) -> Result<Vec<FileMeta>, StoreError> {
    dispatch!(store, pool => {
        let rows: Vec<MetaRow> = sqlx::query_as(sql).bind(key).fetch_all(pool).await?;
        Ok(rows.into_iter().map(meta_of).collect())
    })
}

/// A file row as selected: `id, owner, file_name, content_type, size_bytes, sha256`.
pub(crate) type MetaRow = (i64, i64, String, String, i64, String);

pub(crate) fn meta_of(
    (id, owner_id, file_name, content_type, size_bytes, sha256): MetaRow,
) -> FileMeta {
    FileMeta {
        id,
        owner_id,
        file_name,
        content_type,
        size_bytes,
        sha256,
    }
}
