//! huiqi's policy as data: the typed model of a policy pack, its strict
//! loader and validator, and the packs built into the binary.
//!
//! Architecture invariant: this crate knows nothing of databases, HTTP or
//! terminals. Its only IO is [`PackFiles::read_dir`], which turns a folder
//! into text; everything after that is pure.
#![forbid(unsafe_code)]

mod compare;
mod load;
pub mod model;

use std::path::Path;

pub use compare::{CompareError, TargetChange, compare};
pub use load::{PACK_FILES, PackError, PackErrors, PackFiles, load, translate_yaml_error};
pub use model::*;

/// A loaded, validated policy pack.
#[derive(Debug, Clone)]
pub struct Pack {
    pub manifest: Manifest,
    pub articles: Vec<Article>,
    pub units: Vec<Unit>,
    pub jurisdictions: Vec<Jurisdiction>,
    pub targets: Vec<Target>,
    pub tasks: Vec<Task>,
}

impl Pack {
    /// Reads and validates the pack in `dir`.
    pub fn load_dir(dir: &Path) -> Result<Pack, PackErrors> {
        load(&PackFiles::read_dir(dir)?)
    }

    pub fn article(&self, number: u8) -> Option<&Article> {
        self.articles.iter().find(|a| a.number == number)
    }

    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    pub fn target(&self, id: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.id == id)
    }

    pub fn jurisdiction(&self, id: &str) -> Option<&Jurisdiction> {
        self.jurisdictions.iter().find(|j| j.id == id)
    }

    pub fn targets_of(&self, article: u8) -> impl Iterator<Item = &Target> {
        self.targets
            .iter()
            .filter(move |t| t.article == Some(article))
    }

    pub fn tasks_of(&self, article: u8) -> impl Iterator<Item = &Task> {
        self.tasks.iter().filter(move |t| t.article == article)
    }

    /// The short names of units, for display (`市市场监管局、市税务局`).
    pub fn unit_names(&self, ids: &[String]) -> String {
        ids.iter()
            .map(|id| self.unit(id).map_or(id.as_str(), |u| u.name.as_str()))
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// The packs compiled into the binary, so every command works from any folder.
pub mod builtin {
    use super::*;
    use include_dir::{Dir, include_dir};

    static POLICIES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../policies");

    /// The pack used when none is named.
    pub const DEFAULT: &str = "luan-2023";

    /// The files of a built-in pack (`luan-2023`), or `None` if there is none.
    pub fn files(name: &str) -> Option<PackFiles> {
        let dir = POLICIES.get_dir(name)?;
        let files = dir
            .files()
            .filter(|f| {
                f.path()
                    .extension()
                    .is_some_and(|x| x == "yaml" || x == "yml")
            })
            .filter_map(|f| {
                let file = f.path().file_name()?.to_string_lossy().into_owned();
                Some((file, f.contents_utf8()?.to_string()))
            })
            .collect();
        Some(PackFiles {
            label: format!("内置:{name}"),
            files,
        })
    }

    /// Every file under a built-in folder (`cn`), sub-folders included, by path relative
    /// to it (`tests/cit.yaml`). Empty if there is no such folder.
    pub fn tree(name: &str) -> Vec<(String, &'static str)> {
        fn walk(
            dir: &'static Dir<'static>,
            base: &std::path::Path,
            out: &mut Vec<(String, &'static str)>,
        ) {
            for f in dir.files() {
                if let (Ok(rel), Some(text)) = (f.path().strip_prefix(base), f.contents_utf8()) {
                    out.push((rel.to_string_lossy().into_owned(), text));
                }
            }
            for d in dir.dirs() {
                walk(d, base, out);
            }
        }
        let mut out = Vec::new();
        if let Some(dir) = POLICIES.get_dir(name) {
            walk(dir, dir.path(), &mut out);
        }
        out.sort();
        out
    }

    /// The names of the built-in packs.
    pub fn names() -> Vec<String> {
        POLICIES
            .dirs()
            .map(|d| d.path().to_string_lossy().into_owned())
            .collect()
    }

    /// Loads the default built-in pack.
    pub fn default_pack() -> Result<Pack, PackErrors> {
        load(&files(DEFAULT).expect("the default pack is compiled in"))
    }
}
