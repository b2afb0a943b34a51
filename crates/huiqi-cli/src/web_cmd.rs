//! `huiqi serve` and the end of `huiqi demo`: the only module of the
//! command line that uses the web crate (to start the server).

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use chrono::NaiveDate;
use clap::Args;
use huiqi_app::App;
use huiqi_app::accounts;
use huiqi_web::WebState;

use crate::common::runtime;

#[derive(Args)]
pub struct ServeArgs {
    /// 监听地址
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// 企业页面采用的日期（默认：企业库最新年度的 12 月 31 日）
    #[arg(long)]
    pub at: Option<NaiveDate>,
    /// 在 HTTPS 反向代理之后运行：会话 Cookie 名为 __Host-huiqi_session 并加 Secure，响应带 HSTS
    #[arg(long)]
    pub behind_tls: bool,
}

pub fn serve(args: ServeArgs) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let app = App::open(&huiqi_store::database_url_from_env(), args.at).await?;
        // Page and API reads from the replicas of HUIQI_DATABASE_REPLICA_URL, if any.
        let mut replicas = Vec::new();
        for url in huiqi_store::replica_urls_from_env() {
            replicas.push(
                huiqi_store::Store::connect_replica(&url)
                    .await
                    .map_err(|e| {
                        anyhow::anyhow!("无法连接只读副本 {}：{e}", huiqi_store::redact_url(&url))
                    })?,
            );
        }
        if !replicas.is_empty() {
            println!("页面与接口的读取分配到 {} 个只读副本", replicas.len());
        }
        let mut state = WebState::with_replicas(app, replicas);
        state.behind_tls = args.behind_tls;
        let addr = args.addr.clone();
        println!("惠企平台：http://{addr}/  （按 Ctrl+C 结束）");
        huiqi_web::serve(&addr, Arc::new(state))
            .await
            .map_err(|e| anyhow::anyhow!("无法在 {addr} 上提供服务：{e}"))?;
        Ok(ExitCode::SUCCESS)
    })
}

/// The end of `huiqi demo`: one account per role (passwords printed once), then serve.
pub fn demo_serve(url: &str, addr: &str, at: NaiveDate) -> Result<()> {
    runtime()?.block_on(async {
        let app = App::open(url, Some(at)).await?;
        let accounts = accounts::demo_accounts(&app).await?;
        println!("演示账号（每个角色一个；密码只显示这一次）：");
        for a in &accounts {
            let scope = match a.role.scope() {
                "" => "全市".to_string(),
                s => s.to_string(),
            };
            println!(
                "  用户名 {:<10} 密码 {}  角色 {:<10} 范围 {scope}（{}）",
                a.username,
                a.password,
                a.role.name(),
                a.display_name
            );
        }
        println!("\n惠企平台：http://{addr}/  （按 Ctrl+C 结束）");
        huiqi_web::serve(addr, Arc::new(WebState::new(app)))
            .await
            .map_err(|e| anyhow::anyhow!("无法在 {addr} 上提供服务：{e}"))
    })
}
