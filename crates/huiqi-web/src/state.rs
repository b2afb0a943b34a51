//! What every request shares: the application ([`huiqi_app::App`]) and what only the web needs.
//!
//! Reads from replicas: with replicas ([`WebState::with_replicas`], from
//! `HUIQI_DATABASE_REPLICA_URL`), the guard (`routes::guard`) picks for each request where its
//! reads go — a GET (or HEAD) goes to the next replica in turn, unless the client wrote less than
//! [`READ_YOUR_WRITES_SECS`] ago (the cookie [`WROTE_COOKIE`], set on every successful POST), so a
//! page shown right after a change (a report just submitted, an import's summary) reads the
//! primary; every POST reads and writes the primary. Handlers read through [`WebState::read`] and
//! write through [`WebState::app`] (the primary); sessions are always read from the primary.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use huiqi_app::{App, Store};

use crate::auth::LoginLimiter;

/// How long after a write the client's reads stay on the primary (a replica's lag is normally
/// milliseconds).
pub const READ_YOUR_WRITES_SECS: u32 = 5;
/// The cookie that marks a client that has just written (set only when there are replicas).
pub const WROTE_COOKIE: &str = "huiqi_wrote";

tokio::task_local! {
    /// The replica the current request reads from (`None`: the primary).
    pub(crate) static READ_FROM: Option<usize>;
}

/// The web platform's state: the app, and the HTTP concerns around it.
pub struct WebState {
    /// The app on the primary database: every write, and every read of a POST.
    pub app: Arc<App>,
    /// The same app on each replica (empty: everything reads the primary).
    pub replicas: Vec<Arc<App>>,
    next_replica: AtomicUsize,
    /// Served behind an HTTPS reverse proxy (`huiqi serve --behind-tls`): the session cookie is
    /// `__Host-huiqi_session` with `Secure`, and every response carries HSTS.
    pub behind_tls: bool,
    /// Failed logins per client address.
    pub limiter: LoginLimiter,
}

impl WebState {
    pub fn new(app: App) -> WebState {
        WebState::with_replicas(app, Vec::new())
    }

    /// The state with page and API reads spread over `replicas` (read-only pools on streaming
    /// replicas of the app's database, [`Store::connect_replica`]).
    pub fn with_replicas(app: App, replicas: Vec<Store>) -> WebState {
        let replicas = replicas
            .into_iter()
            .map(|store| Arc::new(app.reading_from(store)))
            .collect();
        WebState {
            app: Arc::new(app),
            replicas,
            next_replica: AtomicUsize::new(0),
            behind_tls: false,
            limiter: LoginLimiter::default(),
        }
    }

    /// Where the current request reads: its replica when the guard chose one, else the primary.
    pub fn read(&self) -> &Arc<App> {
        READ_FROM
            .try_with(|r| *r)
            .ok()
            .flatten()
            .and_then(|i| self.replicas.get(i))
            .unwrap_or(&self.app)
    }

    /// The next replica in turn (round-robin), or `None` without replicas.
    pub(crate) fn next_replica(&self) -> Option<usize> {
        match self.replicas.len() {
            0 => None,
            n => Some(self.next_replica.fetch_add(1, Ordering::Relaxed) % n),
        }
    }
}

pub type Shared = Arc<WebState>;
