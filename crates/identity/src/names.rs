//! Who an actor label is, for people to read: the one place that turns the stable labels kept
//! in histories and the audit log (`staff:reviewer`, `person:1`, `client:3`, `system:demo`)
//! into display names. Staff and department systems by their names; persons by their name
//! masked (张*三) as everywhere staff see a citizen outside the case they handle; the platform's
//! own tasks as 系统（task） / System (task). A label that names no account stays as it is.

use std::collections::{BTreeSet, HashMap};

use yiwang_kernel::Result;
use yiwang_kernel::auth::ApiClient;
use yiwang_kernel::i18n::Lang;

use crate::IdentityService;
use crate::repo::names;

/// What one actor label names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Label<'a> {
    Staff(&'a str),
    Person(i64),
    Client(i64),
    System(&'a str),
    Anonymous,
    Other,
}

fn parse(label: &str) -> Label<'_> {
    match label.split_once(':') {
        Some(("staff", u)) if !u.is_empty() => Label::Staff(u),
        Some(("person", id)) => id.parse().map(Label::Person).unwrap_or(Label::Other),
        Some(("client", id)) => id.parse().map(Label::Client).unwrap_or(Label::Other),
        Some(("system", task)) => Label::System(task),
        _ if label == "anonymous" => Label::Anonymous,
        _ => Label::Other,
    }
}

/// The display name of the platform acting by itself.
fn system_name(task: &str, lang: Lang) -> String {
    match (lang, task.is_empty()) {
        (Lang::Zh, true) => "系统".into(),
        (Lang::En, true) => "System".into(),
        (Lang::Zh, false) => format!("系统（{task}）"),
        (Lang::En, false) => format!("System ({task})"),
    }
}

impl IdentityService {
    /// The display names of `labels` in `lang`, label → name, in one look-up per kind of
    /// account. Every label given is in the answer (unknown ones name themselves).
    pub async fn actor_names<'a, I>(&self, labels: I, lang: Lang) -> Result<HashMap<String, String>>
    where
        I: IntoIterator<Item = &'a str>,
    {
        let labels: BTreeSet<&str> = labels.into_iter().collect();
        let (mut staff, mut people, mut clients) = (Vec::new(), Vec::new(), Vec::new());
        for l in &labels {
            match parse(l) {
                Label::Staff(u) => staff.push(u.to_string()),
                Label::Person(id) => people.push(id),
                Label::Client(id) => clients.push(id),
                _ => {}
            }
        }
        let mut c = self.db.clone();
        let staff: HashMap<String, String> =
            names::staff(&mut c, &staff).await?.into_iter().collect();
        let people: HashMap<i64, String> =
            names::people(&mut c, &people).await?.into_iter().collect();
        let clients: HashMap<i64, String> =
            names::tokens(&mut c, &clients).await?.into_iter().collect();
        Ok(labels
            .into_iter()
            .map(|l| {
                let name = match parse(l) {
                    Label::Staff(u) => staff.get(u).cloned(),
                    Label::Person(id) => {
                        people.get(&id).map(|n| yiwang_vault::mask_name(n.as_str()))
                    }
                    Label::Client(ApiClient::AUTOMATIC_APPROVAL) => Some(
                        lang.pick("智能秒批（自动审批）", "Automatic approval (智能秒批)")
                            .to_string(),
                    ),
                    Label::Client(id) => clients.get(&id).cloned(),
                    Label::System(task) => Some(system_name(task, lang)),
                    Label::Anonymous => Some(lang.pick("匿名", "Anonymous").to_string()),
                    Label::Other => None,
                };
                (l.to_string(), name.unwrap_or_else(|| l.to_string()))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_read_by_kind() {
        assert_eq!(parse("staff:reviewer"), Label::Staff("reviewer"));
        assert_eq!(parse("person:12"), Label::Person(12));
        assert_eq!(parse("client:3"), Label::Client(3));
        assert_eq!(parse("system:demo"), Label::System("demo"));
        assert_eq!(parse("anonymous"), Label::Anonymous);
        assert_eq!(parse("person:x"), Label::Other);
        assert_eq!(parse("staff:"), Label::Other);
        assert_eq!(parse("张三"), Label::Other);
        assert_eq!(system_name("demo", Lang::Zh), "系统（demo）");
        assert_eq!(system_name("demo", Lang::En), "System (demo)");
    }
}
