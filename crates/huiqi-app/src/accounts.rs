//! Accounts: roles and their scopes, the one scope check (`can_see`), passwords (argon2id), login
//! with per-account throttling, sessions (only the SHA-256 of a token is stored), creating
//! accounts — by the command line (`huiqi users add`) and for the demo alike — and the working
//! group's changes to an account (disable, enable, unlock, reset the password), each with an
//! audit line.
//!
//! Throttling slows an account down, it never locks it for ever: after [`FREE_ATTEMPTS`] failed
//! logins in a row each further failure makes the account wait [`throttle_delay`] (1 s, 2 s,
//! 4 s … at most [`MAX_DELAY_SECS`]) before the next attempt is even checked; the counter is
//! forgotten on success and [`FORGET_AFTER_MINUTES`] after the last failure. An unknown name, a
//! wrong password, a throttled or a disabled account all get the same answer ([`LoginError::Refused`])
//! after the same work: one argon2id verification (of a dummy hash for an unknown name) and the
//! same failed-login statement.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{Duration, Utc};
use huiqi_domain::Uscc;
use huiqi_policy::Pack;
use huiqi_store::accounts::AccountChange;
use huiqi_store::search::EnterpriseFilter;
use huiqi_store::{Store, StoreError};
use sha2::{Digest, Sha256};

use crate::{App, AppError, blocking};

/// Failed logins in a row that cost nothing; each failure after them throttles the account.
pub const FREE_ATTEMPTS: i32 = 5;
/// The longest wait between two attempts of a throttled account.
pub const MAX_DELAY_SECS: i64 = 300;
/// The failed logins are forgotten this long after the last one.
pub const FORGET_AFTER_MINUTES: i64 = 60;
/// Who made a change from the command line (in the audit lines).
pub const CLI_ACTOR: &str = "命令行";
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

huiqi_domain::vocabulary! {
    /// A change to an account, as its audit line names it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum AccountAction {
        Create = ("create", "新建账号"),
        /// `huiqi users add` on an existing name: password, role, scope and name replaced.
        Update = ("update", "重设账号"),
        ResetPassword = ("reset_password", "重设密码"),
        Disable = ("disable", "停用"),
        Enable = ("enable", "启用"),
        Unlock = ("unlock", "解除限速"),
    }
}

/// How long a throttled account waits after its `failures`-th failed login in a row: nothing up
/// to [`FREE_ATTEMPTS`], then 1 s doubling with each failure, at most [`MAX_DELAY_SECS`].
pub fn throttle_delay(failures: i32) -> Option<Duration> {
    if failures < FREE_ATTEMPTS {
        return None;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(30) as u32;
    Some(Duration::seconds((1i64 << doublings).min(MAX_DELAY_SECS)))
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

static VERIFICATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many argon2id verifications logins have run in this process (tests check that every kind
/// of refused login costs exactly one).
pub fn verifications() -> u64 {
    VERIFICATIONS.load(std::sync::atomic::Ordering::Relaxed)
}

async fn verify(password: String, hash: Option<String>) -> bool {
    VERIFICATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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

/// Why a login failed (shown to the user in Chinese). One answer for an unknown name, a wrong
/// password, a throttled and a disabled account, so that none can be told from another.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(
        "用户名或密码错误。连续输错后须稍候片刻才能再试（最长 {} 分钟）；如忘记密码或账号被停用，请联系工作专班。",
        MAX_DELAY_SECS / 60
    )]
    Refused,
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> LoginError {
        LoginError::App(e.into())
    }
}

/// Checks a password; on success creates a session and returns its token (for the cookie).
/// Every refusal does the same work: one argon2id verification (a dummy hash for an unknown
/// name) and one failed-login record (which changes nothing for an unknown name or while the
/// account is throttled).
pub async fn login(store: &Store, username: &str, password: &str) -> Result<String, LoginError> {
    let now = Utc::now();
    let user = store.user_by_name(username).await?;
    let right = verify(
        password.to_string(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let usable = user.filter(|u| !u.disabled && u.locked_until.is_none_or(|t| t <= now));
    let Some(user) = usable.filter(|_| right) else {
        store
            .record_failed_login(
                username,
                now,
                now - Duration::minutes(FORGET_AFTER_MINUTES),
                throttle_delay,
            )
            .await?;
        return Err(LoginError::Refused);
    };
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
    pub username: String,
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
        username: s.user.username,
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

/// Creates an account, or resets the password, role and scope of an existing one (its sessions
/// end). Without a password one is generated. `actor` is who does it, for the audit line.
pub async fn create_account(
    store: &Store,
    username: &str,
    role: Role,
    display_name: &str,
    password: Option<String>,
    actor: &str,
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
    let (password, generated) = password_or_generated(password)?;
    let hash = hash_password(password.clone()).await?;
    let detail = match role.scope() {
        "" => kind.label().to_string(),
        scope => format!("{}：{scope}", kind.label()),
    };
    store
        .upsert_user(
            username.trim(),
            &hash,
            kind.as_str(),
            role.scope(),
            display_name,
            (actor, &detail),
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

/// The password given (checked for length), or a generated one (`true`).
fn password_or_generated(password: Option<String>) -> Result<(String, bool), AppError> {
    match password {
        Some(p) if p.chars().count() < MIN_PASSWORD_CHARS => Err(AppError::invalid(
            "weak_password",
            format!("密码至少 {MIN_PASSWORD_CHARS} 个字符"),
        )),
        Some(p) => Ok((p, false)),
        None => Ok((random_password()?, true)),
    }
}

/// An account as listed for the working group (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub username: String,
    /// The role's Chinese label (or the stored text if it is not a role).
    pub role: String,
    pub scope: String,
    pub display_name: String,
    pub disabled: bool,
    /// Failed logins in a row (forgotten on success and some time after the last).
    pub failed_logins: i32,
    /// Throttled until then (in the future).
    pub throttled_until: Option<chrono::DateTime<Utc>>,
    /// Live sessions.
    pub sessions: i64,
}

impl AccountRow {
    /// The account's state in Chinese: 已停用, 限速中, or 正常.
    pub fn status(&self) -> &'static str {
        if self.disabled {
            "已停用"
        } else if self.throttled_until.is_some() {
            "限速中"
        } else {
            "正常"
        }
    }
}

/// Every account, by username.
pub async fn list_accounts(store: &Store) -> Result<Vec<AccountRow>, AppError> {
    let now = Utc::now();
    Ok(store
        .list_users()
        .await?
        .into_iter()
        .map(|u| AccountRow {
            role: RoleKind::parse(&u.role).map_or(u.role, |k| k.label().to_string()),
            username: u.username,
            scope: u.scope,
            display_name: u.display_name,
            disabled: u.disabled,
            failed_logins: u.failed_logins,
            throttled_until: u.locked_until.filter(|t| *t > now),
            sessions: u.sessions,
        })
        .collect())
}

/// What the working group (or the command line) does to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminAction {
    Disable,
    Enable,
    Unlock,
    /// A new password: the one given, or a generated one.
    ResetPassword(Option<String>),
}

impl AdminAction {
    pub fn kind(&self) -> AccountAction {
        match self {
            AdminAction::Disable => AccountAction::Disable,
            AdminAction::Enable => AccountAction::Enable,
            AdminAction::Unlock => AccountAction::Unlock,
            AdminAction::ResetPassword(_) => AccountAction::ResetPassword,
        }
    }
}

/// What a change did: for a password reset, the new password (shown once, never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeDone {
    pub username: String,
    pub action: AccountAction,
    pub password: Option<String>,
    /// Whether the password was generated.
    pub generated: bool,
}

/// Applies the working group's change to `username`, by `actor` (the admin's username, or
/// [`CLI_ACTOR`]): disabling and a password reset end the account's sessions; every change
/// writes an audit line, in the same transaction. An admin cannot disable their own account
/// (nobody could enable it again from the web).
pub async fn change_account(
    store: &Store,
    actor: &str,
    username: &str,
    action: AdminAction,
) -> Result<ChangeDone, AppError> {
    let username = username.trim();
    if username.is_empty() {
        return Err(AppError::invalid("bad_username", "用户名不能为空"));
    }
    if action == AdminAction::Disable && username == actor {
        return Err(AppError::invalid(
            "disable_self",
            "不能停用自己正在使用的账号：请用另一个工作专班账号操作",
        ));
    }
    let kind = action.kind();
    let (password, generated, hash) = match action {
        AdminAction::ResetPassword(p) => {
            let (p, generated) = password_or_generated(p)?;
            let hash = hash_password(p.clone()).await?;
            (Some(p), generated, Some(hash))
        }
        _ => (None, false, None),
    };
    let (change, detail) = match (kind, hash.as_deref()) {
        (AccountAction::Disable, _) => (AccountChange::Disable, "已结束该账号的全部会话"),
        (AccountAction::Enable, _) => (AccountChange::Enable, ""),
        (AccountAction::Unlock, _) => (AccountChange::Unlock, "已清零连续登录失败次数"),
        (_, Some(h)) => (
            AccountChange::SetPassword(h),
            if generated {
                "随机新密码；已结束该账号的全部会话"
            } else {
                "指定新密码；已结束该账号的全部会话"
            },
        ),
        _ => return Err(AppError::Task("未知的账号操作".into())),
    };
    if !store
        .change_account(username, change, actor, kind.as_str(), detail)
        .await?
    {
        return Err(AppError::not_found(
            "no_account",
            format!(
                "没有用户名为“{username}”的账号：请核对用户名（账号列表见 huiqi users list 或“账号”页）"
            ),
        ));
    }
    Ok(ChangeDone {
        username: username.to_string(),
        action: kind,
        password,
        generated,
    })
}

/// One audit line as shown: time (Beijing), who, which account, what (in Chinese), detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub username: String,
    pub action: String,
    pub detail: String,
}

/// The audit lines of account changes, newest first (`limit` from `offset`), and their total.
pub async fn account_audit(
    store: &Store,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditRow>, i64), AppError> {
    let (lines, total) = store.account_audit(limit, offset).await?;
    Ok((
        lines
            .into_iter()
            .map(|l| AuditRow {
                at: (l.at + Duration::hours(8))
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                actor: l.actor,
                username: l.username,
                action: AccountAction::parse(&l.action).map_or(l.action, |a| a.label().to_string()),
                detail: l.detail,
            })
            .collect(),
        total,
    ))
}

/// An audit line's detail as the working group reads it: a scope written as an id ("县区：luan-etdz",
/// as lines are stored) named by the pack ("县区：六安经开区"); anything else unchanged.
pub fn detail_named(pack: &Pack, detail: &str) -> String {
    let Some((head, scope)) = detail.rsplit_once('：') else {
        return detail.to_string();
    };
    let name = pack
        .unit(scope)
        .map(|u| u.name.clone())
        .or_else(|| pack.jurisdiction(scope).map(|j| j.name.clone()));
    match name {
        Some(name) => format!("{head}：{name}"),
        None => detail.to_string(),
    }
}

#[cfg(test)]
mod detail_tests {
    #[test]
    fn scope_ids_in_audit_details_are_named() {
        let pack = huiqi_policy::builtin::default_pack().unwrap();
        let j = &pack.jurisdictions[0];
        let u = &pack.units[0];
        assert_eq!(
            super::detail_named(&pack, &format!("县区：{}", j.id)),
            format!("县区：{}", j.name)
        );
        assert_eq!(
            super::detail_named(&pack, &format!("责任单位：{}", u.id)),
            format!("责任单位：{}", u.name)
        );
        assert_eq!(super::detail_named(&pack, "工作专班"), "工作专班");
        assert_eq!(
            super::detail_named(&pack, "企业：91341500MA2N0000X1"),
            "企业：91341500MA2N0000X1"
        );
    }
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
    // The unit that pushes the most 免申即享 measures (市税务局), so that its push lists are not
    // empty in the demo.
    let unit = app
        .pack
        .unit("tax")
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
        out.push(create_account(&app.store, username, role, &name, None, "演示").await?);
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
    fn the_delay_doubles_after_the_free_attempts_and_is_capped() {
        for n in 0..FREE_ATTEMPTS {
            assert_eq!(throttle_delay(n), None, "{n}");
        }
        assert_eq!(throttle_delay(FREE_ATTEMPTS), Some(Duration::seconds(1)));
        assert_eq!(
            throttle_delay(FREE_ATTEMPTS + 1),
            Some(Duration::seconds(2))
        );
        assert_eq!(
            throttle_delay(FREE_ATTEMPTS + 3),
            Some(Duration::seconds(8))
        );
        assert_eq!(
            throttle_delay(FREE_ATTEMPTS + 8),
            Some(Duration::seconds(256))
        );
        for n in [FREE_ATTEMPTS + 9, FREE_ATTEMPTS + 40, i32::MAX] {
            assert_eq!(throttle_delay(n), Some(Duration::seconds(MAX_DELAY_SECS)));
        }
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
