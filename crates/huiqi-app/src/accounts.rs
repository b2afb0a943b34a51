//! Accounts: roles and their scopes, the one scope check (`can_see`), passwords (argon2id), login
//! with lockout, sessions (only the SHA-256 of a token is stored), and creating accounts — by
//! the command line (`huiqi users add`) and for the demo alike.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{Duration, Utc};
use huiqi_domain::Uscc;
use huiqi_policy::Pack;
use huiqi_store::search::EnterpriseFilter;
use huiqi_store::{Store, StoreError};
use sha2::{Digest, Sha256};

use crate::{App, AppError, blocking};

/// Wrong passwords in a row before the account locks.
pub const MAX_FAILED: i32 = 10;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 8;
/// The shortest password an account may be given.
pub const MIN_PASSWORD_CHARS: usize = 10;

huiqi_domain::vocabulary! {
    /// The kinds of account.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum RoleKind {
        /// 工作专班: the whole city.
        Admin = ("admin", "工作专班"),
        /// 责任单位: the targets, tasks and measures it is responsible for.
        Unit = ("unit", "责任单位"),
        /// 县区: its own jurisdiction.
        County = ("county", "县区"),
        /// 企业: itself.
        Enterprise = ("enterprise", "企业"),
    }
}

impl RoleKind {
    /// What the scope of this kind of account is, for messages.
    pub fn scope_hint(self) -> &'static str {
        match self {
            RoleKind::Admin => "（无需范围）",
            RoleKind::Unit => "责任单位 id（如 tax、economy_it）",
            RoleKind::County => "辖区 id（如 341502、luan-etdz）",
            RoleKind::Enterprise => "统一社会信用代码",
        }
    }
}

/// Who is asking, with the scope of the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Anonymous,
    Admin,
    /// A responsible unit (its id in the policy pack).
    Unit(String),
    /// A jurisdiction (its id in the policy pack).
    County(String),
    Enterprise(Uscc),
}

impl Role {
    pub fn kind(&self) -> Option<RoleKind> {
        match self {
            Role::Anonymous => None,
            Role::Admin => Some(RoleKind::Admin),
            Role::Unit(_) => Some(RoleKind::Unit),
            Role::County(_) => Some(RoleKind::County),
            Role::Enterprise(_) => Some(RoleKind::Enterprise),
        }
    }

    /// `anonymous` or the kind's id.
    pub fn name(&self) -> &'static str {
        self.kind().map_or("anonymous", RoleKind::as_str)
    }

    /// A stored account's role and scope; `None` when they do not make a role (then the account
    /// signs in as nobody).
    pub fn from_stored(kind: &str, scope: &str) -> Option<Role> {
        Some(match RoleKind::parse(kind)? {
            RoleKind::Admin => Role::Admin,
            RoleKind::Unit => Role::Unit(scope.to_string()),
            RoleKind::County => Role::County(scope.to_string()),
            RoleKind::Enterprise => Role::Enterprise(Uscc::parse(scope).ok()?),
        })
    }

    /// The scope as stored (empty for the working group).
    pub fn scope(&self) -> &str {
        match self {
            Role::Anonymous | Role::Admin => "",
            Role::Unit(s) | Role::County(s) => s,
            Role::Enterprise(u) => u.as_str(),
        }
    }

    /// The jurisdiction a county account is limited to.
    pub fn county(&self) -> Option<&str> {
        match self {
            Role::County(c) => Some(c),
            _ => None,
        }
    }

    /// The unit a unit account speaks for.
    pub fn unit(&self) -> Option<&str> {
        match self {
            Role::Unit(u) => Some(u),
            _ => None,
        }
    }

    /// Checks a role and scope against the pack: a unit id, a jurisdiction id or a USCC.
    pub fn checked(pack: &Pack, kind: RoleKind, scope: &str) -> Result<Role, AppError> {
        let scope = scope.trim();
        let bad = |what: &str| {
            AppError::invalid(
                "bad_scope",
                format!(
                    "角色 {}（{}）的范围须为{}，而不是“{scope}”{what}",
                    kind.as_str(),
                    kind.label(),
                    kind.scope_hint()
                ),
            )
        };
        Ok(match kind {
            RoleKind::Admin => Role::Admin,
            RoleKind::Unit if pack.unit(scope).is_some() => Role::Unit(scope.into()),
            RoleKind::County if pack.jurisdiction(scope).is_some() => Role::County(scope.into()),
            RoleKind::Enterprise => {
                Role::Enterprise(Uscc::parse(scope).map_err(|e| bad(&format!("：{e}")))?)
            }
            _ => return Err(bad("")),
        })
    }
}

/// Whether `role` may see this enterprise: the working group and units see all, a county its
/// own, an enterprise itself (checked on the server for every page and API).
pub async fn can_see(store: &Store, role: &Role, uscc: &Uscc) -> Result<bool, AppError> {
    Ok(match role {
        Role::Admin | Role::Unit(_) => true,
        Role::Enterprise(own) => own == uscc,
        Role::County(county) => {
            store.county_of(uscc.as_str()).await?.as_deref() == Some(county.as_str())
        }
        Role::Anonymous => false,
    })
}

fn argon2() -> Result<Argon2<'static>, AppError> {
    // OWASP's minimum for argon2id: m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| AppError::Task(format!("argon2 参数：{e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| AppError::Task(format!("系统随机数不可用：{e}")))?;
    Ok(buf)
}

/// `n` random bytes as hex.
pub fn random_hex(n: usize) -> Result<String, AppError> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| AppError::Task(format!("系统随机数不可用：{e}")))?;
    Ok(hex::encode(buf))
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A random password of 16 characters without look-alikes (0/O, 1/l/I).
pub fn random_password() -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    Ok(random_bytes::<16>()?
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

fn hash_sync(password: &str) -> Result<String, AppError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| AppError::Task(format!("argon2 盐：{e}")))?;
    Ok(argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| AppError::Task(format!("argon2 哈希：{e}")))?
        .to_string())
}

/// Hashes a password with argon2id on a blocking thread.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    blocking(move || hash_sync(&password)).await?
}

/// A hash of a random password, verified for unknown users so that the time a login takes does
/// not tell whether the username exists.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn verify(password: String, hash: Option<String>) -> bool {
    blocking(move || {
        let hash = match hash {
            Some(h) => h,
            None => match DUMMY_HASH.get() {
                Some(h) => h.clone(),
                None => {
                    let Ok(h) = random_hex(16).and_then(|p| hash_sync(&p)) else {
                        return false;
                    };
                    DUMMY_HASH.get_or_init(|| h).clone()
                }
            },
        };
        let Ok(a) = argon2() else { return false };
        PasswordHash::new(&hash).is_ok_and(|h| a.verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// Why a login failed (shown to the user in Chinese, deliberately vague about which part was wrong).
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("用户名或密码错误。")]
    Wrong,
    #[error("密码连续错误 {MAX_FAILED} 次，账号已锁定 {LOCK_MINUTES} 分钟，请稍后再试。")]
    Locked,
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> LoginError {
        LoginError::App(e.into())
    }
}

/// Checks a password; on success creates a session and returns its token (for the cookie).
pub async fn login(store: &Store, username: &str, password: &str) -> Result<String, LoginError> {
    let Some(user) = store.user_by_name(username).await? else {
        verify(password.to_string(), None).await;
        return Err(LoginError::Wrong);
    };
    if user.locked_until.is_some_and(|t| t > Utc::now()) {
        return Err(LoginError::Locked);
    }
    if !verify(password.to_string(), Some(user.password_hash.clone())).await {
        store
            .record_failed_login(
                user.id,
                MAX_FAILED,
                Utc::now() + Duration::minutes(LOCK_MINUTES),
            )
            .await?;
        return Err(LoginError::Wrong);
    }
    store.reset_failed_logins(user.id).await?;
    let token = random_hex(32)?;
    store
        .create_session(
            &sha256_hex(&token),
            user.id,
            &random_hex(16)?,
            Utc::now() + Duration::hours(SESSION_HOURS),
        )
        .await?;
    Ok(token)
}

/// A live session: who, and the CSRF token its forms carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub role: Role,
    pub user_id: i64,
    pub display_name: String,
    pub csrf: String,
    pub token_sha256: String,
}

/// The session of a cookie token, if it exists, has not expired and its account has a valid
/// role and scope.
pub async fn session_of(store: &Store, token: &str) -> Result<Option<SignedIn>, AppError> {
    let hash = sha256_hex(token);
    let Some(s) = store.session(&hash).await? else {
        return Ok(None);
    };
    let Some(role) = Role::from_stored(&s.user.role, &s.user.scope) else {
        tracing::warn!(user = s.user.id, "账号的角色或范围无效，按未登录处理");
        return Ok(None);
    };
    Ok(Some(SignedIn {
        role,
        user_id: s.user.id,
        display_name: s.user.display_name,
        csrf: s.csrf_token,
        token_sha256: hash,
    }))
}

/// Ends a session.
pub async fn logout(store: &Store, token_sha256: &str) -> Result<(), AppError> {
    Ok(store.delete_session(token_sha256).await?)
}

/// One account as created, with its password in clear (shown once to whoever created it, never
/// stored).
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub display_name: String,
    /// Whether the password was generated (then it must be shown once).
    pub generated: bool,
}

/// Creates an account, or resets the password, role and scope of an existing one. Without a
/// password one is generated.
pub async fn create_account(
    store: &Store,
    username: &str,
    role: Role,
    display_name: &str,
    password: Option<String>,
) -> Result<NewAccount, AppError> {
    let Some(kind) = role.kind() else {
        return Err(AppError::invalid("bad_role", "账号须有角色"));
    };
    if username.trim().is_empty() {
        return Err(AppError::invalid("bad_username", "用户名不能为空"));
    }
    huiqi_domain::limits::check_name_field("用户名", username.trim())
        .map_err(AppError::limit("bad_username"))?;
    let display_name = display_name.trim();
    huiqi_domain::limits::check_name_field("姓名", display_name)
        .map_err(AppError::limit("bad_name"))?;
    if password
        .as_ref()
        .is_some_and(|p| p.chars().count() < MIN_PASSWORD_CHARS)
    {
        return Err(AppError::invalid(
            "weak_password",
            format!("密码至少 {MIN_PASSWORD_CHARS} 个字符"),
        ));
    }
    let generated = password.is_none();
    let password = match password {
        Some(p) => p,
        None => random_password()?,
    };
    let hash = hash_password(password.clone()).await?;
    store
        .upsert_user(
            username.trim(),
            &hash,
            kind.as_str(),
            role.scope(),
            display_name,
        )
        .await?;
    Ok(NewAccount {
        username: username.trim().into(),
        password,
        role,
        display_name: display_name.into(),
        generated,
    })
}

/// An account as listed for the working group (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub username: String,
    /// The role's Chinese label (or the stored text if it is not a role).
    pub role: String,
    pub scope: String,
    pub display_name: String,
    pub locked: bool,
}

/// Every account, by username.
pub async fn list_accounts(store: &Store) -> Result<Vec<AccountRow>, AppError> {
    Ok(store
        .list_users()
        .await?
        .into_iter()
        .map(|(username, role, scope, display_name, locked)| AccountRow {
            role: RoleKind::parse(&role).map_or(role, |k| k.label().to_string()),
            username,
            scope,
            display_name,
            locked,
        })
        .collect())
}

/// One account per role for the demo: the working group, 市经信局 (or the first unit), the
/// county of the first enterprise with a benefit, and that enterprise.
pub async fn demo_accounts(app: &App) -> Result<Vec<NewAccount>, AppError> {
    let first = app
        .store
        .search_enterprises(&EnterpriseFilter::default(), 500)
        .await?;
    if first.is_empty() {
        return Err(AppError::not_found(
            "empty_registry",
            "企业库为空：请先导入企业",
        ));
    }
    let mut chosen = None;
    for e in &first {
        let Ok(uscc) = Uscc::parse(&e.uscc) else {
            continue;
        };
        if let Some(b) = crate::matching::benefits_of(app, &uscc).await?
            && b.rows
                .iter()
                .any(|r| r.amount > rust_decimal::Decimal::ZERO)
        {
            chosen = Some(e.clone());
            break;
        }
    }
    let e = chosen.unwrap_or_else(|| first[0].clone());
    let unit = app
        .pack
        .unit("economy_it")
        .or(app.pack.units.first())
        .ok_or_else(|| AppError::not_found("no_units", "政策包没有责任单位"))?;
    let county_name = app.jurisdiction_name(&e.county);
    let uscc =
        Uscc::parse(&e.uscc).map_err(|err| AppError::invalid("bad_uscc", err.to_string()))?;
    let mut out = Vec::new();
    for (username, role, name) in [
        ("admin", Role::Admin, "工作专班".to_string()),
        ("unit", Role::Unit(unit.id.clone()), unit.name.clone()),
        ("county", Role::County(e.county.clone()), county_name),
        ("enterprise", Role::Enterprise(uscc), e.name.clone()),
    ] {
        out.push(create_account(&app.store, username, role, &name, None).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_checked_against_the_pack() {
        let pack = crate::builtin_pack().unwrap();
        assert_eq!(
            Role::checked(&pack, RoleKind::County, "341502").unwrap(),
            Role::County("341502".into())
        );
        let e = Role::checked(&pack, RoleKind::County, "999999").unwrap_err();
        assert!(e.to_string().contains("辖区 id"), "{e}");
        assert!(Role::checked(&pack, RoleKind::Unit, "tax").is_ok());
        assert!(Role::checked(&pack, RoleKind::Unit, "nosuch").is_err());
        assert!(Role::checked(&pack, RoleKind::Enterprise, "123").is_err());
        assert_eq!(Role::from_stored("enterprise", "not-a-code"), None);
        assert_eq!(Role::from_stored("admin", ""), Some(Role::Admin));
        assert_eq!(Role::from_stored("root", ""), None);
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let (a, b) = (random_password().unwrap(), random_password().unwrap());
        assert_eq!(a.chars().count(), 16);
        assert!(a.chars().count() >= MIN_PASSWORD_CHARS);
        assert_ne!(a, b);
        assert!(!a.contains(['0', 'O', '1', 'l', 'I']));
    }
}
