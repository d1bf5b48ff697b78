//! `messageEvents` rendered once for many subscribers.
//!
//! Executing a subscription the usual way resolves every event once per
//! subscriber: a message into a chat of 1,000 followers is resolved and
//! serialized 1,000 times, although nearly all of them select the same
//! fields. Here the transport delivers `messageEvents` itself: the
//! subscription starts as usual (parsing, validation, limits, the guard,
//! membership and the resume cursor are all checked by the real schema),
//! then the resolver hands its [`Follower`] over ([`Takeover`]), and each
//! event is rendered by running the subscriber's own document as a query on
//! [`SharedRoot`], a root that answers with the event. The serialized result
//! is kept for the event (`memo::RenderMemo`, which knows an event by its
//! allocation: the one copy its live followers share) under a key made of
//! the document, the operation and the variables the selection uses, so
//! every subscriber asking the same question gets the one answer.
//!
//! What each user may see stays exact, by construction: a shared rendering
//! runs on [`SharedRoot`], whose types ([`SharedMessageEvent`] and what it
//! reaches) have only the fields whose answer does not depend on who asks,
//! and the request carries no viewer at all. A selection asking for a
//! field they lack (`reactedByMe`, a user's `email`, `status`) does not
//! validate there; each subscriber then renders the event as itself on
//! [`ViewerRoot`], with the full types, as before. What is still decided
//! per subscriber is unchanged: which events reach them (the follower
//! filters messages hidden for them), and when.

mod memo;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{
    Context, EmptyMutation, EmptySubscription, ID, Name, Object, ObjectType, Request, Response,
    Schema,
};
use async_graphql_value::Value;

use super::context::LoaderSlot;
use super::errors::{ensure_codes, failed_before_execution};
use super::messages::{MessageEventObject, SharedMessageEvent};
use crate::auth::Viewer;
use crate::domain::ChatId;
use crate::services::Services;
use crate::services::message_stream::{Follower, TimelineItem};
use memo::RenderMemo;

/// The root field delivered this way.
const FIELD: &str = "messageEvents";

/// Renders events for subscribers (one per server).
pub struct SharedEvents {
    /// Renders as nobody, for every subscriber asking the same.
    shared: Schema<SharedRoot, EmptyMutation, EmptySubscription>,
    /// Renders as one subscriber, when the shared types cannot answer.
    own: Schema<ViewerRoot, EmptyMutation, EmptySubscription>,
    /// The templates in use, by key: subscribers asking the same share one
    /// copy of the document (see [`SharedEvents::intern`]).
    templates: Mutex<HashMap<Arc<str>, Weak<Template>>>,
    /// The shared renderings of the events being delivered.
    memo: RenderMemo,
}

impl SharedEvents {
    pub fn new(services: Services) -> Self {
        let shared = Schema::build(SharedRoot, EmptyMutation, EmptySubscription)
            .data(services.clone())
            .finish();
        let own = Schema::build(ViewerRoot, EmptyMutation, EmptySubscription)
            .data(services)
            .finish();
        Self {
            shared,
            own,
            templates: Mutex::default(),
            memo: RenderMemo::default(),
        }
    }

    /// `subscriber` holding the template already in use for its key, if
    /// any: a thousand subscribers of one app hold one copy of its document,
    /// and their renderings are found by pointer.
    pub fn intern(&self, mut subscriber: SharedSubscription) -> SharedSubscription {
        let mut templates = self.templates.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(known) = templates
            .get(&subscriber.template.key)
            .and_then(Weak::upgrade)
        {
            subscriber.template = known;
            return subscriber;
        }
        // Forget the templates nobody uses before the map doubles.
        if templates.len() >= 64 && templates.len().is_power_of_two() {
            templates.retain(|_, template| template.strong_count() > 0);
        }
        let template = &subscriber.template;
        templates.insert(template.key.clone(), Arc::downgrade(template));
        subscriber
    }

    /// The `payload` of the `next` message for `item` (a serialized
    /// response), shared with every subscriber asking the same when the
    /// answer does not depend on who asks.
    pub async fn render(
        &self,
        subscriber: &mut SharedSubscription,
        chat: ChatId,
        mut item: TimelineItem,
    ) -> Arc<str> {
        let slot = match &mut item {
            TimelineItem::Event(event) if !subscriber.renders_own => {
                self.memo.slot(event, &subscriber.template.key)
            }
            _ => None,
        };
        let item = Arc::new(RenderItem { chat, item });
        if let Some(slot) = slot {
            let shared = slot
                .get_or_init(|| async {
                    let response = execute(&self.shared, subscriber, &item, None).await;
                    // Asks for a field only the full types have.
                    (!failed_before_execution(&response)).then(|| serialize(&response))
                })
                .await;
            match shared {
                Some(payload) => return payload.clone(),
                // This selection depends on the viewer: no sharing from now.
                None => subscriber.renders_own = true,
            }
        }
        let viewer = subscriber.viewer.clone();
        serialize(&execute(&self.own, subscriber, &item, Some(viewer)).await)
    }
}

/// Runs `subscriber`'s document on `schema` for `item`, as `viewer` (none
/// for a shared rendering).
async fn execute<Root: ObjectType + 'static>(
    schema: &Schema<Root, EmptyMutation, EmptySubscription>,
    subscriber: &SharedSubscription,
    item: &Arc<RenderItem>,
    viewer: Option<Viewer>,
) -> Response {
    let viewer_id = match &viewer {
        Some(Viewer::User(user)) => Some(user.id),
        _ => None,
    };
    // Kept as JSON: a parsed map costs an idle subscriber far more.
    let variables = serde_json::from_str(&subscriber.variables).unwrap_or_default();
    let template = &subscriber.template;
    let mut request = Request::new(template.query.as_ref())
        .variables(variables)
        .data(item.clone())
        .data(LoaderSlot::new(viewer_id));
    if let Some(name) = &template.operation_name {
        request = request.operation_name(name.as_str());
    }
    if let Some(viewer) = viewer {
        request = request.data(viewer);
    }
    // Boxed: a subscriber's task should not carry an execution's state
    // while it waits for the next event.
    let mut response = Box::pin(schema.execute(request)).await;
    ensure_codes(&mut response);
    response
}

/// The `payload` of a `next` message.
fn serialize(response: &Response) -> Arc<str> {
    // Serializing a response cannot fail: every map key is a string.
    serde_json::to_string(response).unwrap_or_default().into()
}

/// What one rendering is about.
struct RenderItem {
    chat: ChatId,
    item: TimelineItem,
}

/// The event being rendered.
fn rendered(ctx: &Context<'_>) -> async_graphql::Result<MessageEventObject> {
    let render = ctx.data::<Arc<RenderItem>>()?;
    MessageEventObject::from_item(render.chat, render.item.clone())
        .ok_or_else(|| "nothing to render".into())
}

/// The root of shared renderings: `messageEvents` answers with the event
/// being rendered, as everyone sees it. Named like the real root so that
/// fragments on `Subscription` in the subscriber's document still apply.
pub struct SharedRoot;

#[Object(name = "Subscription")]
impl SharedRoot {
    /// The arguments were checked when the subscription started; they are
    /// declared so the same document runs.
    async fn message_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "chatId")] _chat_id: ID,
        #[graphql(name = "after")] _after: Option<String>,
    ) -> async_graphql::Result<SharedMessageEvent> {
        rendered(ctx).map(SharedMessageEvent)
    }
}

/// The root of one subscriber's own renderings: the event with the full
/// types, as that subscriber sees it.
pub struct ViewerRoot;

#[Object(name = "Subscription")]
impl ViewerRoot {
    async fn message_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "chatId")] _chat_id: ID,
        #[graphql(name = "after")] _after: Option<String>,
    ) -> async_graphql::Result<MessageEventObject> {
        rendered(ctx)
    }
}

/// Where the `messageEvents` resolver hands its follower over when the
/// transport delivers the events itself.
#[derive(Clone, Default)]
pub struct Takeover(Arc<Mutex<Option<Feed>>>);

/// A started `messageEvents` subscription.
pub struct Feed {
    pub chat: ChatId,
    pub follower: Follower,
}

impl Takeover {
    pub fn hand_over(&self, feed: Feed) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(feed);
    }

    /// The feed, if the resolver handed one over.
    pub fn take(&self) -> Option<Feed> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// What subscribers asking the same question have in common.
struct Template {
    /// The subscriber's document with `subscription` turned into `query`
    /// (parsed again at each rendering rather than kept: most renderings
    /// are shared, and an idle subscriber should hold little).
    query: Box<str>,
    operation_name: Option<String>,
    /// Everything the rendering depends on besides the event and the
    /// viewer: the document, the operation, and the variables used below
    /// the root field (`chatId` and `after` only choose the events).
    key: Arc<str>,
}

/// A subscriber of `messageEvents` whose events the transport renders.
pub struct SharedSubscription {
    template: Arc<Template>,
    /// The request's variables, as JSON.
    variables: Box<str>,
    viewer: Viewer,
    /// Set once a shared rendering read the viewer.
    renders_own: bool,
    pub takeover: Takeover,
}

impl SharedSubscription {
    /// `Some` when `request` is a subscription whose one root field is
    /// `messageEvents`, without directives there; anything else runs the
    /// usual way. Call it after the query limits have passed: it parses.
    pub fn detect(request: &mut Request, viewer: Viewer) -> Option<Self> {
        let name = request.operation_name.clone();
        let source = request.query.clone();
        let document = request.parsed_query().ok()?;
        let (_, operation) = super::operation::select(document, name.as_deref())?;
        if operation.node.ty != OperationType::Subscription || !operation.node.directives.is_empty()
        {
            return None;
        }
        let [root] = &operation.node.selection_set.node.items[..] else {
            return None;
        };
        let Selection::Field(field) = &root.node else {
            return None;
        };
        if field.node.name.node != FIELD || !field.node.directives.is_empty() {
            return None;
        }
        let start = byte_offset(&source, operation.pos)?;
        if !source[start..].starts_with("subscription") {
            return None;
        }
        let mut used = Vec::new();
        let selection = &field.node.selection_set.node;
        variables_used(document, selection, &mut used, &mut Vec::new());
        let query = format!(
            "{}query{}",
            &source[..start],
            &source[start + "subscription".len()..]
        );
        // The rewritten text must parse as the query it is meant to be.
        async_graphql::parser::parse_query(&query).ok()?;
        let used: std::collections::BTreeMap<&str, &async_graphql::Value> = used
            .iter()
            .filter_map(|name| Some((name.as_str(), request.variables.get(name)?)))
            .collect();
        let key = format!(
            "{}\n{}\n{query}",
            name.as_deref().unwrap_or_default(),
            serde_json::to_string(&used).ok()?
        );
        let template = Template {
            query: query.into(),
            operation_name: request.operation_name.clone(),
            key: key.into(),
        };
        Some(Self {
            template: Arc::new(template),
            variables: serde_json::to_string(&request.variables).ok()?.into(),
            viewer,
            renders_own: false,
            takeover: Takeover::default(),
        })
    }
}

/// The byte offset of a parser position (1-based line and column, counted
/// the way the parser counts them: `\r` restarts the column, `\n` also
/// starts a line).
fn byte_offset(text: &str, pos: async_graphql::Pos) -> Option<usize> {
    let (mut line, mut column) = (1, 1);
    for (offset, ch) in text.char_indices() {
        if line == pos.line && column == pos.column {
            return Some(offset);
        }
        match ch {
            '\r' => column = 1,
            '\n' => {
                line += 1;
                column = 1;
            }
            _ => column += 1,
        }
    }
    None
}

/// The variables a selection uses (in arguments and directives, through
/// fragments too).
fn variables_used(
    document: &ExecutableDocument,
    selection: &SelectionSet,
    used: &mut Vec<Name>,
    seen_fragments: &mut Vec<Name>,
) {
    for item in &selection.items {
        match &item.node {
            Selection::Field(field) => {
                let arguments = field.node.arguments.iter().map(|(_, v)| &v.node);
                let directives = field.node.directives.iter();
                collect(arguments, directives, used);
                variables_used(
                    document,
                    &field.node.selection_set.node,
                    used,
                    seen_fragments,
                );
            }
            Selection::InlineFragment(fragment) => {
                collect([].into_iter(), fragment.node.directives.iter(), used);
                let selection = &fragment.node.selection_set.node;
                variables_used(document, selection, used, seen_fragments);
            }
            Selection::FragmentSpread(spread) => {
                collect([].into_iter(), spread.node.directives.iter(), used);
                let name = &spread.node.fragment_name.node;
                if seen_fragments.contains(name) {
                    continue;
                }
                seen_fragments.push(name.clone());
                if let Some(fragment) = document.fragments.get(name) {
                    collect([].into_iter(), fragment.node.directives.iter(), used);
                    let selection = &fragment.node.selection_set.node;
                    variables_used(document, selection, used, seen_fragments);
                }
            }
        }
    }
}

fn collect<'a>(
    arguments: impl Iterator<Item = &'a Value>,
    directives: impl Iterator<
        Item = &'a async_graphql::Positioned<async_graphql::parser::types::Directive>,
    >,
    used: &mut Vec<Name>,
) {
    let directive_arguments =
        directives.flat_map(|d| d.node.arguments.iter().map(|(_, v)| &v.node));
    for value in arguments.chain(directive_arguments) {
        value_variables(value, used);
    }
}

fn value_variables(value: &Value, used: &mut Vec<Name>) {
    match value {
        Value::Variable(name) if !used.contains(name) => used.push(name.clone()),
        Value::List(items) => items.iter().for_each(|v| value_variables(v, used)),
        Value::Object(fields) => fields.values().for_each(|v| value_variables(v, used)),
        _ => {}
    }
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    fn detect(query: &str, variables: serde_json::Value) -> Option<SharedSubscription> {
        let mut request =
            Request::new(query).variables(async_graphql::Variables::from_json(variables));
        SharedSubscription::detect(&mut request, Viewer::Anonymous)
    }

    #[test]
    fn detect__takes_a_lone_message_events_subscription_and_makes_it_a_query() {
        let sub = detect(
            "# events\nsubscription Events($chat: ID!) { messageEvents(chatId: $chat) { kind } }",
            serde_json::json!({ "chat": "c1" }),
        )
        .expect("eligible");
        assert_eq!(
            &*sub.template.query,
            "# events\nquery Events($chat: ID!) { messageEvents(chatId: $chat) { kind } }"
        );
        let aliased = detect(
            "subscription { e: messageEvents(chatId: \"c\") { ...F } } fragment F on MessageEvent { cursor }",
            serde_json::json!({}),
        );
        assert!(aliased.is_some());
    }

    #[test]
    fn detect__leaves_everything_else_to_the_usual_path() {
        let refused = [
            "query { me { id } }",
            "subscription { chatEvents { kind } }",
            "subscription { messageEvents(chatId: \"c\") { kind } chatEvents { kind } }",
            "subscription { messageEvents(chatId: \"c\") @include(if: true) { kind } }",
            "subscription @x { messageEvents(chatId: \"c\") { kind } }",
            "subscription { ... on Subscription { messageEvents(chatId: \"c\") { kind } } }",
            "subscription A { messageEvents(chatId: \"c\") { kind } } query B { me { id } }",
            "not graphql",
        ];
        for query in refused {
            assert!(detect(query, serde_json::json!({})).is_none(), "{query}");
        }
    }

    #[test]
    fn detect__picks_the_named_operation_and_counts_columns_in_characters() {
        let query = "# Äpfel\rquery A { me { id } }\r\n  subscription B { messageEvents(chatId: \"Ö\") { kind } }";
        let mut request = Request::new(query).operation_name("B");
        let sub = SharedSubscription::detect(&mut request, Viewer::Anonymous).expect("eligible");
        assert!(
            sub.template
                .query
                .ends_with("}\r\n  query B { messageEvents(chatId: \"Ö\") { kind } }"),
            "{}",
            sub.template.query
        );
    }

    #[test]
    fn key__ignores_the_variables_that_only_choose_the_events() {
        let query = "subscription($chat: ID!, $after: String, $big: Boolean!) { \
            messageEvents(chatId: $chat, after: $after) { kind ...F } } \
            fragment F on MessageEvent { message @include(if: $big) { id } }";
        let a = detect(
            query,
            serde_json::json!({ "chat": "c", "after": "1", "big": true }),
        );
        let b = detect(
            query,
            serde_json::json!({ "chat": "c", "after": "9", "big": true }),
        );
        let c = detect(
            query,
            serde_json::json!({ "chat": "c", "after": "1", "big": false }),
        );
        let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
        assert_eq!(a.template.key, b.template.key);
        assert_ne!(
            a.template.key, c.template.key,
            "a variable used by the selection is part of the key"
        );
    }
}
