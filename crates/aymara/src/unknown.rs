//! [`UnknownValue`]: what an open set of the API (a file type, a processing state, an error
//! code) holds when the service sends a value this version does not know.

use std::fmt;

/// A value the service sent that this version of the SDK does not know, kept as it was
/// sent. Read it with [`as_str`](Self::as_str) (or through the enum's own `as_str`).
///
/// It cannot be built outside this crate, so code cannot match on one particular unknown
/// value: such a match would silently stop matching once a later version knows the value
/// and gives it a variant of its own. Compare the enum's `as_str()` instead.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnknownValue(String);

impl UnknownValue {
    pub(crate) fn new(value: &str) -> Self {
        Self(value.to_owned())
    }

    /// The value as the service sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
