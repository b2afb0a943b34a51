//! `huiqi users …` (alias `huiqi accounts …`): add an account (or reset one), list the accounts,
//! disable, enable, unlock an account, reset its password, and read the audit lines. Every change is huiqi-app's `accounts::change_account`, as on the web's
//! accounts page, with 命令行 as the actor of its audit line.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use huiqi_app::accounts::{self, AdminAction, CLI_ACTOR, NewAccount, Role, RoleKind};

use crate::common::{migrated_store, pack, runtime};
use crate::table;

#[derive(Subcommand)]
pub enum UsersCmd {
    /// 新增账号，或重设已有账号的密码、角色与范围（该账号的会话随之结束）
    Add(UserAddArgs),
    /// 列出全部账号及其状态（正常、限速中、已停用）
    List,
    /// 停用账号：拒绝登录，并结束其全部会话
    Disable { username: String },
    /// 启用已停用的账号
    Enable { username: String },
    /// 解除限速：清零连续登录失败次数
    Unlock { username: String },
    /// 重设密码（不给 --password 则随机生成并打印一次）；该账号的会话随之结束
    ResetPassword {
        username: String,
        /// 新密码（至少 10 个字符）
        #[arg(long)]
        password: Option<String>,
    },
    /// 账号变更记录（最新的在前）
    Audit {
        /// 显示条数
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

pub fn run(cmd: UsersCmd) -> Result<ExitCode> {
    let action = match cmd {
        UsersCmd::Add(args) => return user_add(args),
        UsersCmd::List => return list(),
        UsersCmd::Audit { limit } => return audit(limit),
        UsersCmd::Disable { username } => (username, AdminAction::Disable),
        UsersCmd::Enable { username } => (username, AdminAction::Enable),
        UsersCmd::Unlock { username } => (username, AdminAction::Unlock),
        UsersCmd::ResetPassword { username, password } => {
            (username, AdminAction::ResetPassword(password))
        }
    };
    runtime()?.block_on(async {
        let store = migrated_store().await?;
        let done = accounts::change_account(&store, CLI_ACTOR, &action.0, action.1).await?;
        let mut line = format!("账号 {}：{}。", done.username, done.action.label());
        if let Some(p) = done.password.filter(|_| done.generated) {
            line.push_str(&format!("新密码（只显示这一次）：{p}"));
        }
        println!("{line}");
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

impl From<RoleArg> for RoleKind {
    fn from(r: RoleArg) -> RoleKind {
        match r {
            RoleArg::Admin => RoleKind::Admin,
            RoleArg::Unit => RoleKind::Unit,
            RoleArg::County => RoleKind::County,
            RoleArg::Enterprise => RoleKind::Enterprise,
        }
    }
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

fn describe(a: &NewAccount) -> String {
    let kind = a.role.kind().map_or("—", RoleKind::as_str);
    let scope = a.role.scope();
    format!(
        "{kind}{}",
        if scope.is_empty() {
            String::new()
        } else {
            format!("：{scope}")
        }
    )
}

pub fn user_add(a: UserAddArgs) -> Result<ExitCode> {
    let role = Role::checked(&pack()?, a.role.into(), &a.scope)?;
    runtime()?.block_on(async {
        let store = migrated_store().await?;
        let account = accounts::create_account(
            &store,
            &a.username,
            role,
            &a.name,
            a.password,
            accounts::CLI_ACTOR,
        )
        .await?;
        println!(
            "账号 {}（{}）已设置。{}",
            account.username,
            describe(&account),
            if account.generated {
                format!("初始密码：{}", account.password)
            } else {
                String::new()
            }
        );
        Ok(ExitCode::SUCCESS)
    })
}

fn list() -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = migrated_store().await?;
        let rows: Vec<Vec<String>> = accounts::list_accounts(&store)
            .await?
            .into_iter()
            .map(|a| {
                vec![
                    a.username.clone(),
                    a.role.clone(),
                    a.scope.clone(),
                    a.display_name.clone(),
                    a.status().to_string(),
                    a.failed_logins.to_string(),
                    a.sessions.to_string(),
                ]
            })
            .collect();
        print!(
            "{}",
            table::render(
                &["用户名", "角色", "范围", "名称", "状态", "连续失败", "会话"],
                &rows
            )
        );
        println!("共 {} 个账号", rows.len());
        Ok(ExitCode::SUCCESS)
    })
}

fn audit(limit: i64) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = migrated_store().await?;
        let (lines, total) = accounts::account_audit(&store, limit.clamp(1, 10_000), 0).await?;
        let rows: Vec<Vec<String>> = lines
            .into_iter()
            .map(|l| vec![l.at, l.actor, l.username, l.action, l.detail])
            .collect();
        print!(
            "{}",
            table::render(
                &["时间（北京时间）", "操作人", "账号", "操作", "说明"],
                &rows
            )
        );
        println!("共 {total} 条，显示最新 {} 条", rows.len());
        Ok(ExitCode::SUCCESS)
    })
}
