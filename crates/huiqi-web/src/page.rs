//! What every page shares: the header (`Nav`: who is signed in, the CSRF token of the logout
//! form, the links of the areas the viewer may open) and rendering a template.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use crate::auth::Viewer;
use crate::error::WebError;
use crate::routes::Rule;
use crate::state::WebState;

/// What every page's header needs.
pub struct Nav {
    pub role: &'static str,
    /// The role and scope as the header shows them: `责任单位 · 市税务局`, `县区 · 金安区`.
    pub role_label: String,
    pub display_name: String,
    pub csrf: String,
    pub pack_version: String,
    /// (label, href) of every area link the viewer may follow, in area order.
    pub links: Vec<(&'static str, &'static str)>,
}

impl Nav {
    /// The header of a viewer.
    pub fn of(state: &WebState, v: &Viewer) -> Nav {
        // Not twice what the display name already says (`工作专班（工作专班）`,
        // `市税务局（责任单位 · 市税务局）`).
        let mut label = role_label(state, &v.role);
        if label == v.display_name {
            label.clear();
        } else if label.ends_with(&format!(" · {}", v.display_name)) {
            label = v.role.kind().map_or("", |k| k.label()).to_string();
        }
        Nav {
            role: v.role.name(),
            role_label: label,
            display_name: v.display_name.clone(),
            csrf: v.csrf.clone().unwrap_or_default(),
            pack_version: pack_version(state),
            links: crate::AREAS
                .iter()
                .flat_map(|a| a.links)
                .filter(|l| l.rule.admits(&v.role))
                .map(|l| (l.label, l.href))
                .collect(),
        }
    }

    /// The header of a page for nobody signed in (no links but the public).
    pub fn anonymous(state: &WebState) -> Nav {
        Nav {
            role: "anonymous",
            role_label: String::new(),
            display_name: String::new(),
            csrf: String::new(),
            pack_version: pack_version(state),
            links: crate::AREAS
                .iter()
                .flat_map(|a| a.links)
                .filter(|l| l.rule == Rule::Public)
                .map(|l| (l.label, l.href))
                .collect(),
        }
    }
}

/// The policy text's version as the footer names it (征求意见稿 / 正式印发).
fn pack_version(state: &WebState) -> String {
    state.app.pack.manifest.status.label().to_string()
}

/// A role and its scope in Chinese: the role's label, then the unit's or jurisdiction's name
/// (an enterprise's name is its display name already).
pub fn role_label(state: &WebState, role: &huiqi_app::accounts::Role) -> String {
    use huiqi_app::accounts::Role;
    let kind = role.kind().map_or("", |k| k.label());
    match role {
        Role::Unit(u) => format!(
            "{kind} · {}",
            state
                .app
                .pack
                .unit(u)
                .map_or(u.as_str(), |x| x.name.as_str())
        ),
        Role::County(c) => format!("{kind} · {}", state.app.jurisdiction_name(c)),
        _ => kind.to_string(),
    }
}

/// Where a role's work is, the page it lands on after signing in: an enterprise its benefits,
/// a county and a unit the 日常调度 of their targets (with their push lists one click away), the
/// working group the city's dashboard.
pub fn landing(role: &huiqi_app::accounts::Role) -> &'static str {
    use huiqi_app::accounts::Role;
    match role {
        Role::Enterprise(_) => "/me",
        Role::Admin | Role::Unit(_) | Role::County(_) => "/dashboard",
        Role::Anonymous => "/",
    }
}

/// Renders a template (a failure is a fault of ours: 500).
pub fn render<T: Template>(t: T) -> Result<Response, WebError> {
    t.render()
        .map(|html| Html(html).into_response())
        .map_err(WebError::internal)
}

/// The paging links of a list page (企业库, 推送名单), for `templates/pager.html`: first, previous,
/// next and last page, each keeping the list's filter, sort and page size.
pub struct Pager {
    pub page: usize,
    pub pages: usize,
    pub first: String,
    pub prev: String,
    pub next: String,
    pub last: String,
}

impl Pager {
    /// The links for page `page` of `pages` under `base` (a path with its query string, without
    /// the page: `/push?measure=…&sort=…&per_page=100`).
    pub fn new(base: &str, page: usize, pages: usize) -> Pager {
        let at = |p: usize| format!("{base}&page={p}");
        Pager {
            page,
            pages,
            first: at(1),
            prev: at(page.saturating_sub(1).max(1)),
            next: at((page + 1).min(pages.max(1))),
            last: at(pages.max(1)),
        }
    }
}
