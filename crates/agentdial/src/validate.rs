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
    // The country calling code must exist. Calling codes are prefix-free, so at most one of the 1-,
    // 2- and 3-digit prefixes is one.
    let known = (1..=3.min(digits.len()))
        .any(|len| digits[..len].parse::<u16>().is_ok_and(|code| CALLING_CODES.binary_search(&code).is_ok()));
    if !known {
        return Err(invalid("unknown country calling code"));
    }
    Ok(())
}

/// Every country calling code of libphonenumber's metadata (geographic and non-geographic), in
/// order. A table rather than the `phonenumber` crate at run time: the check needs only these
/// numbers, and that crate's regex, nom and strum tree was a tenth of a one-provider build (see
/// BENCHMARKS.md, "Build cost"). The test `calling_codes_are_libphonenumbers` compares it with
/// `phonenumber`'s metadata (a dev-dependency), so a metadata update that adds a code fails there.
const CALLING_CODES: &[u16] = &[
    1, 7, 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57,
    58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98, 211, 212, 213, 216, 218, 220,
    221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241,
    242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 260, 261, 262, 263,
    264, 265, 266, 267, 268, 269, 290, 291, 297, 298, 299, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359,
    370, 371, 372, 373, 374, 375, 376, 377, 378, 380, 381, 382, 383, 385, 386, 387, 389, 420, 421, 423, 500,
    501, 502, 503, 504, 505, 506, 507, 508, 509, 590, 591, 592, 593, 594, 595, 596, 597, 598, 599, 670, 672,
    673, 674, 675, 676, 677, 678, 679, 680, 681, 682, 683, 685, 686, 687, 688, 689, 690, 691, 692, 800, 808,
    850, 852, 853, 855, 856, 870, 878, 880, 881, 882, 883, 886, 888, 960, 961, 962, 963, 964, 965, 966, 967,
    968, 970, 971, 972, 973, 974, 975, 976, 977, 979, 992, 993, 994, 995, 996, 998,
];

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
    fn calling_codes_are_libphonenumbers() {
        assert!(CALLING_CODES.windows(2).all(|w| w[0] < w[1]), "sorted, for binary_search");
        for code in 0..1000u16 {
            assert_eq!(
                CALLING_CODES.contains(&code),
                phonenumber::metadata::DATABASE.by_code(&code).is_some(),
                "calling code {code}"
            );
        }
    }

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
