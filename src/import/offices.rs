//! The city's open-data office directory (Behördenwegweiser) in RDF/Turtle: `org:Site` resources with
//! street, postcode and public transport become office records; with `units`, the organisational units
//! (`org:OrganizationalUnit` with label, e-mail, phone, web page) become records too (the directory does
//! not link units to sites, so those have no address).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use oxttl::TurtleParser;
use serde::Serialize;

use super::{ImportError, ImportOptions, slugify, write_file};

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const ORG: &str = "http://www.w3.org/ns/org#";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
const BWS: &str = "https://opendata.leipzig.de/behoerdenwegweiser/schema/";
const LABEL: &str = "http://www.w3.org/2000/01/rdf-schema#label";

/// One resource's properties: predicate IRI to values.
type Properties = BTreeMap<String, Vec<String>>;

/// An office read from the directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportedOffice {
    /// Office id (slug of the name).
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Street and number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// Postcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// City.
    pub city: String,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Web page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Tram, bus and S-Bahn lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transit: Option<String>,
    /// Where the record comes from.
    pub source_url: String,
    /// As of.
    pub as_of: toml::value::Datetime,
}

/// Reads the Turtle file and returns offices: every site, and every unit when `units` is set.
pub fn parse(
    turtle: &str,
    units: bool,
    kind: &str,
    source_url: &str,
    as_of: NaiveDate,
) -> Result<Vec<ImportedOffice>, ImportError> {
    let mut resources: BTreeMap<String, Properties> = BTreeMap::new();
    for triple in TurtleParser::new().for_slice(turtle) {
        let triple = triple.map_err(|e| ImportError::Input(format!("not valid Turtle: {e}")))?;
        let object = match &triple.object {
            oxrdf::Term::Literal(literal) => literal.value().to_string(),
            oxrdf::Term::NamedNode(node) => node.as_str().to_string(),
            other => other.to_string(),
        };
        resources
            .entry(triple.subject.to_string())
            .or_default()
            .entry(triple.predicate.as_str().to_string())
            .or_default()
            .push(object);
    }
    let first = |properties: &Properties, predicate: &str| -> Option<String> {
        properties
            .get(predicate)
            .and_then(|values| values.first())
            .map(|value| value.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|value| !value.is_empty())
    };
    let date = super::toml_date(as_of);
    let mut offices: Vec<ImportedOffice> = Vec::new();
    for properties in resources.values() {
        let types = properties.get(RDF_TYPE).cloned().unwrap_or_default();
        let is_site = types.iter().any(|t| t == &format!("{ORG}Site"));
        let is_unit = types
            .iter()
            .any(|t| t == &format!("{ORG}OrganizationalUnit"));
        if !(is_site || units && is_unit) {
            continue;
        }
        let street = first(properties, &format!("{VCARD}street-address"));
        let Some(name) = first(properties, LABEL).or_else(|| street.clone()) else {
            continue;
        };
        let transit: Vec<String> = [
            ("Straßenbahn", "pubTransportTram"),
            ("Bus", "pubTransportBus"),
            ("S-Bahn", "pubTransportCityTrain"),
        ]
        .iter()
        .filter_map(|(label, predicate)| {
            first(properties, &format!("{BWS}{predicate}")).map(|lines| format!("{label} {lines}"))
        })
        .collect();
        let mut id = slugify(&name);
        let mut suffix = 2;
        while offices.iter().any(|o| o.id == id) {
            id = format!("{}-{suffix}", slugify(&name));
            suffix += 1;
        }
        offices.push(ImportedOffice {
            id,
            kind: kind.to_string(),
            name,
            street,
            postcode: first(properties, &format!("{VCARD}postal-code"))
                .filter(|p| p.len() == 5 && p.bytes().all(|b| b.is_ascii_digit())),
            city: "Leipzig".to_string(),
            phone: first(properties, &format!("{VCARD}tel")),
            email: first(properties, &format!("{VCARD}email"))
                .filter(|e| e.contains('@') && e.contains('.')),
            url: first(properties, &format!("{VCARD}url"))
                .filter(|u| u.starts_with("http://") || u.starts_with("https://")),
            transit: (!transit.is_empty()).then(|| transit.join("; ")),
            source_url: source_url.to_string(),
            as_of: date,
        });
    }
    Ok(offices)
}

/// Writes the offices as `<id>.toml` files. Returns the files written.
pub fn write(
    offices: &[ImportedOffice],
    options: &ImportOptions,
) -> Result<Vec<PathBuf>, ImportError> {
    std::fs::create_dir_all(&options.out).map_err(|source| ImportError::Write {
        path: options.out.clone(),
        source,
    })?;
    let mut written = Vec::new();
    for office in offices {
        let path = options.out.join(format!("{}.toml", office.id));
        let content = toml::to_string_pretty(office)
            .map_err(|e| ImportError::Input(format!("cannot write TOML: {e}")))?;
        write_file(&path, &content, options.force)?;
        written.push(path);
    }
    Ok(written)
}
