//! The layers the configuration is assembled from: the YAML file, `NBU_EXPORTER_*` variables and
//! command-line overrides, each a figment provider merged in that order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::value::{Dict, Empty, Map, Tag, Value};
use figment::{Metadata, Profile, Provider};

use super::Overrides;
use super::schema::{self, Key, Node};

/// Prefix of the environment variables that set configuration keys.
pub(super) const ENV_PREFIX: &str = "NBU_EXPORTER_";

/// Environment variables visible to the configuration: the process environment, plus the `.env`
/// file for names the process environment does not set.
#[derive(Debug, Clone, Default)]
pub(super) struct Vars {
    vars: BTreeMap<String, String>,
}

impl Vars {
    /// The process environment; variables whose name or value is not UTF-8 cannot be referenced.
    pub(super) fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .collect();
        Self { vars }
    }

    #[cfg(test)]
    pub(super) fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let vars = pairs
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        Self { vars }
    }

    /// Adds the variables of a `.env` file without replacing any already set; a missing file is fine.
    ///
    /// The process environment is left untouched, so nothing else in the exporter sees `.env`
    /// values by accident, and reloads read the file afresh.
    pub(super) fn add_dotenv(&mut self, path: &Path) -> Result<(), String> {
        let entries = match dotenvy::from_path_iter(path) {
            Ok(entries) => entries,
            Err(error) if error.not_found() => return Ok(()),
            Err(error) => {
                return Err(format!(
                    "cannot read this file: {}",
                    describe_dotenv(&error)
                ));
            }
        };
        for entry in entries {
            let (name, value) = entry
                .map_err(|error| format!("cannot parse this file: {}", describe_dotenv(&error)))?;
            self.vars.entry(name).or_insert(value);
        }
        Ok(())
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
}

/// dotenvy's own message for a parse error quotes the whole line, secret value included: name only
/// the variable.
fn describe_dotenv(error: &dotenvy::Error) -> String {
    match error {
        dotenvy::Error::LineParse(line, _) => {
            let name = line.split('=').next().unwrap_or_default().trim();
            let name = name.strip_prefix("export ").unwrap_or(name).trim();
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                format!("the line that sets `{name}` is malformed; write `NAME=value`")
            } else {
                "a line is malformed; write `NAME=value`, one per line".to_owned()
            }
        }
        dotenvy::Error::Io(error) => error.to_string(),
        dotenvy::Error::EnvVar(error) => error.to_string(),
        _ => "unexpected error".to_owned(),
    }
}

/// Parses the configuration file's YAML into figment values; an empty file is an empty mapping.
///
/// The error text names a position, never file content, because the file holds secrets.
pub(super) fn parse_yaml(text: &str) -> Result<Dict, String> {
    let mut document: serde_norway::Value =
        serde_norway::from_str(text).map_err(|error| error.to_string())?;
    document
        .apply_merge()
        .map_err(|error| format!("a `<<` merge key is invalid: {error}"))?;
    match yaml_to_value(document)? {
        Value::Dict(_, dict) => Ok(dict),
        Value::Empty(..) => Ok(Dict::new()),
        _ => Err("the top level must be a mapping (`server:`, `nbuservers:`, ...)".to_owned()),
    }
}

fn yaml_to_value(yaml: serde_norway::Value) -> Result<Value, String> {
    use serde_norway::Value as Yaml;
    Ok(match yaml {
        Yaml::Null => Value::Empty(Tag::Default, Empty::None),
        Yaml::Bool(flag) => Value::from(flag),
        Yaml::Number(number) => {
            if let Some(unsigned) = number.as_u64() {
                Value::from(unsigned)
            } else if let Some(signed) = number.as_i64() {
                Value::from(signed)
            } else {
                Value::from(number.as_f64().unwrap_or(f64::NAN))
            }
        }
        Yaml::String(text) => Value::from(text),
        Yaml::Sequence(items) => Value::from(
            items
                .into_iter()
                .map(yaml_to_value)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Yaml::Mapping(mapping) => {
            let mut dict = Dict::new();
            for (key, value) in mapping {
                let key = match key {
                    Yaml::String(text) => text,
                    Yaml::Bool(flag) => flag.to_string(),
                    Yaml::Number(number) => number.to_string(),
                    _ => return Err("a mapping key is not a plain name".to_owned()),
                };
                dict.insert(key, yaml_to_value(value)?);
            }
            Value::from(dict)
        }
        Yaml::Tagged(tagged) => yaml_to_value(tagged.value)?,
    })
}

/// One layer of already-collected values, named so figment's metadata says where a value came from.
pub(super) struct Layer {
    name: &'static str,
    source: Option<PathBuf>,
    dict: Dict,
}

impl Layer {
    pub(super) fn file(path: &Path, dict: Dict) -> Self {
        Self {
            name: "configuration file",
            source: Some(path.to_path_buf()),
            dict,
        }
    }

    pub(super) fn environment(dict: Dict) -> Self {
        Self {
            name: "NBU_EXPORTER_* environment variables",
            source: None,
            dict,
        }
    }

    pub(super) fn command_line(dict: Dict) -> Self {
        Self {
            name: "command line",
            source: None,
            dict,
        }
    }
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        let metadata = Metadata::named(self.name);
        match &self.source {
            Some(path) => metadata.source(path.as_path()),
            None => metadata,
        }
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.dict.clone()))
    }
}

/// Values set outside the file, keyed by where they land (`server.port`), with a description of
/// who set them (`environment variable NBU_EXPORTER_SERVER__PORT`) for error messages.
pub(super) type Origins = BTreeMap<String, String>;

/// What the `NBU_EXPORTER_*` variables contribute.
#[derive(Debug, Default)]
pub(super) struct EnvLayer {
    pub(super) dict: Dict,
    pub(super) origins: Origins,
    pub(super) warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
enum Segment {
    Key(&'static str),
    Index(usize),
}

/// Maps `NBU_EXPORTER_<SECTION>__<KEY>` variables onto the camelCase keys (`__` nests; matching is
/// case-insensitive and ignores `_`; list entries are addressed by index: `NBUSERVERS__0__APIKEY`).
///
/// Variables without `__` are left to the command line (e.g. `NBU_EXPORTER_CONFIG`).
/// `file` is needed because a variable that changes one list entry must carry the whole list:
/// figment replaces lists rather than merging them.
pub(super) fn env_layer(vars: &Vars, file: &Dict) -> EnvLayer {
    let mut layer = EnvLayer::default();
    let mut root = Value::from(Dict::new());
    let file_root = Value::from(file.clone());
    for (name, value) in &vars.vars {
        let Some(rest) = strip_prefix_ignore_case(name, ENV_PREFIX) else {
            continue;
        };
        if !rest.contains("__") {
            continue;
        }
        let segments = match resolve(rest) {
            Ok(segments) => segments,
            Err(reason) => {
                layer.warnings.push(format!(
                    "environment variable `{name}` is ignored: {reason}"
                ));
                continue;
            }
        };
        let value = Value::from(value.clone());
        if let Err(reason) = set_path(&mut root, Some(&file_root), &segments, value) {
            layer.warnings.push(format!(
                "environment variable `{name}` is ignored: {reason}"
            ));
            continue;
        }
        layer.origins.insert(
            render_path(&segments),
            format!("environment variable `{name}`"),
        );
    }
    if let Value::Dict(_, dict) = root {
        layer.dict = dict;
    }
    layer
}

fn strip_prefix_ignore_case<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    let head = name.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &name[prefix.len()..])
}

/// Turns `SERVER__SCRAPING_INTERVAL` into the path of a known key, or says why it names none.
fn resolve(rest: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut node = Node::Section(schema::ROOT);
    let mut path = String::new();
    for part in rest.split("__") {
        match node {
            Node::Section(keys) => {
                let key = find_or_explain(keys, part, &path)?;
                path = schema::join(&path, key.name);
                segments.push(Segment::Key(key.name));
                node = key.node;
            }
            Node::List(keys) => {
                let index: usize = part.parse().map_err(|_| {
                    format!("`{path}` is a list: the next part must be an entry number (0, 1, ...), not `{part}`")
                })?;
                path = format!("{path}[{index}]");
                segments.push(Segment::Index(index));
                node = Node::Section(keys);
            }
            Node::Leaf => return Err(format!("`{path}` has no keys below it")),
        }
    }
    match node {
        Node::Leaf => Ok(segments),
        Node::Section(_) | Node::List(_) => Err(format!(
            "`{path}` is a section; name one of its keys (add `__<KEY>`)"
        )),
    }
}

fn find_or_explain(keys: &'static [Key], part: &str, path: &str) -> Result<&'static Key, String> {
    schema::find_loose(keys, part).ok_or_else(|| {
        let place = if path.is_empty() {
            "at the top level".to_owned()
        } else {
            format!("under `{path}`")
        };
        match schema::suggest(keys, &part.replace('_', "")) {
            Some(known) => format!("`{part}` is not a key {place}; did you mean `{known}`?"),
            None => format!("`{part}` is not a key {place}"),
        }
    })
}

fn render_path(segments: &[Segment]) -> String {
    let mut path = String::new();
    for segment in segments {
        match segment {
            Segment::Key(name) => path = schema::join(&path, name),
            Segment::Index(index) => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

/// Writes `value` at `segments` below `target`, seeding lists from the file's list at the same place.
fn set_path(
    target: &mut Value,
    file: Option<&Value>,
    segments: &[Segment],
    value: Value,
) -> Result<(), String> {
    let Some((first, rest)) = segments.split_first() else {
        *target = value;
        return Ok(());
    };
    match *first {
        Segment::Key(name) => {
            if !matches!(target, Value::Dict(..)) {
                *target = Value::from(Dict::new());
            }
            let file_child = match file {
                Some(Value::Dict(_, dict)) => dict.get(name),
                _ => None,
            };
            let Value::Dict(_, dict) = target else {
                return Err("internal: expected a mapping".to_owned());
            };
            let child = dict
                .entry(name.to_owned())
                .or_insert_with(|| Value::from(Dict::new()));
            set_path(child, file_child, rest, value)
        }
        Segment::Index(index) => {
            let file_items = match file {
                Some(Value::Array(_, items)) => Some(items),
                _ => None,
            };
            if !matches!(target, Value::Array(..)) {
                *target = Value::from(file_items.cloned().unwrap_or_default());
            }
            let Value::Array(_, items) = target else {
                return Err("internal: expected a list".to_owned());
            };
            if index == items.len() {
                items.push(Value::from(Dict::new()));
            }
            let len = items.len();
            let file_child = file_items.and_then(|items| items.get(index));
            let child = items.get_mut(index).ok_or_else(|| {
                format!("entry {index} does not exist (the list has {len} entries; the next new one is {len})")
            })?;
            set_path(child, file_child, rest, value)
        }
    }
}

/// The command-line layer and its origins.
pub(super) fn overrides_layer(overrides: &Overrides) -> (Dict, Origins) {
    let mut server = Dict::new();
    let mut origins = Origins::new();
    let mut set = |key: &str, value: Value| {
        server.insert(key.to_owned(), value);
        origins.insert(format!("server.{key}"), "the command line".to_owned());
    };
    if let Some(host) = &overrides.listen_host {
        set("host", Value::from(host.clone()));
    }
    if let Some(port) = overrides.listen_port {
        set("port", Value::from(port));
    }
    if let Some(level) = &overrides.log_level {
        set("logLevel", Value::from(level.clone()));
    }
    if let Some(json) = overrides.log_json {
        set("logFormat", Value::from(if json { "json" } else { "text" }));
    }
    let mut dict = Dict::new();
    if !server.is_empty() {
        dict.insert("server".to_owned(), Value::from(server));
    }
    (dict, origins)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Dict {
        parse_yaml(text).unwrap()
    }

    #[test]
    fn yaml_is_read_as_yaml_1_2() {
        let dict = yaml("a: yes\nb: on\nc: true\nd: 1556\ne: 13.0\nf: ~\n");
        assert_eq!(dict["a"].as_str(), Some("yes"));
        assert_eq!(dict["b"].as_str(), Some("on"));
        assert_eq!(dict["c"].to_bool(), Some(true));
        assert_eq!(dict["d"].to_u128(), Some(1556));
        assert_eq!(dict["e"].to_f64(), Some(13.0));
        assert!(matches!(dict["f"], Value::Empty(..)));
    }

    #[test]
    fn yaml_edge_cases() {
        assert!(yaml("").is_empty());
        assert!(yaml("# only a comment\n").is_empty());
        assert!(parse_yaml("- a\n- b\n").is_err());
        let error = parse_yaml("server:\n  apiKey: \"unterminated\n").unwrap_err();
        assert!(error.contains("line"), "{error}");
        let merged = yaml("base: &b {port: 1}\nother:\n  <<: *b\n  host: x\n");
        let Value::Dict(_, other) = &merged["other"] else {
            panic!()
        };
        assert_eq!(other["port"].to_u128(), Some(1));
    }

    #[test]
    fn environment_variables_map_onto_keys() {
        let vars = Vars::from_pairs([
            ("NBU_EXPORTER_SERVER__PORT", "9500"),
            ("nbu_exporter_server__scraping_interval", "2h"),
            ("NBU_EXPORTER_CONFIG", "/etc/x.yaml"),
            ("NBU_EXPORTER_SERVER__PROT", "1"),
            ("NBU_EXPORTER_SERVER", "x"),
            ("OTHER__THING", "1"),
        ]);
        let layer = env_layer(&vars, &Dict::new());
        let Value::Dict(_, server) = &layer.dict["server"] else {
            panic!()
        };
        assert_eq!(server["port"].as_str(), Some("9500"));
        assert_eq!(server["scrapingInterval"].as_str(), Some("2h"));
        assert_eq!(layer.dict.len(), 1);
        assert_eq!(layer.warnings.len(), 1, "{:?}", layer.warnings);
        assert!(layer.warnings[0].contains("NBU_EXPORTER_SERVER__PROT"));
        assert!(layer.warnings[0].contains("did you mean `port`?"));
        assert_eq!(
            layer.origins["server.port"],
            "environment variable `NBU_EXPORTER_SERVER__PORT`"
        );
    }

    #[test]
    fn list_entries_are_patched_not_replaced() {
        let file = yaml(
            "nbuservers:\n  - site: a\n    host: a.example\n  - site: b\n    host: b.example\n",
        );
        let vars = Vars::from_pairs([
            ("NBU_EXPORTER_NBUSERVERS__1__APIKEY", "k"),
            ("NBU_EXPORTER_NBUSERVERS__7__HOST", "x"),
            ("NBU_EXPORTER_NBUSERVERS__X__HOST", "x"),
        ]);
        let layer = env_layer(&vars, &file);
        let Value::Array(_, items) = &layer.dict["nbuservers"] else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        let Value::Dict(_, second) = &items[1] else {
            panic!()
        };
        assert_eq!(second["host"].as_str(), Some("b.example"));
        assert_eq!(second["apiKey"].as_str(), Some("k"));
        assert_eq!(layer.warnings.len(), 2, "{:?}", layer.warnings);
        assert!(layer.origins.contains_key("nbuservers[1].apiKey"));
    }

    #[test]
    fn overrides_become_server_keys() {
        let overrides = Overrides {
            listen_host: Some("127.0.0.1".into()),
            listen_port: Some(9600),
            log_level: Some("debug".into()),
            log_json: Some(true),
        };
        let (dict, origins) = overrides_layer(&overrides);
        let Value::Dict(_, server) = &dict["server"] else {
            panic!()
        };
        assert_eq!(server["host"].as_str(), Some("127.0.0.1"));
        assert_eq!(server["port"].to_u128(), Some(9600));
        assert_eq!(server["logLevel"].as_str(), Some("debug"));
        assert_eq!(server["logFormat"].as_str(), Some("json"));
        assert_eq!(origins.len(), 4);
        assert!(overrides_layer(&Overrides::default()).0.is_empty());
    }
}
