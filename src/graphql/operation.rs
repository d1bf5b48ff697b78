//! Which operation of a document a request runs, chosen exactly as
//! async-graphql chooses it, for the transports (a mutation over GET is
//! refused; on shutdown a socket lets its queries and mutations finish) and
//! for the metrics (the root field names the operation).

use async_graphql::Positioned;

use super::QueryLimits;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
};

/// The operation `name` picks in `document`, with its name: the named one,
/// or the only one when no name is given. `None` when execution would fail
/// to pick one.
pub fn select<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<(Option<&'a str>, &'a Positioned<OperationDefinition>)> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), None) => Some((None, operation)),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .get_key_value(name)
            .map(|(name, operation)| (Some(name.as_str()), operation)),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations
            .iter()
            .next()
            .map(|(name, operation)| (Some(name.as_str()), operation)),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// The type of the operation `request` would run. The parsed document is
/// kept in the request, so execution does not parse it again. `None` when
/// the query limits refuse the text (it is then never parsed here), or it
/// does not parse, or names no operation: execution reports why.
pub fn operation_type(
    request: &mut async_graphql::Request,
    limits: &QueryLimits,
) -> Option<OperationType> {
    limits.check_source(&request.query).ok()?;
    let name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    select(document, name.as_deref()).map(|(_, operation)| operation.node.ty)
}

/// The name of the first root field (not its alias): what the metrics call
/// the operation, since root fields are the public contract.
pub fn root_field(operation: &OperationDefinition) -> Option<&str> {
    operation
        .selection_set
        .node
        .items
        .iter()
        .find_map(|selection| match &selection.node {
            Selection::Field(field) => Some(field.node.name.node.as_str()),
            _ => None,
        })
}

/// `query`, `mutation` or `subscription`.
pub fn type_name(ty: OperationType) -> &'static str {
    match ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}
