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
    pub display_name: String,
    pub csrf: String,
    pub pack_version: String,
    /// (label, href) of every area link the viewer may follow, in area order.
    pub links: Vec<(&'static str, &'static str)>,
}

impl Nav {
    /// The header of a viewer.
    pub fn of(state: &WebState, v: &Viewer) -> Nav {
        let pack = &state.app.pack;
        Nav {
            role: v.role.name(),
            display_name: v.display_name.clone(),
            csrf: v.csrf.clone().unwrap_or_default(),
            pack_version: format!(
                "{}，{}",
                pack.manifest.version,
                pack.manifest.status.label()
            ),
            links: crate::AREAS
                .iter()
                .flat_map(|a| a.links)
                .filter(|l| l.rule.admits(&v.role))
                .map(|l| (l.label, l.href))
                .collect(),
        }
    }

    /// The header of a page shown without a state (nobody signed in, no links but the public).
    pub fn anonymous() -> Nav {
        Nav {
            role: "anonymous",
            display_name: String::new(),
            csrf: String::new(),
            pack_version: String::new(),
            links: crate::AREAS
                .iter()
                .flat_map(|a| a.links)
                .filter(|l| l.rule == Rule::Public)
                .map(|l| (l.label, l.href))
                .collect(),
        }
    }
}

/// Renders a template (a failure is a fault of ours: 500).
pub fn render<T: Template>(t: T) -> Result<Response, WebError> {
    t.render()
        .map(|html| Html(html).into_response())
        .map_err(WebError::internal)
}
