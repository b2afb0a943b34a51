//! The web platform over real HTTP on port 0 with a fresh database (SQLite always, PostgreSQL
//! too when HUIQI_TEST_POSTGRES_URL is set): the access matrix of every route × every role,
//! scope by county and enterprise, escaping, CSRF and lockout.

use std::collections::HashMap;
use std::sync::Arc;

use huiqi_store::testing::{TestDb, each_db};
use huiqi_web::{AppState, ROUTES};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct App {
    addr: std::net::SocketAddr,
    names: Arc<huiqi_web::names::NameIndex>,
}

struct Resp {
    status: u16,
    headers: String,
    body: String,
}

impl App {
    async fn request(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        form: Option<&str>,
        extra: &str,
    ) -> Resp {
        let mut s = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let body = form.unwrap_or("");
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{extra}",
            self.addr
        );
        if let Some(c) = cookie {
            req.push_str(&format!("Cookie: {c}\r\n"));
        }
        if form.is_some() {
            req.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        req.push_str("\r\n");
        req.push_str(body);
        s.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.unwrap();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Resp {
            status,
            headers: head.to_string(),
            body: body.to_string(),
        }
    }

    async fn login(&self, user: &str, password: &str) -> Resp {
        self.request(
            "POST",
            "/login",
            None,
            Some(&format!("username={user}&password={password}")),
            "",
        )
        .await
    }

    async fn session(&self, user: &str) -> String {
        let r = self.login(user, PASSWORD).await;
        assert_eq!(r.status, 303, "login {user}: {}", r.body);
        let line = r
            .headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
            .expect("a cookie");
        assert!(
            line.contains("HttpOnly") && line.contains("SameSite=Lax"),
            "{line}"
        );
        line.split_once(':')
            .unwrap()
            .1
            .trim()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }
}

const PASSWORD: &str = "correct-horse-42";

/// Two enterprises in 金安区 (one with a hostile name) and one in 裕安区.
async fn setup(db: &TestDb) -> (App, String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("f.csv");
    huiqi_synth::write_csv(std::fs::File::create(&csv).unwrap(), 300, 2024, 5).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let jinan: Vec<usize> = (1..lines.len())
        .filter(|&i| lines[i].split(',').nth(3) == Some("341502"))
        .collect();
    let yuan = (1..lines.len())
        .find(|&i| lines[i].split(',').nth(3) == Some("341503"))
        .unwrap();
    // A name that would run script if it were not escaped.
    let mut f: Vec<String> = lines[jinan[1]].split(',').map(str::to_string).collect();
    f[1] = "<script>alert(1)</script>有限公司".into();
    lines[jinan[1]] = f.join(",");
    std::fs::write(&csv, lines.join("\n") + "\n").unwrap();
    let uscc = |i: usize| lines[i].split(',').next().unwrap().to_string();
    let (own, hostile, other) = (uscc(jinan[0]), uscc(jinan[1]), uscc(yuan));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_huiqi"))
        .args([
            "import",
            "--source",
            "facts",
            "--year",
            "2024",
            csv.to_str().unwrap(),
        ])
        .env("HUIQI_DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hash = huiqi_web::auth::hash_password(PASSWORD.into()).await;
    for (u, role, scope) in [
        ("admin", "admin", ""),
        ("tax", "unit", "tax"),
        ("jinan", "county", "341502"),
        ("ent", "enterprise", own.as_str()),
    ] {
        db.store
            .upsert_user(u, &hash, role, scope, u)
            .await
            .unwrap();
    }
    let state = Arc::new(AppState {
        store: db.store.clone(),
        pack: huiqi_policy::builtin::default_pack().unwrap(),
        rules: huiqi_rules::Rules::builtin(),
        at: "2024-12-31".parse().unwrap(),
        secure_cookies: false,
        names: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let names = Arc::clone(&state.names);
    tokio::spawn(async move { axum::serve(listener, huiqi_web::app(state)).await.unwrap() });
    (App { addr, names }, own, hostile, other)
}

/// Expected status per route (by its table path) and role, in the order
/// anonymous, admin, unit, county, enterprise. `{own}` is the enterprise user's own code,
/// `{other}` one in another county.
const MATRIX: &[(&str, &str, [u16; 5])] = &[
    ("GET", "/", [200, 200, 200, 200, 200]),
    ("GET", "/healthz", [200, 200, 200, 200, 200]),
    ("GET", "/assets/site.css", [200, 200, 200, 200, 200]),
    ("GET", "/assets/htmx.min.js", [200, 200, 200, 200, 200]),
    ("GET", "/assets/echarts.min.js", [200, 200, 200, 200, 200]),
    ("GET", "/api/v1/openapi.json", [200, 200, 200, 200, 200]),
    ("GET", "/dashboard", [303, 200, 200, 200, 403]),
    // No reports in the test database: 404 with a message.
    ("GET", "/api/v1/dashboard", [401, 404, 404, 404, 403]),
    ("GET", "/push", [303, 200, 200, 200, 403]),
    ("GET", "/push.xlsx", [303, 200, 200, 200, 403]),
    ("GET", "/api/v1/push", [401, 200, 200, 200, 403]),
    ("GET", "/admin/runs", [303, 200, 403, 403, 403]),
    ("GET", "/admin/whatif", [303, 200, 403, 403, 403]),
    ("POST", "/admin/whatif", [303, 403, 403, 403, 403]),
    ("GET", "/admin/users", [303, 200, 403, 403, 403]),
    ("GET", "/admin/import", [303, 200, 403, 403, 403]),
    // Without a CSRF token the admin's upload is refused too.
    ("POST", "/admin/import", [303, 403, 403, 403, 403]),
    ("GET", "/api/v1/enterprises", [401, 200, 200, 200, 403]),
    ("GET", "/policy", [200, 200, 200, 200, 200]),
    ("GET", "/login", [200, 200, 200, 200, 200]),
    ("POST", "/login", [401, 401, 401, 401, 401]),
    ("POST", "/logout", [303, 403, 403, 403, 403]),
    ("GET", "/me", [303, 403, 403, 403, 200]),
    ("GET", "/enterprises", [303, 200, 200, 200, 403]),
    ("GET", "/enterprises/{uscc}", [303, 200, 200, 200, 200]),
    ("GET", "/api/v1/policy/targets", [200, 200, 200, 200, 200]),
    (
        "GET",
        "/api/v1/enterprises/{uscc}/benefits",
        [401, 200, 200, 200, 200],
    ),
];

#[tokio::test]
async fn every_route_times_every_role() {
    // Every route of the table has an expectation here: a new route without one fails.
    for (m, p, _) in ROUTES {
        assert!(
            MATRIX.iter().any(|(mm, pp, _)| mm == m && pp == p),
            "route {m} {p} has no row in MATRIX"
        );
    }
    each_db(|db| async move {
        let (app, own, _, other) = setup(&db).await;
        let mut cookies: HashMap<&str, Option<String>> = HashMap::new();
        cookies.insert("anonymous", None);
        for u in ["admin", "tax", "jinan", "ent"] {
            cookies.insert(u, Some(app.session(u).await));
        }
        let roles = ["anonymous", "admin", "tax", "jinan", "ent"];
        for (method, path, expected) in MATRIX {
            for (role, want) in roles.iter().zip(expected) {
                let path = path.replace("{uscc}", &own);
                // POST /logout with no CSRF token is refused for everyone logged in (403);
                // POST /login with a wrong password is 401.
                let form = match *method {
                    "POST" if path == "/login" => Some("username=admin&password=wrong-password-x"),
                    "POST" => Some(""),
                    _ => None,
                };
                let r = app
                    .request(method, &path, cookies[role].as_deref(), form, "")
                    .await;
                assert_eq!(
                    r.status,
                    *want,
                    "{method} {path} as {role}: {}",
                    &r.body[..r.body.len().min(300)]
                );
            }
        }
        // Scope: the county user gets 403 for another county's enterprise, page and API.
        let jinan = cookies["jinan"].as_deref();
        assert_eq!(
            app.request("GET", &format!("/enterprises/{other}"), jinan, None, "")
                .await
                .status,
            403
        );
        assert_eq!(
            app.request(
                "GET",
                &format!("/api/v1/enterprises/{other}/benefits"),
                jinan,
                None,
                ""
            )
            .await
            .status,
            403
        );
        // …and the enterprise user for any enterprise but itself.
        let ent = cookies["ent"].as_deref();
        assert_eq!(
            app.request("GET", &format!("/enterprises/{other}"), ent, None, "")
                .await
                .status,
            403
        );
        // The county's registry list only shows its own county, whatever the query string asks.
        let list = app
            .request("GET", "/enterprises?county=341503", jinan, None, "")
            .await;
        assert!(list.body.contains(&own) && !list.body.contains(&other));
        // A name-fragment search answers the same from the database (first call: the in-memory
        // index is not built yet) and from the index (once built).
        let admin = cookies["admin"].as_deref();
        let ids = |body: &str| -> Vec<String> {
            body.split("<a href=\"/enterprises/")
                .skip(1)
                .filter_map(|x| x.split('"').next().map(str::to_string))
                .collect()
        };
        let q = "/enterprises?q=%E6%9C%89%E9%99%90";
        let from_db = ids(&app.request("GET", q, admin, None, "").await.body);
        assert!(!from_db.is_empty());
        for _ in 0..100 {
            if app.names.built_at().is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(
            app.names.built_at().is_some(),
            "the name index was never built"
        );
        let from_index = ids(&app.request("GET", q, admin, None, "").await.body);
        assert_eq!(from_db, from_index);
        // The enterprise sees its benefits with their reasons and articles.
        let me = app.request("GET", "/me", ent, None, "").await;
        assert!(
            me.body.contains("我的惠企政策") && me.body.contains("六安政策第9条"),
            "{}",
            me.body
        );
        // The public policy page lists all 19 articles.
        let policy = app.request("GET", "/policy", None, None, "").await;
        assert_eq!(
            (1..=19)
                .filter(|n| policy.body.contains(&format!("id=\"article-{n}\"")))
                .count(),
            19
        );
        // An unknown path is 404, never a page.
        assert_eq!(
            app.request("GET", "/admin/secret", None, None, "")
                .await
                .status,
            404
        );
    })
    .await;
}

#[tokio::test]
async fn names_are_escaped_forms_need_csrf_and_ten_wrong_passwords_lock() {
    each_db(|db| async move {
        let (app, _, hostile, _) = setup(&db).await;
        let admin = app.session("admin").await;
        let page = app
            .request(
                "GET",
                &format!("/enterprises/{hostile}"),
                Some(&admin),
                None,
                "",
            )
            .await;
        assert_eq!(page.status, 200);
        assert!(
            !page.body.contains("<script>alert(1)</script>"),
            "the name is not escaped"
        );
        assert!(
            page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"),
            "{}",
            page.body
        );
        let search = app
            .request(
                "GET",
                "/policy?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                None,
                None,
                "",
            )
            .await;
        assert!(!search.body.contains("<script>alert(1)"));

        // Logout without the form's CSRF token is refused; with it, it works.
        assert_eq!(
            app.request("POST", "/logout", Some(&admin), Some(""), "")
                .await
                .status,
            403
        );
        assert_eq!(
            app.request("POST", "/logout", Some(&admin), Some("csrf=forged"), "")
                .await
                .status,
            403
        );
        let home = app.request("GET", "/", Some(&admin), None, "").await;
        let token = home
            .body
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        // A cross-site submission is refused even with the right token.
        let cross = app
            .request(
                "POST",
                "/logout",
                Some(&admin),
                Some(&format!("csrf={token}")),
                "Origin: http://evil.example\r\n",
            )
            .await;
        assert_eq!(cross.status, 403);
        assert_eq!(
            app.request(
                "POST",
                "/logout",
                Some(&admin),
                Some(&format!("csrf={token}")),
                ""
            )
            .await
            .status,
            303
        );
        // The session is gone.
        assert_eq!(
            app.request("GET", "/enterprises", Some(&admin), None, "")
                .await
                .status,
            303
        );

        // Ten wrong passwords lock the account, and then even the right one is refused for a while.
        for _ in 0..10 {
            assert_eq!(app.login("tax", "wrong-password-x").await.status, 401);
        }
        let locked = app.login("tax", PASSWORD).await;
        assert_eq!(locked.status, 429);
        assert!(locked.body.contains("已锁定"));
        // Another account is unaffected; an unknown user gets the same answer as a wrong password.
        assert_eq!(app.login("jinan", PASSWORD).await.status, 303);
        assert_eq!(app.login("nobody", PASSWORD).await.status, 401);
    })
    .await;
}
