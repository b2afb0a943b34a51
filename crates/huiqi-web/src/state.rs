//! What every request shares: the application ([`huiqi_app::App`]) and what only the web needs.

use std::sync::Arc;

use huiqi_app::App;

use crate::auth::LoginLimiter;

/// The web platform's state: the app, and the HTTP concerns around it.
pub struct WebState {
    pub app: Arc<App>,
    /// Served behind an HTTPS reverse proxy (`huiqi serve --behind-tls`): the session cookie is
    /// `__Host-huiqi_session` with `Secure`, and every response carries HSTS.
    pub behind_tls: bool,
    /// Failed logins per client address.
    pub limiter: LoginLimiter,
}

impl WebState {
    pub fn new(app: App) -> WebState {
        WebState {
            app: Arc::new(app),
            behind_tls: false,
            limiter: LoginLimiter::default(),
        }
    }
}

pub type Shared = Arc<WebState>;
