//! The web platform over real HTTP on port 0 with a fresh database (SQLite always, PostgreSQL
//! too when HUIQI_TEST_POSTGRES_URL is set): the access matrix of every route × every role,
//! scope by county and enterprise, escaping, CSRF and lockout.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use huiqi_store::testing::{TestDb, each_db};
use huiqi_web::WebState;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct App {
    addr: std::net::SocketAddr,
    names: Arc<huiqi_app::search::NameIndex>,
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

/// The CSRF token of the first form on a page.
fn csrf_of(body: &str) -> String {
    body.split("name=\"csrf\" value=\"")
        .nth(1)
        .expect("a form with a CSRF token")
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// Two enterprises in 金安区 (one with a hostile name) and one in 裕安区.
async fn setup(db: &TestDb) -> (App, String, String, String) {
    setup_with(db, Default::default()).await
}

async fn setup_with(
    db: &TestDb,
    limiter: huiqi_web::auth::LoginLimiter,
) -> (App, String, String, String) {
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
    let out = common::command()
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
    let hash = huiqi_app::accounts::hash_password(PASSWORD.into())
        .await
        .unwrap();
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
    let app = huiqi_app::App::new(
        db.store.clone(),
        huiqi_policy::builtin::default_pack().unwrap(),
        huiqi_rules::Rules::builtin(),
        "2024-12-31".parse().unwrap(),
    );
    let mut state = WebState::new(app);
    state.limiter = limiter;
    let state = Arc::new(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let names = Arc::clone(&state.app.names);
    tokio::spawn(async move {
        let app =
            huiqi_web::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app).await.unwrap()
    });
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
    // Without the form's CSRF token every staff role is refused; enterprises may not report.
    ("POST", "/dashboard/report", [303, 403, 403, 403, 403]),
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
    // 督办与考核 (roles: anonymous, admin, unit tax, county 341502, enterprise). The board: staff
    // (a unit its lines, a county its jurisdiction's); forms without CSRF are refused.
    ("GET", "/supervision", [303, 200, 200, 200, 403]),
    ("GET", "/supervision.xlsx", [303, 200, 200, 200, 403]),
    ("GET", "/api/v1/supervision", [401, 200, 200, 200, 403]),
    ("POST", "/supervision/report", [303, 403, 403, 403, 403]),
    // No such file: 404 for everyone (an existing one is scope-checked, see below).
    ("GET", "/supervision/files/{id}", [404, 404, 404, 404, 404]),
    ("POST", "/supervision/orders", [303, 403, 403, 403, 403]),
    (
        "POST",
        "/supervision/orders/{id}",
        [303, 403, 403, 403, 403],
    ),
    (
        "POST",
        "/supervision/reports/{id}/publish",
        [303, 403, 403, 403, 403],
    ),
    // The assessment: the working group all, a county its own row, a unit nothing.
    ("GET", "/assessment", [303, 200, 403, 200, 403]),
    ("GET", "/assessment.xlsx", [303, 200, 403, 200, 403]),
    ("GET", "/api/v1/assessment", [401, 200, 403, 200, 403]),
    ("POST", "/assessment/publish", [303, 403, 403, 403, 403]),
    // The ledger: the working group all, a county its own.
    ("GET", "/funds", [303, 200, 403, 200, 403]),
    ("POST", "/funds/entries", [303, 403, 403, 403, 403]),
    // The working group must name the jurisdiction (400 without); a county gets its own.
    ("GET", "/funds/report.xlsx", [303, 400, 403, 200, 403]),
    ("GET", "/open", [200, 200, 200, 200, 200]),
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
    // Every route of every area has an expectation here: a new route without one fails.
    for r in huiqi_web::routes() {
        let (m, p) = (r.method.as_str(), r.path);
        assert!(
            MATRIX.iter().any(|(mm, pp, _)| *mm == m && *pp == p),
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
                let path = path.replace("{uscc}", &own).replace("{id}", "999999");
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
        let token = csrf_of(&home.body);
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

/// The registry search filters by the size class of the latest matching run, from the database
/// and from the name index alike; an unknown size is refused with a message.
#[tokio::test]
async fn registry_search_filters_by_size_class() {
    each_db(|db| async move {
        let (app, ..) = setup(&db).await;
        let admin = app.session("admin").await;
        let api = |q: &'static str| {
            let (app, admin) = (&app, admin.clone());
            async move {
                let r = app.request("GET", q, Some(&admin), None, "").await;
                assert_eq!(r.status, 200, "{q}: {}", r.body);
                serde_json::from_str::<Vec<serde_json::Value>>(&r.body).unwrap()
            }
        };
        // Before any run nothing is classified: a size filter finds nobody.
        assert!(api("/api/v1/enterprises?size=micro").await.is_empty());
        let out = common::command()
            .args(["match", "--db", "--at", "2024-12-31"])
            .env("HUIQI_DATABASE_URL", &db.url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let run = db.store.runs().await.unwrap().remove(0);
        let classes: HashMap<String, String> = huiqi_app::matching::results(&db.store, run.id)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.uscc, r.size_class))
            .collect();
        let label = |c: &str| match c {
            "micro" => "微型",
            "small" => "小型",
            "medium" => "中型",
            _ => "大型",
        };
        let all = api("/api/v1/enterprises").await;
        for size in ["micro", "small"] {
            let expected: Vec<&String> = {
                let mut v: Vec<&String> = classes
                    .iter()
                    .filter(|(_, c)| *c == size)
                    .map(|(u, _)| u)
                    .collect();
                v.sort();
                v.truncate(100);
                v
            };
            assert!(!expected.is_empty(), "the sample has {size} enterprises");
            let path = format!("/api/v1/enterprises?size={size}");
            let r = app.request("GET", &path, Some(&admin), None, "").await;
            let rows: Vec<serde_json::Value> = serde_json::from_str(&r.body).unwrap();
            let got: Vec<&str> = rows.iter().map(|r| r["uscc"].as_str().unwrap()).collect();
            assert_eq!(got, expected, "{size}");
            assert!(rows.iter().all(|r| r["size_class"] == label(size)));
        }
        assert!(all.iter().all(|r| r["size_class"] != "—"));
        // A name fragment with a size: the database and (once rebuilt after the run) the index
        // give the same rows.
        let q = "/enterprises?q=%E6%9C%89%E9%99%90&size=micro";
        let ids = |body: &str| -> Vec<String> {
            body.split("<a href=\"/enterprises/")
                .skip(1)
                .filter_map(|x| x.split('"').next().map(str::to_string))
                .collect()
        };
        let first = ids(&app.request("GET", q, Some(&admin), None, "").await.body);
        assert!(!first.is_empty());
        assert!(first.iter().all(|u| classes[u] == "micro"));
        let version = db.store.search_version().await.unwrap();
        for _ in 0..100 {
            if app.names.built_at() == Some(version) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(
            app.names.built_at(),
            Some(version),
            "index not rebuilt after the run"
        );
        let second = ids(&app.request("GET", q, Some(&admin), None, "").await.body);
        assert_eq!(first, second);
        // Filters without a name are answered by the index too, the same as the database.
        for (county, industry, size) in [("341502", "", "small"), ("", "c", "micro"), ("", "", "")]
        {
            let filter = huiqi_store::search::EnterpriseFilter {
                county,
                industry: &industry.to_ascii_uppercase(),
                size_class: huiqi_domain::SizeClass::parse(size),
                ..Default::default()
            };
            let expected: Vec<String> = db
                .store
                .search_enterprises(&filter, 100)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.uscc)
                .collect();
            assert!(!expected.is_empty(), "{county} {industry} {size}");
            let path = format!("/enterprises?county={county}&industry={industry}&size={size}");
            let got = ids(&app.request("GET", &path, Some(&admin), None, "").await.body);
            assert_eq!(got, expected, "{path}");
        }
        let bad = app
            .request("GET", "/enterprises?size=tiny", Some(&admin), None, "")
            .await;
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("企业规模“tiny”无效"), "{}", bad.body);
    })
    .await;
}

/// Failed logins from one address are limited across accounts: past the limit even the right
/// password is refused (without being checked) until the window ends.
#[tokio::test]
async fn failed_logins_per_address_are_limited() {
    each_db(|db| async move {
        let limiter = huiqi_web::auth::LoginLimiter::new(3, std::time::Duration::from_secs(600));
        let (app, ..) = setup_with(&db, limiter).await;
        // A success does not count.
        app.session("admin").await;
        for user in ["tax", "jinan", "nobody"] {
            assert_eq!(app.login(user, "wrong-password-x").await.status, 401);
        }
        let refused = app.login("admin", PASSWORD).await;
        assert_eq!(refused.status, 429, "{}", refused.body);
        assert!(
            refused.body.contains("登录失败次数过多"),
            "{}",
            refused.body
        );
        // No account was locked by it: the accounts' own counters are below their limit.
        let tax = db.store.user_by_name("tax").await.unwrap().unwrap();
        assert_eq!(tax.failed_logins, 1);
        assert!(tax.locked_until.is_none());
    })
    .await;
}

/// The dashboard by role: a unit sees only the targets it is responsible for and its tasks, a
/// county only its own rows; everyone gets the month-by-month status counts of their rows.
#[tokio::test]
async fn the_dashboard_shows_each_role_its_own_targets_tasks_and_trend() {
    each_db(|db| async move {
        let (app, ..) = setup(&db).await;
        let out = common::command()
            .args(["progress", "seed-demo", "--year", "2023", "--upto", "9"])
            .env("HUIQI_DATABASE_URL", &db.url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pack = huiqi_policy::builtin::default_pack().unwrap();
        let get = |user: &'static str| {
            let app = &app;
            async move {
                let c = app.session(user).await;
                let r = app
                    .request(
                        "GET",
                        "/api/v1/dashboard?period=2023-09",
                        Some(&c),
                        None,
                        "",
                    )
                    .await;
                assert_eq!(r.status, 200, "{user}: {}", r.body);
                serde_json::from_str::<serde_json::Value>(&r.body).unwrap()
            }
        };
        let targets = |d: &serde_json::Value| -> Vec<String> {
            d["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["target"].as_str().unwrap().to_string())
                .collect()
        };
        let admin = get("admin").await;
        assert_eq!(targets(&admin).len(), pack.targets.len());
        assert!(admin["tasks"].as_array().unwrap().is_empty());
        let tax = get("tax").await;
        let expected: Vec<String> = pack
            .targets
            .iter()
            .filter(|t| t.units.iter().any(|u| u == "tax"))
            .map(|t| t.id.clone())
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(targets(&tax), expected);
        let tasks = tax["tasks"].as_array().unwrap();
        let own = pack
            .tasks
            .iter()
            .filter(|t| t.all_units || t.units.iter().any(|u| u == "tax"))
            .count();
        assert_eq!(tasks.len(), own);
        assert!(
            tasks
                .iter()
                .any(|t| t["units"].as_str().unwrap().contains("市税务局")),
            "{tasks:?}"
        );
        let jinan = get("jinan").await;
        assert!(
            jinan["rows"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["jurisdiction"] == "341502")
        );
        // Nine months of status counts, each month counting every row the viewer sees.
        for d in [&admin, &tax, &jinan] {
            let trend = d["trend"].as_array().unwrap();
            assert_eq!(trend.len(), 9);
            assert_eq!(trend[8]["period"], "2023-09");
            for m in trend {
                let sum: u64 = ["green", "yellow", "red"]
                    .iter()
                    .map(|k| m[k].as_u64().unwrap())
                    .sum();
                assert_eq!(sum as usize, targets(d).len(), "{m}");
            }
        }
        // The page itself shows the unit's tasks and the trend chart.
        let c = app.session("tax").await;
        let page = app
            .request("GET", "/dashboard?period=2023-09", Some(&c), None, "")
            .await;
        assert!(page.body.contains("承担的重点任务") && page.body.contains("trend-chart"));

        // Reporting from the browser: scope checked on the server, bad values named, the
        // latest report shown.
        let report = |user: &'static str, form: &'static str| {
            let app = &app;
            async move {
                let c = app.session(user).await;
                let page = app
                    .request("GET", "/dashboard?period=2023-09", Some(&c), None, "")
                    .await;
                let token = csrf_of(&page.body);
                app.request(
                    "POST",
                    "/dashboard/report",
                    Some(&c),
                    Some(&format!("csrf={token}&period=2023-09&{form}")),
                    "",
                )
                .await
            }
        };
        let key = ("new_listings".to_string(), "341502".to_string());
        let ok = report(
            "jinan",
            "target=new_listings&jurisdiction=341502&value=7&note=%E6%B5%8B%E8%AF%95",
        )
        .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let latest = db.store.reports_for("2023-09").await.unwrap();
        assert_eq!(latest[&key].value, rust_decimal::Decimal::from(7));
        assert_eq!(latest[&key].note, "测试");
        let jinan = get("jinan").await;
        let row = jinan["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["target"] == "new_listings")
            .unwrap()
            .clone();
        assert_eq!(row["actual"], "7", "{row}");
        // Another county's number, a target the unit does not own, a bad value: refused.
        let other = report("jinan", "target=new_listings&jurisdiction=341503&value=1").await;
        assert_eq!(other.status, 403);
        assert!(other.body.contains("只能报送本辖区"), "{}", other.body);
        let not_owned = report("tax", "target=new_listings&jurisdiction=341502&value=1").await;
        assert_eq!(not_owned.status, 403);
        let negative = report("admin", "target=new_listings&jurisdiction=341502&value=-3").await;
        assert_eq!(negative.status, 400);
        assert!(
            negative.body.contains("完成值不能为负"),
            "{}",
            negative.body
        );
        let text = report("admin", "target=new_listings&jurisdiction=341502&value=abc").await;
        assert!(text.body.contains("“abc”不是数字"), "{}", text.body);
        let latest = db.store.reports_for("2023-09").await.unwrap();
        assert_eq!(
            latest[&key].value,
            rust_decimal::Decimal::from(7),
            "nothing refused was written"
        );
    })
    .await;
}

/// The working group uploads a 认定名单 through the import page: a file with a bad row is shown
/// back with that row and nothing is written; the corrected file is imported once.
#[tokio::test]
async fn an_uploaded_certification_list_imports_all_or_nothing() {
    each_db(|db| async move {
        let (app, own, _, other) = setup(&db).await;
        let admin = app.session("admin").await;
        let page = app.request("GET", "/admin/import", Some(&admin), None, "").await;
        assert!(page.body.contains("认定名单"), "the list is offered as a source");
        let token = csrf_of(&page.body);
        let upload = |csv: String| {
            let (app, admin, token) = (&app, admin.clone(), token.clone());
            async move {
                let boundary = "huiqiboundary42";
                let mut body = String::new();
                for (name, value) in [("csrf", token.as_str()), ("source", "certifications"), ("year", "")] {
                    body.push_str(&format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                    ));
                }
                body.push_str(&format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"认定名单.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
                ));
                let extra = format!(
                    "Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n",
                    body.len()
                );
                let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
                let req = format!(
                    "POST /admin/import HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {admin}\r\n{extra}\r\n{body}",
                    app.addr
                );
                s.write_all(req.as_bytes()).await.unwrap();
                let mut raw = Vec::new();
                s.read_to_end(&mut raw).await.unwrap();
                String::from_utf8_lossy(&raw).into_owned()
            }
        };
        let header = "统一社会信用代码,认定类型,认定日期,证书编号";
        let bad = upload(format!(
            "{header}\n{own},科技型中小企业,2023-05-01,K1\n{other},不存在的认定,2023-06-01,\n"
        ))
        .await;
        assert!(bad.starts_with("HTTP/1.1 422"), "{bad}");
        assert!(bad.contains("未导入任何数据") && bad.contains("<td class=\"num\">3</td><td>认定类型</td>"), "{bad}");
        let good = upload(format!(
            "{header}\n{own},科技型中小企业,2023-05-01,K1\n{other},创新型中小企业,2023-06-01,\n"
        ))
        .await;
        assert!(good.starts_with("HTTP/1.1 200"), "{good}");
        assert!(good.contains("新增 2"), "{good}");
        let again = upload(format!(
            "{header}\n{own},科技型中小企业,2023-05-01,K1\n{other},创新型中小企业,2023-06-01,\n"
        ))
        .await;
        assert!(again.contains("完全相同"), "{again}");
    })
    .await;
}

/// Errors speak the client's language: JSON `{"error", "code"}` with the right status on
/// `/api/*`, an HTML page with the signed-in header elsewhere; a wrong method is 405 with
/// `Allow`; HEAD works wherever GET does; every response carries a request id.
#[tokio::test]
async fn errors_are_json_on_the_api_and_pages_elsewhere_with_the_right_status() {
    each_db(|db| async move {
        let (app, ..) = setup(&db).await;
        let admin = app.session("admin").await;
        let json = |r: &Resp| -> serde_json::Value {
            assert!(
                r.headers
                    .to_ascii_lowercase()
                    .contains("content-type: application/json"),
                "{}",
                r.headers
            );
            serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
        };
        let get = |path: &'static str| {
            let (app, admin) = (&app, admin.clone());
            async move { app.request("GET", path, Some(&admin), None, "").await }
        };
        // The four checks.
        let r = get("/api/v1/enterprises?size=x").await;
        assert_eq!(r.status, 400, "{}", r.body);
        let body = json(&r);
        assert_eq!(body["code"], "bad_size");
        assert!(
            body["error"].as_str().unwrap().contains("企业规模“x”无效"),
            "{body}"
        );
        let r = app
            .request("POST", "/api/v1/dashboard", Some(&admin), Some(""), "")
            .await;
        assert_eq!(r.status, 405, "{}", r.body);
        let allow = r
            .headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("allow:"))
            .unwrap_or_else(|| panic!("no Allow header: {}", r.headers));
        assert!(allow.contains("GET") && allow.contains("HEAD"), "{allow}");
        assert_eq!(json(&r)["code"], "method_not_allowed");
        let r = app.request("HEAD", "/healthz", None, None, "").await;
        assert_eq!(r.status, 200, "{}", r.headers);
        assert!(r.body.is_empty(), "HEAD has no body: {}", r.body);
        let r = get("/api/v1/dashboard?period=2023-13").await;
        assert_eq!(r.status, 400, "{}", r.body);
        let body = json(&r);
        assert_eq!(body["code"], "bad_period");
        assert!(
            body["error"].as_str().unwrap().contains("2023-13"),
            "{body}"
        );

        // More of the same contract.
        let r = get("/api/v1/push?measure=nosuch").await;
        assert_eq!(r.status, 400);
        assert_eq!(json(&r)["code"], "unknown_measure");
        let r = get("/api/v1/push?limit=0").await;
        assert_eq!(r.status, 400);
        assert_eq!(json(&r)["code"], "bad_limit");
        let r = get("/api/v1/enterprises/not-a-code/benefits").await;
        assert_eq!(r.status, 400);
        assert_eq!(json(&r)["code"], "bad_uscc");
        let r = app
            .request("GET", "/api/v1/enterprises", None, None, "")
            .await;
        assert_eq!(r.status, 401);
        assert_eq!(json(&r)["code"], "unauthenticated");
        let r = get("/api/v1/nosuch").await;
        assert_eq!(r.status, 404);
        assert_eq!(json(&r)["code"], "not_found");
        // A form larger than the server takes: 413 (the client may not even finish sending it).
        let big = format!("csrf=x&changes={}", "a".repeat(3 * 1024 * 1024));
        let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
        let head = format!(
            "POST /admin/whatif HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {admin}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            app.addr,
            big.len()
        );
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(big.as_bytes()).await;
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw).await;
        let text = String::from_utf8_lossy(&raw);
        assert!(
            text.starts_with("HTTP/1.1 413"),
            "{}",
            &text[..text.len().min(300)]
        );
        // HEAD of a page, and of a page behind a role.
        assert_eq!(app.request("HEAD", "/", None, None, "").await.status, 200);
        assert_eq!(
            app.request("HEAD", "/enterprises", Some(&admin), None, "")
                .await
                .status,
            200
        );
        // A wrong method on a page: 405 with Allow, as an HTML page.
        let r = app.request("DELETE", "/policy", None, None, "").await;
        assert_eq!(r.status, 405);
        assert!(r.headers.contains("GET, HEAD"), "{}", r.headers);
        // An HTML error keeps the signed-in header and navigation.
        let r = get("/dashboard?period=2023-13").await;
        assert_eq!(r.status, 400);
        assert!(
            r.headers.to_ascii_lowercase().contains("text/html"),
            "{}",
            r.headers
        );
        assert!(
            r.body.contains("2023-13")
                && r.body.contains("退出")
                && r.body.contains("href=\"/push\""),
            "{}",
            r.body
        );
        // Every response names its request.
        assert!(
            r.headers.to_ascii_lowercase().contains("x-request-id: "),
            "{}",
            r.headers
        );
    })
    .await;
}

/// A fault of ours (here: the database gone) is a 500 that shows the request id the log has, on
/// a page and on the API.
#[tokio::test]
async fn a_fault_is_a_500_that_names_its_request() {
    each_db(|db| async move {
        let (app, ..) = setup(&db).await;
        let admin = app.session("admin").await;
        db.store.close().await;
        let page = app
            .request("GET", "/enterprises", Some(&admin), None, "")
            .await;
        assert_eq!(page.status, 500, "{}", page.body);
        let id = page
            .headers
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("x-request-id: ")
                    .map(str::to_string)
            })
            .expect("a request id");
        assert!(
            page.body.contains(&format!("请求编号：{id}")),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains("sqlx") && !page.body.contains("pool"),
            "{}",
            page.body
        );
        let api = app
            .request("GET", "/api/v1/enterprises", Some(&admin), None, "")
            .await;
        assert_eq!(api.status, 500);
        let body: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(body["code"], "internal");
        assert!(
            body["request_id"].as_str().is_some_and(|s| !s.is_empty()),
            "{body}"
        );
    })
    .await;
}

/// A multipart POST with text fields and one file, as a browser sends the task report form.
async fn post_multipart(
    app: &App,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Resp {
    let boundary = "huiqiboundary16";
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        app.addr,
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Resp {
        status: head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        headers: head.to_string(),
        body: body.to_string(),
    }
}

/// 督办与考核 on the server: a county sees and reports its own lines only, a unit its own; the
/// working group sends a 督办单 that the county answers; evidence files are scoped; the public page
/// shows only what was published.
#[tokio::test]
async fn supervision_scope_reports_orders_and_the_public_page() {
    each_db(|db| async move {
        let (app, _, _, _) = setup(&db).await;
        let (admin, tax, jinan) = (
            app.session("admin").await,
            app.session("tax").await,
            app.session("jinan").await,
        );
        let rows = |cookie: String| {
            let app = &app;
            async move {
                let r = app
                    .request("GET", "/api/v1/supervision?period=2023-12", Some(&cookie), None, "")
                    .await;
                assert_eq!(r.status, 200, "{}", r.body);
                let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
                v["rows"].as_array().unwrap().clone()
            }
        };
        assert_eq!(rows(admin.clone()).await.len(), 416);
        let mine = rows(jinan.clone()).await;
        assert_eq!(mine.len(), 52);
        assert!(mine.iter().all(|r| r["jurisdiction"] == "341502"));
        let units = rows(tax.clone()).await;
        assert!(!units.is_empty() && units.iter().all(|r| r["unit"] == "tax"));

        // The county reports on its own line, with a file.
        let page = app.request("GET", "/supervision", Some(&jinan), None, "").await;
        assert!(!page.body.contains("发出督办单"), "only the working group sends orders");
        let token = csrf_of(&page.body);
        let form = |line: &'static str| {
            vec![
                ("csrf", token.as_str()),
                ("line", line),
                ("period", "2023-Q4"),
                ("kind", "progress"),
                ("status", "in_progress"),
                ("progress", "走访企业 12 户，推荐 2 户申报挂牌<script>x</script>"),
            ]
        };
        let ok = post_multipart(&app, "/supervision/report", &jinan, &form("listing_support|local_finance|341502"), Some(("挂牌公告.pdf", b"%PDF-1.4 x"))).await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        // Another county's line: refused, nothing written.
        let other = post_multipart(&app, "/supervision/report", &jinan, &form("listing_support|local_finance|341503"), None).await;
        assert_eq!(other.status, 403, "{}", other.body);
        // A wrong period for a quarterly task: 400 naming what to write.
        let mut bad = form("listing_support|local_finance|341502");
        bad[2] = ("period", "2023-12");
        let r = post_multipart(&app, "/supervision/report", &jinan, &bad, None).await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains("2023-Q4"), "{}", r.body);
        // The unit may report on its own line anywhere, not on another unit's.
        let tax_token = csrf_of(&app.request("GET", "/supervision", Some(&tax), None, "").await.body);
        let mut f = form("individual_to_enterprise|tax|341503");
        f[0] = ("csrf", tax_token.as_str());
        assert_eq!(post_multipart(&app, "/supervision/report", &tax, &f, None).await.status, 303);
        let mut f = form("individual_to_enterprise|market_regulation|341503");
        f[0] = ("csrf", tax_token.as_str());
        assert_eq!(post_multipart(&app, "/supervision/report", &tax, &f, None).await.status, 403);

        // The report is on the board, escaped; its file is the county's and the working group's.
        let board = app.request("GET", "/supervision?period=2023-12", Some(&jinan), None, "").await;
        let at = board.body.find("推荐 2 户申报挂牌").expect("the report is listed");
        let shown = &board.body[at..at + 80];
        assert!(!board.body.contains("<script>x") && shown.contains("&#60;script&#62;x"), "{shown}");
        let file_id = board.body.split("/supervision/files/").nth(1).unwrap().split('"').next().unwrap().to_string();
        let path = format!("/supervision/files/{file_id}");
        assert_eq!(app.request("GET", &path, Some(&jinan), None, "").await.status, 200);
        assert_eq!(app.request("GET", &path, Some(&admin), None, "").await.status, 200);
        assert_eq!(app.request("GET", &path, Some(&tax), None, "").await.status, 403);
        assert_eq!(app.request("GET", &path, None, None, "").await.status, 403);

        // The working group sends a 督办单; the county replies; the unit may not.
        let admin_token = csrf_of(&app.request("GET", "/supervision", Some(&admin), None, "").await.body);
        let body = format!(
            "csrf={admin_token}&line=listing_support%7Clocal_finance%7C341502&period=2023-Q4&requirement=%E8%AF%B7%E8%AF%B4%E6%98%8E&due=2099-01-01"
        );
        let r = app.request("POST", "/supervision/orders", Some(&admin), Some(&body), "").await;
        assert_eq!(r.status, 303, "{}", r.body);
        let order = db.store.orders(None).await.unwrap()[0].id;
        let reply = |token: &str| format!("csrf={token}&action=reply&note=%E5%B7%B2%E8%A1%A5%E6%8A%A5");
        let r = app.request("POST", &format!("/supervision/orders/{order}"), Some(&tax), Some(&reply(&tax_token)), "").await;
        assert_eq!(r.status, 403);
        let r = app.request("POST", &format!("/supervision/orders/{order}"), Some(&jinan), Some(&reply(&token)), "").await;
        assert_eq!(r.status, 303, "{}", r.body);
        // A county may not close it.
        let close = format!("csrf={token}&action=close&note=");
        let r = app.request("POST", &format!("/supervision/orders/{order}"), Some(&jinan), Some(&close), "").await;
        assert_eq!(r.status, 403);
        assert_eq!(db.store.orders(None).await.unwrap()[0].state, huiqi_assess::orders::OrderState::Replied);

        // The public page: nothing published yet; a published case appears, progress never does.
        let open = app.request("GET", "/open", None, None, "").await;
        assert!(open.body.contains("暂无已发布的典型案例") && !open.body.contains("走访企业 12 户"));
        let mut case = form("publicity_campaign||341502");
        case[3] = ("kind", "case");
        case.push(("title", "金安区免申即享案例"));
        assert_eq!(post_multipart(&app, "/supervision/report", &jinan, &case, None).await.status, 303);
        let id = db
            .store
            .task_reports(&huiqi_app::assess::ReportFilter::default())
            .await
            .unwrap()
            .iter()
            .find(|r| r.title == "金安区免申即享案例")
            .unwrap()
            .id;
        let publish = format!("csrf={token}&publish=1");
        let r = app.request("POST", &format!("/supervision/reports/{id}/publish"), Some(&jinan), Some(&publish), "").await;
        assert_eq!(r.status, 403, "a county does not publish");
        let publish = format!("csrf={admin_token}&publish=1");
        let r = app.request("POST", &format!("/supervision/reports/{id}/publish"), Some(&admin), Some(&publish), "").await;
        assert_eq!(r.status, 303, "{}", r.body);
        let open = app.request("GET", "/open", None, None, "").await;
        assert!(open.body.contains("金安区免申即享案例") && !open.body.contains("挂牌公告.pdf"));

        // The ledger: a county records spending on its own account only; a purpose outside article
        // 19 is refused quoting it.
        let funds = app.request("GET", "/funds?year=2023", Some(&admin), None, "").await;
        let ftoken = csrf_of(&funds.body);
        let award = format!("csrf={ftoken}&kind=award&year=2023&jurisdiction=341502&date=2024-03-01&amount=100000");
        assert_eq!(app.request("POST", "/funds/entries", Some(&admin), Some(&award), "").await.status, 303);
        let spend = |j: &str, purpose: &str| format!("csrf={token}&kind=spend&year=2023&jurisdiction={j}&date=2024-04-01&amount=5000&purpose={purpose}&project=x");
        assert_eq!(app.request("POST", "/funds/entries", Some(&jinan), Some(&spend("341502", "zjtx_support")), "").await.status, 303);
        assert_eq!(app.request("POST", "/funds/entries", Some(&jinan), Some(&spend("341503", "zjtx_support")), "").await.status, 403);
        let r = app.request("POST", "/funds/entries", Some(&jinan), Some(&spend("341502", "banquet")), "").await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains("不得挪作他用"), "{}", r.body);
        let county_award = format!("csrf={token}&kind=award&year=2023&jurisdiction=341502&date=2024-03-01&amount=1");
        assert_eq!(app.request("POST", "/funds/entries", Some(&jinan), Some(&county_award), "").await.status, 403);
        let page = app.request("GET", "/funds?year=2023", Some(&jinan), None, "").await;
        assert!(page.body.contains("95,000.00") && !page.body.contains("裕安区"), "own account only");
    })
    .await;
}
