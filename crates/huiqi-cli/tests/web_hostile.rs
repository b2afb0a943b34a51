//! Hostile uploads against a real `huiqi serve` process (issue 12 item 1, web side): the sheet
//! with one cell at XFD1048576, the zip bomb and the 1,000,000-column header are each refused
//! through `/admin/import` in under a second with the Chinese message naming the limit; the
//! server keeps serving (the next request is 200) and its memory (VmHWM of the spawned process)
//! stays less than 200 MB above its idle level; an upload beyond the size limit is a 413 naming
//! the limit. Linux only (reads /proc/PID/status).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct-horse-42";

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Resp {
    status: u16,
    head: String,
    body: String,
}

fn parse(raw: &[u8]) -> Resp {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Resp {
        status: head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        head: head.to_string(),
        body: body.to_string(),
    }
}

impl Server {
    fn request(&self, method: &str, path: &str, cookie: &str, extra: &str, body: &[u8]) -> Resp {
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {cookie}\r\n{extra}Content-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        // The server may answer (413) and close before it has read everything: a failed write
        // is not the test's verdict, the response is.
        let _ = s.write_all(head.as_bytes());
        let _ = s.write_all(body);
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        parse(&raw)
    }

    fn get(&self, path: &str, cookie: &str) -> Resp {
        self.request("GET", path, cookie, "", b"")
    }

    /// (VmRSS, VmHWM) in kB.
    fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap()
        };
        (kb("VmRSS:"), kb("VmHWM:"))
    }
}

fn huiqi(url: &str, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_huiqi"))
        .args(args)
        .env("HUIQI_DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "huiqi {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn start(dir: &std::path::Path) -> Server {
    let url = format!("sqlite:{}", dir.join("hostile.sqlite").display());
    huiqi(&url, &["db", "init"]);
    huiqi(
        &url,
        &[
            "users",
            "add",
            "--username",
            "admin",
            "--role",
            "admin",
            "--name",
            "专班",
            "--password",
            PASSWORD,
        ],
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_huiqi"))
        .args(["serve", "--addr", &addr.to_string()])
        .env("HUIQI_DATABASE_URL", &url)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("server.log")).unwrap())
        .spawn()
        .unwrap();
    let server = Server { child, addr };
    let started = Instant::now();
    while TcpStream::connect(addr).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

fn login(server: &Server) -> String {
    let form = format!("username=admin&password={PASSWORD}");
    let r = server.request(
        "POST",
        "/login",
        "",
        "Content-Type: application/x-www-form-urlencoded\r\n",
        form.as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    r.head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().split(';').next().unwrap().to_string())
        .expect("a session cookie")
}

fn csrf(body: &str) -> String {
    body.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a CSRF token")
        .to_string()
}

fn multipart(token: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "huiqihostile7";
    let mut body = Vec::new();
    for (name, value) in [("csrf", token), ("source", "market"), ("year", "")] {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (
        format!("Content-Type: multipart/form-data; boundary={boundary}\r\n"),
        body,
    )
}

#[test]
fn hostile_uploads_are_refused_quickly_and_the_server_keeps_serving() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("SKIPPED: needs /proc (Linux) to read the server's memory");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let cookie = login(&server);
    let page = server.get("/admin/import", &cookie);
    assert_eq!(page.status, 200, "{}", page.body);
    let token = csrf(&page.body);
    // Idle: signed in, the import page served once.
    let (idle_rss, _) = server.memory();

    let cases: [(&str, Vec<u8>, &[&str]); 3] = [
        (
            "xfd.xlsx",
            huiqi_ingest::samples::xfd_xlsx(),
            &["XFD1048576", "上限 256 列"],
        ),
        (
            "bomb.xlsx",
            huiqi_ingest::samples::bomb_xlsx(200),
            &["压缩炸弹", "上限"],
        ),
        (
            "wide.csv",
            huiqi_ingest::samples::wide_header_csv(1_000_000),
            &["1,000,000 个字段", "上限 256 列"],
        ),
    ];
    for (name, bytes, expected) in cases {
        let (content_type, body) = multipart(&token, name, &bytes);
        let started = Instant::now();
        let r = server.request("POST", "/admin/import", &cookie, &content_type, &body);
        let took = started.elapsed();
        assert!(
            (400..500).contains(&r.status),
            "{name}: {} {} — server log: {}",
            r.status,
            r.body.chars().take(300).collect::<String>(),
            std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default()
        );
        for e in expected {
            assert!(r.body.contains(e), "{name}: “{e}” not in {}", r.body);
        }
        assert!(
            r.body.len() < 200_000,
            "{name}: the page is {} bytes",
            r.body.len()
        );
        // The goal is 1 s (release build; measured 16–43 ms for the sheets). The unoptimised test
        // build on the shared 2 cores spends up to about a second sending and splitting the 8 MB
        // of the 1,000,000-column file, so it is allowed 3 s.
        let bound = Duration::from_secs(if cfg!(debug_assertions) { 3 } else { 1 });
        assert!(took < bound, "{name} took {took:?}");
        // The server keeps serving.
        assert_eq!(server.get("/healthz", "").status, 200, "after {name}");
        let (rss, hwm) = server.memory();
        eprintln!(
            "{name}: {} {} ms, VmRSS {} MB, VmHWM {} MB (idle {} MB)",
            r.status,
            took.as_millis(),
            rss / 1024,
            hwm / 1024,
            idle_rss / 1024
        );
    }

    // Beyond the upload limit: 413 naming the limit, nothing imported, still serving.
    let limit_mb = huiqi_web::MAX_UPLOAD_BYTES / 1024 / 1024;
    let big = vec![b'a'; huiqi_web::MAX_UPLOAD_BYTES + 1024];
    let (content_type, body) = multipart(&token, "big.csv", &big);
    let r = server.request("POST", "/admin/import", &cookie, &content_type, &body);
    assert_eq!(
        r.status,
        413,
        "{} — server log: {}",
        r.body.chars().take(300).collect::<String>(),
        std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default()
    );
    assert!(r.body.contains(&format!("{limit_mb} MB")), "{}", r.body);
    assert_eq!(server.get("/healthz", "").status, 200, "after the 413");

    let (_, hwm) = server.memory();
    eprintln!(
        "idle VmRSS {} MB, peak VmHWM {} MB",
        idle_rss / 1024,
        hwm / 1024
    );
    assert!(
        hwm < idle_rss + 200 * 1024,
        "the server's peak {} MB is more than 200 MB above idle {} MB",
        hwm / 1024,
        idle_rss / 1024
    );
}
