//! The web's side of authentication: the session cookie, the viewer of a request, CSRF (a
//! per-session token in every form, plus an Origin / Sec-Fetch-Site check on unsafe methods) and
//! a limit on failed logins per client address (`LoginLimiter`, so one address cannot try
//! password after password across accounts or keep the server hashing). Passwords, throttling,
//! sessions and roles are huiqi-app's `accounts`. A provincial single sign-on would plug in here:
//! it only has to produce a `Viewer`.

use axum::http::{HeaderMap, Method};
use huiqi_app::AppError;
use huiqi_app::Store;
use huiqi_app::accounts::{self, Role, SESSION_HOURS};

/// The session cookie's name over plain HTTP (development, or a proxy that does not say TLS).
pub const COOKIE: &str = "huiqi_session";
/// Its name behind TLS: the `__Host-` prefix makes the browser accept it only with `Secure`,
/// `Path=/` and no `Domain`, so no subdomain or plain-HTTP page can set or shadow it.
pub const SECURE_COOKIE: &str = "__Host-huiqi_session";

/// The session cookie's name (behind TLS or not).
pub fn cookie_name(behind_tls: bool) -> &'static str {
    if behind_tls { SECURE_COOKIE } else { COOKIE }
}
/// Failed logins per client address within a window; beyond `max`, every login from that
/// address is refused (429, without checking the password) until the window ends. Kept in
/// memory: a restart forgets it, the accounts' throttling in the database does not. The address is
/// the TCP peer: behind a reverse proxy every client shares the proxy's address, so set the
/// limit there or raise `max`.
pub struct LoginLimiter {
    pub max: u32,
    pub window: std::time::Duration,
    failures:
        std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, (std::time::Instant, u32)>>,
}

impl Default for LoginLimiter {
    /// 30 failed logins per address in 15 minutes.
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
    /// The account's username (empty: anonymous), for audit lines.
    pub username: String,
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
            username: String::new(),
            display_name: String::new(),
            csrf: None,
            token_sha256: None,
        }
    }
}

/// The session cookie's value from the request headers (only the cookie of that name: behind
/// TLS a plain `huiqi_session` cookie is ignored).
pub fn cookie_token(headers: &HeaderMap, behind_tls: bool) -> Option<String> {
    let name = cookie_name(behind_tls);
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.split(';').map(str::trim).find_map(|kv| {
                kv.strip_prefix(name)
                    .and_then(|v| v.strip_prefix('='))
                    .map(str::to_string)
            })
        })
}

/// Resolves the viewer of a request (anonymous without a live session).
pub async fn viewer(
    store: &Store,
    headers: &HeaderMap,
    behind_tls: bool,
) -> Result<Viewer, AppError> {
    let Some(token) = cookie_token(headers, behind_tls) else {
        return Ok(Viewer::anonymous());
    };
    Ok(match accounts::session_of(store, &token).await? {
        Some(s) => Viewer {
            role: s.role,
            user_id: Some(s.user_id),
            username: s.username,
            display_name: s.display_name,
            csrf: Some(s.csrf),
            token_sha256: Some(s.token_sha256),
        },
        None => Viewer::anonymous(),
    })
}

/// The Set-Cookie value of a new session (`__Host-` and Secure when served behind TLS).
pub fn session_cookie(token: &str, behind_tls: bool) -> String {
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        cookie_name(behind_tls),
        SESSION_HOURS * 3600,
        if behind_tls { "; Secure" } else { "" }
    )
}

/// The Set-Cookie value that removes the session cookie (the same name and attributes, else
/// the browser keeps it).
pub fn clear_cookie(behind_tls: bool) -> String {
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        cookie_name(behind_tls),
        if behind_tls { "; Secure" } else { "" }
    )
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
