//! A GeoReport v2 client written against the Open311 specification (open311.org, GeoReport_v2),
//! not against huiqi's types: it speaks HTTP and reads JSON by the standard's field names. It
//! discovers the services, reads a service definition, creates a request with a channel's API key
//! and reads it back; it checks the errors' shape, the 90-day default, the open/closed status, and
//! that no personal data (phone, person's name, enterprise code or name) appears in a public read.
//! On SQLite and (with HUIQI_TEST_POSTGRES_URL) PostgreSQL.

use std::sync::Arc;

use huiqi_store::testing::each_db;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The minimal GeoReport v2 client.
struct GeoReport {
    addr: std::net::SocketAddr,
    /// The endpoint's base path (`/open311/v2`).
    base: &'static str,
}

impl GeoReport {
    async fn call(&self, method: &str, path: &str, form: Option<String>) -> (u16, Value) {
        let mut s = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let body = form.clone().unwrap_or_default();
        let mut req = format!(
            "{method} {}{path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAccept: application/json\r\n",
            self.base, self.addr
        );
        if form.is_some() {
            req.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        req.push_str("\r\n");
        req.push_str(&body);
        s.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.unwrap();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_string()
        };
        let json = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body}"));
        (status, json)
    }

    /// GET services.json
    async fn services(&self) -> Vec<Value> {
        let (st, v) = self.call("GET", "/services.json", None).await;
        assert_eq!(st, 200);
        v.as_array().unwrap().clone()
    }

    /// GET services/{service_code}.json
    async fn definition(&self, code: &str) -> (u16, Value) {
        self.call("GET", &format!("/services/{code}.json"), None)
            .await
    }

    /// POST requests.json: api_key, service_code, attribute[code]=…, description, contact.
    async fn create(&self, fields: &[(&str, &str)]) -> (u16, Value) {
        let form = fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.call("POST", "/requests.json", Some(form)).await
    }

    /// GET requests.json?query
    async fn requests(&self, query: &str) -> (u16, Value) {
        self.call("GET", &format!("/requests.json{query}"), None)
            .await
    }

    /// GET requests/{service_request_id}.json
    async fn request(&self, id: &str) -> (u16, Value) {
        self.call("GET", &format!("/requests/{id}.json"), None)
            .await
    }
}

fn dechunk(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        let bytes = tail.as_bytes();
        out.push_str(std::str::from_utf8(&bytes[..n]).unwrap());
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The fields GeoReport v2 defines for a service request.
const REQUEST_FIELDS: &[&str] = &[
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "lat",
    "long",
];

fn assert_error_shape(v: &Value) {
    let a = v.as_array().expect("errors are an array");
    assert!(!a.is_empty());
    for e in a {
        assert!(e["code"].is_number(), "{e}");
        assert!(e["description"].is_string(), "{e}");
    }
}

#[tokio::test]
async fn a_georeport_client_creates_and_reads_a_request() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("f.csv");
        huiqi_synth::write_csv(std::fs::File::create(&csv).unwrap(), 40, 2024, 5).unwrap();
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
        let text = std::fs::read_to_string(&csv).unwrap();
        let row: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
        let (uscc, name) = (row[0].to_string(), row[1].to_string());
        let app = huiqi_app::App::new(
            db.store.clone(),
            huiqi_policy::builtin::default_pack().unwrap(),
            huiqi_rules::Rules::builtin(),
            "2024-12-31".parse().unwrap(),
        );
        let now = chrono::Utc::now();
        let today = huiqi_app::assess::today();
        let key = huiqi_app::service::create_api_key(
            &app,
            &huiqi_app::accounts::Role::Admin,
            "t",
            "12345热线",
            "热线",
            now,
        )
        .await
        .unwrap();
        // A public problem from 120 days ago and a private one today, straight through the use case.
        let old = today - chrono::Days::new(120);
        let origin = huiqi_app::service::Origin::Viewer(
            huiqi_app::accounts::Role::Admin,
            huiqi_app::service::Channel::FrontDesk,
        );
        let mk = |public: bool, title: &str| huiqi_app::service::Intake {
            uscc: uscc.clone(),
            category: "employment".into(),
            title: title.into(),
            description: format!("{title}：缺少熟练焊工二十名"),
            contact_name: "李四".into(),
            contact_phone: "13800001111".into(),
            public,
            ..Default::default()
        };
        let old_id = huiqi_app::service::intake(&app, &origin, "t", &mk(true, "旧问题"), old, now)
            .await
            .unwrap()
            .id;
        let private_id =
            huiqi_app::service::intake(&app, &origin, "t", &mk(false, "不公开的问题"), today, now)
                .await
                .unwrap()
                .id;
        let state = Arc::new(huiqi_web::WebState::new(app));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let app =
                huiqi_web::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, app).await.unwrap()
        });
        let c = GeoReport {
            addr,
            base: "/open311/v2",
        };

        // Discovery: every service has the standard fields.
        let services = c.services().await;
        assert_eq!(services.len(), 8);
        for s in &services {
            for f in [
                "service_code",
                "service_name",
                "description",
                "metadata",
                "type",
                "keywords",
                "group",
            ] {
                assert!(s.get(f).is_some(), "service lacks {f}: {s}");
            }
            assert!(["realtime", "batch", "blackbox"].contains(&s["type"].as_str().unwrap()));
        }
        let code = services[1]["service_code"].as_str().unwrap().to_string();
        let (st, def) = c.definition(&code).await;
        assert_eq!(st, 200);
        assert_eq!(def["service_code"], code.as_str());
        for a in def["attributes"].as_array().unwrap() {
            for f in [
                "variable",
                "code",
                "datatype",
                "required",
                "datatype_description",
                "order",
                "description",
            ] {
                assert!(a.get(f).is_some(), "attribute lacks {f}: {a}");
            }
        }
        let (st, err) = c.definition("no_such_service").await;
        assert_eq!(st, 404);
        assert_error_shape(&err);

        // Create: without or with a wrong api_key refused (errors as the standard's array).
        let fields = [
            ("service_code", code.as_str()),
            (
                "description",
                "企业首次申请贷款被拒，希望了解政府性融资担保",
            ),
            ("attribute[uscc]", uscc.as_str()),
            ("attribute[public]", "true"),
            ("first_name", "五"),
            ("last_name", "王"),
            ("phone", "13912345678"),
            ("email", "w@example.com"),
        ];
        let (st, err) = c.create(&fields).await;
        assert_eq!(st, 403);
        assert_error_shape(&err);
        let mut with_bad = fields.to_vec();
        with_bad.push(("api_key", "0000"));
        assert_eq!(c.create(&with_bad).await.0, 403);
        let mut with_key = fields.to_vec();
        with_key.push(("api_key", key.as_str()));
        let (st, created) = c.create(&with_key).await;
        assert_eq!(st, 200, "{created}");
        let created = created.as_array().unwrap();
        assert_eq!(created.len(), 1);
        let id = created[0]["service_request_id"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(created[0].get("service_notice").is_some());
        // A bad service_code: 400 with the error array.
        let mut bad_code = with_key.clone();
        bad_code[0] = ("service_code", "nope");
        let (st, err) = c.create(&bad_code).await;
        assert_eq!(st, 400);
        assert_error_shape(&err);

        // Read it back: one request with the standard fields.
        let (st, one) = c.request(&id).await;
        assert_eq!(st, 200);
        let r = &one.as_array().unwrap()[0];
        for f in REQUEST_FIELDS {
            assert!(r.get(*f).is_some(), "request lacks {f}: {r}");
        }
        assert_eq!(r["service_request_id"], id.as_str());
        assert_eq!(r["status"], "open");
        assert_eq!(r["service_code"], code.as_str());
        assert!(r["expected_datetime"].as_str().unwrap().contains("+08:00"));
        assert!(!r["agency_responsible"].as_str().unwrap().is_empty());

        // The list: default last 90 days (the old one is not there, the new one is), filters.
        let (st, list) = c.requests("").await;
        assert_eq!(st, 200);
        let ids: Vec<String> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["service_request_id"].as_str().unwrap().to_string())
            .collect();
        assert!(ids.contains(&id));
        assert!(!ids.contains(&old_id.to_string()));
        assert!(
            !ids.contains(&private_id.to_string()),
            "a private problem is never public"
        );
        let (_, list) = c
            .requests(&format!("?start_date={}T00:00:00+08:00", old))
            .await;
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .any(|r| r["service_request_id"] == old_id.to_string().as_str())
        );
        let (_, list) = c.requests("?status=closed").await;
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .all(|r| r["status"] == "closed")
        );
        let (_, list) = c
            .requests(&format!("?service_request_id={id},{private_id}"))
            .await;
        assert_eq!(list.as_array().unwrap().len(), 1);
        let (st, err) = c.requests("?status=pending").await;
        assert_eq!(st, 400);
        assert_error_shape(&err);
        let (st, _) = c.request(&private_id.to_string()).await;
        assert_eq!(st, 404, "a private problem is not readable");

        // No personal data in any public read.
        for (_, body) in [
            c.requests("").await,
            c.request(&id).await,
            c.requests(&format!("?start_date={old}")).await,
        ] {
            let text = body.to_string();
            for secret in [
                "13912345678",
                "13800001111",
                "王五",
                "李四",
                "w@example.com",
                uscc.as_str(),
                name.as_str(),
            ] {
                assert!(!text.contains(secret), "public read shows {secret}: {text}");
            }
        }
    })
    .await;
}
