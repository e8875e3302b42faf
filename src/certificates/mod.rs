//! Certificate orders (Personenstandsurkunden: birth, marriage, death, civil partnership, also multilingual):
//! the kinds, delivery options and fee table of `knowledge/certificates.toml`, the fee computed from them,
//! the checks on what a citizen gives (entitlement, event date, register number, copies), and the orders in
//! the database (`store`).

pub mod store;

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::knowledge::Problem;
use crate::knowledge::card::format_euros;
use crate::lang::Lang;

pub use store::{CertificateOrders, NewOrder, Order, OrderError};

/// The file in the knowledge directory.
pub const FILE: &str = "certificates.toml";

/// The most copies of one certificate in one order.
pub const MAX_COPIES: u32 = 20;

/// The year civil registers began in Germany (1 January 1876); nothing older is in a register office.
const FIRST_REGISTER_YEAR: i32 = 1876;

/// A text in German and English.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    /// German.
    pub de: String,
    /// English.
    pub en: String,
}

impl Texts {
    /// The text in a language (German for German and easy German, English otherwise).
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::De | Lang::DeLeicht => &self.de,
            _ => &self.en,
        }
    }
}

/// The fee table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeTable {
    /// The currency of every amount (EUR).
    pub currency: String,
    /// Whether the register office has confirmed the figures; while not, every quote says so.
    pub confirmed: bool,
    /// When the figures were last checked.
    pub as_of: toml::value::Datetime,
    /// The first copy of a certificate.
    pub first_copy_cents: i64,
    /// Each further copy of the same certificate in the same order.
    pub further_copy_cents: i64,
    /// The search fee per started half hour, when register office and number are not given.
    pub search_per_half_hour_cents: i64,
    /// Where the figures come from.
    pub source: String,
    /// What the citizen is told with every fee while the figures are not confirmed.
    pub note: Texts,
}

/// A kind of certificate.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    /// `birth`, `marriage`, `death`, `partnership`.
    pub code: String,
    /// The knowledge entry about it.
    pub service: String,
    /// Entries older than this many years are kept by the city archive, not the register office.
    pub archive_after_years: i32,
    /// Whether a multilingual (international) version exists.
    pub multilingual: bool,
    /// Its name.
    pub name: Texts,
    /// The event it certifies (Geburt, Eheschließung ...).
    pub event: Texts,
}

/// A way of delivery.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// `pickup`, `post`, `cod`.
    pub code: String,
    /// The postage added to the fee; none when no figure is known (the office names it).
    #[serde(default)]
    pub postage_cents: Option<i64>,
    /// Whether the postage is the least it costs.
    #[serde(default)]
    pub postage_minimum: bool,
    /// Its name.
    pub name: Texts,
}

impl Delivery {
    /// Whether the certificate is sent (and needs an address).
    pub fn is_sent(&self) -> bool {
        self.code != "pickup"
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CertificatesFile {
    fees: FeeTable,
    kinds: Vec<Kind>,
    delivery: Vec<Delivery>,
}

/// Who the person in the entry is to the one ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The entry is about the one ordering.
    #[serde(rename = "self")]
    Myself,
    /// Their spouse or civil partner.
    Spouse,
    /// Their parent or grandparent (an ancestor).
    Parent,
    /// Their child or grandchild (a descendant).
    Child,
    /// Their brother or sister.
    Sibling,
    /// Anyone else.
    Other,
}

impl Relation {
    /// Every relation, in the order they are offered.
    pub const ALL: [Relation; 6] = [
        Relation::Myself,
        Relation::Spouse,
        Relation::Parent,
        Relation::Child,
        Relation::Sibling,
        Relation::Other,
    ];

    /// The code (`self`, `spouse` ...).
    pub fn code(self) -> &'static str {
        match self {
            Relation::Myself => "self",
            Relation::Spouse => "spouse",
            Relation::Parent => "parent",
            Relation::Child => "child",
            Relation::Sibling => "sibling",
            Relation::Other => "other",
        }
    }

    /// The relation with this code.
    pub fn from_code(code: &str) -> Option<Relation> {
        Relation::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Whether they may order without showing a legal interest (PStG § 62 (1): the person, their spouse
    /// or civil partner, ancestors and descendants).
    pub fn entitled(self) -> bool {
        matches!(
            self,
            Relation::Myself | Relation::Spouse | Relation::Parent | Relation::Child
        )
    }

    /// How the citizen reads it.
    pub fn label(self, lang: Lang) -> &'static str {
        let german = matches!(lang, Lang::De | Lang::DeLeicht);
        match (self, german) {
            (Relation::Myself, true) => "Mein eigener Eintrag",
            (Relation::Spouse, true) => "Mein Ehe- oder Lebenspartner",
            (Relation::Parent, true) => "Mein Vater, meine Mutter oder Großeltern",
            (Relation::Child, true) => "Mein Kind oder Enkelkind",
            (Relation::Sibling, true) => "Mein Bruder oder meine Schwester",
            (Relation::Other, true) => "Eine andere Person",
            (Relation::Myself, false) => "My own entry",
            (Relation::Spouse, false) => "My spouse or civil partner",
            (Relation::Parent, false) => "My parent or grandparent",
            (Relation::Child, false) => "My child or grandchild",
            (Relation::Sibling, false) => "My brother or sister",
            (Relation::Other, false) => "Someone else",
        }
    }
}

/// The kinds, delivery options and fees.
#[derive(Debug, Clone)]
pub struct Certificates {
    /// The fee table.
    pub fees: FeeTable,
    /// The kinds, in file order.
    pub kinds: Vec<Kind>,
    /// The delivery options, in file order.
    pub delivery: Vec<Delivery>,
}

/// One line of a fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FeeItem {
    /// `first_copy`, `further_copies`, `search`, `postage`.
    pub item: String,
    /// What it is, in the language asked for.
    pub label: String,
    /// The amount in cents.
    pub amount_cents: i64,
}

/// A fee computed from the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Quote {
    /// The lines.
    pub items: Vec<FeeItem>,
    /// Their sum, in cents.
    pub total_cents: i64,
    /// The currency.
    pub currency: String,
    /// Whether the total is the least it costs (a search may take longer, postage may be more).
    pub minimum: bool,
    /// Whether postage comes on top that the table has no figure for.
    pub postage_extra: bool,
    /// Whether the register office has confirmed the table.
    pub confirmed: bool,
    /// The note to show while it has not.
    pub note: Option<String>,
    /// When the table was last checked.
    pub as_of: String,
}

impl Quote {
    /// The fee in words, one line per item and the total ("voraussichtlich" while unconfirmed).
    pub fn describe(&self, lang: Lang) -> String {
        let german = matches!(lang, Lang::De | Lang::DeLeicht);
        let mut lines: Vec<String> = self
            .items
            .iter()
            .map(|item| {
                format!(
                    "– {}: {}",
                    item.label,
                    format_euros(item.amount_cents, lang)
                )
            })
            .collect();
        let total = format_euros(self.total_cents, lang);
        lines.push(match (german, self.minimum) {
            (true, true) => format!("Gebühr insgesamt: mindestens {total}"),
            (true, false) => format!("Gebühr insgesamt: {total}"),
            (false, true) => format!("Total fee: at least {total}"),
            (false, false) => format!("Total fee: {total}"),
        });
        if self.postage_extra {
            lines.push(
                if german {
                    "Dazu kommt das Porto; den Betrag nennt Ihnen das Standesamt."
                } else {
                    "Postage comes on top; the register office will tell you the amount."
                }
                .to_string(),
            );
        }
        if let Some(note) = &self.note {
            lines.push(note.clone());
        }
        lines.join("\n")
    }
}

/// What a fee depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeRequest<'a> {
    /// How many copies.
    pub copies: u32,
    /// Whether register office and register number are both given (no search needed).
    pub register_known: bool,
    /// How long the search took, once the office has searched; `None` before (one half hour, "at least").
    pub search_minutes: Option<u32>,
    /// The delivery code.
    pub delivery: &'a str,
}

impl Certificates {
    /// Reads `certificates.toml` from the knowledge directory (none: no certificate orders).
    pub fn load(dir: &Path) -> Result<Option<Certificates>, Vec<Problem>> {
        let path = dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(vec![Problem {
                    file: path,
                    line: 1,
                    message: format!("cannot read: {error}"),
                }]);
            }
        };
        Certificates::parse(&text, &path).map(Some)
    }

    /// Parses and checks the file's text.
    pub fn parse(text: &str, path: &Path) -> Result<Certificates, Vec<Problem>> {
        let file: CertificatesFile = toml::from_str(text).map_err(|error| {
            vec![Problem {
                line: error
                    .span()
                    .map_or(1, |span| text[..span.start].matches('\n').count() + 1),
                file: path.to_path_buf(),
                message: error.message().to_string(),
            }]
        })?;
        let line_of = |needle: &str| {
            text.lines()
                .position(|l| l.contains(needle))
                .map_or(1, |i| i + 1)
        };
        let problem = |needle: &str, message: String| Problem {
            file: path.to_path_buf(),
            line: line_of(needle),
            message,
        };
        let mut problems = Vec::new();
        let fees = &file.fees;
        for (name, cents) in [
            ("first_copy_cents", fees.first_copy_cents),
            ("further_copy_cents", fees.further_copy_cents),
            (
                "search_per_half_hour_cents",
                fees.search_per_half_hour_cents,
            ),
        ] {
            if !(0..=100_000).contains(&cents) {
                problems.push(problem(
                    name,
                    format!("{name} must be between 0 and 100000 cents"),
                ));
            }
        }
        if fees.currency != "EUR" {
            problems.push(problem("currency", "currency must be EUR".to_string()));
        }
        if fees.as_of.date.is_none() {
            problems.push(problem("as_of", "as_of must be a date".to_string()));
        }
        let codes = |list: Vec<&String>, what: &str, problems: &mut Vec<Problem>| {
            let mut seen: Vec<&String> = Vec::new();
            for code in list {
                let needle = format!("\"{code}\"");
                if code.is_empty() || !code.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    problems.push(problem(
                        &needle,
                        format!("{what} code '{code}' must be lower-case letters and _"),
                    ));
                }
                if seen.contains(&code) {
                    problems.push(problem(&needle, format!("{what} '{code}' appears twice")));
                }
                seen.push(code);
            }
        };
        codes(
            file.kinds.iter().map(|k| &k.code).collect(),
            "kind",
            &mut problems,
        );
        codes(
            file.delivery.iter().map(|d| &d.code).collect(),
            "delivery",
            &mut problems,
        );
        for kind in &file.kinds {
            if !(1..=200).contains(&kind.archive_after_years) {
                problems.push(problem(
                    &format!("\"{}\"", kind.code),
                    format!(
                        "kind '{}': archive_after_years must be between 1 and 200",
                        kind.code
                    ),
                ));
            }
        }
        for delivery in &file.delivery {
            if delivery
                .postage_cents
                .is_some_and(|c| !(0..=10_000).contains(&c))
            {
                problems.push(problem(
                    &format!("\"{}\"", delivery.code),
                    format!(
                        "delivery '{}': postage_cents must be between 0 and 10000",
                        delivery.code
                    ),
                ));
            }
        }
        if !file.delivery.iter().any(|d| d.code == "pickup") {
            problems.push(problem(
                "[[delivery]]",
                "a delivery 'pickup' is needed".to_string(),
            ));
        }
        if file.kinds.is_empty() {
            problems.push(problem("[fees]", "at least one [[kinds]] is needed".into()));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Certificates {
            fees: file.fees,
            kinds: file.kinds,
            delivery: file.delivery,
        })
    }

    /// The kind with this code.
    pub fn kind(&self, code: &str) -> Option<&Kind> {
        self.kinds.iter().find(|k| k.code == code)
    }

    /// The delivery with this code.
    pub fn delivery(&self, code: &str) -> Option<&Delivery> {
        self.delivery.iter().find(|d| d.code == code)
    }

    /// The fee of an order as it was checked (before any search), in a language.
    pub fn quote_order(&self, order: &NewOrder, lang: Lang) -> Quote {
        self.quote(
            FeeRequest {
                copies: order.copies,
                register_known: order.register_number.is_some() && order.register_office.is_some(),
                search_minutes: None,
                delivery: &order.delivery,
            },
            lang,
        )
    }

    /// The fee: the first copy, further copies, the search fee per started half hour (at least one)
    /// unless register office and number are given, and the postage of the delivery.
    pub fn quote(&self, request: FeeRequest<'_>, lang: Lang) -> Quote {
        let german = matches!(lang, Lang::De | Lang::DeLeicht);
        let fees = &self.fees;
        let copies = i64::from(request.copies.max(1));
        let mut items = vec![FeeItem {
            item: "first_copy".into(),
            label: if german {
                "erste Urkunde"
            } else {
                "first copy"
            }
            .into(),
            amount_cents: fees.first_copy_cents,
        }];
        if copies > 1 {
            items.push(FeeItem {
                item: "further_copies".into(),
                label: if german {
                    format!(
                        "{} weitere je {}",
                        copies - 1,
                        format_euros(fees.further_copy_cents, lang)
                    )
                } else {
                    format!(
                        "{} further at {} each",
                        copies - 1,
                        format_euros(fees.further_copy_cents, lang)
                    )
                },
                amount_cents: (copies - 1) * fees.further_copy_cents,
            });
        }
        let mut minimum = false;
        if !request.register_known {
            let half_hours = match request.search_minutes {
                Some(minutes) => i64::from(minutes.div_ceil(30).max(1)),
                None => {
                    minimum = true;
                    1
                }
            };
            let rate = format_euros(fees.search_per_half_hour_cents, lang);
            items.push(FeeItem {
                item: "search".into(),
                label: match (german, request.search_minutes.is_some()) {
                    (true, true) => format!(
                        "Suche im Register, {half_hours} angefangene halbe Stunde(n) je {rate}"
                    ),
                    (true, false) => format!(
                        "Suche im Register (Standesamt oder Registernummer nicht angegeben), je angefangene halbe Stunde {rate}"
                    ),
                    (false, true) => {
                        format!("register search, {half_hours} started half hour(s) at {rate}")
                    }
                    (false, false) => format!(
                        "register search (register office or number not given), {rate} per started half hour"
                    ),
                },
                amount_cents: half_hours * fees.search_per_half_hour_cents,
            });
        }
        let mut postage_extra = false;
        if let Some(delivery) = self.delivery(request.delivery) {
            match delivery.postage_cents {
                Some(0) => {}
                Some(cents) => {
                    minimum |= delivery.postage_minimum;
                    items.push(FeeItem {
                        item: "postage".into(),
                        label: if german {
                            "Porto und Versand"
                        } else {
                            "postage"
                        }
                        .into(),
                        amount_cents: cents,
                    });
                }
                None => postage_extra = true,
            }
        }
        Quote {
            total_cents: items.iter().map(|i| i.amount_cents).sum(),
            items,
            currency: fees.currency.clone(),
            minimum,
            postage_extra,
            confirmed: fees.confirmed,
            note: (!fees.confirmed).then(|| fees.note.get(lang).to_string()),
            as_of: fees.as_of.to_string(),
        }
    }
}

/// An order as a client sends it (`POST /api/v1/certificates/orders`; the chat builds the same).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    /// `birth`, `marriage`, `death` or `partnership` (GET /api/v1/certificates lists them).
    pub kind: String,
    /// The multilingual (international) version, where the kind has one.
    #[serde(default)]
    pub multilingual: bool,
    /// The name(s) in the entry (for a marriage both spouses).
    pub person_name: String,
    /// The date of the event, `1990-05-12` or `12.05.1990`, or only the year.
    pub event_date: String,
    /// The register office that recorded it, if known.
    #[serde(default)]
    pub register_office: Option<String>,
    /// The register number, if known (without both, a search fee applies).
    #[serde(default)]
    pub register_number: Option<String>,
    /// Who the person in the entry is to the one ordering: `self`, `spouse`, `parent`, `child`,
    /// `sibling`, `other`.
    #[schema(value_type = String)]
    pub relation: Relation,
    /// Required for `sibling` and `other`: the legal interest (proof follows on paper).
    #[serde(default)]
    pub legal_interest: Option<String>,
    /// How many copies (1 to 20).
    #[serde(default = "one")]
    pub copies: u32,
    /// `pickup`, `post` or `cod`.
    pub delivery: String,
    /// The postal address, required when the certificate is sent.
    #[serde(default)]
    pub address: Option<String>,
    /// Who orders.
    pub applicant_name: String,
    /// Where the register office answers.
    pub email: String,
}

fn one() -> u32 {
    1
}

/// A free text with its whitespace normalised, if it has `min` to `max` characters.
pub fn sized(text: &str, min: usize, max: usize) -> Option<String> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (min..=max).contains(&text.chars().count()).then_some(text)
}

impl Certificates {
    /// Checks an order and computes its fee: the order to store, or the first reason it is refused (in
    /// the language asked for).
    pub fn check(
        &self,
        request: &OrderRequest,
        channel: &str,
        today: NaiveDate,
        lang: Lang,
    ) -> Result<(NewOrder, Quote), String> {
        let german = matches!(lang, Lang::De | Lang::DeLeicht);
        let say = |de: &str, en: &str| {
            if german {
                de.to_string()
            } else {
                en.to_string()
            }
        };
        let kind = self.kind(&request.kind).ok_or_else(|| {
            let codes: Vec<&str> = self.kinds.iter().map(|k| k.code.as_str()).collect();
            say(
                &format!("Unbekannte Urkundenart; möglich: {}.", codes.join(", ")),
                &format!("unknown kind; one of: {}", codes.join(", ")),
            )
        })?;
        if request.multilingual && !kind.multilingual {
            return Err(say(
                "Diese Urkunde gibt es nicht mehrsprachig.",
                "this certificate has no multilingual version",
            ));
        }
        let person_name = sized(&request.person_name, 2, 200).ok_or_else(|| {
            say(
                "Bitte den Namen im Eintrag angeben (2 bis 200 Zeichen).",
                "person_name must have 2 to 200 characters",
            )
        })?;
        let event_date =
            check_event_date(&request.event_date, Some(kind), today).map_err(|e| e.reason(lang))?;
        fn known(value: &Option<String>) -> Option<&str> {
            value.as_deref().filter(|v| !is_unknown(v))
        }
        let register_number = known(&request.register_number)
            .map(check_register_number)
            .transpose()
            .map_err(|e| e.reason(lang))?;
        let register_office = known(&request.register_office)
            .map(|office| {
                sized(office, 2, 100).ok_or_else(|| {
                    say(
                        "Bitte das Standesamt mit 2 bis 100 Zeichen angeben.",
                        "register_office must have 2 to 100 characters",
                    )
                })
            })
            .transpose()?;
        let legal_interest = match request
            .legal_interest
            .as_deref()
            .and_then(|t| sized(t, 5, 2000))
        {
            None if !request.relation.entitled() => {
                return Err(say(
                    "Geschwister und andere Personen brauchen ein rechtliches Interesse (z. B. ein Erbfall); bitte beschreiben Sie es.",
                    "legal_interest is required for siblings and others (e.g. an inheritance)",
                ));
            }
            interest => interest.filter(|_| !request.relation.entitled()),
        };
        if !(1..=MAX_COPIES).contains(&request.copies) {
            return Err(Invalid::Copies.reason(lang));
        }
        let delivery = self.delivery(&request.delivery).ok_or_else(|| {
            let codes: Vec<&str> = self.delivery.iter().map(|d| d.code.as_str()).collect();
            say(
                &format!("Unbekannte Zustellung; möglich: {}.", codes.join(", ")),
                &format!("unknown delivery; one of: {}", codes.join(", ")),
            )
        })?;
        let address = if delivery.is_sent() {
            Some(
                request
                    .address
                    .as_deref()
                    .and_then(|a| sized(a, 10, 300))
                    .ok_or_else(|| {
                        say(
                            "Für den Versand brauche ich Ihre vollständige Anschrift (Straße, Hausnummer, PLZ, Ort).",
                            "address (street, number, postcode, town) is required for delivery by post",
                        )
                    })?,
            )
        } else {
            None
        };
        let applicant_name = sized(&request.applicant_name, 2, 200).ok_or_else(|| {
            say(
                "Bitte Ihren Namen angeben (2 bis 200 Zeichen).",
                "applicant_name must have 2 to 200 characters",
            )
        })?;
        let email = crate::booking::normalise_email(&request.email).ok_or_else(|| {
            say(
                "Das ist keine gültige E-Mail-Adresse.",
                "email is not a valid e-mail address",
            )
        })?;
        let mut order = NewOrder {
            kind: kind.code.clone(),
            multilingual: request.multilingual,
            person_name,
            event_date,
            register_office,
            register_number,
            relation: request.relation,
            legal_interest,
            copies: request.copies,
            delivery: delivery.code.clone(),
            address,
            applicant_name,
            email,
            fee_cents: 0,
            fee_minimum: false,
            channel: channel.to_string(),
        };
        let quote = self.quote_order(&order, lang);
        order.fee_cents = quote.total_cents;
        order.fee_minimum = quote.minimum;
        Ok((order, quote))
    }
}

/// Why a detail of an order is not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// Not a date or year.
    Date,
    /// In the future.
    Future,
    /// Before civil registers began.
    BeforeRegisters,
    /// So old that the city archive keeps the entry.
    Archived(i32),
    /// Not a register number.
    RegisterNumber,
    /// Copies out of range.
    Copies,
}

impl Invalid {
    /// The reason for the citizen.
    pub fn reason(&self, lang: Lang) -> String {
        let german = matches!(lang, Lang::De | Lang::DeLeicht);
        match (self, german) {
            (Invalid::Date, true) => "Bitte nennen Sie das Datum (z. B. 12.05.1990) oder wenigstens das Jahr.".into(),
            (Invalid::Date, false) => "Please give the date (e.g. 12.05.1990) or at least the year.".into(),
            (Invalid::Future, true) => "Dieses Datum liegt in der Zukunft.".into(),
            (Invalid::Future, false) => "That date is in the future.".into(),
            (Invalid::BeforeRegisters, true) => format!(
                "Standesämter gibt es erst seit {FIRST_REGISTER_YEAR}; ältere Einträge stehen in Kirchenbüchern. Fragen Sie dazu das Stadtarchiv Leipzig."
            ),
            (Invalid::BeforeRegisters, false) => format!(
                "Register offices exist only since {FIRST_REGISTER_YEAR}; older records are in church books. Please ask the Leipzig city archive."
            ),
            (Invalid::Archived(years), true) => format!(
                "Einträge, die älter als {years} Jahre sind, hat das Standesamt an das Stadtarchiv Leipzig abgegeben. Bitte bestellen Sie die Urkunde dort."
            ),
            (Invalid::Archived(years), false) => format!(
                "Entries older than {years} years have been handed to the Leipzig city archive. Please order the certificate there."
            ),
            (Invalid::RegisterNumber, true) => "Das sieht nicht wie eine Registernummer aus (z. B. G 1234/1990). Wenn Sie sie nicht kennen, sagen Sie „weiß ich nicht“.".into(),
            (Invalid::RegisterNumber, false) => "That does not look like a register number (e.g. G 1234/1990). If you do not know it, say \"don't know\".".into(),
            (Invalid::Copies, true) => format!("Bitte eine Anzahl von 1 bis {MAX_COPIES}."),
            (Invalid::Copies, false) => format!("Please give a number from 1 to {MAX_COPIES}."),
        }
    }
}

/// The date of the event as given: a day (`1990-05-12`) or only a year (`1990`), checked against today
/// and the kind's archive period.
pub fn check_event_date(
    text: &str,
    kind: Option<&Kind>,
    today: NaiveDate,
) -> Result<String, Invalid> {
    let text = text.trim().trim_end_matches('.');
    let (year, value) = if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d.%m.%Y"))
    {
        if date > today {
            return Err(Invalid::Future);
        }
        (date.year(), date.to_string())
    } else {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        // "1990", "im Jahr 1990", "ca. 1990": four digits and a few words around them.
        let only_year = digits.len() == 4 && text.chars().count() <= 20;
        let year: i32 = digits
            .parse()
            .ok()
            .filter(|_| only_year)
            .ok_or(Invalid::Date)?;
        if year > today.year() {
            return Err(Invalid::Future);
        }
        (year, year.to_string())
    };
    if year < FIRST_REGISTER_YEAR {
        return Err(Invalid::BeforeRegisters);
    }
    if let Some(kind) = kind
        && today.year() - year > kind.archive_after_years
    {
        return Err(Invalid::Archived(kind.archive_after_years));
    }
    Ok(value)
}

/// A register number as printed on certificates ("G 1234/1990", "E 12/2001"): letters, digits, spaces,
/// slashes, dots and dashes, with at least one digit.
pub fn check_register_number(text: &str) -> Result<String, Invalid> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let allowed = text
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '/' | '.' | '-'));
    if allowed && text.chars().any(|c| c.is_ascii_digit()) && (2..=30).contains(&text.len()) {
        Ok(text.to_uppercase())
    } else {
        Err(Invalid::RegisterNumber)
    }
}

/// A number of copies: digits or a number word up to twelve ("drei Ausfertigungen", "2", "two copies").
pub fn parse_copies(text: &str) -> Result<u32, Invalid> {
    const WORDS: [(&str, u32); 26] = [
        ("ein", 1),
        ("eine", 1),
        ("einer", 1),
        ("one", 1),
        ("zwei", 2),
        ("two", 2),
        ("drei", 3),
        ("three", 3),
        ("vier", 4),
        ("four", 4),
        ("fünf", 5),
        ("five", 5),
        ("sechs", 6),
        ("six", 6),
        ("sieben", 7),
        ("seven", 7),
        ("acht", 8),
        ("eight", 8),
        ("neun", 9),
        ("nine", 9),
        ("zehn", 10),
        ("ten", 10),
        ("zwölf", 12),
        ("twelve", 12),
        ("fuenf", 5),
        ("zwoelf", 12),
    ];
    let lower = text.to_lowercase();
    let number = lower
        .split(|c: char| !c.is_alphanumeric())
        .find_map(|word| {
            word.parse::<u32>()
                .ok()
                .or_else(|| WORDS.iter().find(|(w, _)| *w == word).map(|(_, n)| *n))
        })
        .ok_or(Invalid::Copies)?;
    if (1..=MAX_COPIES).contains(&number) {
        Ok(number)
    } else {
        Err(Invalid::Copies)
    }
}

/// Words that say "I don't know" (the register number or office).
pub fn is_unknown(text: &str) -> bool {
    let folded = text.trim().to_lowercase();
    [
        "unknown",
        "weiß ich nicht",
        "weiss ich nicht",
        "weiß nicht",
        "weiss nicht",
        "nicht bekannt",
        "unbekannt",
        "keine ahnung",
        "kenne ich nicht",
        "habe ich nicht",
        "nein",
        "no",
        "don't know",
        "dont know",
        "do not know",
        "not known",
        "i don't know",
        "no idea",
    ]
    .iter()
    .any(|w| folded == *w || folded.trim_end_matches(['.', '!']) == *w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Certificates {
        Certificates::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge"))
            .unwrap()
            .unwrap()
    }

    fn fee(
        copies: u32,
        register_known: bool,
        search_minutes: Option<u32>,
        delivery: &str,
    ) -> Quote {
        shipped().quote(
            FeeRequest {
                copies,
                register_known,
                search_minutes,
                delivery,
            },
            Lang::De,
        )
    }

    #[test]
    fn the_documented_fee_cases_are_computed_from_the_table() {
        // One certificate, register known, picked up: the first copy only.
        let one = fee(1, true, None, "pickup");
        assert_eq!(one.total_cents, 1500);
        assert!(!one.minimum && !one.postage_extra);
        // Three copies: 15 + 2 × 7.
        assert_eq!(fee(3, true, None, "pickup").total_cents, 2900);
        // Without register office and number: one started half hour at least, "mindestens".
        let unknown = fee(1, false, None, "pickup");
        assert_eq!(unknown.total_cents, 2500);
        assert!(unknown.minimum);
        assert!(unknown.describe(Lang::De).contains("mindestens 25,00 EUR"));
        // Once searched: per started half hour.
        assert_eq!(fee(1, false, Some(30), "pickup").total_cents, 2500);
        assert_eq!(fee(1, false, Some(31), "pickup").total_cents, 3500);
        assert_eq!(fee(1, false, Some(75), "pickup").total_cents, 4500);
        assert_eq!(fee(1, false, Some(0), "pickup").total_cents, 2500);
        // Cash on delivery: at least 5.10 EUR postage on top.
        let cod = fee(2, true, None, "cod");
        assert_eq!(cod.total_cents, 1500 + 700 + 510);
        assert!(cod.minimum);
        // Post: no postage figure, so it is said to come on top.
        let post = fee(1, true, None, "post");
        assert_eq!(post.total_cents, 1500);
        assert!(post.postage_extra);
        assert!(post.describe(Lang::En).contains("Postage comes on top"));
        // Everything at once.
        let all = fee(4, false, Some(61), "cod");
        assert_eq!(all.total_cents, 1500 + 3 * 700 + 3 * 1000 + 510);
        let items: Vec<&str> = all.items.iter().map(|i| i.item.as_str()).collect();
        assert_eq!(items, ["first_copy", "further_copies", "search", "postage"]);
        // The table is not confirmed, and every quote says so.
        assert!(!all.confirmed);
        assert!(all.describe(Lang::De).contains("noch nicht bestätigt"));
    }

    #[test]
    fn the_fee_follows_the_data_not_the_code() {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge/certificates.toml"),
        )
        .unwrap()
        .replace("first_copy_cents = 1500", "first_copy_cents = 1200")
        .replace("further_copy_cents = 700", "further_copy_cents = 600")
        .replace("confirmed = false", "confirmed = true");
        let table = Certificates::parse(&text, Path::new("certificates.toml")).unwrap();
        let quote = table.quote(
            FeeRequest {
                copies: 2,
                register_known: true,
                search_minutes: None,
                delivery: "pickup",
            },
            Lang::En,
        );
        assert_eq!(quote.total_cents, 1800);
        assert!(quote.note.is_none());
        assert!(!quote.describe(Lang::En).contains("Provisional"));
    }

    #[test]
    fn a_broken_table_is_reported_with_its_line() {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge/certificates.toml"),
        )
        .unwrap()
        .replace("further_copy_cents = 700", "further_copy_cents = -7")
        .replace("code = \"cod\"", "code = \"post\"");
        let problems = Certificates::parse(&text, Path::new("certificates.toml")).unwrap_err();
        let messages: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("further_copy_cents must be")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("delivery 'post' appears twice")),
            "{messages:?}"
        );
        let line = text
            .lines()
            .position(|l| l.contains("further_copy_cents"))
            .unwrap()
            + 1;
        assert!(problems.iter().any(|p| p.line == line));
    }

    #[test]
    fn event_dates_are_checked_against_today_and_the_archive() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let table = shipped();
        let birth = table.kind("birth");
        let death = table.kind("death");
        assert_eq!(
            check_event_date("12.05.1990", birth, today).unwrap(),
            "1990-05-12"
        );
        assert_eq!(check_event_date("1990", birth, today).unwrap(), "1990");
        assert_eq!(
            check_event_date("im Jahr 1990", birth, today).unwrap(),
            "1990"
        );
        assert_eq!(check_event_date("2027", birth, today), Err(Invalid::Future));
        assert_eq!(
            check_event_date("01.01.2027", birth, today),
            Err(Invalid::Future)
        );
        assert_eq!(
            check_event_date("1850", birth, today),
            Err(Invalid::BeforeRegisters)
        );
        assert_eq!(
            check_event_date("1910", birth, today),
            Err(Invalid::Archived(110))
        );
        assert_eq!(
            check_event_date("1990", death, today),
            Err(Invalid::Archived(30))
        );
        assert_eq!(check_event_date("2001", death, today).unwrap(), "2001");
        assert_eq!(
            check_event_date("letzten Sommer", birth, today),
            Err(Invalid::Date)
        );
    }

    #[test]
    fn copies_register_numbers_and_relations() {
        assert_eq!(parse_copies("3"), Ok(3));
        assert_eq!(parse_copies("drei Ausfertigungen"), Ok(3));
        assert_eq!(parse_copies("two copies"), Ok(2));
        assert_eq!(parse_copies("0"), Err(Invalid::Copies));
        assert_eq!(parse_copies("100"), Err(Invalid::Copies));
        assert_eq!(parse_copies("viele"), Err(Invalid::Copies));
        assert_eq!(
            check_register_number(" g 1234/1990 ").unwrap(),
            "G 1234/1990"
        );
        assert!(check_register_number("keine Ahnung").is_err());
        assert!(check_register_number("<script>1</script>").is_err());
        assert!(is_unknown("Weiß ich nicht"));
        assert!(is_unknown("don't know"));
        assert!(!is_unknown("G 12/1990"));
        assert!(Relation::Parent.entitled() && Relation::Myself.entitled());
        assert!(!Relation::Sibling.entitled() && !Relation::Other.entitled());
        assert_eq!(Relation::from_code("self"), Some(Relation::Myself));
        assert_eq!(shipped().kinds.len(), 4);
    }
}
