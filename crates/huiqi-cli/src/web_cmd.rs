//! `huiqi serve` and `huiqi users add`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use huiqi_web::AppState;

use crate::registry_cmd::{open_store, runtime};

#[derive(Args)]
pub struct ServeArgs {
    /// 监听地址
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// 企业页面采用的日期（默认：企业库最新年度的 12 月 31 日）
    #[arg(long)]
    pub at: Option<NaiveDate>,
    /// 在 HTTPS 反向代理之后运行：会话 Cookie 加 Secure
    #[arg(long)]
    pub behind_tls: bool,
}

pub fn serve(args: ServeArgs) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open_store().await?;
        store.migrate().await?;
        let at = match args.at {
            Some(d) => d,
            None => {
                let year = store
                    .fact_years()
                    .await?
                    .first()
                    .copied()
                    .unwrap_or_else(|| chrono::Datelike::year(&chrono::Local::now()));
                NaiveDate::from_ymd_opt(year, 12, 31).expect("valid year")
            }
        };
        let pack = huiqi_policy::builtin::default_pack()
            .map_err(|e| anyhow::anyhow!("内置政策包无法加载：{e}"))?;
        let state = Arc::new(AppState {
            store,
            pack,
            rules: huiqi_rules::Rules::builtin(),
            at,
            secure_cookies: args.behind_tls,
            names: Default::default(),
            limiter: Default::default(),
            population: Default::default(),
        });
        huiqi_web::serve(&args.addr, state).await?;
        Ok(ExitCode::SUCCESS)
    })
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Unit,
    County,
    Enterprise,
}

#[derive(Args)]
pub struct UserAddArgs {
    #[arg(long)]
    pub username: String,
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// 责任单位 id（unit）、辖区 id（county）或统一社会信用代码（enterprise）
    #[arg(long, default_value = "")]
    pub scope: String,
    /// 显示名称
    #[arg(long)]
    pub name: String,
    /// 密码（不给则随机生成并打印一次）
    #[arg(long)]
    pub password: Option<String>,
}

pub fn random_password() -> String {
    let mut b = [0u8; 9];
    getrandom::fill(&mut b).expect("the OS random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn user_add(a: UserAddArgs) -> Result<ExitCode> {
    let pack = huiqi_policy::builtin::default_pack()
        .map_err(|e| anyhow::anyhow!("内置政策包无法加载：{e}"))?;
    let role = match a.role {
        RoleArg::Admin => "admin",
        RoleArg::Unit => {
            if pack.unit(&a.scope).is_none() {
                bail!(
                    "--scope 须为责任单位 id（如 tax、economy_it），而不是“{}”",
                    a.scope
                );
            }
            "unit"
        }
        RoleArg::County => {
            if pack.jurisdiction(&a.scope).is_none() {
                bail!(
                    "--scope 须为辖区 id（如 341502、luan-etdz），而不是“{}”",
                    a.scope
                );
            }
            "county"
        }
        RoleArg::Enterprise => {
            huiqi_domain::Uscc::parse(&a.scope).map_err(|e| anyhow::anyhow!("--scope：{e}"))?;
            "enterprise"
        }
    };
    if a.password.as_ref().is_some_and(|p| p.chars().count() < 10) {
        bail!("密码至少 10 个字符");
    }
    let password = a.password.clone().unwrap_or_else(random_password);
    runtime()?.block_on(async {
        let store = open_store().await?;
        store.migrate().await?;
        let hash = huiqi_web::auth::hash_password(password.clone()).await;
        store
            .upsert_user(&a.username, &hash, role, &a.scope, &a.name)
            .await?;
        println!(
            "账号 {}（{role}{}）已设置。{}",
            a.username,
            if a.scope.is_empty() {
                String::new()
            } else {
                format!("：{}", a.scope)
            },
            if a.password.is_none() {
                format!("初始密码：{password}")
            } else {
                String::new()
            }
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// The end of `huiqi demo`: one account per role (passwords printed once), then serve.
pub fn demo_serve(url: &str, addr: &str, at: NaiveDate) -> Result<()> {
    runtime()?.block_on(async {
        let state = huiqi_web::open_state(url, at, false)
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        let accounts = huiqi_web::demo_accounts(&state)
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        println!("演示账号（每个角色一个；密码只显示这一次）：");
        for a in &accounts {
            let scope = if a.scope.is_empty() {
                "全市".to_string()
            } else {
                a.scope.clone()
            };
            println!(
                "  用户名 {:<10} 密码 {}  角色 {:<10} 范围 {scope}（{}）",
                a.username, a.password, a.role, a.display_name
            );
        }
        println!("\n惠企平台：http://{addr}/  （按 Ctrl+C 结束）");
        huiqi_web::serve(addr, state)
            .await
            .map_err(|e| anyhow::anyhow!("无法在 {addr} 上提供服务：{e}"))
    })
}
