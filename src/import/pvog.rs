//! PVOG JSON (the FITKO search service): `{id, name, leikakeys[], onlineServiceLinks[{title, uri}],
//! details: [{code, text, details?, links?}]}` with the FIM text-module codes, 97 for deadlines and 98 for
//! fees (`details: [{title: "Gebühr: 70,00 Euro", text: "ab 24 Jahren"}]`). A file holds one description
//! or a list of them; the texts are German.

use serde::Deserialize;

use super::{
    ImportError, ImportedService, ImportedText, html_to_list, html_to_text, parse_amount_text,
};

#[derive(Deserialize)]
#[serde(untagged)]
enum File {
    Many(Vec<Description>),
    One(Box<Description>),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Description {
    id: serde_json::Value,
    name: String,
    #[serde(default)]
    leikakeys: Vec<String>,
    #[serde(default)]
    online_service_links: Vec<LinkJson>,
    #[serde(default)]
    details: Vec<Detail>,
}

#[derive(Deserialize)]
struct LinkJson {
    #[serde(default)]
    title: String,
    uri: String,
}

#[derive(Deserialize)]
struct Detail {
    code: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    details: Vec<SubDetail>,
    #[serde(default)]
    links: Vec<LinkJson>,
}

#[derive(Deserialize)]
struct SubDetail {
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}

/// Reads one PVOG description or a list of them.
pub fn parse(json: &str) -> Result<Vec<ImportedService>, ImportError> {
    let file: File = serde_json::from_str(json)
        .map_err(|e| ImportError::Input(format!("not PVOG JSON: {e}")))?;
    let descriptions = match file {
        File::Many(list) => list,
        File::One(one) => vec![*one],
    };
    Ok(descriptions.into_iter().map(convert).collect())
}

fn convert(description: Description) -> ImportedService {
    let source_id = match &description.id {
        serde_json::Value::String(id) => id.clone(),
        other => other.to_string(),
    };
    let mut text = ImportedText {
        name: description.name.trim().to_string(),
        ..ImportedText::default()
    };
    let mut service = ImportedService {
        source_id,
        leika: description
            .leikakeys
            .into_iter()
            .find(|key| key.len() == 14 && key.bytes().all(|b| b.is_ascii_digit())),
        online_service: description.online_service_links.first().map(|link| {
            let label = if link.title.is_empty() {
                "Online-Dienst".to_string()
            } else {
                link.title.clone()
            };
            (link.uri.clone(), label)
        }),
        ..ImportedService::default()
    };
    for detail in description.details {
        match detail.code.as_str() {
            "03" => text.name = html_to_text(&detail.text),
            "24" => text.short = html_to_text(&detail.text),
            "05" if text.short.is_empty() => text.short = html_to_text(&detail.text),
            "06" => text.full = html_to_text(&detail.text),
            "07" => text.legal_basis = html_to_list(&detail.text),
            "08" => text.documents = html_to_list(&detail.text),
            "09" => text.prerequisites = html_to_list(&detail.text),
            "11" => text.procedure = html_to_list(&detail.text),
            "16" | "22" | "25" => text.notes.push(html_to_text(&detail.text)),
            "15" if service.source_url.is_none() => {
                service.source_url = detail
                    .links
                    .first()
                    .map(|l| l.uri.clone())
                    .or_else(|| super::xzufi::first_link(&detail.text));
            }
            "97" => {
                let mut parts = vec![html_to_text(&detail.text)];
                parts.extend(detail.details.iter().map(|d| {
                    format!("{} {}", d.title, html_to_text(&d.text))
                        .trim()
                        .to_string()
                }));
                let deadlines = parts
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join("; ");
                if !deadlines.is_empty() {
                    text.deadlines = Some(deadlines);
                }
            }
            "98" => {
                for fee in &detail.details {
                    if let Some(amount) =
                        parse_amount_text(&fee.title).or_else(|| parse_amount_text(&fee.text))
                    {
                        let label = html_to_text(&fee.text);
                        let label = if label.is_empty() {
                            fee.title.clone()
                        } else {
                            label
                        };
                        service
                            .fees
                            .push((amount, [("de".to_string(), label)].into()));
                    }
                }
            }
            _ => {}
        }
    }
    service.texts.insert("de".to_string(), text);
    service
}
