//! Every kind of change `spec diff` reports, with whether it breaks clients of the generated
//! Rust SDK. The README's rule table documents the same list; a test keeps the two equal.
//!
//! The rules start from oasdiff's and add what a progenitor client needs: a generated
//! response field is `Option<T>` exactly when its property is optional or nullable, a
//! response `enum` is a closed Rust enum that cannot decode a value it does not list, and
//! operation and schema names are the names of generated methods and types.

/// Whether a kind of change breaks clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Always breaking.
    Breaking,
    /// Never breaking.
    Compatible,
    /// Breaking only under this condition (`when ...`), which each change decides.
    BreakingWhen(&'static str),
}

macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $verdict:expr;)*) => {
        /// A kind of change between two specs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind {
            $($(#[$doc])* $variant,)*
        }

        impl Kind {
            /// Every kind, in the README table's order.
            pub const ALL: &[Kind] = &[$(Kind::$variant,)*];

            /// The kind's name in the output and the README, e.g. `operation-removed`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Kind::$variant => $name,)*
                }
            }

            /// Whether changes of this kind break clients.
            pub fn verdict(self) -> Verdict {
                use Verdict::*;
                match self {
                    $(Kind::$variant => $verdict,)*
                }
            }
        }
    };
}

const REQUIRED: &str = "when required";
const OPTION: &str = "when the generated field gains or loses its `Option`";
const SUCCESS: &str = "when the status is a success";

kinds! {
    /// A new operation: a new generated method.
    OperationAdded = "operation-added", Compatible;
    /// An operation removed: its generated method is gone.
    OperationRemoved = "operation-removed", Breaking;
    /// An `operationId` changed: the generated method is renamed.
    OperationIdChanged = "operation-id-changed", Breaking;
    /// A new request parameter.
    RequestParameterAdded = "request-parameter-added", BreakingWhen(REQUIRED);
    /// A request parameter removed: its builder method is gone.
    RequestParameterRemoved = "request-parameter-removed", Breaking;
    /// An optional request parameter became required.
    RequestParameterBecameRequired = "request-parameter-became-required", Breaking;
    /// A required request parameter became optional.
    RequestParameterBecameOptional = "request-parameter-became-optional", Compatible;
    /// A new request body.
    RequestBodyAdded = "request-body-added", BreakingWhen(REQUIRED);
    /// A request body removed: the builder's `body` is gone.
    RequestBodyRemoved = "request-body-removed", Breaking;
    /// An optional request body became required.
    RequestBodyBecameRequired = "request-body-became-required", Breaking;
    /// A required request body became optional.
    RequestBodyBecameOptional = "request-body-became-optional", Compatible;
    /// A new media type for a request body.
    RequestMediaTypeAdded = "request-media-type-added", Compatible;
    /// A request body's media type removed: what the client sends is refused.
    RequestMediaTypeRemoved = "request-media-type-removed", Breaking;
    /// A new success (2xx) status.
    SuccessStatusAdded = "success-status-added", Compatible;
    /// A success status removed: what the client decodes is gone.
    SuccessStatusRemoved = "success-status-removed", Breaking;
    /// A new error status.
    ErrorStatusAdded = "error-status-added", Compatible;
    /// An error status removed: it still fails, as an undocumented status.
    ErrorStatusRemoved = "error-status-removed", Compatible;
    /// A new media type for a response.
    ResponseMediaTypeAdded = "response-media-type-added", Compatible;
    /// A response's media type removed.
    ResponseMediaTypeRemoved = "response-media-type-removed", BreakingWhen(SUCCESS);
    /// A schema's `type` changed, on either side: the generated type changes.
    TypeChanged = "type-changed", Breaking;
    /// A schema's `format` changed, on either side: the generated type may change.
    FormatChanged = "format-changed", Breaking;
    /// A new request body property.
    RequestPropertyAdded = "request-property-added", BreakingWhen(REQUIRED);
    /// A request body property removed: its builder method is gone.
    RequestPropertyRemoved = "request-property-removed", Breaking;
    /// An optional request property became required.
    RequestPropertyBecameRequired = "request-property-became-required", Breaking;
    /// A required request property became optional.
    RequestPropertyBecameOptional = "request-property-became-optional", Compatible;
    /// A new response property: clients ignore what they do not know.
    ResponsePropertyAdded = "response-property-added", Compatible;
    /// A response property removed, required or not: its generated field is gone.
    ResponsePropertyRemoved = "response-property-removed", Breaking;
    /// A required response property became optional.
    ResponsePropertyBecameOptional = "response-property-became-optional", BreakingWhen(OPTION);
    /// An optional response property became required.
    ResponsePropertyBecameRequired = "response-property-became-required", BreakingWhen(OPTION);
    /// A request value may now be null.
    RequestBecameNullable = "request-became-nullable", Compatible;
    /// A request value may no longer be null.
    RequestBecameNotNullable = "request-became-not-nullable", BreakingWhen(OPTION);
    /// A response value may now be null.
    ResponseBecameNullable = "response-became-nullable", BreakingWhen(OPTION);
    /// A response value may no longer be null.
    ResponseBecameNotNullable = "response-became-not-nullable", BreakingWhen(OPTION);
    /// A new value in a request enum.
    RequestEnumValueAdded = "request-enum-value-added", Compatible;
    /// A request enum value removed: clients sending it are refused, its variant is gone.
    RequestEnumValueRemoved = "request-enum-value-removed", Breaking;
    /// A new value in a closed response enum: the generated enum cannot decode it.
    ResponseEnumValueAdded = "response-enum-value-added", Breaking;
    /// A response enum value removed: its generated variant is gone.
    ResponseEnumValueRemoved = "response-enum-value-removed", Breaking;
    /// A string became a closed enum: the generated type changes from `String`.
    EnumAdded = "enum-added", Breaking;
    /// A closed enum became an open string: the generated enum becomes a `String`.
    EnumRemoved = "enum-removed", Breaking;
    /// A request limit (minimum, maximum, length, pattern, ...) became stricter.
    RequestConstraintTightened = "request-constraint-tightened", Breaking;
    /// A request limit became looser.
    RequestConstraintLoosened = "request-constraint-loosened", Compatible;
    /// A response limit became stricter.
    ResponseConstraintTightened = "response-constraint-tightened", Compatible;
    /// A response limit became looser: answers the old client validates may now fail.
    ResponseConstraintLoosened = "response-constraint-loosened", Breaking;
    /// A `pattern` or `multipleOf` replaced by another.
    ConstraintChanged = "constraint-changed", Breaking;
    /// `additionalProperties` changed: the generated type changes.
    AdditionalPropertiesChanged = "additional-properties-changed", Breaking;
    /// A new `oneOf`/`anyOf` variant in a request.
    RequestVariantAdded = "request-variant-added", Compatible;
    /// A new `oneOf`/`anyOf` variant in a response: the generated type cannot decode it.
    ResponseVariantAdded = "response-variant-added", Breaking;
    /// A `oneOf`/`anyOf` variant removed.
    VariantRemoved = "variant-removed", Breaking;
    /// A new component schema: a new generated type.
    ComponentSchemaAdded = "component-schema-added", Compatible;
    /// A component schema removed: its generated type is gone.
    ComponentSchemaRemoved = "component-schema-removed", Breaking;
    /// A component schema renamed, its content unchanged: the generated type is renamed.
    ComponentSchemaRenamed = "component-schema-renamed", Breaking;
    /// A new security scheme.
    SecuritySchemeAdded = "security-scheme-added", Compatible;
    /// A security scheme removed.
    SecuritySchemeRemoved = "security-scheme-removed", Breaking;
    /// A security scheme changed (type, header name, ...): the SDK sends its key wrongly.
    SecuritySchemeChanged = "security-scheme-changed", Breaking;
}
