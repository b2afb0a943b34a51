//! What every command module shares: the async runtime, the database of `HUIQI_DATABASE_URL`,
//! the built-in policy pack.

use anyhow::{Context, Result};
use huiqi_app::Store;
use huiqi_policy::Pack;

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("无法启动异步运行时")
}

/// The database of `HUIQI_DATABASE_URL` (not migrated).
pub async fn open_store() -> Result<Store> {
    let url = huiqi_store::database_url_from_env();
    Store::connect(&url)
        .await
        .with_context(|| format!("无法连接数据库 {}", huiqi_app::redact_url(&url)))
}

/// The database of `HUIQI_DATABASE_URL`, migrated (a database made by an older huiqi gains the
/// newer tables).
pub async fn migrated_store() -> Result<Store> {
    let store = open_store().await?;
    store.migrate().await?;
    Ok(store)
}

pub fn pack() -> Result<Pack> {
    Ok(huiqi_app::builtin_pack()?)
}

/// A temporary file beside `target`, to be persisted over it once complete (so a failed command
/// leaves no partial output). It is created with the permissions a plain `File::create` gives —
/// 0666 less the user's umask — not tempfile's private 0600, so the result can be shared as the
/// user's other files are.
pub fn output_tempfile(target: &std::path::Path) -> Result<tempfile::NamedTempFile> {
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".huiqi-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
        .tempfile_in(dir)
        .with_context(|| format!("无法在 {} 创建输出文件", dir.display()))
}
