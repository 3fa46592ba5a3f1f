//! The one way this crate's answer types are made from the generated client's.

/// Conversion from the generated client's answer types. Crate-private on purpose: a public
/// `From` impl would put the generated (0.x, spec-shaped) types into this crate's API.
pub(crate) trait FromGenerated<G> {
    fn from_generated(generated: G) -> Self;
}

/// An answer without a body (a 204).
impl FromGenerated<()> for () {
    fn from_generated((): ()) {}
}
