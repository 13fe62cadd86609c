//! Masks for personal data shown in API responses and pages.
//!
//! Every mask works position by position: the output has as many characters as the input, and
//! each is either `*` or the input's character at that place. Only inputs of a recognised
//! shape keep anything visible; anything else — too short, too long, stray characters — is
//! masked whole, never guessed at. None of these functions panics.
//!
//! | input | kept | example |
//! |---|---|---|
//! | ID number (18 characters, or the old 15 digits) | 6-digit division code and last 4 | `440802********1234` |
//! | mobile (11 digits starting with 1, optionally after `+86`/`86`) | first 3 and last 4 digits | `138****8000` |
//! | landline with area code (`0` + 2–3 digits, then 7–8 digits) | area code and last 4 digits | `0759-***4567` |
//! | name | first character (nothing if it has only one) | `张**` |

const MASK: char = '*';

/// Masks an ID number (GB 11643): keeps the 6-digit division code and the last 4 characters.
/// `440802199001011234` → `440802********1234`; an old 15-digit number keeps the same parts.
/// Anything not shaped like an ID number is masked whole.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let n = chars.len();
    let shaped = match n {
        18 => {
            chars[..17].iter().all(char::is_ascii_digit)
                && matches!(chars[17], '0'..='9' | 'X' | 'x')
        }
        15 => chars.iter().all(char::is_ascii_digit),
        _ => false,
    };
    if !shaped {
        return mask_all(id);
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if i < 6 || i >= n - 4 { c } else { MASK })
        .collect()
}

/// Masks a phone number. A mobile number keeps its first 3 and last 4 digits
/// (`13800138000` → `138****8000`, `+86 138 0013 8000` → `+86 138 **** 8000`); a landline keeps
/// its area code and last 4 digits (`0759-1234567` → `0759-***4567`, also `(0759)1234567` and
/// `07591234567`). Separators (space, `-`, parentheses, a leading `+`) stay in place. Anything
/// else, including a local number without area code, is masked whole.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let Some((keep_head, keep_tail)) = phone_shape(&chars) else {
        return mask_all(phone);
    };
    let total = chars.iter().filter(|c| c.is_ascii_digit()).count();
    let mut seen = 0;
    chars
        .iter()
        .map(|&c| {
            if !c.is_ascii_digit() {
                return c;
            }
            let i = seen;
            seen += 1;
            if i < keep_head || i >= total - keep_tail {
                c
            } else {
                MASK
            }
        })
        .collect()
}

/// How many leading and trailing digits of a phone number stay visible, or `None` when the
/// input is not a recognised phone number.
fn phone_shape(chars: &[char]) -> Option<(usize, usize)> {
    if chars.is_empty()
        || !chars
            .iter()
            .all(|&c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '+'))
        || chars.iter().skip(1).any(|&c| c == '+')
    {
        return None;
    }
    let plus = chars[0] == '+';
    let digits: Vec<char> = chars.iter().copied().filter(char::is_ascii_digit).collect();
    let n = digits.len();

    // Mobile: 1xxxxxxxxxx, optionally after the country code 86.
    if n == 11 && digits[0] == '1' && !plus {
        return Some((3, 4));
    }
    if n == 13 && digits.starts_with(&['8', '6', '1']) {
        return Some((5, 4));
    }
    if plus {
        return None;
    }

    // Landline: area code 0 + 2 digits (010, 02x) or 0 + 3 digits, then a 7- or 8-digit number.
    let (Some('0'), Some(&second)) = (digits.first().copied(), digits.get(1)) else {
        return None;
    };
    // Where the writer separated the area code, trust the separation.
    let first_group = chars
        .iter()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .count();
    let area = if first_group < n {
        first_group
    } else if matches!(second, '1' | '2') {
        3
    } else {
        4
    };
    let local = n.checked_sub(area)?;
    if (3..=4).contains(&area) && (7..=8).contains(&local) {
        Some((area, 4))
    } else {
        None
    }
}

/// Masks a person's name: keeps the first character, masks the rest (`张三丰` → `张**`,
/// `Zhang San` → `Z********`). A one-character name is masked whole.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match (chars.next(), chars.clone().next()) {
        (Some(first), Some(_)) => std::iter::once(first).chain(chars.map(|_| MASK)).collect(),
        _ => mask_all(name),
    }
}

fn mask_all(s: &str) -> String {
    s.chars().map(|_| MASK).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn id_numbers() {
        for (input, masked) in [
            ("440802199001011234", "440802********1234"),
            ("44080219900101123X", "440802********123X"),
            ("44080219900101123x", "440802********123x"),
            ("440802900101123", "440802*****1123"),
            ("", ""),
            ("4408", "****"),
            ("44080219900101123", "*****************"),
            ("4408021990010112345", "*******************"),
            ("4408021990010112X4", "******************"),
            (" 440802199001011234", "*******************"),
            ("４４０８０２１９９００１０１１２３４", "******************"),
        ] {
            assert_eq!(mask_id_number(input), masked, "{input:?}");
        }
    }

    #[test]
    fn phones() {
        for (input, masked) in [
            ("13800138000", "138****8000"),
            ("138 0013 8000", "138 **** 8000"),
            ("138-0013-8000", "138-****-8000"),
            ("+8613800138000", "+86138****8000"),
            ("+86 138 0013 8000", "+86 138 **** 8000"),
            ("8613800138000", "86138****8000"),
            ("0759-1234567", "0759-***4567"),
            ("0759-12345678", "0759-****5678"),
            ("(0759)1234567", "(0759)***4567"),
            ("07591234567", "0759***4567"),
            ("010-12345678", "010-****5678"),
            ("01012345678", "010****5678"),
            ("020 8888 9999", "020 **** 9999"),
            ("1234567", "*******"),
            ("12345678", "********"),
            ("23800138000", "***********"),
            ("+13800138000", "************"),
            ("0759-123456789", "**************"),
            ("07-1234567", "**********"),
            ("0759-1234567 ext 8", "******************"),
            ("138+00138000", "************"),
            ("", ""),
            ("0", "*"),
            ("-", "*"),
        ] {
            assert_eq!(mask_phone(input), masked, "{input:?}");
        }
    }

    #[test]
    fn names() {
        for (input, masked) in [
            ("张三丰", "张**"),
            ("张三", "张*"),
            ("张", "*"),
            ("", ""),
            ("欧阳娜娜", "欧***"),
            ("阿卜杜·热合曼", "阿******"),
            ("Zhang San", "Z********"),
        ] {
            assert_eq!(mask_name(input), masked, "{input:?}");
        }
    }

    /// Position by position, the mask shows either `*` or the input's own character, and
    /// returns how many characters it reveals.
    fn revealed(input: &str, masked: &str) -> usize {
        assert_eq!(input.chars().count(), masked.chars().count(), "{input:?}");
        input
            .chars()
            .zip(masked.chars())
            .filter(|&(i, m)| {
                assert!(m == MASK || m == i, "{input:?} → {masked:?}");
                m != MASK
            })
            .count()
    }

    fn digits_revealed(input: &str, masked: &str) -> (usize, usize) {
        let mut shown = 0;
        let mut hidden = 0;
        for (i, m) in input.chars().zip(masked.chars()) {
            if i.is_ascii_digit() {
                if m == i {
                    shown += 1;
                } else {
                    hidden += 1;
                }
            }
        }
        (shown, hidden)
    }

    fn id_like() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[0-9]{0,20}[0-9Xx]?",
            "[0-9]{17}[0-9Xx]",
            "[0-9]{15}",
        ]
    }

    fn phone_like() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[+]?[0-9 ()-]{0,20}",
            "(\\+86 ?)?1[0-9]{2}[ -]?[0-9]{4}[ -]?[0-9]{4}",
            "0[0-9]{2,3}[- ]?[0-9]{7,8}",
        ]
    }

    proptest! {
        #[test]
        fn id_mask_reveals_at_most_division_and_last_four(s in id_like()) {
            let m = mask_id_number(&s);
            let shown = revealed(&s, &m);
            let n = s.chars().count();
            if shown > 0 {
                prop_assert!(n == 18 || n == 15);
                prop_assert_eq!(shown, 10);
                let hidden: String = m.chars().skip(6).take(n - 10).collect();
                prop_assert!(hidden.chars().all(|c| c == MASK));
            }
        }

        #[test]
        fn phone_mask_hides_the_middle(s in phone_like()) {
            let m = mask_phone(&s);
            revealed(&s, &m);
            let (shown, hidden) = digits_revealed(&s, &m);
            if shown > 0 {
                // A mobile hides 4 of 11 digits (plus an 86 prefix shown); a landline hides
                // 3-4 of its 7-8 local digits. At most 4 + 4 or 5 + 4 digits are shown.
                prop_assert!((3..=4).contains(&hidden), "{s:?} → {m:?}");
                prop_assert!(shown <= 9, "{s:?} → {m:?}");
                // The last four digits are the visible tail.
                let tail: String = m.chars().rev().filter(|c| c.is_ascii_digit()).take(4).collect();
                let real: String = s.chars().rev().filter(|c| c.is_ascii_digit()).take(4).collect();
                prop_assert_eq!(tail, real);
            } else {
                prop_assert!(m.chars().all(|c| c == MASK || !c.is_ascii_digit()));
            }
        }

        #[test]
        fn name_mask_reveals_only_the_first_character(s in any::<String>()) {
            let m = mask_name(&s);
            let n = s.chars().count();
            let shown = revealed(&s, &m);
            prop_assert!(shown <= 1);
            prop_assert!(m.chars().skip(1).all(|c| c == MASK));
            if n < 2 {
                prop_assert!(m.chars().all(|c| c == MASK));
            }
        }
    }
}
