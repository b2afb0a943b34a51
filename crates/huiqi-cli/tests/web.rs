//! The web platform over real HTTP on port 0 with a fresh database (SQLite always, PostgreSQL
//! too when HUIQI_TEST_POSTGRES_URL is set): the access matrix of every route × every role,
//! scope by county and enterprise, escaping, CSRF, throttling of failed logins, the working
//! group's account changes, and the security headers (with and without `--behind-tls`).

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

    /// A GET whose body is bytes (a download): the head and the body as sent.
    async fn get_bytes(&self, path: &str, cookie: &str) -> (String, Vec<u8>) {
        let mut s = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {cookie}\r\n\r\n",
            self.addr
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.unwrap();
        let at = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        (
            String::from_utf8_lossy(&raw[..at]).into_owned(),
            raw[at + 4..].to_vec(),
        )
    }

    /// A form POST whose answer is bytes (a download): the head and the body as sent.
    async fn post_bytes(&self, path: &str, cookie: &str, form: &str) -> (String, Vec<u8>) {
        let mut s = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            self.addr,
            form.len()
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.unwrap();
        let at = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        (
            String::from_utf8_lossy(&raw[..at]).into_owned(),
            raw[at + 4..].to_vec(),
        )
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
    setup_with(db, Default::default(), false).await
}

async fn setup_with(
    db: &TestDb,
    limiter: huiqi_web::auth::LoginLimiter,
    behind_tls: bool,
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
            .upsert_user(u, &hash, role, scope, u, ("测试", ""))
            .await
            .unwrap();
    }
    let app = huiqi_app::App::new(
        db.store.clone(),
        huiqi_policy::builtin::default_pack().unwrap(),
        huiqi_rules::Rules::builtin(),
        "2024-12-31".parse().unwrap(),
    );
    // Page and API reads go to a replica (see huiqi_web::state): a streaming replica of the
    // PostgreSQL database with HUIQI_TEST_POSTGRES_REPLICA_URL (scripts/pg-replica.sh), else a
    // read-only pool on the same database, so that a write made on a GET fails here.
    let replica = huiqi_store::testing::replica_of(db).await;
    let mut state = WebState::with_replicas(app, vec![replica]);
    state.limiter = limiter;
    state.behind_tls = behind_tls;
    (start(state).await, own, hostile, other)
}

/// Serves `state` on a free port of loopback.
async fn start(state: WebState) -> App {
    let state = Arc::new(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let names = Arc::clone(&state.app.names);
    tokio::spawn(async move {
        let app =
            huiqi_web::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app).await.unwrap()
    });
    App { addr, names }
}

/// Expected status per route (by its table path) and role, in the order
/// anonymous, admin, unit, county, enterprise. `{own}` is the enterprise user's own code,
/// `{other}` one in another county.
const MATRIX: &[(&str, &str, [u16; 5])] = &[
    ("GET", "/", [200, 200, 200, 200, 200]),
    ("GET", "/healthz", [200, 200, 200, 200, 200]),
    ("GET", "/assets/site.css", [200, 200, 200, 200, 200]),
    ("GET", "/favicon.ico", [200, 200, 200, 200, 200]),
    ("GET", "/assets/htmx.min.js", [200, 200, 200, 200, 200]),
    ("GET", "/assets/echarts.min.js", [200, 200, 200, 200, 200]),
    ("GET", "/assets/charts.js", [200, 200, 200, 200, 200]),
    ("GET", "/api/v1/openapi.json", [200, 200, 200, 200, 200]),
    ("GET", "/dashboard", [303, 200, 200, 200, 403]),
    // Without the form's CSRF token every staff role is refused; enterprises may not report.
    ("POST", "/dashboard/report", [303, 403, 403, 403, 403]),
    // No such file: 404 for staff (an existing one is scope-checked, see below).
    ("GET", "/dashboard/files/{id}", [303, 404, 404, 404, 403]),
    // No reports in the test database, but registrations: the month with registry figures.
    ("GET", "/dashboard.xlsx", [303, 200, 200, 200, 403]),
    // No reports in the test database, but registrations: the latest month with registry figures.
    ("GET", "/api/v1/dashboard", [401, 200, 200, 200, 403]),
    ("GET", "/push", [303, 200, 200, 200, 403]),
    ("GET", "/push.xlsx", [303, 200, 200, 200, 403]),
    ("GET", "/api/v1/push", [401, 200, 200, 200, 403]),
    ("GET", "/admin/runs", [303, 200, 403, 403, 403]),
    ("GET", "/admin/whatif", [303, 200, 403, 403, 403]),
    ("POST", "/admin/whatif", [303, 403, 403, 403, 403]),
    ("GET", "/admin/users", [303, 200, 403, 403, 403]),
    // Without the form's CSRF token the admin's change is refused too.
    ("POST", "/admin/users", [303, 403, 403, 403, 403]),
    ("GET", "/admin/import", [303, 200, 403, 403, 403]),
    // Without a CSRF token the admin's upload is refused too.
    ("POST", "/admin/import", [303, 403, 403, 403, 403]),
    // Without ?source= the admin is told the source is missing; the others never get that far.
    ("GET", "/admin/import/template", [303, 400, 403, 403, 403]),
    // 新建账号: without the form's CSRF token the admin is refused too.
    ("POST", "/admin/users/new", [303, 403, 403, 403, 403]),
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
    // 为企服务: everyone signed in has a page (the enterprise its own problems); forms without
    // CSRF are refused; no problem 999999; the 清单 and visits are the officials'.
    ("GET", "/service", [303, 200, 200, 200, 200]),
    ("POST", "/service/problems", [303, 403, 403, 403, 403]),
    ("GET", "/service/problems/{id}", [303, 404, 404, 404, 404]),
    // An attachment of no visible problem: 404 (scope tested in service_attachments_are_scoped).
    (
        "GET",
        "/service/problems/{id}/files/{file}",
        [303, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/service/problems/{id}/act",
        [303, 403, 403, 403, 403],
    ),
    ("GET", "/service/stats", [303, 200, 200, 200, 403]),
    ("GET", "/service.xlsx", [303, 200, 200, 200, 403]),
    ("POST", "/service/routes", [303, 403, 403, 403, 403]),
    ("POST", "/service/keys", [303, 403, 403, 403, 403]),
    ("GET", "/service/visits", [303, 200, 200, 200, 403]),
    ("POST", "/service/visits", [303, 403, 403, 403, 403]),
    // The assignment upload without CSRF is refused; the template is the assigners' (the
    // working group and counties).
    ("POST", "/service/visits/assign", [303, 403, 403, 403, 403]),
    (
        "GET",
        "/service/visits/assign-template.xlsx",
        [303, 200, 403, 200, 403],
    ),
    ("GET", "/api/v1/service/problems", [401, 200, 200, 200, 200]),
    ("GET", "/api/v1/service/stats", [401, 200, 200, 200, 403]),
    // Open311 GeoReport v2: public reads; a POST without a channel's api_key is 403 for all.
    (
        "GET",
        "/open311/v2/services.json",
        [200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/open311/v2/services/{code}",
        [200, 200, 200, 200, 200],
    ),
    (
        "POST",
        "/open311/v2/requests.json",
        [403, 403, 403, 403, 403],
    ),
    (
        "GET",
        "/open311/v2/requests.json",
        [200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/open311/v2/requests/{id}",
        [404, 404, 404, 404, 404],
    ),
    // 清欠: cases for the signed-in (each sees its scope; an unknown case is 404 for all), steps
    // for officials, the league table for officials, the disclosure for everyone.
    ("GET", "/arrears", [303, 200, 200, 200, 200]),
    ("GET", "/arrears.xlsx", [303, 200, 200, 200, 200]),
    ("GET", "/arrears/new", [303, 200, 200, 200, 200]),
    ("POST", "/arrears/complaints", [303, 403, 403, 403, 403]),
    ("GET", "/arrears/cases/{id}", [303, 404, 404, 404, 404]),
    // Evidence of no visible case: 404 (scope tested in arrears_complaint_from_registration_to_closing).
    (
        "GET",
        "/arrears/cases/{id}/files/{file}",
        [303, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/arrears/cases/{id}/steps",
        [303, 403, 403, 403, 403],
    ),
    ("GET", "/arrears/league", [303, 200, 200, 200, 403]),
    ("GET", "/arrears/league.xlsx", [303, 200, 200, 200, 403]),
    ("GET", "/arrears/disclosure", [200, 200, 200, 200, 200]),
    ("GET", "/arrears/disclosure.xlsx", [200, 200, 200, 200, 200]),
    (
        "GET",
        "/api/v1/arrears/disclosure",
        [200, 200, 200, 200, 200],
    ),
    ("GET", "/policy", [200, 200, 200, 200, 200]),
    ("GET", "/login", [200, 200, 200, 200, 200]),
    ("POST", "/login", [401, 401, 401, 401, 401]),
    ("POST", "/logout", [303, 403, 403, 403, 403]),
    ("GET", "/me", [303, 403, 403, 403, 200]),
    ("GET", "/enterprises", [303, 200, 200, 200, 403]),
    ("GET", "/enterprises.xlsx", [303, 200, 200, 200, 403]),
    ("GET", "/enterprises/{uscc}", [303, 200, 200, 200, 403]),
    ("GET", "/cultivate", [303, 200, 200, 200, 403]),
    ("GET", "/cultivate/export", [303, 200, 200, 200, 403]),
    ("GET", "/parks", [303, 200, 200, 200, 403]),
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
                let path = path
                    .replace("{uscc}", &own)
                    .replace("{id}", "999999")
                    .replace("{file}", "999999")
                    .replace("{code}", "financing.json");
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
        // 一企一档: its sections, and the way back to the list it came from — only ever the list.
        let back = "/enterprises?q=&county=341503&industry=&kind=enterprise&size=&sort=name&per_page=50&page=1";
        let file = app
            .request(
                "GET",
                &format!("/enterprises/{own}?back={}", urlencode(back)),
                jinan,
                None,
                "",
            )
            .await;
        assert_eq!(file.status, 200);
        for section in [
            "登记信息", "经营数据", "认定/资质", "培训", "融资", "享受政策", "奖补兑现", "变更历史",
        ] {
            assert!(file.body.contains(&format!("<h2>{section}")), "{section}");
        }
        let href = |body: &str| -> String {
            body.split("id=\"back\" href=\"")
                .nth(1)
                .and_then(|x| x.split('"').next())
                .unwrap_or_default()
                .replace("&#x2f;", "/")
                .replace("&#47;", "/")
                .replace("&amp;", "&")
                .replace("&#38;", "&")
        };
        assert_eq!(href(&file.body), back);
        for evil in [
            "//evil.example/enterprises",
            "http://evil.example/",
            "/admin/users",
            "/enterprises.xlsx",
        ] {
            let page = app
                .request(
                    "GET",
                    &format!("/enterprises/{own}?back={}", urlencode(evil)),
                    jinan,
                    None,
                    "",
                )
                .await;
            assert_eq!(href(&page.body), "/enterprises", "{evil}");
        }
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
                .filter_map(|x| x.split(['"', '?']).next().map(str::to_string))
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
async fn cultivation_lists_are_scoped_and_link_to_the_enterprise() {
    each_db(|db| async move {
        let (app, own, _, _) = setup(&db).await;
        let admin = app.session("admin").await;
        let jinan = app.session("jinan").await;
        let all = app
            .request(
                "GET",
                "/cultivate?kind=above_scale&year=2024",
                Some(&admin),
                None,
                "",
            )
            .await;
        assert_eq!(all.status, 200);
        assert!(
            all.body.contains("小升规候选") && all.body.contains("建筑业"),
            "{}",
            all.body
        );
        // A county account: its own county only; asking for another is refused.
        let mine = app
            .request(
                "GET",
                "/cultivate?kind=above_scale&year=2024",
                Some(&jinan),
                None,
                "",
            )
            .await;
        assert_eq!(mine.status, 200);
        assert!(!mine.body.contains("<td>裕安区</td>"), "{}", mine.body);
        // Candidates beside this year's targets: every county and the city for the working
        // group, the county's own row (and no city row) for a county account.
        assert!(
            all.body.contains("id=\"targets\"")
                && all.body.contains("新增规上工业企业（家）")
                && all.body.contains("<th>全市</th>")
                && all.body.contains("<td>裕安区</td>"),
            "{}",
            all.body
        );
        assert!(
            mine.body.contains("id=\"targets\"")
                && mine.body.contains("<td>金安区</td>")
                && !mine.body.contains("<th>全市</th>"),
            "{}",
            mine.body
        );
        let other = app
            .request(
                "GET",
                "/cultivate?kind=above_scale&county=341503&year=2024",
                Some(&jinan),
                None,
                "",
            )
            .await;
        assert_eq!(other.status, 403);
        let bad = app
            .request("GET", "/cultivate?kind=nonsense", Some(&admin), None, "")
            .await;
        assert_eq!(bad.status, 400);
        // Rows link to the enterprise's 一企一档; the enterprise page says what is missing.
        for kind in [
            "above_scale",
            "ind_to_ent",
            "tech_sme",
            "innovative_sme",
            "zjtx",
        ] {
            let r = app
                .request(
                    "GET",
                    &format!("/cultivate?kind={kind}&year=2024"),
                    Some(&admin),
                    None,
                    "",
                )
                .await;
            assert_eq!(r.status, 200, "{kind}");
        }
        // A legal person's page (an individual business has no standards to meet).
        let list = app
            .request(
                "GET",
                "/enterprises?kind=enterprise&county=341502",
                Some(&admin),
                None,
                "",
            )
            .await;
        let firm = list
            .body
            .split("<a href=\"/enterprises/")
            .nth(1)
            .and_then(|x| x.split(['"', '?']).next())
            .unwrap()
            .to_string();
        assert_ne!(firm, own);
        let page = app
            .request(
                "GET",
                &format!("/enterprises/{firm}"),
                Some(&jinan),
                None,
                "",
            )
            .await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("培育认定")
                && page.body.contains("科技型中小企业")
                && page.body.contains("还缺什么"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("科技人员指标得分不能为 0 分"),
            "{}",
            page.body
        );
        // The enterprise user's own page (an individual business) shows no such section.
        let ent = app.session("ent").await;
        let me = app.request("GET", "/me", Some(&ent), None, "").await;
        assert_eq!(me.status, 200);
        assert!(!me.body.contains("培育认定"));
    })
    .await;
}

#[tokio::test]
async fn names_are_escaped_and_forms_need_csrf() {
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
    })
    .await;
}

/// 企业库 as a list: the total of all matching enterprises, pages of 50/100/200 whose links keep
/// the filter, a whitelisted sort (the same from the database and the name index), the .xlsx
/// export of the filter within the viewer's scope, industry names and whole 从业人数.
#[tokio::test]
async fn registry_list_total_paging_sort_export() {
    each_db(|db| async move {
        let (app, own, ..) = setup(&db).await;
        let admin = app.session("admin").await;
        let jinan = app.session("jinan").await;
        let ids = |body: &str| -> Vec<String> {
            body.split("<a href=\"/enterprises/")
                .skip(1)
                .filter_map(|x| x.split(['"', '?']).next().map(str::to_string))
                .collect()
        };
        let total_of = |body: &str| -> String {
            body.split("<strong id=\"total\">")
                .nth(1)
                .and_then(|x| x.split('<').next())
                .unwrap()
                .to_string()
        };
        let all = db.store.all_enterprise_rows().await.unwrap();
        assert_eq!(all.len(), 300);
        let sorted = |sort: huiqi_app::search::EnterpriseSort, county: &str| -> Vec<String> {
            let mut v: Vec<&huiqi_store::search::EnterpriseRow> = all
                .iter()
                .filter(|r| county.is_empty() || r.county == county)
                .collect();
            v.sort_by(|a, b| sort.compare(a, b));
            v.into_iter().map(|r| r.uscc.clone()).collect()
        };
        use huiqi_app::search::EnterpriseSort as S;
        // Twice: first from the database, then (once built) from the name index.
        for round in 0..2 {
            let r = app
                .request("GET", "/enterprises", Some(&admin), None, "")
                .await;
            assert_eq!(r.status, 200);
            assert_eq!(total_of(&r.body), "300", "round {round}");
            assert_eq!(ids(&r.body), sorted(S::Uscc, "")[..100].to_vec());
            // Page 2 of 50, and a page past the end shows the last.
            let r = app
                .request(
                    "GET",
                    "/enterprises?per_page=50&page=2",
                    Some(&admin),
                    None,
                    "",
                )
                .await;
            assert_eq!(ids(&r.body), sorted(S::Uscc, "")[50..100].to_vec());
            assert!(r.body.contains("第 2/6 页"), "round {round}");
            let r = app
                .request(
                    "GET",
                    "/enterprises?per_page=200&page=9",
                    Some(&admin),
                    None,
                    "",
                )
                .await;
            assert_eq!(ids(&r.body), sorted(S::Uscc, "")[200..].to_vec());
            let huge = format!("/enterprises?per_page=200&page={}", usize::MAX);
            let r = app.request("GET", &huge, Some(&admin), None, "").await;
            assert_eq!(r.status, 200);
            assert_eq!(ids(&r.body), sorted(S::Uscc, "")[200..].to_vec());
            for sort in [S::Name, S::RegisteredDesc, S::County] {
                for page in [1, 2] {
                    let path = format!(
                        "/enterprises?sort={}&per_page=50&page={page}",
                        sort.as_str()
                    );
                    let r = app.request("GET", &path, Some(&admin), None, "").await;
                    assert_eq!(r.status, 200);
                    assert_eq!(
                        ids(&r.body),
                        sorted(sort, "")[(page - 1) * 50..page * 50].to_vec(),
                        "{path} round {round}"
                    );
                }
            }
            let version = db.store.search_version().await.unwrap();
            for _ in 0..100 {
                if app.names.built_at() == Some(version) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            assert_eq!(app.names.built_at(), Some(version));
        }
        // Paging links keep the filter and the sort.
        let jinan_all = sorted(S::Name, "341502");
        assert!(
            jinan_all.len() > 50,
            "the sample has more than a page in 金安区"
        );
        let r = app
            .request(
                "GET",
                "/enterprises?county=341502&sort=name&per_page=50",
                Some(&admin),
                None,
                "",
            )
            .await;
        assert_eq!(total_of(&r.body), jinan_all.len().to_string());
        assert!(
            r.body
                .replace("&#38;", "&")
                .replace("&amp;", "&")
                .contains("county=341502&industry=&kind=&size=&sort=name&per_page=50&page=2"),
            "the next page keeps the filter: {}",
            r.body
                .split("rel=\"next\"")
                .nth(1)
                .unwrap_or("no next link")
        );
        // Unknown sort or page size: refused with a message.
        let bad = app
            .request(
                "GET",
                "/enterprises?sort=revenue;drop",
                Some(&admin),
                None,
                "",
            )
            .await;
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("排序“revenue;drop”无效"), "{}", bad.body);
        let bad = app
            .request("GET", "/enterprises?per_page=1000", Some(&admin), None, "")
            .await;
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("每页条数“1000”无效"), "{}", bad.body);
        // A county user sees its own county whatever the query says, in the list and the export.
        let r = app
            .request("GET", "/enterprises?county=341503", Some(&jinan), None, "")
            .await;
        assert_eq!(total_of(&r.body), jinan_all.len().to_string());
        // Industry by name next to the code.
        let first_id = ids(&r.body)[0].clone();
        let first = all.iter().find(|e| e.uscc == first_id).unwrap();
        let name = huiqi_domain::industry::display_name(&first.industry);
        assert!(
            r.body.contains(&format!("{name}（{}）", first.industry)),
            "{name}"
        );
        {
            use calamine::{Data, Reader, Xlsx};
            let (head, bytes) = app
                .get_bytes("/enterprises.xlsx?county=341503&sort=name", &jinan)
                .await;
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            let today = huiqi_app::assess::today();
            let name = format!("企业库-金安区-{today}.xlsx");
            let encoded: String = name
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            assert!(head.contains(&encoded), "{head}");
            let mut wb = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
            let sheet = wb.worksheet_range("企业库").unwrap();
            assert!(sheet.get((0, 0)).unwrap().to_string().contains("金安区"));
            assert!(
                sheet
                    .get((1, 0))
                    .unwrap()
                    .to_string()
                    .starts_with(&format!("数据截至 {today}"))
            );
            assert_eq!(sheet.get((2, 0)).unwrap().to_string(), "统一社会信用代码");
            let got: Vec<String> = (0..jinan_all.len())
                .map(|i| sheet.get((3 + i, 0)).unwrap().to_string())
                .collect();
            assert_eq!(got, jinan_all, "the filter, the sort, and only 金安区");
            let last = 3 + jinan_all.len();
            assert_eq!(sheet.get((last, 0)).unwrap().to_string(), "合计（户）");
            assert_eq!(
                sheet.get((last, 1)),
                Some(&Data::Float(jinan_all.len() as f64)),
                "the count a number"
            );
            // 成立日期 a date where the registry has one.
            let dated = (3..last).any(|i| matches!(sheet.get((i, 7)), Some(Data::DateTime(_))));
            assert!(dated);
        }
        // 一企一档: 从业人数 a whole number.
        let page = app
            .request(
                "GET",
                &format!("/enterprises/{own}"),
                Some(&admin),
                None,
                "",
            )
            .await;
        let employees = page
            .body
            .split("从业人数</th><td class=\"num\">")
            .nth(1)
            .and_then(|x| x.split(" 人<").next())
            .unwrap_or_else(|| panic!("{}", page.body))
            .to_string();
        assert!(
            !employees.is_empty() && employees.chars().all(|c| c.is_ascii_digit() || c == ','),
            "{employees}"
        );
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
                .filter_map(|x| x.split(['"', '?']).next().map(str::to_string))
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
        // (Each starts from its shortest row list: the county's, the section's, the size class's.)
        for (county, industry, size, found) in [
            ("341502", "", "small", true),
            ("", "c", "micro", true),
            ("", "", "", true),
            ("341503", "", "", true),
            ("341502", "F", "", false),
            ("", "", "large", false),
            ("999999", "", "", false),
        ] {
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
            let (total, _) = db
                .store
                .search_enterprises_page(&filter, Default::default(), 0, 1)
                .await
                .unwrap();
            assert!(!found || !expected.is_empty(), "{county} {industry} {size}");
            if county == "999999" {
                assert!(expected.is_empty());
            }
            let path = format!("/enterprises?county={county}&industry={industry}&size={size}");
            let page = app.request("GET", &path, Some(&admin), None, "").await;
            let got = ids(&page.body);
            assert_eq!(got, expected, "{path}");
            if total > 0 {
                assert!(
                    page.body.contains(&format!(
                        "<strong id=\"total\">{}</strong>",
                        huiqi_domain::numbers::count(total)
                    )),
                    "{path}: the total {total} from the index as from the database"
                );
            }
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
        let (app, ..) = setup_with(&db, limiter, false).await;
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
                post_form_multipart(
                    app,
                    "/dashboard/report",
                    &c,
                    &format!("csrf={token}&period=2023-09&{form}"),
                    None,
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
        // A target the registry computes is not on the form, says why, and is refused.
        let jinan_page = app
            .request("GET", "/dashboard?period=2023-09", Some(&app.session("jinan").await), None, "")
            .await;
        let form = jinan_page.body.split("action=\"/dashboard/report\"").nth(1).unwrap();
        let form = form.split("</form>").next().unwrap();
        assert!(!form.contains("value=\"new_taxpaying_entities\""), "{form}");
        assert!(form.contains("type=\"file\""), "{form}");
        assert!(jinan_page.body.contains("由企业库自动计算"));
        let computed =
            report("jinan", "target=new_taxpaying_entities&jurisdiction=341502&value=1").await;
        assert_eq!(computed.status, 400, "{}", computed.body);
        assert!(computed.body.contains("由企业库自动计算"), "{}", computed.body);
        // 附件: a real file, type and size checked, nothing written when refused.
        let with_file = |user: &'static str, name: &'static str, bytes: Vec<u8>| {
            let app = &app;
            async move {
                let c = app.session(user).await;
                let page = app
                    .request("GET", "/dashboard?period=2023-09", Some(&c), None, "")
                    .await;
                let token = csrf_of(&page.body);
                post_form_multipart(
                    app,
                    "/dashboard/report",
                    &c,
                    &format!("csrf={token}&period=2023-09&target=new_listings&jurisdiction=341502&value=8"),
                    Some((name, &bytes)),
                )
                .await
            }
        };
        let html = with_file("jinan", "说明.pdf", b"<html>".to_vec()).await;
        assert_eq!(html.status, 400, "{}", html.body);
        assert!(html.body.contains("不符"), "{}", html.body);
        let exe = with_file("jinan", "说明.exe", b"MZ".to_vec()).await;
        assert_eq!(exe.status, 400, "{}", exe.body);
        assert!(exe.body.contains("只接受"), "{}", exe.body);
        let mut big = b"%PDF".to_vec();
        big.resize(huiqi_app::files::MAX_BYTES + 1, b'x');
        let big = with_file("jinan", "大.pdf", big).await;
        assert!(matches!(big.status, 400 | 413), "{}", big.status);
        assert!(big.body.contains("MB"), "{}", big.body);
        let latest = db.store.reports_for("2023-09").await.unwrap();
        assert_eq!(
            latest[&key].value,
            rust_decimal::Decimal::from(7),
            "nothing refused was written"
        );
        let ok = with_file("jinan", "九月台账.pdf", b"%PDF-1.4 x".to_vec()).await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let c = app.session("jinan").await;
        let page = app
            .request("GET", "/dashboard?period=2023-09", Some(&c), None, "")
            .await;
        assert!(page.body.contains("九月台账.pdf"), "the file is listed");
        let href = page.body.split("href=\"/dashboard/files/").nth(1).unwrap();
        let path = format!("/dashboard/files/{}", href.split('"').next().unwrap());
        for (user, status) in [("jinan", 200), ("admin", 200), ("tax", 403)] {
            let c = app.session(user).await;
            let r = app.request("GET", &path, Some(&c), None, "").await;
            assert_eq!(r.status, status, "{user}: {}", r.body);
            if status == 200 {
                assert!(r.body.starts_with("%PDF"), "{user}");
                assert!(r.headers.contains("filename*=UTF-8''"), "{}", r.headers);
            }
        }
        // The month picker, the matrix and the 调度表 download.
        let admin = app.session("admin").await;
        let page = app
            .request("GET", "/dashboard?period=2023-09", Some(&admin), None, "")
            .await;
        assert!(page.body.contains("<select name=\"period\""), "a month picker");
        assert!(page.body.contains("<option value=\"2023-09\" selected>"));
        let matrix = page.body.split("id=\"matrix\"").nth(1).unwrap();
        let head = matrix.split("</thead>").next().unwrap();
        assert_eq!(head.matches("<th>").count(), 1 + 8 + 1, "{head}");
        assert!(head.contains("全市"));
        assert!(page.body.contains("第 1 名 / 共 8 名") && page.body.contains("共 8 名"));
        for user in ["admin", "jinan", "tax"] {
            let c = app.session(user).await;
            let x = app
                .request("GET", "/dashboard.xlsx?period=2023-09", Some(&c), None, "")
                .await;
            assert_eq!(x.status, 200, "{user}: {}", x.body);
            assert!(x.headers.contains("spreadsheetml"), "{}", x.headers);
            assert!(
                x.headers.contains(
                    "filename*=UTF-8''%E8%B0%83%E5%BA%A6%E8%A1%A8-2023-09.xlsx"
                ),
                "{}",
                x.headers
            );
        }
        // A county's page has no matrix (its rows are the table).
        assert!(!page_of(&app, "jinan").await.contains("id=\"matrix\""));
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
        // The issue's four checks.
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
        let r = get("/api/v1/push?sort=richest").await;
        assert_eq!(r.status, 400);
        assert_eq!(json(&r)["code"], "bad_sort");
        assert!(json(&r)["error"].as_str().unwrap().contains("amount_desc"));
        let r = get("/push?per_page=7").await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.body.contains("每页条数“7”无效"), "{}", r.body);
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

/// The dashboard of 2023-09 as a user sees it.
async fn page_of(app: &App, user: &'static str) -> String {
    let c = app.session(user).await;
    app.request("GET", "/dashboard?period=2023-09", Some(&c), None, "")
        .await
        .body
}

/// Percent-decodes a urlencoded form's field (`+` is a space).
fn form_decode(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// A urlencoded form sent as multipart (the report form has a file input), with one file.
async fn post_form_multipart(
    app: &App,
    path: &str,
    cookie: &str,
    form: &str,
    file: Option<(&str, &[u8])>,
) -> Resp {
    let pairs: Vec<(String, String)> = form
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
        .collect();
    let fields: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    post_multipart(app, path, cookie, &fields, file).await
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
        let r = app.request("GET", &path, Some(&jinan), None, "").await;
        assert_eq!((r.status, r.body.as_str()), (200, "%PDF-1.4 x"));
        assert_eq!(header(&r, "content-type"), Some("application/pdf"));
        assert!(header(&r, "content-disposition").unwrap().ends_with("filename*=UTF-8''%E6%8C%82%E7%89%8C%E5%85%AC%E5%91%8A.pdf"));
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

/// No panic on any input (issue 11 item 6) and limits on text (issue 12 item 8) on the server:
/// a report, allocation-sized, what-if or ledger value at `Decimal`'s maximum is a 400 with the
/// Chinese message naming the limit, never a 500; a search over 100 characters (also 50 KB) is
/// a 400; a NUL in a note is a 400; a lowercase USCC in a URL finds the enterprise.
#[tokio::test]
async fn values_and_texts_beyond_their_limits_are_400_never_500() {
    each_db(|db| async move {
        let (app, own, ..) = setup(&db).await;
        let admin = app.session("admin").await;
        let page = app
            .request("GET", "/dashboard?period=2023-09", Some(&admin), None, "")
            .await;
        let token = csrf_of(&page.body);
        let post = |path: &'static str, form: String| {
            let (app, admin) = (&app, admin.clone());
            async move {
                if path == "/dashboard/report" {
                    post_form_multipart(app, path, &admin, &form, None).await
                } else {
                    app.request("POST", path, Some(&admin), Some(&form), "").await
                }
            }
        };
        const MAX: &str = "79228162514264337593543950335";
        // 日常调度 report: the maximum Decimal, just over the range, beyond Decimal.
        for (value, expected) in [
            (MAX, "超出上限 1,000,000,000,000"),
            ("1000000000000.0001", "超出上限 1,000,000,000,000"),
            ("792281625142643375935439503350", "不是数字"),
        ] {
            let r = post(
                "/dashboard/report",
                format!("csrf={token}&period=2023-09&target=new_listings&jurisdiction=341502&value={value}&note=x"),
            )
            .await;
            assert_eq!(r.status, 400, "{value}: {}", r.body);
            assert!(r.body.contains(expected), "{value}: {}", r.body);
        }
        let at_limit = post(
            "/dashboard/report",
            format!("csrf={token}&period=2023-09&target=new_listings&jurisdiction=341502&value=1000000000000&note=x"),
        )
        .await;
        assert_eq!(at_limit.status, 303, "the limit itself is accepted: {}", at_limit.body);
        // A NUL or a 501-character note.
        let long_note = "字".repeat(501);
        for (note, expected) in [("a%00b", "U+0000"), (long_note.as_str(), "超过上限 500 个字")] {
            let r = post(
                "/dashboard/report",
                format!("csrf={token}&period=2023-09&target=new_listings&jurisdiction=341502&value=1&note={note}"),
            )
            .await;
            assert_eq!(r.status, 400, "{}", r.body);
            assert!(r.body.contains(expected), "{}", r.body);
        }
        // What-if: the value that panicked 191 rayon workers, and a rate beyond 10 (1100%); the
        // message names the parameter by its Chinese title.
        for (change, expected) in [
            (
                format!("param=startup.annual_limit&value={MAX}"),
                "从事个体经营每户每年扣减税费限额的新数值“79228162514264337593543950335”超出上限 1,000,000,000,000元",
            ),
            (
                "param=cit.statutory_rate&value=1100".to_string(),
                "企业所得税法定税率的新数值“1100”超出上限 1,000%",
            ),
            (
                "param=startup.annual_limit&value=-1".to_string(),
                "不能为负",
            ),
        ] {
            let r = post(
                "/admin/whatif",
                format!("csrf={token}&at=2024-12-31&{change}"),
            )
            .await;
            assert_eq!(r.status, 400, "{change}: {}", r.body);
            assert!(r.body.contains(expected), "{change}: {}", r.body);
        }
        // The ledger: an award at the maximum.
        let r = post(
            "/funds/entries",
            format!("csrf={token}&kind=award&year=2023&jurisdiction=341502&date=2024-03-01&amount={MAX}"),
        )
        .await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.body.contains("超出上限 1,000,000,000,000 元"), "{}", r.body);
        let long_project = "项".repeat(101);
        let r = post(
            "/funds/entries",
            format!("csrf={token}&kind=award&year=2023&jurisdiction=341502&date=2024-03-01&amount=1&project={long_project}"),
        )
        .await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.body.contains("项目名称有 101 个字"), "{}", r.body);

        // Searches: 100 characters are fine, 101 and 50 KB are a 400 (SQLite refused a 50 KB
        // LIKE pattern with a 500), on the pages and the API.
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect()
        };
        let q100 = enc(&"甲".repeat(100));
        for path in [
            format!("/enterprises?q={q100}"),
            format!("/policy?q={q100}"),
            format!("/api/v1/enterprises?q={q100}"),
        ] {
            let r = app.request("GET", &path, Some(&admin), None, "").await;
            assert_eq!(r.status, 200, "{}", &r.body[..r.body.len().min(300)]);
        }
        for q in [enc(&"甲".repeat(101)), "a".repeat(50_000), "a%00b".to_string()] {
            for path in ["/enterprises", "/policy", "/api/v1/enterprises"] {
                let r = app
                    .request("GET", &format!("{path}?q={q}"), Some(&admin), None, "")
                    .await;
                assert_eq!(r.status, 400, "{path} {}", &r.body[..r.body.len().min(300)]);
                assert!(r.body.contains("搜索内容"), "{path}: {}", &r.body[..r.body.len().min(300)]);
                assert!(r.body.len() < 20_000, "the query is not echoed whole");
            }
        }

        // A lowercase USCC in a URL is the same enterprise.
        let lower = own.to_ascii_lowercase();
        assert_ne!(lower, own);
        for path in [
            format!("/enterprises/{lower}"),
            format!("/api/v1/enterprises/{lower}/benefits"),
        ] {
            let r = app.request("GET", &path, Some(&admin), None, "").await;
            assert_eq!(r.status, 200, "{path}: {}", &r.body[..r.body.len().min(300)]);
        }
    })
    .await;
}
/// The header `name` of a response (lower-case name), if present.
fn header<'a>(r: &'a Resp, name: &str) -> Option<&'a str> {
    r.headers.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Issue 12 item 5: failed logins slow an account down (never lock it for ever); an unknown
/// name, a wrong password, a throttled and a disabled account get the same status and body (the
/// time is printed, roughly alike: each costs one argon2id verification); success forgets the
/// failures.
#[tokio::test]
async fn refused_logins_look_alike_and_throttling_slows_without_locking() {
    each_db(|db| async move {
        let (app, ..) = setup(&db).await;
        let unknown = app.login("nobody", PASSWORD).await;
        let wrong = app.login("tax", "wrong-password-x").await;
        assert_eq!((unknown.status, wrong.status), (401, 401));
        assert_eq!(unknown.body, wrong.body);
        assert!(wrong.body.contains("用户名或密码错误"), "{}", wrong.body);
        // Failures below the free attempts do not throttle; success forgets them.
        for _ in 0..3 {
            app.login("tax", "wrong-password-x").await;
        }
        let tax = db.store.user_by_name("tax").await.unwrap().unwrap();
        assert_eq!((tax.failed_logins, tax.locked_until), (4, None));
        app.session("tax").await;
        let tax = db.store.user_by_name("tax").await.unwrap().unwrap();
        assert_eq!(tax.failed_logins, 0);

        // The fifth failure in a row throttles the account (1 s, then doubling).
        for _ in 0..huiqi_app::accounts::FREE_ATTEMPTS {
            app.login("tax", "wrong-password-x").await;
        }
        let tax = db.store.user_by_name("tax").await.unwrap().unwrap();
        assert_eq!(tax.failed_logins, huiqi_app::accounts::FREE_ATTEMPTS);
        assert!(tax.locked_until.is_some());
        // Throttled for longer (as after many failures): even the right password gets the same
        // answer as a wrong one, and the attempt does not lengthen the delay. (First the 1 s of
        // the fifth failure passes: while throttled a failure is not counted.)
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let now = chrono::Utc::now();
        db.store
            .record_failed_login("tax", now, now - chrono::Duration::hours(1), |_| {
                Some(chrono::Duration::minutes(5))
            })
            .await
            .unwrap();
        let until = db
            .store
            .user_by_name("tax")
            .await
            .unwrap()
            .unwrap()
            .locked_until;
        let throttled = app.login("tax", PASSWORD).await;
        assert_eq!(throttled.status, 401);
        assert_eq!(throttled.body, wrong.body);
        assert_eq!(
            db.store
                .user_by_name("tax")
                .await
                .unwrap()
                .unwrap()
                .locked_until,
            until
        );
        // Another account is not affected.
        app.session("jinan").await;

        // Roughly the same time for each kind of refusal (printed, not asserted: the machine is
        // shared). Each does one argon2id verification and one failed-login statement.
        let mut times: Vec<(&str, Vec<u128>)> = Vec::new();
        for (kind, user, pw) in [
            ("unknown name", "nobody", PASSWORD),
            ("wrong password", "ent", "wrong-password-x"),
            ("throttled", "tax", PASSWORD),
        ] {
            let mut t = Vec::new();
            for _ in 0..5 {
                let start = std::time::Instant::now();
                let r = app.login(user, pw).await;
                t.push(start.elapsed().as_millis());
                assert_eq!((r.status, &r.body), (401, &wrong.body), "{kind}");
            }
            t.sort();
            times.push((kind, t));
        }
        eprintln!("login refusal times (ms, sorted): {times:?}");
    })
    .await;
}

/// Issue 12 item 5: the working group disables, enables, unlocks an account and resets its
/// password on the accounts page (CSRF-checked, admin only); disabling and a reset end the
/// account's sessions; each change is an audit line shown on the page.
#[tokio::test]
async fn the_working_group_manages_accounts_on_the_accounts_page() {
    each_db(|db| async move {
        let (app, ..) = setup(&db).await;
        let admin = app.session("admin").await;
        let tax = app.session("tax").await;
        let page = app
            .request("GET", "/admin/users", Some(&admin), None, "")
            .await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("账号变更记录") && page.body.contains("共 4 个账号"),
            "{}",
            page.body
        );
        let csrf = csrf_of(&page.body);
        let change = |user: &'static str, action: &'static str, token: String| {
            let admin = admin.clone();
            let app = &app;
            async move {
                app.request(
                    "POST",
                    "/admin/users",
                    Some(&admin),
                    Some(&format!("csrf={token}&username={user}&action={action}")),
                    "",
                )
                .await
            }
        };
        // Without the right token: refused, nothing changed.
        assert_eq!(change("tax", "disable", "forged".into()).await.status, 403);
        // Another role cannot even open the page or post to it.
        let tax_page = app
            .request("GET", "/admin/users", Some(&tax), None, "")
            .await;
        assert_eq!(tax_page.status, 403);
        let tax_post = app
            .request(
                "POST",
                "/admin/users",
                Some(&tax),
                Some("csrf=x&username=admin&action=disable"),
                "",
            )
            .await;
        assert_eq!(tax_post.status, 403);
        assert!(
            !db.store
                .user_by_name("admin")
                .await
                .unwrap()
                .unwrap()
                .disabled
        );

        // Disable: tax's session ends and the right password is refused like a wrong one.
        let r = change("tax", "disable", csrf.clone()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("账号 tax：停用"), "{}", r.body);
        assert!(r.body.contains("已停用"));
        assert_eq!(
            app.request("GET", "/dashboard", Some(&tax), None, "")
                .await
                .status,
            303,
            "the disabled account's session has ended"
        );
        let refused = app.login("tax", PASSWORD).await;
        assert_eq!(refused.status, 401);
        assert_eq!(refused.body, app.login("nobody", PASSWORD).await.body);
        // Enable: the password works again.
        assert_eq!(change("tax", "enable", csrf.clone()).await.status, 200);
        let tax = app.session("tax").await;

        // Unlock a throttled account.
        let now = chrono::Utc::now();
        db.store
            .record_failed_login("jinan", now, now, |_| Some(chrono::Duration::minutes(5)))
            .await
            .unwrap();
        assert_eq!(app.login("jinan", PASSWORD).await.status, 401);
        let r = change("jinan", "unlock", csrf.clone()).await;
        assert!(r.body.contains("解除限速"), "{}", r.body);
        app.session("jinan").await;

        // Reset the password: a new one, shown once; the old one and the old session are gone.
        let r = change("tax", "reset_password", csrf.clone()).await;
        assert_eq!(r.status, 200);
        let new_password = shown_password(&r.body);
        assert_eq!(new_password.chars().count(), 16);
        assert_eq!(
            app.request("GET", "/dashboard", Some(&tax), None, "")
                .await
                .status,
            303
        );
        assert_eq!(app.login("tax", PASSWORD).await.status, 401);
        assert_eq!(app.login("tax", &new_password).await.status, 303);
        // The page shown afterwards does not show the password again.
        let page = app
            .request("GET", "/admin/users", Some(&admin), None, "")
            .await;
        assert!(!page.body.contains(&new_password));

        // Refusals with a message: disabling oneself, an unknown account, an unknown action.
        let r = change("admin", "disable", csrf.clone()).await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains("不能停用自己"), "{}", r.body);
        let r = change("nobody", "disable", csrf.clone()).await;
        assert_eq!(r.status, 404);
        assert!(r.body.contains("没有用户名为“nobody”的账号"), "{}", r.body);
        let r = change("tax", "drop", csrf.clone()).await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains("未知的操作"));

        // The audit lines: the four accounts created, then disable, enable, unlock, reset — by admin.
        let (lines, total) = huiqi_app::accounts::account_audit(&db.store, 10, 0)
            .await
            .unwrap();
        assert_eq!(total, 8);
        assert_eq!(
            lines
                .iter()
                .take(4)
                .map(|l| (l.action.as_str(), l.username.as_str(), l.actor.as_str()))
                .collect::<Vec<_>>(),
            [
                ("重设密码", "tax", "admin"),
                ("解除限速", "jinan", "admin"),
                ("启用", "tax", "admin"),
                ("停用", "tax", "admin")
            ]
        );
        assert!(
            page.body.contains("<td>重设密码</td>") && page.body.contains("共 8 条"),
            "{}",
            page.body
        );
    })
    .await;
}

/// 新建账号 on the web: a county account is created with its generated password shown once and
/// usable; a taken username, a 101-character or 50 KB username or display name, a control
/// character, an unknown county and a bad credit code are a 400 in Chinese naming the field, and
/// create nothing.
#[tokio::test]
async fn the_working_group_creates_accounts_with_every_field_checked() {
    each_db(|db| async move {
        let (app, ..) = setup(&db).await;
        let admin = app.session("admin").await;
        let page = app
            .request("GET", "/admin/users", Some(&admin), None, "")
            .await;
        let csrf = csrf_of(&page.body);
        let create = |fields: String| {
            let (app, admin, csrf) = (&app, admin.clone(), csrf.clone());
            async move {
                app.request(
                    "POST",
                    "/admin/users/new",
                    Some(&admin),
                    Some(&format!(
                        "csrf={csrf}&unit=&{fields}{}",
                        if fields.contains("uscc=") {
                            ""
                        } else {
                            "&uscc="
                        }
                    )),
                    "",
                )
                .await
            }
        };
        let before = db.store.list_users().await.unwrap().len();
        let long = "甲".repeat(101);
        let huge = "a".repeat(50_000);
        for (fields, expected) in [
            (
                format!(
                    "username={}&display_name=x&role=county&county=341502",
                    urlencode(&long)
                ),
                "用户名有 101 个字，超过上限 100 个字",
            ),
            (
                format!("username={huge}&display_name=x&role=county&county=341502"),
                "用户名有 50,000 个字，超过上限 100 个字",
            ),
            (
                format!(
                    "username=yuan&display_name={}&role=county&county=341502",
                    urlencode(&long)
                ),
                "姓名有 101 个字，超过上限 100 个字",
            ),
            (
                "username=yu%00an&display_name=x&role=county&county=341502".to_string(),
                "U+0000",
            ),
            (
                "username=yuan&display_name=x&role=county&county=999999".to_string(),
                "县区“999999”不在政策包中",
            ),
            (
                "username=yuan&display_name=x&role=enterprise&county=&uscc=91341500ABC".to_string(),
                "统一社会信用代码“91341500ABC”无效",
            ),
            (
                "username=yuan&display_name=x&role=root&county=".to_string(),
                "请选择角色",
            ),
            (
                "username=tax&display_name=x&role=county&county=341502".to_string(),
                "用户名“tax”已被使用",
            ),
        ] {
            let r = create(fields.clone()).await;
            let head = &fields[..fields.len().min(80)];
            assert_eq!(
                r.status,
                400,
                "{head}: {}",
                &r.body[..r.body.len().min(500)]
            );
            assert!(r.body.contains(expected), "{head}: {}", visible(&r.body));
            assert!(
                r.body.len() < 60_000,
                "{head}: the value is not echoed whole"
            );
            assert_eq!(db.store.list_users().await.unwrap().len(), before, "{head}");
        }

        // A form with a field twice (made by hand, not by the page): Chinese, naming the field.
        let r =
            create("username=yuan&display_name=x&role=county&county=341502&county=341503".into())
                .await;
        assert_eq!(r.status, 400);
        assert!(
            r.body.contains("表单内容有误：字段重复“county”"),
            "{}",
            visible(&r.body)
        );
        assert!(
            !visible(&r.body).contains("deserialize"),
            "no serde English"
        );

        let r = create(
            "username=yuan&display_name=%E8%A2%81%E5%8A%9E&role=county&county=341502".into(),
        )
        .await;
        assert_eq!(r.status, 200, "{}", visible(&r.body));
        assert!(
            r.body.contains("账号 yuan（县区，袁办）已新建"),
            "{}",
            visible(&r.body)
        );
        let password = shown_password(&r.body);
        assert_eq!(db.store.list_users().await.unwrap().len(), before + 1);
        assert_eq!(app.login("yuan", &password).await.status, 303);
        let page = app
            .request("GET", "/admin/users", Some(&admin), None, "")
            .await;
        assert!(!page.body.contains(&password), "shown once only");
    })
    .await;
}

/// Issue 12 item 6: every response carries a strict CSP (no inline script or style), nosniff,
/// no framing, a same-origin referrer policy; signed-in pages are `no-store`; pages carry no
/// inline script, event handler or style attribute.
#[tokio::test]
async fn security_headers_on_every_response() {
    each_db(|db| async move {
        let (app, own, ..) = setup(&db).await;
        let admin = app.session("admin").await;
        let ent = app.session("ent").await;
        let pages = [
            ("/", None),
            ("/login", None),
            ("/policy", None),
            ("/nosuch", None),
            ("/dashboard", Some(&admin)),
            ("/enterprises", Some(&admin)),
            ("/admin/users", Some(&admin)),
            ("/admin/whatif", Some(&admin)),
            ("/api/v1/enterprises", Some(&admin)),
            ("/me", Some(&ent)),
            ("/dashboard", Some(&ent)),
        ];
        for (path, cookie) in pages {
            let path = path.replace("{own}", &own);
            let r = app
                .request("GET", &path, cookie.map(String::as_str), None, "")
                .await;
            let csp = header(&r, "content-security-policy")
                .unwrap_or_else(|| panic!("{path}: no CSP\n{}", r.headers));
            assert!(
                csp.contains("script-src 'self'")
                    && csp.contains("style-src 'self'")
                    && csp.contains("frame-ancestors 'none'")
                    && !csp.contains("unsafe"),
                "{path}: {csp}"
            );
            assert_eq!(
                header(&r, "x-content-type-options"),
                Some("nosniff"),
                "{path}"
            );
            assert_eq!(header(&r, "x-frame-options"), Some("DENY"), "{path}");
            assert_eq!(header(&r, "referrer-policy"), Some("same-origin"), "{path}");
            assert_eq!(header(&r, "cache-control"), Some("no-store"), "{path}");
            assert_eq!(
                header(&r, "strict-transport-security"),
                None,
                "{path}: HSTS only behind TLS"
            );
            let body = r.body.to_ascii_lowercase();
            assert!(
                !body.contains("<script>")
                    && !body.contains(" style=")
                    && !body.contains(" onclick="),
                "{path}: inline script or style"
            );
            for script in body.split("<script").skip(1) {
                assert!(
                    script.trim_start().starts_with("src=\"/assets/"),
                    "{path}: <script{}",
                    &script[..script.len().min(80)]
                );
            }
        }
        // A signed-in request for a form post's answer too (the what-if result, with its chart).
        let page = app
            .request("GET", "/admin/whatif", Some(&admin), None, "")
            .await;
        let r = app
            .request(
                "POST",
                "/admin/whatif",
                Some(&admin),
                Some(&format!(
                    "csrf={}&at=2024-12-31&param=startup.annual_limit&value=24000",
                    csrf_of(&page.body)
                )),
                "",
            )
            .await;
        assert_eq!(header(&r, "cache-control"), Some("no-store"));
        assert!(
            r.body.contains("/assets/charts.js") && !r.body.contains("<script>"),
            "{}",
            r.body
        );
        // The vendored scripts stay cacheable; they hold no data.
        let js = app
            .request("GET", "/assets/htmx.min.js", None, None, "")
            .await;
        assert_eq!(header(&js, "cache-control"), Some("public, max-age=86400"));
        assert_eq!(header(&js, "x-content-type-options"), Some("nosniff"));
        let charts = app
            .request("GET", "/assets/charts.js", None, None, "")
            .await;
        assert_eq!(charts.status, 200);
        assert!(header(&charts, "content-type").is_some_and(|t| t.starts_with("text/javascript")));
    })
    .await;
}

/// Issue 12 item 6: behind TLS (`huiqi serve --behind-tls`) every response carries HSTS and the
/// session cookie is `__Host-huiqi_session` with Secure, at login and logout; a cookie without
/// the prefix is not a session there.
#[tokio::test]
async fn behind_tls_hsts_and_host_prefixed_secure_cookies() {
    let db = huiqi_store::testing::sqlite().await;
    let (app, ..) = setup_with(&db, Default::default(), true).await;
    let home = app.request("GET", "/", None, None, "").await;
    assert_eq!(
        header(&home, "strict-transport-security"),
        Some("max-age=31536000")
    );
    let login = app.login("admin", PASSWORD).await;
    assert_eq!(login.status, 303);
    let set = header(&login, "set-cookie").unwrap();
    assert!(
        set.starts_with("__Host-huiqi_session=")
            && set.contains("; Secure")
            && set.contains("Path=/")
            && !set.contains("Domain"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();
    let page = app
        .request("GET", "/admin/users", Some(&cookie), None, "")
        .await;
    assert_eq!(page.status, 200);
    // The same token under the unprefixed name is nobody's session here.
    let plain = cookie.replace("__Host-huiqi_session", "huiqi_session");
    assert_eq!(
        app.request("GET", "/admin/users", Some(&plain), None, "")
            .await
            .status,
        303
    );
    let out = app
        .request(
            "POST",
            "/logout",
            Some(&cookie),
            Some(&format!("csrf={}", csrf_of(&page.body))),
            "",
        )
        .await;
    assert_eq!(out.status, 303);
    let cleared = header(&out, "set-cookie").unwrap();
    assert!(
        cleared.starts_with("__Host-huiqi_session=;")
            && cleared.contains("Max-Age=0")
            && cleared.contains("; Secure"),
        "{cleared}"
    );
    assert_eq!(
        header(&out, "strict-transport-security"),
        Some("max-age=31536000")
    );
}
/// 清欠 over HTTP: an enterprise registers a complaint (refused while a payment predates delivery
/// or for another creditor), each role sees it within its scope, the working group walks it to
/// 销号 (a step out of order refused), and the public disclosure lists the payer.
#[tokio::test]
async fn arrears_complaint_from_registration_to_closing() {
    each_db(|db| async move {
        let (app, own, _, other) = setup(&db).await;
        let admin = app.session("admin").await;
        let tax = app.session("tax").await;
        let jinan = app.session("jinan").await;
        let ent = app.session("ent").await;
        let form = app.request("GET", "/arrears/new", Some(&ent), None, "").await;
        assert_eq!(form.status, 200);
        assert!(form.body.contains(&own), "the creditor is the enterprise itself");
        let token = csrf_of(&form.body);
        let debtor = huiqi_domain::Uscc::from_parts("11", "341502", "00301234").unwrap();
        let debtor_uscc = debtor.as_str().to_string();
        let complaint = |creditor: &str, paid_on: &str| -> Vec<(String, String)> {
            [
                ("csrf", token.as_str()),
                ("creditor_uscc", creditor),
                ("creditor_name", "甲公司"),
                ("debtor_name", "金安区交通运输局"),
                ("debtor_uscc", debtor_uscc.as_str()),
                ("debtor_kind", "government"),
                ("supervising_unit", "tax"),
                ("county", "341502"),
                ("contract_no", "HT-1"),
                ("contract_date", "2024-03-01"),
                ("amount", "1,000,000"),
                ("delivered", "2024-03-10"),
                ("paid_on_1", paid_on),
                ("paid_1", "400000"),
                ("registered_on", "2024-06-03"),
                ("description", "x"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
        };
        let post = |path: String, cookie: String, fields: Vec<(String, String)>, file: Option<(&'static str, &'static [u8])>| {
            let app = &app;
            async move {
                let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                post_multipart(app, &path, &cookie, &f, file).await
            }
        };
        // A payment dated before delivery: a clear message, nothing written.
        let r = post("/arrears/complaints".into(), ent.clone(), complaint(&own, "2024-03-05"), None).await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.body.contains("早于交付日 2024-03-10"), "{}", r.body);
        // Another enterprise's name: refused.
        let r = post("/arrears/complaints".into(), ent.clone(), complaint(&other, "2024-05-01"), None).await;
        assert_eq!(r.status, 403, "{}", r.body);
        // Evidence whose content is not what its name says: refused, nothing written.
        let r = post("/arrears/complaints".into(), ent.clone(), complaint(&own, "2024-05-01"), Some(("合同.pdf", b"<html>not a pdf"))).await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.body.contains("合同.pdf") && r.body.contains("内容与扩展名不符"), "{}", r.body);
        let r = post("/arrears/complaints".into(), ent.clone(), complaint(&own, "2024-05-01"), Some(("采购合同.pdf", b"%PDF-1.4 contract HT-1"))).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let at = r.headers.lines().find_map(|l| l.strip_prefix("location: ").or_else(|| l.strip_prefix("Location: "))).unwrap().to_string();
        let id: i64 = at.trim_start_matches("/arrears/cases/").split('?').next().unwrap().parse().unwrap();
        let page = app.request("GET", &at, Some(&ent), None, "").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("2024-04-09") && page.body.contains("第728号"), "due date and version shown");
        assert!(!page.body.contains("step-form"), "the creditor takes no step");
        // Scope: the county (金安区), the supervising unit and the working group see it.
        for who in [&jinan, &tax, &admin] {
            let r = app.request("GET", &format!("/arrears/cases/{id}"), Some(who), None, "").await;
            assert_eq!(r.status, 200);
        }
        let list = app.request("GET", "/arrears", Some(&tax), None, "").await;
        assert!(list.body.contains(&format!("/arrears/cases/{id}")));
        // The working group walks it; a step out of order is refused with the allowed ones.
        let page = app.request("GET", &format!("/arrears/cases/{id}"), Some(&admin), None, "").await;
        let t = csrf_of(&page.body);
        let step = |to: &str, on: &str| -> Vec<(String, String)> {
            [("csrf", t.as_str()), ("to", to), ("on", on), ("note", "ok"), ("undisputed", ""), ("disputed", "")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let url = format!("/arrears/cases/{id}/steps");
        let r = post(url.clone(), admin.clone(), step("closed", "2024-06-04"), None).await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains("下一步可为"), "{}", r.body);
        // Without the token (or not as a multipart form): refused.
        let r = app.request("POST", &url, Some(&admin), Some("to=verified&on=2024-06-04"), "").await;
        assert_eq!(r.status, 403);
        for (to, on) in [("verified", "2024-06-04"), ("accepted", "2024-06-05"), ("handed_on", "2024-06-06"), ("advised", "2024-06-20"), ("paid", "2024-07-01"), ("closed", "2024-07-02")] {
            // 约谈记录 with the 劝告指导 step: evidence on a later step.
            let file: Option<(&'static str, &'static [u8])> = (to == "advised").then_some(("劝告函.png", b"\x89PNG\r\n\x1a\n"));
            let r = post(url.clone(), admin.clone(), step(to, on), file).await;
            assert_eq!(r.status, 303, "{to}: {}", r.body);
        }
        let page = app.request("GET", &format!("/arrears/cases/{id}"), Some(&ent), None, "").await;
        assert!(page.body.contains("销号"), "closed");
        // Both evidence files are listed with the step they came with, and download under their
        // Chinese names with the stored type for everyone who sees the case.
        assert!(page.body.contains("采购合同.pdf") && page.body.contains("劝告函.png"), "evidence listed");
        let links: Vec<String> = page
            .body
            .split(&format!("href=\"/arrears/cases/{id}/files/"))
            .skip(1)
            .map(|s| format!("/arrears/cases/{id}/files/{}", s.split('"').next().unwrap()))
            .collect();
        assert_eq!(links.len(), 2, "{links:?}");
        for who in [&ent, &jinan, &tax, &admin] {
            let r = app.request("GET", &links[0], Some(who), None, "").await;
            assert_eq!(r.status, 200);
            assert_eq!(r.body, "%PDF-1.4 contract HT-1");
            assert_eq!(header(&r, "content-type"), Some("application/pdf"));
            assert_eq!(
                header(&r, "content-disposition"),
                Some("attachment; filename=\"____.pdf\"; filename*=UTF-8''%E9%87%87%E8%B4%AD%E5%90%88%E5%90%8C.pdf")
            );
            assert_eq!(header(&r, "x-content-type-options"), Some("nosniff"));
        }
        let r = app.request("GET", &links[1], Some(&ent), None, "").await;
        assert_eq!((r.status, header(&r, "content-type")), (200, Some("image/png")));
        // Not signed in: to the login page; a file of this case under another case: 404.
        assert_eq!(app.request("GET", &links[0], None, None, "").await.status, 303);
        let file_id = links[0].rsplit('/').next().unwrap();
        let r = app.request("GET", &format!("/arrears/cases/999999/files/{file_id}"), Some(&admin), None, "").await;
        assert_eq!(r.status, 404);
        // A case of another county and unit, registered by the working group with evidence: its
        // file is the working group's, not the county's, the unit's or the enterprise's.
        let admin_form = app.request("GET", "/arrears/new", Some(&admin), None, "").await;
        let at = csrf_of(&admin_form.body);
        let mut theirs = complaint(&other, "2024-05-01");
        for (k, v) in theirs.iter_mut() {
            match k.as_str() {
                "csrf" => *v = at.clone(),
                "county" => *v = "341503".into(),
                "supervising_unit" => v.clear(),
                "contract_no" => *v = "HT-2".into(),
                "debtor_name" => *v = "裕安区某建设集团有限公司".into(),
                "debtor_kind" => *v = "large_enterprise".into(),
                "debtor_uscc" => *v = huiqi_domain::Uscc::from_parts("91", "341503", "MA2N0Y01").unwrap().as_str().to_string(),
                _ => {}
            }
        }
        let r = post("/arrears/complaints".into(), admin.clone(), theirs, Some(("对账单.pdf", b"%PDF-1.4 other"))).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let loc = r.headers.lines().find_map(|l| l.strip_prefix("location: ").or_else(|| l.strip_prefix("Location: "))).unwrap().to_string();
        let other_id = loc.trim_start_matches("/arrears/cases/").split('?').next().unwrap().to_string();
        let page = app.request("GET", &format!("/arrears/cases/{other_id}"), Some(&admin), None, "").await;
        let link = format!(
            "/arrears/cases/{other_id}/files/{}",
            page.body.split(&format!("/arrears/cases/{other_id}/files/")).nth(1).unwrap().split('"').next().unwrap()
        );
        assert_eq!(app.request("GET", &link, Some(&admin), None, "").await.status, 200);
        for who in [&ent, &jinan, &tax] {
            let r = app.request("GET", &link, Some(who), None, "").await;
            assert_eq!(r.status, 404, "{}", r.body);
            assert!(!r.body.contains("%PDF"));
        }
        // The exports: the list of the filter (closed: this case) and the league table, numbers as
        // numbers under a title row and the date of the data.
        {
            use calamine::{Data, Reader, Xlsx};
            let (head, bytes) = app.get_bytes("/arrears.xlsx?state=closed", &tax).await;
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            assert!(head.contains("filename*=UTF-8''"), "{head}");
            let mut wb = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
            let sheet = wb.worksheet_range("投诉案件").unwrap();
            assert!(sheet.get((0, 0)).unwrap().to_string().contains("销号"), "the filter in the title");
            assert_eq!(
                sheet.get((1, 0)).unwrap().to_string(),
                format!("数据截至 {}；逾期利息计至当日", huiqi_app::assess::today())
            );
            assert_eq!(sheet.get((2, 6)).unwrap().to_string(), "合同金额（元）");
            assert_eq!(sheet.get((3, 0)), Some(&Data::Float(id as f64)));
            assert_eq!(sheet.get((3, 6)), Some(&Data::Float(1_000_000.0)));
            assert_eq!(sheet.get((4, 0)).unwrap().to_string(), "合计");
            assert_eq!(sheet.get((4, 6)), Some(&Data::Float(1_000_000.0)));
            assert!(sheet.get((5, 0)).is_none(), "one case: the closed one");
            let (head, bytes) = app.get_bytes("/arrears/league.xlsx?by=county", &admin).await;
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            let mut wb = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
            let sheet = wb.worksheet_range("付款方排行").unwrap();
            assert_eq!(sheet.get((3, 0)).unwrap().to_string(), "金安区");
            assert!(matches!(sheet.get((3, 1)), Some(Data::Float(_))), "contracts a number");
            assert!(matches!(sheet.get((3, 3)), Some(Data::Float(x)) if (0.0..=1.0).contains(x)), "a share as a fraction");
            let (head, _) = app.get_bytes("/arrears/league.xlsx", &ent).await;
            assert!(head.starts_with("HTTP/1.1 403"), "{head}");
        }
        // The disclosure of 2024 lists the payer (public).
        let d = app.request("GET", "/arrears/disclosure?year=2024", None, None, "").await;
        assert_eq!(d.status, 200);
        assert!(d.body.contains("金安区交通运输局"), "{}", &d.body[..d.body.len().min(500)]);
        let api = app.request("GET", "/api/v1/arrears/disclosure?year=2024", None, None, "").await;
        assert!(api.body.contains("\"overdue_count\":1"), "{}", api.body);
    })
    .await;
}

/// 为企服务 attachments through the shared file store: an enterprise raises a problem with a file
/// (one whose content is not what its name says is refused, nothing written); the problem page
/// lists it; it downloads under its Chinese name with its stored type for those who see the
/// problem, and is refused (403, no bytes) to a unit it was not dispatched to.
#[tokio::test]
async fn service_attachments_are_scoped() {
    each_db(|db| async move {
        let (app, _own, _, _) = setup(&db).await;
        let ent = app.session("ent").await;
        let admin = app.session("admin").await;
        let tax = app.session("tax").await;
        let page = app.request("GET", "/service", Some(&ent), None, "").await;
        let token = csrf_of(&page.body);
        let fields = [
            ("csrf", token.as_str()),
            ("category", "financing"),
            ("title", "贷款续贷"),
            ("description", "续贷材料已交，三周未答复"),
            ("contact_name", "张三"),
            ("contact_phone", "13900000000"),
        ];
        let r = post_multipart(
            &app,
            "/service/problems",
            &ent,
            &fields,
            Some(("授信合同.pdf", b"PK not a pdf")),
        )
        .await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(
            r.body.contains("授信合同.pdf") && r.body.contains("内容与扩展名不符"),
            "{}",
            r.body
        );
        let r = post_multipart(
            &app,
            "/service/problems",
            &ent,
            &fields,
            Some(("授信合同.pdf", b"%PDF-1.5 credit")),
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let at = header(&r, "location").unwrap().to_string();
        let id = at
            .trim_start_matches("/service/problems/")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        let page = app
            .request(
                "GET",
                &format!("/service/problems/{id}"),
                Some(&ent),
                None,
                "",
            )
            .await;
        assert!(
            page.body.contains("授信合同.pdf"),
            "the attachment is listed"
        );
        let prefix = format!("/service/problems/{id}/files/");
        let link = format!(
            "{prefix}{}",
            page.body
                .split(&prefix)
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
        );
        for who in [&ent, &admin] {
            let r = app.request("GET", &link, Some(who), None, "").await;
            assert_eq!(r.status, 200);
            assert_eq!(r.body, "%PDF-1.5 credit");
            assert_eq!(header(&r, "content-type"), Some("application/pdf"));
            assert!(
                header(&r, "content-disposition")
                    .unwrap()
                    .ends_with("filename*=UTF-8''%E6%8E%88%E4%BF%A1%E5%90%88%E5%90%8C.pdf")
            );
        }
        let r = app.request("GET", &link, Some(&tax), None, "").await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(!r.body.contains("%PDF"));
    })
    .await;
}

/// 为企服务 on the officials' pages: 日常调度's panel in each viewer's scope, linking to the 清单;
/// the 临期/逾期 list on the 清单; 千名干部联万企 assignments uploaded all or nothing (a bad row named
/// by row and column), a county only in its own county, and the template download.
#[tokio::test]
async fn service_panel_alerts_and_assignment_upload() {
    each_db(|db| async move {
        let (app, own, _, other) = setup(&db).await;
        let admin = app.session("admin").await;
        let jinan = app.session("jinan").await;
        let tax = app.session("tax").await;
        for (who, scope) in [(&admin, "全市"), (&jinan, "金安区"), (&tax, "市税务局")] {
            let page = app.request("GET", "/dashboard", Some(who), None, "").await;
            assert_eq!(page.status, 200, "{}", page.body);
            assert!(page.body.contains("id=\"service-panel\""), "{}", page.body);
            assert!(
                page.body.contains(&format!("为企服务：{scope}")),
                "{scope}: {}",
                page.body
            );
            assert!(page.body.contains("href=\"/service/stats\""));
            let stats = app
                .request("GET", "/service/stats", Some(who), None, "")
                .await;
            assert!(stats.body.contains("id=\"alerts\""), "{}", stats.body);
        }

        let page = app
            .request("GET", "/service/visits", Some(&jinan), None, "")
            .await;
        assert!(
            page.body.contains("action=\"/service/visits/assign\""),
            "{}",
            page.body
        );
        let token = csrf_of(&page.body);
        let upload = |cookie: String, token: String, csv: String| {
            let app = &app;
            async move {
                post_multipart(
                    app,
                    "/service/visits/assign",
                    &cookie,
                    &[("csrf", &token)],
                    Some(("联企干部.csv", csv.as_bytes())),
                )
                .await
            }
        };
        let header = "干部,职务,县区,统一社会信用代码";
        // A bad county on row 3: refused, named, nothing kept.
        let r = upload(
            jinan.clone(),
            token.clone(),
            format!("{header}\n王干部,科长,341502,{own}\n王干部,科长,不存在区,{own}\n"),
        )
        .await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(
            r.body.contains("第 3 行") && r.body.contains("县区"),
            "{}",
            r.body
        );
        let page = app
            .request("GET", "/service/visits", Some(&jinan), None, "")
            .await;
        assert!(!page.body.contains("王干部"), "nothing kept");
        // Another county's enterprise: refused for the county.
        let r = upload(
            jinan.clone(),
            token.clone(),
            format!("{header}\n王干部,科长,341503,{other}\n"),
        )
        .await;
        assert_eq!(r.status, 403, "{}", r.body);
        // Good: kept, and the page says how many.
        let r = upload(
            jinan.clone(),
            token.clone(),
            format!("{header}\n王干部,科长,金安区,{own}\n"),
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(r.headers.contains("done=assign&n=1"), "{}", r.headers);
        let page = app
            .request(
                "GET",
                "/service/visits?done=assign&n=1",
                Some(&jinan),
                None,
                "",
            )
            .await;
        assert!(page.body.contains("已安排联企关系 1 条") && page.body.contains("王干部"));
        // A unit has no upload form; the template is an .xlsx for the assigners.
        let page = app
            .request("GET", "/service/visits", Some(&tax), None, "")
            .await;
        assert!(!page.body.contains("/service/visits/assign\""));
        let t = app
            .request(
                "GET",
                "/service/visits/assign-template.xlsx",
                Some(&admin),
                None,
                "",
            )
            .await;
        assert_eq!(t.status, 200);
        assert!(t.headers.contains("spreadsheetml"), "{}", t.headers);
    })
    .await;
}

/// Each role lands where its work is; a unit's push menu offers only the measures it pushes and
/// an empty list says which case applies; a county's push list is one click from its 调度; error
/// pages keep the signed-in header; the favicon; a title per page; roles and scopes in Chinese.
#[tokio::test]
async fn each_role_lands_where_its_work_is() {
    each_db(|db| async move {
        let (app, ..) = setup(&db).await;
        let hash = huiqi_app::accounts::hash_password(PASSWORD.into())
            .await
            .unwrap();
        db.store
            .upsert_user("econ", &hash, "unit", "economy_it", "econ", ("测试", ""))
            .await
            .unwrap();
        let location = |r: &Resp| {
            r.headers
                .lines()
                .find_map(|l| {
                    l.strip_prefix("location: ")
                        .or_else(|| l.strip_prefix("Location: "))
                })
                .unwrap_or("")
                .trim()
                .to_string()
        };
        for (user, to) in [
            ("admin", "/dashboard"),
            ("tax", "/dashboard"),
            ("jinan", "/dashboard"),
            ("ent", "/me"),
        ] {
            let r = app.login(user, PASSWORD).await;
            assert_eq!((r.status, location(&r).as_str()), (303, to), "{user}");
        }
        let (tax, econ, jinan, ent) = (
            app.session("tax").await,
            app.session("econ").await,
            app.session("jinan").await,
            app.session("ent").await,
        );
        // The tax bureau's menu: the measures it pushes, not 研发费用加计扣除's co-unit's alone.
        let p = app.request("GET", "/push", Some(&tax), None, "").await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains("value=\"six_taxes_relief\""), "{}", p.body);
        assert!(p.body.contains("责任单位 · 市税务局"), "header names role and unit");
        // 市经信局 pushes none: the menu is empty and the page says why.
        let p = app.request("GET", "/push", Some(&econ), None, "").await;
        assert_eq!(p.status, 200);
        assert!(!p.body.contains("value=\"six_taxes_relief\""), "{}", p.body);
        let d = app.request("GET", "/dashboard", Some(&econ), None, "").await;
        assert!(d.body.contains("市经信局不负责推送免申即享措施"), "{}", d.body);
        assert!(d.body.contains("市税务局"), "{}", d.body);
        // The county's dashboard links its push list.
        let d = app.request("GET", "/dashboard", Some(&jinan), None, "").await;
        assert!(
            d.body.contains("href=\"/push\"") && d.body.contains("金安区企业的免申即享推送名单"),
            "{}",
            d.body
        );
        // Error pages: the signed-in header, no “登录” to a signed-in user.
        for (who, path, status) in [
            (&jinan, "/no-such-page", 404),
            (&ent, "/dashboard", 403),
        ] {
            let r = app.request("GET", path, Some(who), None, "").await;
            assert_eq!(r.status, status, "{path}");
            assert!(r.body.contains("退出") && !r.body.contains("href=\"/login\""), "{}", r.body);
            assert!(r.body.contains("lang=\"zh-CN\""));
        }
        // Anonymous: no empty brackets in the footer; the version in Chinese.
        let r = app.request("GET", "/no-such-page", None, None, "").await;
        assert_eq!(r.status, 404);
        assert!(!r.body.contains("（）"), "{}", r.body);
        assert!(r.body.contains("征求意见稿") && !r.body.contains("draft-2023"), "{}", r.body);
        assert!(r.body.contains("<title>404 页面不存在"), "{}", r.body);
        let f = app.request("GET", "/favicon.ico", None, None, "").await;
        assert_eq!(f.status, 200);
        assert!(header(&f, "content-type") == Some("image/x-icon"), "{}", f.headers);
        // A distinct title per page.
        let title = |body: &str| {
            body.split("<title>")
                .nth(1)
                .and_then(|t| t.split("</title>").next())
                .unwrap_or("")
                .to_string()
        };
        let mut titles = std::collections::BTreeSet::new();
        for path in ["/", "/policy", "/dashboard", "/push", "/enterprises"] {
            let r = app.request("GET", path, Some(&tax), None, "").await;
            assert_eq!(r.status, 200, "{path}");
            assert!(titles.insert(title(&r.body)), "{path}: {}", title(&r.body));
        }
        // The export's Chinese file name.
        let x = app
            .request("GET", "/push.xlsx?measure=six_taxes_relief", Some(&tax), None, "")
            .await;
        assert_eq!(x.status, 200);
        let cd = header(&x, "content-disposition").unwrap_or("");
        assert!(
            cd.contains("filename*=UTF-8''%E6%8E%A8%E9%80%81%E5%90%8D%E5%8D%95-%E5%85%AD%E7%A8%8E%E4%B8%A4%E8%B4%B9-%E5%85%A8%E5%B8%82-"),
            "{cd}"
        );
    })
    .await;
}

/// The visible text of a page: tags removed (attribute values such as an option's value are not
/// shown to the reader).
fn visible(body: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Issue 13 item 7: the 政策沙盘 offers the parameters in force with their names, values, units
/// and documents; a change picked from that list gives the differences by measure (Chinese titles),
/// jurisdiction, industry section and size class, with gainers and losers and a download; a bad
/// value is a Chinese error naming the parameter.
#[tokio::test]
async fn the_sandbox_picks_a_parameter_in_force_and_reports_the_differences() {
    each_db(|db| async move {
        let (app, ..) = setup(&db).await;
        let admin = app.session("admin").await;
        let page = app
            .request("GET", "/admin/whatif", Some(&admin), None, "")
            .await;
        assert_eq!(page.status, 200);
        let text = visible(&page.body);
        for expected in [
            "从事个体经营每户每年扣减税费限额",
            "20,000 元",
            "36 个月",
            "300 人",
            "50%",
            "财政部 税务总局公告2023年第12号 第二条",
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
        assert!(
            page.body
                .contains("<option value=\"startup.annual_limit\" selected>从事个体经营每户每年扣减税费限额（现行 20,000 元）</option>"),
            "{}",
            page.body
        );
        // A tax scale is not one number: not offered.
        assert!(!page.body.contains("iit.business.scale"));
        assert!(!text.contains("startup.annual_limit") && !text.contains("six_taxes"));
        let token = csrf_of(&page.body);
        let form = |rest: &str| format!("csrf={token}&at=2024-12-31&{rest}");
        // 六税两费 from 50% to 80% for 2024: more relief, the same beneficiaries.
        let r = app
            .request(
                "POST",
                "/admin/whatif",
                Some(&admin),
                Some(&form("param=six_taxes.share&value=80&from=2024-01-01")),
                "",
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let text = visible(&r.body);
        assert!(
            text.contains("结果：“六税两费”减征比例 50% → 80%（自 2024-01-01）"),
            "{text}"
        );
        for id in [
            "whatif-measures",
            "whatif-counties",
            "whatif-sections",
            "whatif-sizes",
            "whatif-gainers",
            "whatif-chart",
        ] {
            assert!(r.body.contains(&format!("id=\"{id}\"")), "{id}");
        }
        let measures = r.body.split("id=\"whatif-measures\"").nth(1).unwrap();
        let measures = measures.split("</table>").next().unwrap();
        let row = measures
            .split("<tr>")
            .find(|row| row.contains("六税两费"))
            .expect("a row for 六税两费 by its title");
        assert!(row.contains("<td class=\"num\">+"), "relief grows: {row}");
        assert!(!r.body.contains("six_taxes_relief"), "no measure id on the page");
        for (id, label) in [("whatif-counties", "金安区"), ("whatif-sizes", "型")] {
            let table = r.body.split(&format!("id=\"{id}\"")).nth(1).unwrap();
            let table = table.split("</tbody>").next().unwrap();
            assert!(table.contains(label), "{id}: {table}");
        }
        let gainers = r.body.split("id=\"whatif-gainers\"").nth(1).unwrap();
        let gainers = gainers.split("</table>").next().unwrap();
        let n = gainers.matches("<tr>").count() - 1;
        assert!((1..=20).contains(&n), "{n} gainers");
        // The same as a workbook: a Chinese file name, the change in the title row, numbers.
        {
            use calamine::{Data, Reader, Xlsx};
            let (head, bytes) = app
                .post_bytes(
                    "/admin/whatif",
                    &admin,
                    &form("param=six_taxes.share&value=80&from=2024-01-01&export=xlsx"),
                )
                .await;
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            assert!(
                head.contains("filename*=UTF-8''%E6%94%BF%E7%AD%96%E6%B2%99%E7%9B%98"),
                "{head}"
            );
            let mut wb = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
            let sheet = wb.worksheet_range("按措施").unwrap();
            assert_eq!(
                sheet.get((0, 0)).unwrap().to_string(),
                "政策沙盘：“六税两费”减征比例 50% → 80%（自 2024-01-01）"
            );
            assert_eq!(sheet.get((2, 0)).unwrap().to_string(), "措施");
            let six = (3..sheet.height() as u32)
                .find(|&i| {
                    sheet
                        .get((i as usize, 0))
                        .is_some_and(|c| c.to_string().contains("六税两费"))
                })
                .expect("六税两费 by its title");
            match sheet.get((six as usize, 6)) {
                Some(Data::Float(x)) => assert!(*x > 0.0, "{x}"),
                other => panic!("change not a number: {other:?}"),
            }
            for name in ["按辖区", "按行业门类", "按企业规模", "受益增加最多", "受益减少最多"] {
                assert!(wb.worksheet_range(name).is_ok(), "{name}");
            }
        }
        // Bad input: a Chinese error naming the parameter; the form keeps what was entered.
        for (rest, expected) in [
            (
                "param=six_taxes.share&value=abc",
                "“六税两费”减征比例的新数值“abc”不是数字",
            ),
            ("param=six_taxes.share&value=", "请填写“六税两费”减征比例的新数值（单位：%）"),
            (
                "param=startup.annual_limit&value=24000&from=2024-13-01",
                "从事个体经营每户每年扣减税费限额的起始日期“2024-13-01”无效",
            ),
            (
                "param=iit.business.scale&value=1",
                "经营所得个人所得税税率表（全年应纳税所得额，上限含本数）在 2024-12-31 没有有效的单一取值，不能在沙盘中改动",
            ),
            ("param=nosuch&value=1", "参数“nosuch”"),
            ("param=&value=1", "请选择要改动的参数"),
        ] {
            let r = app
                .request("POST", "/admin/whatif", Some(&admin), Some(&form(rest)), "")
                .await;
            assert_eq!(r.status, 400, "{rest}: {}", r.body);
            assert!(r.body.contains(expected), "{rest}: {}", r.body);
            assert!(!r.body.contains("id=\"whatif-measures\""), "{rest}: no results");
        }
        // Only the working group: the other roles are refused, the page and the download alike.
        for user in ["tax", "jinan", "ent"] {
            let who = app.session(user).await;
            let (head, _) = app
                .post_bytes(
                    "/admin/whatif",
                    &who,
                    &form("param=six_taxes.share&value=80&export=xlsx"),
                )
                .await;
            assert!(head.starts_with("HTTP/1.1 403"), "{user}: {head}");
        }
    })
    .await;
}

/// Reads from replicas (issue 18): with a "replica" that is a different database, a GET page shows
/// what that database holds, a POST writes to the primary (and its page reads the primary), and
/// for a moment after the POST (the `huiqi_wrote` cookie) the client's GETs read the primary.
#[tokio::test]
async fn gets_read_the_replica_and_posts_write_the_primary() {
    each_db(|db| async move {
        // The primary: the usual registry (seed 5) and accounts.
        let (_, own, ..) = setup(&db).await;
        // Another database, with another registry (seed 6) and no accounts at all.
        let other = huiqi_store::testing::sqlite().await;
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("other.csv");
        huiqi_synth::write_csv(std::fs::File::create(&csv).unwrap(), 20, 2024, 6).unwrap();
        let text = std::fs::read_to_string(&csv).unwrap();
        let theirs = text
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_string();
        assert_ne!(theirs, own);
        let out = common::command()
            .args([
                "import",
                "--source",
                "facts",
                "--year",
                "2024",
                csv.to_str().unwrap(),
            ])
            .env("HUIQI_DATABASE_URL", &other.url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );

        let app = huiqi_app::App::new(
            db.store.clone(),
            huiqi_policy::builtin::default_pack().unwrap(),
            huiqi_rules::Rules::builtin(),
            "2024-12-31".parse().unwrap(),
        );
        let replica = huiqi_store::Store::connect_replica(&other.url)
            .await
            .unwrap();
        let web = start(WebState::with_replicas(app, vec![replica])).await;
        // Signing in reads the session from the primary (the other database has no accounts).
        let admin = web.session("admin").await;
        let found = |body: &str, uscc: &str| body.contains(&format!("href=\"/enterprises/{uscc}"));

        // A GET reads the replica: its enterprise is found, the primary's is not.
        let page = web
            .request(
                "GET",
                &format!("/enterprises?q={theirs}"),
                Some(&admin),
                None,
                "",
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(found(&page.body, &theirs), "{}", page.body);
        let page = web
            .request(
                "GET",
                &format!("/enterprises?q={own}"),
                Some(&admin),
                None,
                "",
            )
            .await;
        assert_eq!(page.status, 200);
        assert!(!found(&page.body, &own), "{}", page.body);

        // A POST writes the primary: the account is disabled there; the other database has
        // no accounts table rows to change, and is read-only besides.
        let form = web
            .request("GET", "/admin/users", Some(&admin), None, "")
            .await;
        assert_eq!(form.status, 200);
        let r = web
            .request(
                "POST",
                "/admin/users",
                Some(&admin),
                Some(&format!(
                    "csrf={}&username=tax&action=disable",
                    csrf_of(&form.body)
                )),
                "",
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            db.store
                .user_by_name("tax")
                .await
                .unwrap()
                .unwrap()
                .disabled
        );
        assert!(other.store.user_by_name("tax").await.unwrap().is_none());
        // … and tells the client to read the primary for a moment.
        let wrote = r
            .headers
            .lines()
            .find(|l| {
                l.to_ascii_lowercase()
                    .starts_with("set-cookie: huiqi_wrote=1")
            })
            .unwrap_or_else(|| panic!("no huiqi_wrote cookie: {}", r.headers));
        assert!(
            wrote.contains("Max-Age=5") && wrote.contains("HttpOnly"),
            "{wrote}"
        );

        // Right after a write the client reads the primary: the primary's enterprise is found.
        let page = web
            .request(
                "GET",
                &format!("/enterprises?q={own}"),
                Some(&format!("{admin}; huiqi_wrote=1")),
                None,
                "",
            )
            .await;
        assert!(found(&page.body, &own), "{}", page.body);
        assert!(!found(&page.body, &theirs));
    })
    .await;
}

/// A query value percent-encoded.
/// The password the accounts page shows once (新建账号, 重设密码).
fn shown_password(body: &str) -> String {
    body.split("id=\"new-password\"")
        .nth(1)
        .and_then(|x| x.split("<code>").nth(1))
        .and_then(|x| x.split("</code>").next())
        .expect("the password is shown")
        .to_string()
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
