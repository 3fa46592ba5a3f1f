//! Object names: derived from what the client calls its file, and kept inside the data
//! directory.

/// Longest name kept, in bytes: under common filesystems' 255-byte limit for one component.
const MAX_NAME_BYTES: usize = 200;

/// Used when a path has no usable base name (`"dir/"`, `".."`, control characters only).
const FALLBACK_NAME: &str = "file";

/// The object name for a client's `local_file_path`: its base name (after the last `/` or
/// `\`, since clients on any OS send their own separators), without control characters,
/// trimmed, at most 200 bytes, and never empty, `.` or `..`. The result always passes
/// [`is_safe_name`], so every presigned URL can be stored.
pub(crate) fn object_name(local_file_path: &str) -> String {
    let base = local_file_path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(local_file_path);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let mut name = cleaned.trim().to_owned();
    if name.len() > MAX_NAME_BYTES {
        let mut end = MAX_NAME_BYTES;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    if name.is_empty() || name == "." || name == ".." {
        FALLBACK_NAME.to_owned()
    } else {
        name
    }
}

/// Whether `name` is one path component that cannot leave `<data_dir>/<uuid>/`: the store
/// refuses anything else before looking at the signature, whatever a URL claims.
pub(crate) fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name.len() <= MAX_NAME_BYTES
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
}

/// Whether `file_uuid` is a UUID in its canonical lower-case hyphenated form, the only form
/// the emulator hands out; other spellings (`{...}`, `urn:uuid:...`) are refused so that one
/// object has one directory.
pub(crate) fn is_canonical_uuid(file_uuid: &str) -> bool {
    uuid::Uuid::try_parse(file_uuid).is_ok_and(|u| u.hyphenated().to_string() == file_uuid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_name_keeps_only_a_safe_base_name() {
        assert_eq!(object_name("path/to/file1.csv"), "file1.csv");
        assert_eq!(object_name("C:\\data\\report.pdf"), "report.pdf");
        assert_eq!(object_name("../../etc/passwd"), "passwd");
        assert_eq!(object_name(".."), "file");
        assert_eq!(object_name("dir/"), "file");
        assert_eq!(object_name("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(object_name("my..file.txt"), "my..file.txt");
        let long = "é".repeat(150);
        let name = object_name(&long);
        assert!(name.len() <= MAX_NAME_BYTES && is_safe_name(&name));
    }

    #[test]
    fn unsafe_names_are_refused() {
        for bad in ["", ".", "..", "a/b", "a\\b", "../x", "a\u{0}b"] {
            assert!(!is_safe_name(bad), "{bad:?} should be refused");
        }
        assert!(is_safe_name("file1.csv"));
    }

    #[test]
    fn only_canonical_uuids_are_accepted() {
        let u = uuid::Uuid::new_v4();
        assert!(is_canonical_uuid(&u.hyphenated().to_string()));
        assert!(!is_canonical_uuid(&u.simple().to_string()));
        assert!(!is_canonical_uuid(
            &u.hyphenated().to_string().to_uppercase()
        ));
        assert!(!is_canonical_uuid(".."));
    }
}
