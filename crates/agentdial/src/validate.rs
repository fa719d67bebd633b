//! Input checks made before any request is sent.

use crate::{Error, Provider};

/// An E.164 number: `+`, a valid country calling code, at most 15 digits in all.
pub fn e164(provider: Provider, field: &str, number: &str) -> Result<(), Error> {
    let invalid = |why: &str| Error::InvalidInput {
        provider: Some(provider),
        message: format!("{field} {number:?} is not an E.164 number: {why}"),
    };
    let digits = number.strip_prefix('+').ok_or_else(|| invalid("it must start with '+'"))?;
    if digits.is_empty()
        || digits.len() > 15
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || digits.starts_with('0')
    {
        return Err(invalid("expected '+' and 2 to 15 digits, not starting with 0"));
    }
    if digits.len() < 2 {
        return Err(invalid("too short"));
    }
    // The country calling code must exist: a lookup in libphonenumber's metadata (via `phonenumber`).
    // Calling codes are prefix-free, so at most one of the 1-, 2- and 3-digit prefixes matches.
    // (A full `phonenumber::parse` costs tens of microseconds per dial; see BENCHMARKS.md.)
    let known = (1..=3).any(|len| {
        digits[..len.min(digits.len())]
            .parse::<u16>()
            .is_ok_and(|code| phonenumber::metadata::DATABASE.by_code(&code).is_some())
    });
    if !known {
        return Err(invalid("unknown country calling code"));
    }
    Ok(())
}

/// Loads the metadata once, so the first dial does not pay for it.
pub fn warm_up() {
    let _ = phonenumber::metadata::DATABASE.by_code(&1u16);
}

pub fn non_empty(provider: Provider, field: &str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::InvalidInput { provider: Some(provider), message: format!("{field} is empty") });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_numbers() {
        for ok in ["+14155550123", "+31850835037", "+442071838750"] {
            assert!(e164(Provider::Altur, "to", ok).is_ok(), "{ok}");
        }
        for bad in [
            "14155550123",
            "+",
            "+0987654321",
            "+1 415 555 0123",
            "+1415555012345678",
            "",
            "+99912345678",
            "tel:+14155550123",
        ] {
            assert!(matches!(e164(Provider::Altur, "to", bad), Err(Error::InvalidInput { .. })), "{bad}");
        }
    }
}
