//! Which keys exist where: the one description used to map environment variables onto keys and to
//! warn about keys nobody reads.

use figment::value::{Dict, Value};

/// What sits under a key.
#[derive(Debug, Clone, Copy)]
pub(super) enum Node {
    /// A scalar, or a list of scalars.
    Leaf,
    /// A mapping with known keys.
    Section(&'static [Key]),
    /// A list of mappings that share the same known keys.
    List(&'static [Key]),
}

/// One known key and what it holds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Key {
    pub(super) name: &'static str,
    pub(super) node: Node,
}

const fn leaf(name: &'static str) -> Key {
    Key {
        name,
        node: Node::Leaf,
    }
}

const fn section(name: &'static str, keys: &'static [Key]) -> Key {
    Key {
        name,
        node: Node::Section(keys),
    }
}

const SERVER: &[Key] = &[
    leaf("host"),
    leaf("port"),
    leaf("uri"),
    leaf("scrapingInterval"),
    // Spelling used by early Go releases; read with a warning so old files keep their window.
    leaf("scrappingInterval"),
    leaf("collectionInterval"),
    leaf("logName"),
    leaf("shutdownTimeout"),
    leaf("logFormat"),
    leaf("logLevel"),
];

const NBU_SERVER: &[Key] = &[
    leaf("site"),
    leaf("scheme"),
    leaf("host"),
    leaf("port"),
    leaf("uri"),
    leaf("apiVersion"),
    leaf("apiKey"),
    leaf("insecureSkipVerify"),
    leaf("domain"),
    leaf("domainType"),
    leaf("contentType"),
    leaf("caFile"),
    leaf("rateLimit"),
    leaf("rateBurst"),
    leaf("requestTimeout"),
    leaf("connectTimeout"),
    leaf("maxRetries"),
    leaf("retryBudget"),
    leaf("jobSlices"),
    leaf("maxResponseMiB"),
    leaf("username"),
    leaf("password"),
];

const OPENTELEMETRY: &[Key] = &[
    leaf("enabled"),
    leaf("endpoint"),
    leaf("insecure"),
    leaf("samplingRate"),
];

const COLLECTOR: &[Key] = &[leaf("enabled")];

const PER_CLIENT: &[Key] = &[leaf("enabled"), leaf("allowlist")];

const COLLECTORS: &[Key] = &[
    section("alerts", COLLECTOR),
    section("malware", COLLECTOR),
    section("catalog", COLLECTOR),
    section("slo", COLLECTOR),
    section("tape", COLLECTOR),
    section("perClient", PER_CLIENT),
];

const COLLECTION: &[Key] = &[
    leaf("jobsInterval"),
    leaf("storageInterval"),
    leaf("timeout"),
    leaf("fullResyncInterval"),
    leaf("overlap"),
];

/// The top level of the configuration file.
pub(super) const ROOT: &[Key] = &[
    section("server", SERVER),
    section("nbuserver", NBU_SERVER),
    Key {
        name: "nbuservers",
        node: Node::List(NBU_SERVER),
    },
    section("opentelemetry", OPENTELEMETRY),
    section("collectors", COLLECTORS),
    section("collection", COLLECTION),
];

/// Finds the key an environment-variable segment names: case-insensitive, `_` ignored, so both
/// `SCRAPINGINTERVAL` and `SCRAPING_INTERVAL` reach `scrapingInterval`.
pub(super) fn find_loose(keys: &'static [Key], segment: &str) -> Option<&'static Key> {
    let wanted = squash(segment);
    keys.iter().find(|key| squash(key.name) == wanted)
}

fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The known key `name` was most likely meant to be, if one is close enough to be worth saying.
pub(super) fn suggest(keys: &[Key], name: &str) -> Option<&'static str> {
    let typed = name.to_ascii_lowercase();
    let allowed = match typed.chars().count() {
        0..=5 => 1,
        6..=10 => 2,
        _ => 3,
    };
    keys.iter()
        .map(|key| {
            let distance = strsim::damerau_levenshtein(&typed, &key.name.to_ascii_lowercase());
            (distance, key.name)
        })
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Joins a parent path and a key the way messages show them: `server.port`, `nbuservers[1].host`.
pub(super) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// Warns about every key in `dict` (recursively) that the schema does not know; their values are ignored.
pub(super) fn warn_unknown(
    dict: &Dict,
    keys: &'static [Key],
    path: &str,
    warnings: &mut Vec<String>,
) {
    for (name, value) in dict {
        let key_path = join(path, name);
        let Some(key) = keys.iter().find(|key| key.name == name) else {
            let hint = match suggest(keys, name) {
                Some(known) => format!("; did you mean `{known}`?"),
                None => {
                    let known: Vec<&str> = keys.iter().map(|key| key.name).collect();
                    format!("; the keys allowed here are {}", known.join(", "))
                }
            };
            warnings.push(format!("`{key_path}`: unknown key, ignored{hint}"));
            continue;
        };
        match (key.node, value) {
            (Node::Section(children), Value::Dict(_, inner)) => {
                warn_unknown(inner, children, &key_path, warnings);
            }
            (Node::List(children), Value::Array(_, items)) => {
                for (index, item) in items.iter().enumerate() {
                    if let Value::Dict(_, inner) = item {
                        warn_unknown(inner, children, &format!("{key_path}[{index}]"), warnings);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(
            suggest(SERVER, "scrapingIntreval"),
            Some("scrapingInterval")
        );
        assert_eq!(
            suggest(SERVER, "ScrapingInterval"),
            Some("scrapingInterval")
        );
        assert_eq!(suggest(NBU_SERVER, "apikey"), Some("apiKey"));
        assert_eq!(suggest(NBU_SERVER, "prot"), Some("port"));
        assert_eq!(suggest(NBU_SERVER, "url"), Some("uri"));
        assert_eq!(suggest(NBU_SERVER, "certificate"), None);
        assert_eq!(suggest(ROOT, "nbuservrs"), Some("nbuservers"));
    }

    #[test]
    fn environment_segments_match_loosely() {
        let key = find_loose(SERVER, "SCRAPING_INTERVAL").map(|key| key.name);
        assert_eq!(key, Some("scrapingInterval"));
        let key = find_loose(NBU_SERVER, "INSECURESKIPVERIFY").map(|key| key.name);
        assert_eq!(key, Some("insecureSkipVerify"));
        assert!(find_loose(SERVER, "PROT").is_none());
    }
}
