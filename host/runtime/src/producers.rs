//! Which language and toolchain produced a component, from its `producers` custom sections
//! (and, for Python, the name of the interpreter module componentize-py links in), so the
//! console can show what an operator is running. Informational only: a component chooses these
//! bytes, so nothing here decides anything.

use serde::Serialize;
use wasmparser::{ComponentName, KnownCustom, Parser, Payload};

/// The most tools kept (a component lists one per processing step, nested modules included).
const MAX_TOOLS: usize = 8;
/// The longest name or version kept.
const MAX_NAME: usize = 64;

/// What a component says produced it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Producers {
    /// `Rust`, `Python`, `JavaScript`, another declared language, or none.
    pub language: Option<String>,
    /// `name version` of every tool that processed it (`wit-component 0.245.1`, ...).
    pub processed_by: Vec<String>,
}

impl Producers {
    /// Reads `bytes` (a component); what cannot be parsed is left out.
    pub fn of(bytes: &[u8]) -> Producers {
        let mut languages: Vec<String> = Vec::new();
        let mut processed_by: Vec<String> = Vec::new();
        let mut python = None;
        for payload in Parser::new(0).parse_all(bytes) {
            let Ok(Payload::CustomSection(section)) = payload else {
                continue;
            };
            match section.as_known() {
                KnownCustom::Producers(reader) => {
                    for field in reader.into_iter().flatten() {
                        let list = match field.name {
                            "language" => &mut languages,
                            "processed-by" => &mut processed_by,
                            _ => continue,
                        };
                        for value in field.values.into_iter().flatten() {
                            let entry = format!("{} {}", cut(value.name), cut(value.version))
                                .trim()
                                .to_owned();
                            if !list.contains(&entry) && list.len() < MAX_TOOLS {
                                list.push(entry);
                            }
                        }
                    }
                }
                KnownCustom::ComponentName(reader) => {
                    for name in reader.into_iter().flatten() {
                        let ComponentName::CoreModules(map) = name else {
                            continue;
                        };
                        for naming in map.into_iter().flatten() {
                            if let Some(rest) = naming.name.strip_prefix("libpython") {
                                python = Some(rest.trim_end_matches(".so").to_owned());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        let declares = |l: &str| languages.iter().any(|x| x.split(' ').next() == Some(l));
        // JavaScript and Python engines are themselves written in Rust and C: their own
        // marks come first.
        let language = if declares("JavaScript") {
            Some("JavaScript".to_owned())
        } else if let Some(version) = python {
            Some(format!("Python {}", cut(&version)).trim().to_owned())
        } else if declares("Rust")
            || processed_by
                .iter()
                .any(|t| t.starts_with("wit-bindgen-rust"))
        {
            Some("Rust".to_owned())
        } else {
            languages
                .first()
                .map(|l| l.split(' ').next().unwrap_or(l).to_owned())
        };
        Producers {
            language,
            processed_by,
        }
    }
}

fn cut(s: &str) -> &str {
    match s.char_indices().nth(MAX_NAME) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
