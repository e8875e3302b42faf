//! Comparing secrets (check keys, tokens, signatures) in constant time: how long a comparison takes
//! does not tell how much of a guess was right.

/// Whether two secrets are equal.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_equal_secrets_are_the_same() {
        assert!(super::same("483920", "483920"));
        assert!(!super::same("483920", "483921"));
        assert!(!super::same("48392", "483920"));
    }
}
