//! The languages the app speaks and the bilingual text every rule hands to the UI.
//!
//! Rules never build sentences in the UI: each outcome carries a message key and its text in
//! both languages, so the nurse at 3 am and the validation team read the same words.

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
}

/// One message in both languages, with `{name}` placeholders already filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    pub en: String,
    pub zh: String,
}

impl Text {
    /// Fills `{name}` placeholders of both templates from `args`.
    pub fn fill(en: &str, zh: &str, args: &[(&str, &str)]) -> Text {
        Text {
            en: fill_template(en, args),
            zh: fill_template(zh, args),
        }
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
    fn fills_placeholders_in_both_languages() {
        let t = Text::fill(
            "Unit {din} expired",
            "血袋 {din} 已过期",
            &[("din", "W000026123456")],
        );
        assert_eq!(t.get(Lang::En), "Unit W000026123456 expired");
        assert_eq!(t.get(Lang::ZhCn), "血袋 W000026123456 已过期");
    }

    #[test]
    fn parses_language_codes_leniently() {
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse(" EN "), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
