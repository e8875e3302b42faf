//! XZuFi 2.2 XML (namespace `http://xoev.de/schemata/xzufi/2_2_0`): `leistung` elements with their id,
//! LeiKa reference, version information and text modules (`modulText` with `leikaTextmodul/code` and
//! `inhalt[@languageCode]`), fee, deadline, processing-time and term-in-context modules. Elements are
//! matched by local name, so a different namespace prefix does not matter.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use roxmltree::Node;

use super::{
    ImportError, ImportedService, ImportedText, html_to_list, html_to_text, parse_amount_text,
};

/// The XZuFi 2.2 namespace.
pub const NAMESPACE: &str = "http://xoev.de/schemata/xzufi/2_2_0";

fn children<'a, 'input>(
    node: Node<'a, 'input>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children()
        .filter(move |child| child.tag_name().name() == name)
}

fn descendant<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.descendants()
        .find(|child| child.tag_name().name() == name)
}

/// All text inside a node (text content and CDATA of every descendant).
fn text_of(node: Node) -> String {
    node.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<String>()
        .trim()
        .to_string()
}

/// The `inhalt` (or `beschreibung`) texts of a module per language code.
fn by_language(node: Node, element: &str) -> BTreeMap<String, String> {
    node.descendants()
        .filter(|n| n.tag_name().name() == element)
        .map(|n| {
            (
                n.attribute("languageCode").unwrap_or("de").to_lowercase(),
                text_of(n),
            )
        })
        .filter(|(_, text)| !text.is_empty())
        .collect()
}

/// Reads every `leistung` of an XZuFi document.
pub fn parse(xml: &str) -> Result<Vec<ImportedService>, ImportError> {
    let document = roxmltree::Document::parse(xml)
        .map_err(|e| ImportError::Input(format!("not well-formed XML: {e}")))?;
    let leistungen: Vec<Node> = document
        .descendants()
        .filter(|n| n.tag_name().name() == "leistung")
        .collect();
    if leistungen.is_empty() {
        return Err(ImportError::Input(format!(
            "no <leistung> element (namespace {NAMESPACE}) in the file"
        )));
    }
    leistungen.into_iter().map(parse_leistung).collect()
}

fn parse_leistung(leistung: Node) -> Result<ImportedService, ImportError> {
    let position = leistung.document().text_pos_at(leistung.range().start);
    let source_id = children(leistung, "id")
        .next()
        .map(text_of)
        .unwrap_or_else(|| format!("line {}", position.row));
    let leika = descendant(leistung, "referenzLeiKa")
        .and_then(|reference| descendant(reference, "code"))
        .map(text_of)
        .filter(|key| key.len() == 14 && key.bytes().all(|b| b.is_ascii_digit()));
    let changed = descendant(leistung, "geaendertDatumZeit")
        .map(text_of)
        .and_then(|stamp| {
            NaiveDate::parse_from_str(stamp.get(..10).unwrap_or_default(), "%Y-%m-%d").ok()
        });
    let mut service = ImportedService {
        source_id,
        leika,
        changed,
        ..ImportedService::default()
    };

    for module in children(leistung, "modulText") {
        let Some(code) = descendant(module, "leikaTextmodul")
            .and_then(|m| descendant(m, "code"))
            .map(text_of)
        else {
            continue;
        };
        for (lang, html) in by_language(module, "inhalt") {
            let text = service.texts.entry(lang).or_default();
            apply_text_module(text, &code, &html, &mut service.source_url);
        }
    }
    for module in children(leistung, "modulKosten") {
        for kosten in module
            .descendants()
            .filter(|n| n.tag_name().name() == "kosten")
        {
            let amount = ["betragFix", "betrag", "betragVon"]
                .iter()
                .find_map(|name| descendant(kosten, name))
                .map(text_of)
                .and_then(|text| parse_amount_text(&text));
            if let Some(amount) = amount {
                service
                    .fees
                    .push((amount, by_language(kosten, "beschreibung")));
            }
        }
    }
    for module in children(leistung, "modulFrist") {
        for (lang, text) in by_language(module, "beschreibung") {
            service.texts.entry(lang).or_default().deadlines = Some(text);
        }
    }
    for module in children(leistung, "modulBearbeitungsdauer") {
        for (lang, text) in by_language(module, "beschreibung") {
            service.texts.entry(lang).or_default().processing_time = Some(text);
        }
    }
    for module in children(leistung, "modulBegriffImKontext") {
        for begriff in module
            .descendants()
            .filter(|n| n.tag_name().name() == "begriff")
        {
            let lang = begriff
                .attribute("languageCode")
                .unwrap_or("de")
                .to_lowercase();
            let term = text_of(begriff);
            if !term.is_empty() {
                service.texts.entry(lang).or_default().synonyms.push(term);
            }
        }
    }
    Ok(service)
}

/// Puts one text module into its place (codes of the FIM text modules).
fn apply_text_module(
    text: &mut ImportedText,
    code: &str,
    html: &str,
    source_url: &mut Option<String>,
) {
    match code {
        "03" => text.name = html_to_text(html),
        "02" if text.name.is_empty() => text.name = html_to_text(html),
        "24" => text.short = html_to_text(html),
        "05" if text.short.is_empty() => text.short = html_to_text(html),
        "06" => text.full = html_to_text(html),
        "07" => text.legal_basis = html_to_list(html),
        "08" => text.documents = html_to_list(html),
        "09" => text.prerequisites = html_to_list(html),
        "11" => text.procedure = html_to_list(html),
        "16" | "25" | "22" => text.notes.push(html_to_text(html)),
        "15" if source_url.is_none() => *source_url = first_link(html),
        _ => {}
    }
}

/// The first http(s) link in a text module (href or plain text).
pub fn first_link(html: &str) -> Option<String> {
    let start = html.find("https://").or_else(|| html.find("http://"))?;
    let link: String = html[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '<' | '>'))
        .collect();
    Some(link)
}
