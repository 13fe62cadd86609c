//! The field-by-field comparison of two versions of an item's elements (a submitted draft
//! against the published version), as the reviewer sees it: which elements changed, from what
//! to what, and which materials, form fields and table rows were added or removed.
//!
//! Pure: no database, no language. A change names the element by its key (`promised_limit`,
//! `materials`) and the part of a list entry by its key (`name`, `required`); values are
//! [`Shown`] (text, a number, a yes/no, codes of a code table), so the page labels and words
//! them in its own language.

use serde::Serialize;
use yiwang_forms::FormField;

use crate::model::{Elements, Faq, Fee, Material, ProcessStep};

/// The editor's section an element belongs to (the review page groups changes by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Basic,
    Conditions,
    Limits,
    Result,
    Fees,
    Who,
    Channels,
    Place,
    Faqs,
    Materials,
    Form,
    Workflow,
}

/// How an element or a list entry changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Changed,
    Added,
    Removed,
}

/// A value as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Shown {
    /// Nothing (the other side of an added or removed entry).
    None,
    Text(String),
    Number(i64),
    Flag(bool),
    /// One code of the code table named (`time_unit` …).
    Code {
        table: &'static str,
        code: String,
    },
    /// Codes of the code table named.
    Codes {
        table: &'static str,
        codes: Vec<String>,
    },
}

/// A list entry a change is about: its key (a material's key, a form field's key, a row's
/// number from 1) and its name in the version that has it (the new one when both do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub key: String,
    pub name: String,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub section: Section,
    /// The element's key (`acceptance_conditions`, `materials`, `form`, …).
    pub field: &'static str,
    /// The list entry, for list elements.
    pub entry: Option<Entry>,
    /// The part of the entry that changed (`name`, `required`, …); `None` for the element
    /// itself and for an added or removed entry.
    pub part: Option<&'static str>,
    pub kind: Kind,
    pub old: Shown,
    pub new: Shown,
}

fn text(s: &str) -> Shown {
    if s.is_empty() {
        Shown::None
    } else {
        Shown::Text(s.to_string())
    }
}

fn code(table: &'static str, c: &str) -> Shown {
    if c.is_empty() {
        Shown::None
    } else {
        Shown::Code {
            table,
            code: c.to_string(),
        }
    }
}

fn codes(table: &'static str, c: &[String]) -> Shown {
    if c.is_empty() {
        Shown::None
    } else {
        Shown::Codes {
            table,
            codes: c.to_vec(),
        }
    }
}

/// Collects the changes of one comparison.
struct Out(Vec<Change>);

impl Out {
    fn field(&mut self, section: Section, field: &'static str, old: Shown, new: Shown) {
        if old != new {
            self.0.push(Change {
                section,
                field,
                entry: None,
                part: None,
                kind: Kind::Changed,
                old,
                new,
            });
        }
    }
}

/// Something with keyed parts a list entry is compared by.
trait Parts {
    const SECTION: Section;
    const FIELD: &'static str;
    fn name(&self) -> String;
    fn parts(&self) -> Vec<(&'static str, Shown)>;
}

impl Parts for ProcessStep {
    const SECTION: Section = Section::Conditions;
    const FIELD: &'static str = "process_steps";
    fn name(&self) -> String {
        self.name.clone()
    }
    fn parts(&self) -> Vec<(&'static str, Shown)> {
        vec![
            ("name", text(&self.name)),
            ("limit", Shown::Number(self.limit)),
            ("description", text(&self.description)),
        ]
    }
}

impl Parts for Fee {
    const SECTION: Section = Section::Fees;
    const FIELD: &'static str = "fees";
    fn name(&self) -> String {
        self.name.clone()
    }
    fn parts(&self) -> Vec<(&'static str, Shown)> {
        vec![
            ("name", text(&self.name)),
            ("standard", text(&self.standard)),
            ("basis", text(&self.basis)),
            ("reducible", Shown::Flag(self.reducible)),
        ]
    }
}

impl Parts for Faq {
    const SECTION: Section = Section::Faqs;
    const FIELD: &'static str = "faqs";
    fn name(&self) -> String {
        self.question.clone()
    }
    fn parts(&self) -> Vec<(&'static str, Shown)> {
        vec![
            ("question", text(&self.question)),
            ("answer", text(&self.answer)),
        ]
    }
}

impl Parts for Material {
    const SECTION: Section = Section::Materials;
    const FIELD: &'static str = "materials";
    fn name(&self) -> String {
        self.name.clone()
    }
    fn parts(&self) -> Vec<(&'static str, Shown)> {
        vec![
            ("name", text(&self.name)),
            ("source", code("material_source", &self.source)),
            ("issuer", text(&self.issuer)),
            ("originals", Shown::Number(self.originals)),
            ("copies", Shown::Number(self.copies)),
            ("required", Shown::Flag(self.required)),
            ("condition", text(&self.condition)),
            ("format", code("material_format", &self.format)),
            ("notes", text(&self.notes)),
            ("blank_form", text(&self.blank_form)),
            ("sample", text(&self.sample)),
            ("licence_type", text(&self.licence_type)),
            ("replaced_by", text(&self.replaced_by)),
        ]
    }
}

impl Parts for FormField {
    const SECTION: Section = Section::Form;
    const FIELD: &'static str = "form";
    fn name(&self) -> String {
        self.label.clone()
    }
    fn parts(&self) -> Vec<(&'static str, Shown)> {
        let kind = serde_json::to_value(self.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let options: Vec<String> = self
            .options
            .iter()
            .map(|o| format!("{} {}", o.code, o.label))
            .collect();
        // Everything else a field declares (limits, columns, prefill), compared as a whole.
        let rest = FormField {
            key: String::new(),
            label: String::new(),
            label_en: String::new(),
            kind: Default::default(),
            required: false,
            help: String::new(),
            options: Vec::new(),
            ..self.clone()
        };
        let rest = serde_json::to_string(&rest).unwrap_or_default();
        vec![
            ("label", text(&self.label)),
            ("label_en", text(&self.label_en)),
            ("kind", text(&kind)),
            ("required", Shown::Flag(self.required)),
            ("help", text(&self.help)),
            ("options", text(&options.join("；"))),
            ("settings", text(&rest)),
        ]
    }
}

/// An entry's summary when it is added or removed: its name, or its first non-empty part.
fn summary<T: Parts>(x: &T) -> Shown {
    let name = x.name();
    if !name.is_empty() {
        return Shown::Text(name);
    }
    x.parts()
        .into_iter()
        .map(|(_, v)| v)
        .find(|v| *v != Shown::None)
        .unwrap_or(Shown::None)
}

fn compare_entry<T: Parts>(out: &mut Out, key: String, old: &T, new: &T) {
    let name = if new.name().is_empty() {
        old.name()
    } else {
        new.name()
    };
    for ((part, o), (_, n)) in old.parts().into_iter().zip(new.parts()) {
        if o != n {
            out.0.push(Change {
                section: T::SECTION,
                field: T::FIELD,
                entry: Some(Entry {
                    key: key.clone(),
                    name: name.clone(),
                }),
                part: Some(part),
                kind: Kind::Changed,
                old: o,
                new: n,
            });
        }
    }
}

fn added_or_removed<T: Parts>(out: &mut Out, key: String, x: &T, kind: Kind) {
    let (old, new) = match kind {
        Kind::Removed => (summary(x), Shown::None),
        _ => (Shown::None, summary(x)),
    };
    out.0.push(Change {
        section: T::SECTION,
        field: T::FIELD,
        entry: Some(Entry {
            key,
            name: x.name(),
        }),
        part: None,
        kind,
        old,
        new,
    });
}

/// Rows without a key of their own (steps, fees, questions) are compared by position.
fn rows<T: Parts>(out: &mut Out, old: &[T], new: &[T]) {
    for i in 0..old.len().max(new.len()) {
        let key = (i + 1).to_string();
        match (old.get(i), new.get(i)) {
            (Some(o), Some(n)) => compare_entry(out, key, o, n),
            (Some(o), None) => added_or_removed(out, key, o, Kind::Removed),
            (None, Some(n)) => added_or_removed(out, key, n, Kind::Added),
            (None, None) => {}
        }
    }
}

/// Entries with a stable key (materials, form fields) are matched by it: an entry whose key
/// is new was added, one whose key is gone was removed; the order of the new version is kept,
/// removed entries last.
fn keyed<T: Parts>(out: &mut Out, old: &[T], new: &[T], key: impl Fn(&T) -> &str) {
    for (i, n) in new.iter().enumerate() {
        let k = key(n);
        let shown_key = if k.is_empty() {
            (i + 1).to_string()
        } else {
            k.to_string()
        };
        match old.iter().find(|o| !k.is_empty() && key(o) == k) {
            Some(o) => compare_entry(out, shown_key, o, n),
            None => added_or_removed(out, shown_key, n, Kind::Added),
        }
    }
    for (i, o) in old.iter().enumerate() {
        let k = key(o);
        if k.is_empty() || !new.iter().any(|n| key(n) == k) {
            let shown_key = if k.is_empty() {
                (i + 1).to_string()
            } else {
                k.to_string()
            };
            added_or_removed(out, shown_key, o, Kind::Removed);
        }
    }
}

/// The steps of a workflow in order, `name（code）`, for the comparison of two workflows.
fn workflow_text(e: &Elements) -> Shown {
    match &e.workflow {
        None => Shown::None,
        Some(d) => Shown::Text(
            d.steps()
                .iter()
                .map(|(_, s)| format!("{}（{}）", s.name, s.code))
                .collect::<Vec<_>>()
                .join(" → "),
        ),
    }
}

/// Every difference from `old` (the published version) to `new` (the draft), in the order of
/// the editor's sections. Empty when they are the same.
pub fn compare(old: &Elements, new: &Elements) -> Vec<Change> {
    use Section as S;
    let mut out = Out(Vec::new());
    let t = |s: &str| text(s);
    let o = old;
    let n = new;
    // Basic: the inherited elements and the implementing body.
    out.field(S::Basic, "name", t(&o.name), t(&n.name));
    out.field(S::Basic, "basic_code", t(&o.basic_code), t(&n.basic_code));
    out.field(
        S::Basic,
        "item_type",
        code("item_type", &o.item_type),
        code("item_type", &n.item_type),
    );
    out.field(
        S::Basic,
        "legal_basis",
        t(&o.legal_basis),
        t(&n.legal_basis),
    );
    out.field(
        S::Basic,
        "department_name",
        t(&o.department_name),
        t(&n.department_name),
    );
    out.field(
        S::Basic,
        "department_uscc",
        t(&o.department_uscc),
        t(&n.department_uscc),
    );
    for (f, table, a, b) in [
        (
            "exercise_level",
            "exercise_level",
            &o.exercise_level,
            &n.exercise_level,
        ),
        (
            "subject_nature",
            "subject_nature",
            &o.subject_nature,
            &n.subject_nature,
        ),
        (
            "power_source",
            "power_source",
            &o.power_source,
            &n.power_source,
        ),
    ] {
        out.field(S::Basic, f, code(table, a), code(table, b));
    }
    for (f, a, b) in [
        (
            "authority_division",
            &o.authority_division,
            &n.authority_division,
        ),
        ("exercise_content", &o.exercise_content, &n.exercise_content),
        (
            "joint_departments",
            &o.joint_departments,
            &n.joint_departments,
        ),
        ("handling_body", &o.handling_body, &n.handling_body),
    ] {
        out.field(S::Basic, f, t(a), t(b));
    }
    // Conditions and process.
    for (f, a, b) in [
        (
            "acceptance_conditions",
            &o.acceptance_conditions,
            &n.acceptance_conditions,
        ),
        ("process", &o.process, &n.process),
    ] {
        out.field(S::Conditions, f, t(a), t(b));
    }
    rows(&mut out, &o.process_steps, &n.process_steps);
    for (f, a, b) in [
        (
            "special_procedures",
            &o.special_procedures,
            &n.special_procedures,
        ),
        (
            "intermediary_services",
            &o.intermediary_services,
            &n.intermediary_services,
        ),
        ("quantity_limit", &o.quantity_limit, &n.quantity_limit),
    ] {
        out.field(S::Conditions, f, t(a), t(b));
    }
    // Time limits.
    out.field(
        S::Limits,
        "statutory_limit",
        Shown::Number(o.statutory_limit),
        Shown::Number(n.statutory_limit),
    );
    out.field(
        S::Limits,
        "statutory_unit",
        code("time_unit", &o.statutory_unit),
        code("time_unit", &n.statutory_unit),
    );
    out.field(
        S::Limits,
        "statutory_note",
        t(&o.statutory_note),
        t(&n.statutory_note),
    );
    out.field(
        S::Limits,
        "promised_limit",
        Shown::Number(o.promised_limit),
        Shown::Number(n.promised_limit),
    );
    out.field(
        S::Limits,
        "promised_unit",
        code("time_unit", &o.promised_unit),
        code("time_unit", &n.promised_unit),
    );
    out.field(
        S::Limits,
        "promised_note",
        t(&o.promised_note),
        t(&n.promised_note),
    );
    out.field(
        S::Limits,
        "case_type",
        code("case_type", &o.case_type),
        code("case_type", &n.case_type),
    );
    // Result.
    out.field(
        S::Result,
        "result_type",
        code("result_type", &o.result_type),
        code("result_type", &n.result_type),
    );
    out.field(
        S::Result,
        "result_name",
        t(&o.result_name),
        t(&n.result_name),
    );
    out.field(
        S::Result,
        "result_sample",
        t(&o.result_sample),
        t(&n.result_sample),
    );
    // Fees.
    out.field(
        S::Fees,
        "is_fee",
        Shown::Flag(o.is_fee),
        Shown::Flag(n.is_fee),
    );
    out.field(S::Fees, "fee_basis", t(&o.fee_basis), t(&n.fee_basis));
    out.field(
        S::Fees,
        "online_payment",
        Shown::Flag(o.online_payment),
        Shown::Flag(n.online_payment),
    );
    rows(&mut out, &o.fees, &n.fees);
    // Who and what.
    for (f, table, a, b) in [
        (
            "service_objects",
            "service_object",
            &o.service_objects,
            &n.service_objects,
        ),
        (
            "personal_themes",
            "personal_theme",
            &o.personal_themes,
            &n.personal_themes,
        ),
        (
            "enterprise_themes",
            "enterprise_theme",
            &o.enterprise_themes,
            &n.enterprise_themes,
        ),
    ] {
        out.field(S::Who, f, codes(table, a), codes(table, b));
    }
    out.field(S::Who, "keywords", t(&o.keywords), t(&n.keywords));
    // Channels.
    out.field(
        S::Channels,
        "handling_forms",
        codes("handling_form", &o.handling_forms),
        codes("handling_form", &n.handling_forms),
    );
    out.field(
        S::Channels,
        "online_depth",
        codes("online_depth", &o.online_depth),
        codes("online_depth", &n.online_depth),
    );
    out.field(
        S::Channels,
        "online_url",
        t(&o.online_url),
        t(&n.online_url),
    );
    out.field(
        S::Channels,
        "visits",
        Shown::Number(o.visits),
        Shown::Number(n.visits),
    );
    out.field(
        S::Channels,
        "visits_reason",
        t(&o.visits_reason),
        t(&n.visits_reason),
    );
    out.field(
        S::Channels,
        "cross_scope",
        code("cross_scope", &o.cross_scope),
        code("cross_scope", &n.cross_scope),
    );
    for (f, a, b) in [
        ("appointment", o.appointment, n.appointment),
        ("express", o.express, n.express),
        ("in_hall", o.in_hall, n.in_hall),
    ] {
        out.field(S::Channels, f, Shown::Flag(a), Shown::Flag(b));
    }
    // Where, when, whom to ask.
    for (f, a, b) in [
        ("location", &o.location, &n.location),
        ("hours", &o.hours, &n.hours),
        ("consult_phone", &o.consult_phone, &n.consult_phone),
        ("supervise_phone", &o.supervise_phone, &n.supervise_phone),
    ] {
        out.field(S::Place, f, t(a), t(b));
    }
    rows(&mut out, &o.faqs, &n.faqs);
    keyed(&mut out, &o.materials, &n.materials, |m| m.key.as_str());
    keyed(&mut out, &o.form, &n.form, |f| f.key.as_str());
    out.field(S::Workflow, "workflow", workflow_text(o), workflow_text(n));
    out.0
}

#[cfg(test)]
mod tests;
