//! A sync problem in words a nurse can act on. The sync keeps each problem's technical detail
//! (the error chain, the HTTP status) for the IT log and the record's `last_error`; the words are
//! made from that detail when shown, in the reader's language. Each kind names what happened to
//! the records (kept on this device) and what to do.

use bedside_core::messages::{tr_noop, Text};

/// The nurse's words for a problem the sync reported with `detail`.
pub fn problem_words(detail: &str) -> Text {
    let d = detail.to_ascii_lowercase();
    let http = http_status(&d);
    let msgid = if d.contains("certificate") {
        tr_noop("The blood bank's certificate is not trusted: nothing was sent. Records are kept on this device. Call the IT department to check the certificate settings.")
    } else if matches!(http, Some(401 | 403)) || d.contains("token") {
        tr_noop("The blood bank does not accept this device's credentials: records are kept on this device. Call the IT department.")
    } else if d.contains("did not answer in time")
        || d.contains("cannot reach")
        || d.contains("connection refused")
        || d.contains("cut off")
        || d.contains("request to the blood bank failed")
    {
        tr_noop("Cannot reach the blood bank: check the wireless network. Records are kept on this device and sent automatically when the connection returns.")
    } else if http.is_some_and(|s| s >= 500) {
        tr_noop("The blood bank's system cannot take records just now: they are kept on this device and sent again automatically.")
    } else if d.contains("metadata") || d.contains("configuration") || d.contains("[bloodbank]") {
        tr_noop("This device's blood bank settings are wrong: records are kept on this device. Call the IT department.")
    } else {
        tr_noop("Syncing with the blood bank had a problem: records are kept on this device and sent again automatically. If this stays, call the IT department.")
    };
    Text::tr(msgid, &[])
}

/// The first `HTTP nnn` in a detail.
fn http_status(detail: &str) -> Option<u16> {
    let at = detail.find("http ")?;
    detail[at + 5..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedside_core::messages::Lang;

    #[test]
    fn a_dead_network_tells_the_nurse_to_check_the_wireless_and_that_records_are_kept() {
        let said = problem_words("cannot reach the blood bank: error trying to connect: tcp connect error: Connection refused (os error 111)");
        assert!(
            said.get(Lang::ZhCn).contains("无线网络"),
            "{}",
            said.get(Lang::ZhCn)
        );
        assert!(
            said.get(Lang::ZhCn).contains("本机"),
            "{}",
            said.get(Lang::ZhCn)
        );
        assert!(said.get(Lang::En).contains("wireless"));
    }

    #[test]
    fn each_kind_of_problem_has_its_own_words() {
        let kinds = [
            "certificate not trusted: the blood bank's certificate was refused",
            "push refused: HTTP 401",
            "the blood bank did not answer in time",
            "pull refused: HTTP 503",
            "the blood bank's metadata answers HTTP 404: check the URL in the configuration",
            "something new",
        ];
        let words: std::collections::HashSet<String> = kinds
            .iter()
            .map(|k| problem_words(k).get(Lang::ZhCn).to_string())
            .collect();
        assert_eq!(words.len(), kinds.len(), "{words:?}");
        assert!(words.iter().all(|w| !w.is_ascii()));
    }
}
