//! The languages the app speaks, and every word it shows: one gettext catalogue
//! (`i18n/zh_CN/LC_MESSAGES/bedside.po`) for the Slint views and the Rust side alike.
//!
//! Rust code writes its messages in English, the msgid, and the catalogue gives the Chinese, so a
//! hospital's translator edits one .po file in the tools translators use. Rules never build
//! sentences in the UI: each outcome carries its message, and stored records keep codes, never
//! these sentences; words are made when shown, in the reader's language.
//!
//! The extraction test (tests/translations.rs) finds every msgid by the functions that take one:
//! `Text::tr`, `Text::tr_with`, `tr`, `tr_noop` and the exporters' `t`; a message must be written
//! as a string literal in one of those calls for the translator to see it.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{Datelike, Timelike};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh-cn" | "zh" | "zh_cn" | "zh-hans" => Some(Lang::ZhCn),
            "en" | "en-us" | "en-gb" | "en_us" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Items of a list as a sentence says them: "a, b and c"; 「a、b、c」 in Chinese.
    pub fn join_list(self, items: &[&str]) -> String {
        match (self, items) {
            (Lang::ZhCn, _) => items.join("、"),
            (Lang::En, [rest @ .., last]) if !rest.is_empty() => {
                format!("{} and {last}", rest.join(", "))
            }
            (Lang::En, _) => items.concat(),
        }
    }

    /// What ends a label before its value: a full-width colon in Chinese.
    pub fn colon(self) -> &'static str {
        match self {
            Lang::ZhCn => "：",
            Lang::En => ": ",
        }
    }
}

/// The Chinese catalogue, compiled in: the handheld needs no gettext files at run time.
const ZH_CN_PO: &str = include_str!("../../../i18n/zh_CN/LC_MESSAGES/bedside.po");

/// The context every entry of the catalogue carries (the Slint views' `@tr("bedside" => …)`).
pub const CONTEXT: &str = "bedside";

fn zh_catalogue() -> &'static HashMap<String, String> {
    static CATALOGUE: OnceLock<HashMap<String, String>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        parse_po(ZH_CN_PO)
            .into_iter()
            .filter(|e| e.context.as_deref() == Some(CONTEXT) && !e.msgstr.is_empty())
            .map(|e| (e.msgid, e.msgstr))
            .collect()
    })
}

/// `msgid` in `lang`. A msgid missing from the catalogue shows in English: the extraction test
/// fails the build's tests on any such msgid, so this is never seen on a ward.
pub fn tr(lang: Lang, msgid: &str) -> &str {
    match lang {
        Lang::En => msgid,
        Lang::ZhCn => zh_catalogue().get(msgid).map_or(msgid, String::as_str),
    }
}

/// A date and time on screen and in reports: 2026年12月3日 14:05 in Chinese, 24-hour both ways.
pub fn date_time(lang: Lang, at: impl Datelike + Timelike) -> String {
    format!("{} {:02}:{:02}", date(lang, &at), at.hour(), at.minute())
}

/// A date on screen and in reports: 2026年12月3日 in Chinese, 2026-12-03 in English.
pub fn date(lang: Lang, at: &impl Datelike) -> String {
    match lang {
        Lang::ZhCn => format!("{}年{}月{}日", at.year(), at.month(), at.day()),
        Lang::En => format!("{:04}-{:02}-{:02}", at.year(), at.month(), at.day()),
    }
}

/// A date and time in a list, the year left out: 12月3日 14:05 in Chinese, 12-03 14:05 in English.
pub fn short_date_time(lang: Lang, at: impl Datelike + Timelike) -> String {
    match lang {
        Lang::ZhCn => format!(
            "{}月{}日 {:02}:{:02}",
            at.month(),
            at.day(),
            at.hour(),
            at.minute()
        ),
        Lang::En => format!(
            "{:02}-{:02} {:02}:{:02}",
            at.month(),
            at.day(),
            at.hour(),
            at.minute()
        ),
    }
}

/// Marks a msgid written away from its use (a table of words) for the extraction test.
pub const fn tr_noop(msgid: &'static str) -> &'static str {
    msgid
}

/// One entry of a .po file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoEntry {
    pub context: Option<String>,
    pub msgid: String,
    pub msgstr: String,
}

/// The entries of a gettext .po file (msgctxt, msgid, msgstr, continued lines, C escapes); the
/// header (empty msgid) and plural forms are left out. Never panics: a line it cannot read is
/// skipped, and the catalogue test reads the same file with the same parser.
pub fn parse_po(text: &str) -> Vec<PoEntry> {
    #[derive(PartialEq)]
    enum Field {
        None,
        Context,
        Id,
        Str,
    }
    let mut entries = Vec::new();
    let (mut context, mut id, mut string) = (None::<String>, None::<String>, None::<String>);
    let mut field = Field::None;
    let mut flush =
        |context: &mut Option<String>, id: &mut Option<String>, s: &mut Option<String>| {
            if let (Some(msgid), Some(msgstr)) = (id.take(), s.take()) {
                if !msgid.is_empty() {
                    entries.push(PoEntry {
                        context: context.take(),
                        msgid,
                        msgstr,
                    });
                }
            }
            *context = None;
        };
    for line in text.lines().map(str::trim) {
        let (target, rest) = if let Some(rest) = line.strip_prefix("msgctxt ") {
            flush(&mut context, &mut id, &mut string);
            (Field::Context, rest)
        } else if let Some(rest) = line.strip_prefix("msgid ") {
            if field == Field::Str {
                flush(&mut context, &mut id, &mut string);
            }
            (Field::Id, rest)
        } else if let Some(rest) = line.strip_prefix("msgstr ") {
            (Field::Str, rest)
        } else if line.starts_with('"') {
            let part = unquote(line);
            match field {
                Field::Context => context.get_or_insert_with(String::new).push_str(&part),
                Field::Id => id.get_or_insert_with(String::new).push_str(&part),
                Field::Str => string.get_or_insert_with(String::new).push_str(&part),
                Field::None => {}
            }
            continue;
        } else {
            continue;
        };
        let value = unquote(rest);
        match target {
            Field::Context => context = Some(value),
            Field::Id => id = Some(value),
            Field::Str => string = Some(value),
            Field::None => {}
        }
        field = target;
    }
    flush(&mut context, &mut id, &mut string);
    entries
}

/// The text of one quoted .po string, its C escapes undone.
fn unquote(quoted: &str) -> String {
    let inner = quoted
        .trim()
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or("");
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// One message in both languages, with `{name}` placeholders already filled in.
///
/// Made from an English msgid and the catalogue; its words are for showing, never for storing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    en: String,
    zh: String,
}

/// A value for a placeholder: words already in both languages, or a fact the same in both.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Same(&'a str),
    Words(&'a Text),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Same(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Same(s)
    }
}

impl<'a> From<&'a Text> for Arg<'a> {
    fn from(t: &'a Text) -> Self {
        Arg::Words(t)
    }
}

impl Text {
    /// The message `msgid` with its `{name}` placeholders filled from `args`.
    pub fn tr(msgid: &str, args: &[(&str, &str)]) -> Text {
        Text {
            en: fill_template(msgid, args),
            zh: fill_template(tr(Lang::ZhCn, msgid), args),
        }
    }

    /// The message `msgid` with placeholders that may themselves be words in both languages.
    pub fn tr_with(msgid: &str, args: &[(&str, Arg)]) -> Text {
        let in_lang = |lang: Lang| -> Vec<(&str, &str)> {
            args.iter()
                .map(|(name, arg)| match arg {
                    Arg::Same(s) => (*name, *s),
                    Arg::Words(t) => (*name, t.get(lang)),
                })
                .collect()
        };
        Text {
            en: fill_template(msgid, &in_lang(Lang::En)),
            zh: fill_template(tr(Lang::ZhCn, msgid), &in_lang(Lang::ZhCn)),
        }
    }

    /// Words that are the same in both languages: a value, a name, an identifier.
    pub fn same(s: &str) -> Text {
        Text {
            en: s.to_string(),
            zh: s.to_string(),
        }
    }

    /// Words made separately for each language (a report, a list joined in each language's way).
    pub fn from_each(mut make: impl FnMut(Lang) -> String) -> Text {
        Text {
            en: make(Lang::En),
            zh: make(Lang::ZhCn),
        }
    }

    /// These texts one after the other, joined by `sep` (the same in both languages).
    pub fn join(parts: &[Text], sep: &str) -> Text {
        Text::from_each(|lang| {
            parts
                .iter()
                .map(|p| p.get(lang))
                .collect::<Vec<_>>()
                .join(sep)
        })
    }

    /// Items of a list, joined the way each language joins them (、 in Chinese).
    pub fn list(parts: &[Text]) -> Text {
        Text::from_each(|lang| {
            let items: Vec<&str> = parts.iter().map(|p| p.get(lang)).collect();
            lang.join_list(&items)
        })
    }

    /// A date and time as a ward reads it: 2026年12月3日 14:05, 2026-12-03 14:05 in English.
    pub fn date_time(at: impl Datelike + Timelike + Copy) -> Text {
        Text::from_each(|lang| date_time(lang, at))
    }

    /// The English words (tests, logs for the IT team).
    pub fn en(&self) -> &str {
        &self.en
    }

    /// The Chinese words (tests).
    pub fn zh(&self) -> &str {
        &self.zh
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhCn => &self.zh,
            Lang::En => &self.en,
        }
    }
}

fn fill_template(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_reads_in_chinese_from_the_catalogue() {
        let t = Text::tr(
            "Unit {din} expired at {expiry}. Do not transfuse; return it to the blood bank.",
            &[("din", "W000026123456"), ("expiry", "2026-12-01 08:00")],
        );
        assert!(t.get(Lang::En).starts_with("Unit W000026123456 expired"));
        assert!(t.get(Lang::ZhCn).contains("W000026123456"));
        assert!(t.get(Lang::ZhCn).contains("过期"), "{}", t.get(Lang::ZhCn));
    }

    #[test]
    fn words_as_placeholders_follow_the_language() {
        let part = Text::tr("red cells", &[]);
        let t = Text::tr_with("interrupted: {reason}", &[("reason", (&part).into())]);
        assert_eq!(t.get(Lang::En), "interrupted: red cells");
        assert!(
            t.get(Lang::ZhCn).contains("红细胞"),
            "{}",
            t.get(Lang::ZhCn)
        );
    }

    #[test]
    fn reads_po_entries_with_context_continuations_and_escapes() {
        let po = "msgid \"\"\nmsgstr \"\"\n\"Language: zh_CN\\n\"\n\n# a comment\nmsgctxt \"bedside\"\nmsgid \"Say \\\"hi\\\"\"\nmsgstr \"\"\n\"说\"\n\"“你好”\"\n\nmsgid \"no context\"\nmsgstr \"无\"\n";
        let entries = parse_po(po);
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert_eq!(entries[0].context.as_deref(), Some("bedside"));
        assert_eq!(entries[0].msgid, "Say \"hi\"");
        assert_eq!(entries[0].msgstr, "说“你好”");
        assert_eq!(entries[1].context, None);
        assert_eq!(entries[1].msgstr, "无");
    }

    #[test]
    fn parsing_any_text_never_panics() {
        for junk in [
            "\"",
            "msgid",
            "msgid \"\\",
            "msgstr \"a\"\nmsgid \"b\"",
            "\u{0}\"\\",
        ] {
            parse_po(junk);
        }
    }

    #[test]
    fn lists_read_as_each_language_says_them() {
        assert_eq!(Lang::En.join_list(&["a", "b", "c"]), "a, b and c");
        assert_eq!(Lang::En.join_list(&["a"]), "a");
        assert_eq!(Lang::ZhCn.join_list(&["血浆", "血小板"]), "血浆、血小板");
    }

    #[test]
    fn parses_language_codes_leniently() {
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse(" EN "), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
