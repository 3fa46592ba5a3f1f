//! Sizes as people write them.

use indicatif::HumanBytes;

/// "1 GiB", "16 KiB", "100 B", "1.50 KiB": indicatif's binary units, without the ".00" it
/// gives whole units, which is what the bench's sizes are.
pub fn bytes(n: u64) -> String {
    HumanBytes(n).to_string().replace(".00 ", " ")
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn whole_units_have_no_decimals_and_others_keep_them() {
        assert_eq!(bytes(1 << 30), "1 GiB");
        assert_eq!(bytes(64 << 20), "64 MiB");
        assert_eq!(bytes(16 << 10), "16 KiB");
        assert_eq!(bytes(100), "100 B");
        assert_eq!(bytes(1536), "1.50 KiB");
    }
}
