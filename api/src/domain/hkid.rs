//! Hong Kong identity card numbers (also used by Hong Kong birth certificates).

use std::fmt;

/// A valid HKID number, stored normalised as letters + six digits + check, e.g. `A1234563`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Hkid(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HkidError {
    /// Not one or two letters, six digits and a check character.
    Format,
    /// The check character does not match.
    CheckDigit,
}

impl Hkid {
    /// Accepts `A123456(3)`, `A1234563`, `a123456 (3)`, `AB987654(1)`.
    pub fn parse(raw: &str) -> Result<Self, HkidError> {
        let cleaned: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '(' | ')'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = cleaned.as_bytes();
        let letters = bytes.iter().take_while(|b| b.is_ascii_uppercase()).count();
        if !(1..=2).contains(&letters) || bytes.len() != letters + 7 {
            return Err(HkidError::Format);
        }
        let (body, check) = bytes.split_at(bytes.len() - 1);
        if !body[letters..].iter().all(u8::is_ascii_digit)
            || !(check[0].is_ascii_digit() || check[0] == b'A')
        {
            return Err(HkidError::Format);
        }
        if check_character(body) != char::from(check[0]) {
            return Err(HkidError::CheckDigit);
        }
        Ok(Self(cleaned))
    }

    /// The normalised form without brackets, e.g. `A1234563`.
    pub fn normalised(&self) -> &str {
        &self.0
    }

    /// The number with its digits hidden, e.g. `A123***(*)`.
    pub fn masked(&self) -> String {
        let letters = self.0.bytes().take_while(u8::is_ascii_uppercase).count();
        format!("{}***(*)", &self.0[..letters + 3])
    }
}

impl fmt::Display for Hkid {
    /// The conventional written form `A123456(3)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (body, check) = self.0.split_at(self.0.len() - 1);
        write!(f, "{body}({check})")
    }
}

impl fmt::Debug for Hkid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hkid({})", self.masked())
    }
}

/// The check character for one or two letters followed by six digits (DOMAIN.md "Identity").
fn check_character(body: &[u8]) -> char {
    let value = |b: u8| match b {
        b' ' => 36,
        b'A'..=b'Z' => u32::from(b - b'A') + 10,
        _ => u32::from(b - b'0'),
    };
    let padded: Vec<u8> = if body.len() == 7 {
        std::iter::once(b' ').chain(body.iter().copied()).collect()
    } else {
        body.to_vec()
    };
    let sum: u32 = padded
        .iter()
        .zip((2..=9).rev())
        .map(|(&b, w)| value(b) * w)
        .sum();
    match 11 - sum % 11 {
        11 => '0',
        10 => 'A',
        d => char::from_digit(d, 10).unwrap_or('0'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_domain_examples_hold() {
        assert!(Hkid::parse("A123456(3)").is_ok());
        assert_eq!(Hkid::parse("A123456(4)"), Err(HkidError::CheckDigit));
    }

    #[test]
    fn brackets_spaces_and_case_are_accepted_and_normalised() {
        for raw in ["A123456(3)", "a123456(3)", "A1234563", " a123456 (3) "] {
            let id = Hkid::parse(raw).map(|h| h.normalised().to_owned());
            assert_eq!(id, Ok("A1234563".to_owned()), "{raw}");
        }
        assert_eq!(
            Hkid::parse("a1234563").map(|h| h.to_string()),
            Ok("A123456(3)".to_owned())
        );
    }

    #[test]
    fn check_character_a_and_zero_are_computed() {
        // Numbers whose check character is A, and 0, exist and parse.
        let with_a = (0..1_000_000u32)
            .map(|n| format!("G{n:06}"))
            .find(|b| check_character(b.as_bytes()) == 'A');
        assert!(with_a.is_some_and(|b| Hkid::parse(&format!("{b}(A)")).is_ok()));
        let with_zero = (0..1_000_000u32)
            .map(|n| format!("G{n:06}"))
            .find(|b| check_character(b.as_bytes()) == '0');
        assert!(with_zero.is_some_and(|b| Hkid::parse(&format!("{b}(0)")).is_ok()));
    }

    #[test]
    fn two_letter_prefixes_are_supported() {
        // AB987654: 10*9 + 11*8 + 9*7 + 8*6 + 7*5 + 6*4 + 5*3 + 4*2 = 371; 371 mod 11 = 8; 11-8 = 3
        assert!(Hkid::parse("AB987654(3)").is_ok());
        assert_eq!(Hkid::parse("AB987654(2)"), Err(HkidError::CheckDigit));
    }

    #[test]
    fn malformed_numbers_are_format_errors() {
        for raw in [
            "",
            "123456(7)",
            "ABC123456(7)",
            "A12345(6)",
            "A1234567(8)",
            "A123456(B)",
            "A12X456(3)",
        ] {
            assert_eq!(Hkid::parse(raw), Err(HkidError::Format), "{raw}");
        }
    }

    #[test]
    fn masking_hides_the_last_digits_and_check() {
        assert_eq!(
            Hkid::parse("A123456(3)").map(|h| h.masked()),
            Ok("A123***(*)".to_owned())
        );
        assert_eq!(
            Hkid::parse("AB987654(3)").map(|h| h.masked()),
            Ok("AB987***(*)".to_owned())
        );
    }

    /// The rule from DOMAIN.md written independently of `check_character`, for comparison.
    fn reference_check(prefix: &str, digits: &str) -> char {
        let mut chars: Vec<char> = prefix.chars().collect();
        if chars.len() == 1 {
            chars.insert(0, ' ');
        }
        chars.extend(digits.chars());
        let sum: u32 = chars
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let v = if *c == ' ' {
                    36
                } else if c.is_ascii_alphabetic() {
                    *c as u32 - 'A' as u32 + 10
                } else {
                    *c as u32 - '0' as u32
                };
                v * (9 - i as u32)
            })
            .sum();
        match 11 - sum % 11 {
            11 => '0',
            10 => 'A',
            d => std::char::from_digit(d, 10).unwrap_or('?'),
        }
    }

    proptest! {
        #[test]
        fn exactly_one_check_character_is_valid(prefix in "[A-Z]{1,2}", digits in "[0-9]{6}") {
            let expected = reference_check(&prefix, &digits);
            for c in "0123456789A".chars() {
                let parsed = Hkid::parse(&format!("{prefix}{digits}({c})"));
                if c == expected {
                    prop_assert!(parsed.is_ok());
                } else {
                    prop_assert_eq!(parsed, Err(HkidError::CheckDigit));
                }
            }
        }

        #[test]
        fn parsing_is_insensitive_to_case_and_brackets(prefix in "[A-Z]{1,2}", digits in "[0-9]{6}") {
            let c = reference_check(&prefix, &digits);
            let a = Hkid::parse(&format!("{prefix}{digits}({c})"));
            let b = Hkid::parse(&format!("{}{digits}{}", prefix.to_lowercase(), c.to_ascii_lowercase()));
            prop_assert_eq!(a, b);
        }
    }
}
