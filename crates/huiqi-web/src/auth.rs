//! The web's side of authentication: the session cookie, the viewer of a request, CSRF (a
//! per-session token in every form, plus an Origin / Sec-Fetch-Site check on unsafe methods) and
//! a limit on failed logins per client address (`LoginLimiter`, so one address cannot try
//! password after password across accounts or keep the server hashing). Passwords, lockout,
//! sessions and roles are huiqi-app's `accounts`. A provincial single sign-on would plug in here:
//! it only has to produce a `Viewer`.

use axum::http::{HeaderMap, Method};
use huiqi_app::AppError;
use huiqi_app::Store;
use huiqi_app::accounts::{self, Role, SESSION_HOURS};

pub const COOKIE: &str = "huiqi_session";
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

/// The person behind a request, resolved from the session cookie.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub role: Role,
    /// The account's id (`None`: anonymous), for the request log.
    pub user_id: Option<i64>,
    pub display_name: String,
    /// Present for a logged-in viewer: forms must echo it.
    pub csrf: Option<String>,
    pub token_sha256: Option<String>,
}

impl Viewer {
    pub fn anonymous() -> Viewer {
        Viewer {
            role: Role::Anonymous,
            user_id: None,
            display_name: String::new(),
            csrf: None,
            token_sha256: None,
        }
    }
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

/// Resolves the viewer of a request (anonymous without a live session).
pub async fn viewer(store: &Store, headers: &HeaderMap) -> Result<Viewer, AppError> {
    let Some(token) = cookie_token(headers) else {
        return Ok(Viewer::anonymous());
    };
    Ok(match accounts::session_of(store, &token).await? {
        Some(s) => Viewer {
            role: s.role,
            user_id: Some(s.user_id),
            display_name: s.display_name,
            csrf: Some(s.csrf),
            token_sha256: Some(s.token_sha256),
        },
        None => Viewer::anonymous(),
    })
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
