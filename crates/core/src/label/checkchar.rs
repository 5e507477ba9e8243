//! ISO/IEC 7064 MOD 37-2 (ISBT 128 ST-001 §7.5): the keyboard check character K printed after
//! the DIN, and the Type 3 DIN flags (60 + checksum).

const ALPHABET: &[u8; 37] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*";

/// The checksum 0–36 of `data`, or `None` for empty data or a character outside `0-9A-Z`.
pub fn checksum(data: &str) -> Option<u32> {
    if data.is_empty() {
        return None;
    }
    let mut s = 0u32;
    for byte in data.bytes() {
        let value = match byte {
            b'0'..=b'9' => byte - b'0',
            b'A'..=b'Z' => byte - b'A' + 10,
            _ => return None,
        };
        s = ((s + u32::from(value)) * 2) % 37;
    }
    Some((38 - s) % 37)
}

pub fn check_character(data: &str) -> Option<char> {
    checksum(data).map(|c| char::from(ALPHABET[c as usize]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_worked_example_of_the_table() {
        let tsv = include_str!("../../../../data/isbt128/checkchar_examples.tsv");
        let mut n = 0;
        for line in tsv.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            let (data, k, sum, flags) = (cols[0], cols[1], cols[2], cols[3]);
            assert_eq!(check_character(data), k.chars().next(), "{data}");
            assert_eq!(checksum(data), sum.parse().ok(), "{data}");
            if !flags.is_empty() {
                assert_eq!((60 + checksum(data).unwrap()).to_string(), flags, "{data}");
            }
            n += 1;
        }
        assert_eq!(n, 15);
    }

    #[test]
    fn refuses_what_it_cannot_weigh() {
        assert_eq!(check_character(""), None);
        assert_eq!(check_character("g123"), None);
        assert_eq!(check_character("A B"), None);
    }
}
