//! People to register, with valid, unique identity numbers.

use rand::Rng;
use serde_json::{Value, json};

/// The HKID check character, computed independently of the server's code (DOMAIN.md).
pub fn hkid_check(prefix: &str, digits: &str) -> char {
    let mut chars: Vec<char> = prefix.chars().collect();
    if chars.len() == 1 {
        chars.insert(0, ' ');
    }
    chars.extend(digits.chars());
    let sum: u32 = chars
        .iter()
        .zip((2..=9u32).rev())
        .map(|(c, w)| {
            let v = match c {
                ' ' => 36,
                'A'..='Z' => *c as u32 - 'A' as u32 + 10,
                _ => c.to_digit(10).unwrap_or(0),
            };
            v * w
        })
        .sum();
    match 11 - sum % 11 {
        11 => '0',
        10 => 'A',
        d => char::from_digit(d, 10).unwrap_or('0'),
    }
}

/// A random valid HKID such as `K123456(7)`.
pub fn random_hkid() -> String {
    let mut rng = rand::thread_rng();
    let letter = char::from(b'A' + rng.gen_range(0..26u8));
    let digits = format!("{:06}", rng.gen_range(0..1_000_000u32));
    let check = hkid_check(&letter.to_string(), &digits);
    format!("{letter}{digits}({check})")
}

#[derive(Debug, Clone)]
pub struct Person {
    pub hkid: String,
    pub date_of_birth: String,
    pub doc_type: &'static str,
}

impl Person {
    pub fn adult() -> Self {
        Self {
            hkid: random_hkid(),
            date_of_birth: "1990-05-17".to_owned(),
            doc_type: "hkid",
        }
    }

    pub fn born(date_of_birth: &str) -> Self {
        Self {
            date_of_birth: date_of_birth.to_owned(),
            ..Self::adult()
        }
    }

    pub fn registration_body(&self) -> Value {
        json!({
            "identity_document": {"type": self.doc_type, "number": self.hkid},
            "english_name": {"surname": "CHAN", "given_names": "TAI MAN"},
            "chinese_name": "陳大文",
            "date_of_birth": self.date_of_birth,
            "sex": "M",
            "phone": "+852 9123 4567",
            "email": "tai.man@example.com",
            "preferred_language": "zh-HK",
            "notify_on_access": true
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_domain_example_check_digit() {
        assert_eq!(hkid_check("A", "123456"), '3');
    }
}
