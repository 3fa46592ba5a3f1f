//! What a release asks of the spec: a spec that breaks clients since the last release ships
//! only in a breaking version bump. `cargo xtask release` calls [`check_release`] with the
//! changes of [`super::diff_since_release`].

use anyhow::{Context, Result, bail};
use semver::Version;

use super::change::Change;

/// Versions Cargo treats as compatible share this key: the left-most non-zero component and
/// everything before it. `0.a.b` and `0.a.c` are compatible, `0.a.b` and `0.(a+1).0` are
/// not, and every `0.0.z` stands alone.
fn compatibility(version: &Version) -> (u64, u64, u64) {
    match (version.major, version.minor) {
        (0, 0) => (0, 0, version.patch),
        (0, minor) => (0, minor, 0),
        (major, _) => (major, 0, 0),
    }
}

/// Whether `next` may break what `last` promised: under Cargo's semver rules, a dependent on
/// `last` does not pick `next` up on its own.
pub fn is_breaking_bump(last: &Version, next: &Version) -> bool {
    compatibility(last) != compatibility(next)
}

/// The first version after `last` that may break it: `0.a.b` → `0.(a+1).0`.
pub fn next_breaking(last: &Version) -> Version {
    match (last.major, last.minor) {
        (0, 0) => Version::new(0, 0, last.patch + 1),
        (0, minor) => Version::new(0, minor + 1, 0),
        (major, _) => Version::new(major + 1, 0, 0),
    }
}

/// Refuses releasing `next` after `last` when `changes` (the spec's changes since `last`)
/// break clients and the bump is not a breaking one; each version is `MAJOR.MINOR.PATCH`.
pub fn check_release(last: &str, next: &str, changes: &[Change]) -> Result<()> {
    let parse = |version: &str| {
        Version::parse(version).with_context(|| format!("{version:?} is not a semver version"))
    };
    let (last, next) = (parse(last)?, parse(next)?);
    if next <= last {
        bail!("{next} is not after the last release, {last}");
    }
    let breaking: Vec<&Change> = changes.iter().filter(|c| c.breaking).collect();
    if breaking.is_empty() || is_breaking_bump(&last, &next) {
        return Ok(());
    }
    let kinds: Vec<String> = breaking
        .iter()
        .map(|c| format!("{} at {}", c.kind.name(), c.location.pointer))
        .collect();
    bail!(
        "the spec has {} breaking change(s) since {last} ({}), so {next} must be a breaking \
         bump: release {} instead (see `cargo xtask spec diff`)",
        breaking.len(),
        kinds.join(", "),
        next_breaking(&last)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Kind, Location};

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn breaking_bumps_follow_cargo_for_0_x() {
        for (last, next, breaking) in [
            ("0.1.0", "0.1.1", false),
            ("0.1.3", "0.1.4", false),
            ("0.1.3", "0.2.0", true),
            ("0.2.0", "1.0.0", true),
            ("0.0.1", "0.0.2", true),
            ("0.0.1", "0.1.0", true),
            ("1.2.3", "1.3.0", false),
            ("1.2.3", "1.2.4", false),
            ("1.2.3", "2.0.0", true),
        ] {
            assert_eq!(
                is_breaking_bump(&v(last), &v(next)),
                breaking,
                "{last} -> {next}"
            );
        }
        assert_eq!(next_breaking(&v("0.1.3")), v("0.2.0"));
        assert_eq!(next_breaking(&v("0.0.3")), v("0.0.4"));
        assert_eq!(next_breaking(&v("1.4.2")), v("2.0.0"));
    }

    fn change(breaking: bool) -> Change {
        Change {
            kind: Kind::OperationRemoved,
            location: Location {
                operations: vec!["DELETE /v2/files/{file_uuid}".into()],
                pointer: "/paths/~1v2~1files~1{file_uuid}/delete".into(),
            },
            breaking,
            message: "operation `delete_file` was removed.".into(),
        }
    }

    #[test]
    fn a_breaking_spec_needs_a_breaking_bump() {
        let error = check_release("0.1.0", "0.1.1", &[change(false), change(true)]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the spec has 1 breaking change(s) since 0.1.0 (operation-removed at \
             /paths/~1v2~1files~1{file_uuid}/delete), so 0.1.1 must be a breaking bump: release \
             0.2.0 instead (see `cargo xtask spec diff`)"
        );
        check_release("0.1.0", "0.2.0", &[change(true)]).unwrap();
        check_release("0.1.0", "0.1.1", &[change(false)]).unwrap();
        check_release("0.1.0", "0.1.1", &[]).unwrap();
    }

    #[test]
    fn versions_must_be_semver_and_move_forward() {
        let message = |last, next| check_release(last, next, &[]).unwrap_err().to_string();
        assert_eq!(message("0.1", "0.2.0"), "\"0.1\" is not a semver version");
        assert_eq!(
            message("0.2.0", "0.2.0"),
            "0.2.0 is not after the last release, 0.2.0"
        );
        assert_eq!(
            message("0.2.0", "0.1.9"),
            "0.1.9 is not after the last release, 0.2.0"
        );
    }
}
