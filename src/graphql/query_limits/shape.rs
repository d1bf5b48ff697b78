//! The shape of each operation in a parsed document: depth, aliases, root
//! fields and directives, with fragments expanded where they are spread (a
//! fragment spread twice counts twice, as it executes twice).
//!
//! Runs before validation, so it must survive invalid documents: a fragment
//! cycle counts as empty (validation then rejects it) and unknown fragments
//! count as nothing. Each fragment is measured once, so the walk is linear in
//! the document's size however often its fragments are spread.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Positioned};

/// Fields whose subtrees are introspection: they do not count towards depth,
/// since GraphiQL's schema query nests type references about a dozen deep.
const INTROSPECTION_ROOTS: [&str; 2] = ["__schema", "__type"];

/// What the limits look at, for one operation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Deepest field nesting (a lone field is 1).
    pub depth: usize,
    pub aliases: usize,
    /// Fields at the top of the operation (through fragments).
    pub root_fields: usize,
    pub directives: usize,
}

impl Shape {
    /// `other` (a selection set or fragment) found at this level.
    fn absorb(&mut self, other: Shape) {
        self.depth = self.depth.max(other.depth);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.root_fields = self.root_fields.saturating_add(other.root_fields);
        self.directives = self.directives.saturating_add(other.directives);
    }
}

/// The shape of every operation in `document`.
pub fn operation_shapes(document: &ExecutableDocument) -> Vec<Shape> {
    let mut walker = Walker {
        document,
        measured: HashMap::new(),
        measuring: HashSet::new(),
    };
    document
        .operations
        .iter()
        .map(|(_, operation)| {
            let operation = &operation.node;
            let mut shape = walker.selection_set(&operation.selection_set);
            let variable_directives: usize = operation
                .variable_definitions
                .iter()
                .map(|v| v.node.directives.len())
                .sum();
            shape.directives = shape
                .directives
                .saturating_add(operation.directives.len())
                .saturating_add(variable_directives);
            shape
        })
        .collect()
}

struct Walker<'a> {
    document: &'a ExecutableDocument,
    measured: HashMap<&'a Name, Shape>,
    /// Fragments being measured right now: meeting one again is a cycle.
    measuring: HashSet<&'a Name>,
}

impl<'a> Walker<'a> {
    fn selection_set(&mut self, set: &'a Positioned<SelectionSet>) -> Shape {
        let mut shape = Shape::default();
        for selection in &set.node.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let inner = self.selection_set(&field.selection_set);
                    let depth = if INTROSPECTION_ROOTS.contains(&field.name.node.as_str()) {
                        1
                    } else {
                        inner.depth.saturating_add(1)
                    };
                    shape.absorb(Shape {
                        depth,
                        aliases: inner
                            .aliases
                            .saturating_add(usize::from(field.alias.is_some())),
                        root_fields: 1,
                        directives: inner.directives.saturating_add(field.directives.len()),
                    });
                }
                Selection::FragmentSpread(spread) => {
                    let mut inner = self.fragment(&spread.node.fragment_name.node);
                    inner.directives = inner
                        .directives
                        .saturating_add(spread.node.directives.len());
                    shape.absorb(inner);
                }
                Selection::InlineFragment(inline) => {
                    let mut inner = self.selection_set(&inline.node.selection_set);
                    inner.directives = inner
                        .directives
                        .saturating_add(inline.node.directives.len());
                    shape.absorb(inner);
                }
            }
        }
        shape
    }

    fn fragment(&mut self, name: &'a Name) -> Shape {
        if let Some(shape) = self.measured.get(name) {
            return *shape;
        }
        let Some(fragment) = self.document.fragments.get(name) else {
            return Shape::default();
        };
        if !self.measuring.insert(name) {
            return Shape::default();
        }
        let mut shape = self.selection_set(&fragment.node.selection_set);
        shape.directives = shape
            .directives
            .saturating_add(fragment.node.directives.len());
        self.measuring.remove(name);
        self.measured.insert(name, shape);
        shape
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    fn shape(query: &str) -> Shape {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let shapes = operation_shapes(&document);
        assert_eq!(shapes.len(), 1);
        shapes[0]
    }

    #[test]
    fn shape__counts_depth_aliases_root_fields_and_directives() {
        let s = shape("query @a { a: me { b: friends @x { id } } c: me { id @y @z } }");
        assert_eq!(
            s,
            Shape {
                depth: 3,
                aliases: 3,
                root_fields: 2,
                directives: 4
            }
        );
    }

    #[test]
    fn shape__expands_fragments_each_time_they_are_spread() {
        let s = shape(
            "{ x: me { ...F } y: me { ...F } ...Top } \
             fragment F on User { a: id b: id } fragment Top on Query { me { id } t: me { id } }",
        );
        assert_eq!(s.aliases, 2 + 2 * 2 + 1);
        assert_eq!(s.root_fields, 4);
        assert_eq!(s.depth, 2);
    }

    #[test]
    fn shape__survives_fragment_cycles_and_unknown_fragments() {
        let s = shape(
            "{ ...A ...Nope } fragment A on Query { a: x { ...B } } fragment B on X { b: y { ...A } }",
        );
        assert_eq!(s.root_fields, 1);
        assert_eq!(s.aliases, 2);
    }

    #[test]
    fn shape__introspection_subtrees_do_not_add_depth() {
        let s = shape("{ __schema { types { fields { type { ofType { ofType { name } } } } } } }");
        assert_eq!(s.depth, 1);
        assert_eq!(shape("{ a { b { c } } }").depth, 3);
    }
}
