//! The one auth boundary: passwords (argon2id), sessions (random token in an HttpOnly
//! SameSite=Lax cookie, its SHA-256 in the database), CSRF (a per-session token in every
//! form, plus an Origin / Sec-Fetch-Site check on unsafe methods), lockout after 10
//! wrong passwords for an account and a limit on failed logins per client address
//! (`LoginLimiter`, so one address cannot try password after password across accounts or keep
//! the server hashing). A provincial single sign-on would plug in here: it only has to
//! produce a `Viewer`.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::http::{HeaderMap, Method};
use chrono::{Duration, Utc};
use huiqi_store::Store;
use huiqi_store::accounts::User;
use sha2::{Digest, Sha256};

pub const COOKIE: &str = "huiqi_session";
/// Wrong passwords in a row before the account locks.
pub const MAX_FAILED: i32 = 10;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;
const SESSION_HOURS: i64 = 8;

/// Failed logins per client address within a window; beyond `max`, every login from that
/// address is refused (429, without checking the password) until the window ends. Kept in
/// memory: a restart forgets it, the account lockout in the database does not. The address is
/// the TCP peer: behind a reverse proxy every client shares the proxy's address, so set the
/// limit there or raise `max`.
pub struct LoginLimiter {
    pub max: u32,
    pub window: std::time::Duration,
    failures:
        std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, (std::time::Instant, u32)>>,
}

impl Default for LoginLimiter {
    /// 30 failed logins per address in 15 minutes (three accounts' worth of lockouts).
    fn default() -> Self {
        LoginLimiter::new(30, std::time::Duration::from_secs(15 * 60))
    }
}

impl LoginLimiter {
    pub fn new(max: u32, window: std::time::Duration) -> Self {
        LoginLimiter {
            max,
            window,
            failures: Default::default(),
        }
    }

    /// Whether `ip` has used up its failed logins in the current window.
    pub fn blocked(&self, ip: std::net::IpAddr) -> bool {
        let now = std::time::Instant::now();
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&ip)
            .is_some_and(|(start, n)| now.duration_since(*start) < self.window && *n >= self.max)
    }

    /// Counts a failed login from `ip`.
    pub fn failed(&self, ip: std::net::IpAddr) {
        let now = std::time::Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Anonymous,
    Admin,
    Unit(String),
    County(String),
    Enterprise(String),
}

impl Role {
    pub fn name(&self) -> &'static str {
        match self {
            Role::Anonymous => "anonymous",
            Role::Admin => "admin",
            Role::Unit(_) => "unit",
            Role::County(_) => "county",
            Role::Enterprise(_) => "enterprise",
        }
    }
}

/// The person behind a request, resolved from the session cookie.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub role: Role,
    pub display_name: String,
    /// Present for a logged-in viewer: forms must echo it.
    pub csrf: Option<String>,
    pub token_sha256: Option<String>,
}

impl Viewer {
    pub fn anonymous() -> Viewer {
        Viewer {
            role: Role::Anonymous,
            display_name: String::new(),
            csrf: None,
            token_sha256: None,
        }
    }
}

fn argon2() -> Argon2<'static> {
    // OWASP's minimum for argon2id: m = 19 MiB, t = 2, p = 1.
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid params"),
    )
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random source");
    hex::encode(buf)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Hashes a password with argon2id on a blocking thread.
pub async fn hash_password(password: String) -> String {
    tokio::task::spawn_blocking(move || hash_sync(&password))
        .await
        .expect("hashing thread")
}

fn hash_sync(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS random source");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a salt");
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2id hashing")
        .to_string()
}

/// A hash of a random password, verified for unknown users so that the time a login takes does
/// not tell whether the username exists.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn verify(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| {
            DUMMY_HASH
                .get_or_init(|| hash_sync(&random_hex(16)))
                .clone()
        });
        PasswordHash::new(&hash)
            .is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// Why a login failed (shown to the user in Chinese, deliberately vague about which part was wrong).
#[derive(Debug, PartialEq, Eq)]
pub enum LoginError {
    Wrong,
    Locked,
    Store(String),
}

/// Checks a password; on success creates a session and returns its cookie token.
pub async fn login(store: &Store, username: &str, password: &str) -> Result<String, LoginError> {
    let user: Option<User> = store
        .user_by_name(username)
        .await
        .map_err(|e| LoginError::Store(e.to_string()))?;
    let Some(user) = user else {
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
            .await
            .map_err(|e| LoginError::Store(e.to_string()))?;
        return Err(LoginError::Wrong);
    }
    store
        .reset_failed_logins(user.id)
        .await
        .map_err(|e| LoginError::Store(e.to_string()))?;
    let token = random_hex(32);
    store
        .create_session(
            &sha256_hex(&token),
            user.id,
            &random_hex(16),
            Utc::now() + Duration::hours(SESSION_HOURS),
        )
        .await
        .map_err(|e| LoginError::Store(e.to_string()))?;
    Ok(token)
}

/// The session cookie's value from the request headers.
pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.split(';').map(str::trim).find_map(|kv| {
                kv.strip_prefix(COOKIE)
                    .and_then(|v| v.strip_prefix('='))
                    .map(str::to_string)
            })
        })
}

/// Resolves the viewer of a request.
pub async fn viewer(store: &Store, headers: &HeaderMap) -> Viewer {
    let Some(token) = cookie_token(headers) else {
        return Viewer::anonymous();
    };
    let hash = sha256_hex(&token);
    match store.session(&hash).await {
        Ok(Some(s)) => {
            let role = match s.user.role.as_str() {
                "admin" => Role::Admin,
                "unit" => Role::Unit(s.user.scope.clone()),
                "county" => Role::County(s.user.scope.clone()),
                "enterprise" => Role::Enterprise(s.user.scope.clone()),
                _ => Role::Anonymous,
            };
            Viewer {
                role,
                display_name: s.user.display_name,
                csrf: Some(s.csrf_token),
                token_sha256: Some(hash),
            }
        }
        _ => Viewer::anonymous(),
    }
}

/// The Set-Cookie value of a new session (Secure when the site is served over TLS).
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_HOURS * 3600,
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// CSRF for unsafe methods: a cross-site browser request is refused outright; then the form's
/// token must equal the session's (for the login form, which has no session yet, only the
/// first check applies).
pub fn cross_site(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if matches!(site, Some("cross-site")) {
        return true;
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match headers
        .get(axum::http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        Some(origin) => {
            let origin_host = origin.split("://").nth(1).unwrap_or(origin);
            origin_host != host
        }
        None => false,
    }
}

pub fn csrf_ok(viewer: &Viewer, form_token: Option<&str>) -> bool {
    match (&viewer.csrf, form_token) {
        (Some(expected), Some(got)) => constant_time_eq(expected.as_bytes(), got.as_bytes()),
        _ => false,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A random password of 16 characters without look-alikes (0/O, 1/l/I).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).expect("the OS random source");
    buf.iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::LoginLimiter;
    use std::net::IpAddr;
    use std::time::Duration;

    #[test]
    fn the_limit_is_per_address_and_ends_with_the_window() {
        let l = LoginLimiter::new(2, Duration::from_millis(200));
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        l.failed(a);
        assert!(!l.blocked(a));
        l.failed(a);
        assert!(l.blocked(a));
        assert!(!l.blocked(b), "another address is not affected");
        std::thread::sleep(Duration::from_millis(250));
        assert!(!l.blocked(a), "a new window starts afresh");
        l.failed(a);
        assert!(!l.blocked(a));
    }
}
