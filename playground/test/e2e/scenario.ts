// The end-to-end story, run once with Apollo Client and once with urql
// (apollo.test.ts, urql.test.ts), each against its own server and database.
//
// Steps run in order and share state (the users, their tokens, open
// subscriptions). A step for a feature that is not in schema.graphql yet is
// written as `it(name, { skip: 'TODO: waits for …' }, () => {})` until it lands.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArchiveChatDocument,
  BlockedUsersDocument,
  ChatNotificationDefaultDocument,
  PushPublicKeyDocument,
  RegisterPushSubscriptionDocument,
  UnregisterPushSubscriptionDocument,
  SetChatNotificationsDocument,
  UnarchiveChatDocument,
  BlockUserDocument,
  CancelFriendRequestDocument,
  DeleteAccountDocument,
  ExportMyDataDocument,
  FriendEventsDocument,
  FriendRequestsDocument,
  FriendsDocument,
  MarkNotificationsReadDocument,
  MeDocument,
  NotificationEventsDocument,
  NotificationsDocument,
  RefreshSessionDocument,
  RemoveFriendDocument,
  RespondToFriendRequestDocument,
  SearchUsersDocument,
  SendFriendRequestDocument,
  SessionsDocument,
  SignInDocument,
  SignOutDocument,
  SignUpDocument,
  SyncDocument,
  UnblockUserDocument,
  UnreadNotificationCountDocument,
  UpdateProfileDocument,
  UserByHandleDocument,
  UserDocument,
  UserEventsDocument,
  AddChatMembersDocument,
  AddReactionDocument,
  ChatDocument,
  ChatEventsDocument,
  ChatMembersDocument,
  ChatsDocument,
  CreateChatDocument,
  DeleteMessageDocument,
  DemoteAdminDocument,
  EditMessageDocument,
  JoinChatDocument,
  LeaveChatDocument,
  MarkMessagesDeliveredDocument,
  MarkMessagesReadDocument,
  MessageEventsDocument,
  MessagesDocument,
  MessagesAroundDocument,
  MainMessagesDocument,
  ThreadMessagesDocument,
  SendThreadReplyDocument,
  ThreadsDocument,
  FollowThreadDocument,
  UnfollowThreadDocument,
  MarkThreadReadDocument,
  PinMessageDocument,
  PinnedMessagesDocument,
  UnpinMessageDocument,
  PromoteAdminDocument,
  RemoveChatMemberDocument,
  RemoveReactionDocument,
  SearchChatsDocument,
  SearchMessagesDocument,
  SendMessageDocument,
  StartTypingDocument,
  StopTypingDocument,
  TypingEventsDocument,
  UpdateChatDocument,
  AcceptGroupInviteDocument,
  BanMemberDocument,
  BannedMembersDocument,
  ChatRulesDocument,
  DeclineGroupInviteDocument,
  GroupInvitesDocument,
  MuteMemberDocument,
  PendingInvitesDocument,
  SetChatRulesDocument,
  SetGroupAddPolicyDocument,
  UnbanMemberDocument,
  UnmuteMemberDocument,
  CreateInviteLinkDocument,
  CreateUploadDocument,
  CompleteUploadDocument,
  InviteLinksDocument,
  JoinByInviteDocument,
  RevokeInviteLinkDocument,
  ReportMessageDocument,
  ReportsDocument,
  ResolveReportDocument,
  UpsertUsersDocument,
  type ChatEventsSubscription,
  type ChatFieldsFragment,
  type FriendEventsSubscription,
  type MessageEventsSubscription,
  type MessageFieldsFragment,
  type NotificationEventsSubscription,
  type SendThreadReplyMutation,
  type SignUpMutation,
  type UserEventsSubscription,
} from '../../generated/graphql.ts';
import { createDriver, GraphQLFailure, type ChatDriver, type Library, type Subscription } from '../support/drivers.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { AUDIENCE, startProvider, type Provider } from '../support/provider.ts';
import { print } from 'graphql';
import { createECDH, randomBytes } from 'node:crypto';

const PASSWORD = 'correct horse battery staple';
/** The server's Web Push (VAPID) key pair. */
const vapid = createECDH('prime256v1');
vapid.generateKeys();
/** The app's backend's key (SERVER_API_KEYS). */
const SERVER_API_KEY = 'e2e-backend-key-0123456789abcdef0123456789';

type AuthUser = SignUpMutation['signUp']['user'];

/** Asserts that `promise` fails with a GraphQL error carrying `code`. */
async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<GraphQLFailure> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof GraphQLFailure, `expected a GraphQL error ${code}, got ${String(err)}`);
    assert.ok(err.codes.includes(code), `expected ${code}, got ${err.message}`);
    return err;
  }
  assert.fail(`expected a GraphQL error ${code}, but the request succeeded`);
}

const isProfileUpdate = (e: UserEventsSubscription) => e.userEvents.kind === 'PROFILE_UPDATED';

export function chatScenario(library: Library): void {
  describe(`chat server driven by ${library}`, () => {
    let server: RunningServer;
    let provider: Provider;
    const drivers: ChatDriver[] = [];
    const newDriver = () => {
      const d = createDriver(library, server);
      drivers.push(d);
      return d;
    };

    let alice: ChatDriver;
    let bob: ChatDriver;
    let aliceUser: AuthUser;
    let bobUser: AuthUser;
    let aliceUserEvents: Subscription<UserEventsSubscription>;
    let aliceFriendEvents: Subscription<FriendEventsSubscription>;
    let bobFriendEvents: Subscription<FriendEventsSubscription>;
    let aliceNotifications: Subscription<NotificationEventsSubscription>;
    let bobNotifications: Subscription<NotificationEventsSubscription>;
    let friendRequestId: string;
    let carol: ChatDriver;
    let carolId: string;
    let bobChatEvents: Subscription<ChatEventsSubscription>;
    let aliceChatEvents: Subscription<ChatEventsSubscription>;
    let aliceMessages: Subscription<MessageEventsSubscription>;
    let bobMessages: Subscription<MessageEventsSubscription>;
    let chat: ChatFieldsFragment;
    let message: MessageFieldsFragment;
    let lastReactions: MessageFieldsFragment['reactions'] = [];
    let mentionsGroupId: string;

    before(async () => {
      // Offline after 0.5 s without a socket instead of 5 s, so the presence
      // step need not wait long.
      // Built-in accounts and the test's own identity provider, side by side.
      provider = await startProvider();
      server = await startServer({
        PRESENCE_GRACE_MS: '500',
        AUTH_MODE: 'both',
        AUTH_ISSUER: provider.issuer,
        AUTH_AUDIENCE: AUDIENCE,
        AUTH_JWKS_URL: provider.jwksUrl,
        SERVER_API_KEYS: `e2e:${SERVER_API_KEY}`,
        VAPID_PRIVATE_KEY: vapid.getPrivateKey('base64url'),
        VAPID_SUBJECT: 'mailto:e2e@example.com',
        PUSH_ALLOW_HTTP_LOOPBACK: 'true',
      });
      alice = newDriver();
      bob = newDriver();
    });

    after(async () => {
      await Promise.allSettled(drivers.map((d) => d.dispose()));
      await server?.stop();
      await provider?.stop();
    });

    it('two users sign up and get tokens', async () => {
      const a = await alice.mutate(SignUpDocument, {
        input: { email: 'alice@example.com', handle: 'alice', name: 'Alice', password: PASSWORD },
      });
      const b = await bob.mutate(SignUpDocument, {
        input: { email: 'Bob@Example.com', handle: 'Bob', name: 'Bob', password: PASSWORD },
      });
      alice.token = a.signUp.token;
      bob.token = b.signUp.token;
      aliceUser = a.signUp.user;
      bobUser = b.signUp.user;
      assert.equal(aliceUser.handle, 'alice');
      assert.equal(bobUser.handle, 'Bob', 'the handle is shown as chosen');
      assert.equal(bobUser.email, 'bob@example.com', 'the email is stored lower-cased');
      assert.notEqual(aliceUser.id, bobUser.id);
      assert.ok(Date.parse(a.signUp.expiresAt) > Date.now(), 'expiresAt is a future RFC 3339 time');
    });

    it('a taken handle (any case) is a CONFLICT', async () => {
      const anon = newDriver();
      await rejectsWithCode(
        anon.mutate(SignUpDocument, {
          input: { email: 'other@example.com', handle: 'ALICE', name: 'Other', password: PASSWORD },
        }),
        'CONFLICT',
      );
    });

    it('signs in by handle or email; a wrong password is UNAUTHENTICATED', async () => {
      const anon = newDriver();
      const byHandle = await anon.mutate(SignInDocument, { input: { login: 'bob', password: PASSWORD } });
      assert.equal(byHandle.signIn.user.id, bobUser.id);
      const byEmail = await anon.mutate(SignInDocument, { input: { login: 'BOB@example.com', password: PASSWORD } });
      assert.equal(byEmail.signIn.user.id, bobUser.id);
      await rejectsWithCode(
        anon.mutate(SignInDocument, { input: { login: 'bob', password: 'not the password' } }),
        'UNAUTHENTICATED',
      );
      // A fresh token works like the sign-up one.
      bob.token = byHandle.signIn.token;
    });

    it('me over HTTP uses the Bearer token; without one it is UNAUTHENTICATED', async () => {
      const me = await alice.query(MeDocument, {});
      assert.equal(me.me.id, aliceUser.id);
      assert.equal(me.me.email, 'alice@example.com');
      await rejectsWithCode(newDriver().query(MeDocument, {}), 'UNAUTHENTICATED');
    });

    it('looks users up by id and by handle; only the owner sees the email', async () => {
      const byId = await alice.query(UserDocument, { id: bobUser.id });
      assert.equal(byId.user.handle, 'Bob');
      const byHandle = await alice.query(UserByHandleDocument, { handle: 'bob' });
      assert.equal(byHandle.userByHandle.id, bobUser.id);
      const withEmail = await bob.query(MeDocument, {});
      assert.equal(withEmail.me.email, 'bob@example.com');
    });

    it('a query over the WebSocket is authenticated by the connection_init payload', async () => {
      const me = await bob.overSocket(MeDocument, {});
      assert.equal(me.me.id, bobUser.id);
      await bob.connected();
    });

    it("a token of the app's identity provider signs a new user in over HTTP and WebSocket; the backend upserts them", async () => {
      const dana = newDriver();
      dana.token = provider.token('idp|dana', { name: 'Dana Scully', preferred_username: 'dana', email: 'dana@example.com' });
      const me = await dana.query(MeDocument, {});
      assert.equal(me.me.handle, 'dana', 'provisioned from the claims');
      assert.equal(me.me.name, 'Dana Scully');
      assert.equal(me.me.email, 'dana@example.com');
      const overSocket = await dana.overSocket(MeDocument, {});
      assert.equal(overSocket.me.id, me.me.id);
      // The app's backend names the same user by their `sub`.
      const res = await fetch(server.httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': SERVER_API_KEY },
        body: JSON.stringify({
          query: print(UpsertUsersDocument),
          variables: { input: { users: [{ externalId: 'idp|dana', name: 'Dana K. Scully' }] } },
        }),
      });
      const body = (await res.json()) as { data: { upsertUsers: { id: string; name: string }[] } };
      assert.equal(body.data.upsertUsers[0]!.id, me.me.id);
      assert.equal(body.data.upsertUsers[0]!.name, 'Dana K. Scully');
    });

    it('the userEvents subscription connects and is acknowledged', async () => {
      aliceUserEvents = alice.subscribe(UserEventsDocument, {});
      await alice.connected('connection_ack for the userEvents socket');
      // A round trip on the same socket after the subscribe frame: had the
      // subscription been refused, its error would have arrived first.
      await aliceUserEvents.ready();
      aliceUserEvents.events.assertNoError();
    });

    it('a socket without a token is closed with 4403', async () => {
      const anon = newDriver();
      const sub = anon.subscribe(UserEventsDocument, {});
      await sub.events.failed('the socket to be closed');
      assert.deepEqual(
        anon.closes.map((c) => c.code),
        [4403],
      );
    });

    it('searches users by handle or name prefix', async () => {
      const found = await alice.query(SearchUsersDocument, { query: 'bo', first: 10 });
      assert.deepEqual(
        found.searchUsers.edges.map((e) => e.node.id),
        [bobUser.id],
      );
      assert.equal(found.searchUsers.pageInfo.hasNextPage, false);
    });

    it('friends: a request reaches bob live on friendEvents and notificationEvents', async () => {
      aliceFriendEvents = alice.subscribe(FriendEventsDocument, {});
      aliceNotifications = alice.subscribe(NotificationEventsDocument, {});
      bobFriendEvents = bob.subscribe(FriendEventsDocument, {});
      bobNotifications = bob.subscribe(NotificationEventsDocument, {});
      await Promise.all([aliceFriendEvents, aliceNotifications, bobFriendEvents, bobNotifications].map((s) => s.ready()));

      const sent = await alice.mutate(SendFriendRequestDocument, { input: { userId: bobUser.id } });
      friendRequestId = sent.sendFriendRequest.id;
      assert.equal(sent.sendFriendRequest.status, 'PENDING');
      assert.equal(sent.sendFriendRequest.to.id, bobUser.id);

      const received = (await bobFriendEvents.events.next('REQUEST_RECEIVED on bob\'s friendEvents')).friendEvents;
      assert.equal(received.kind, 'REQUEST_RECEIVED');
      assert.equal(received.user?.id, aliceUser.id);
      assert.equal(received.request?.id, friendRequestId);
      assert.equal(received.request?.status, 'PENDING');
      // Alice's other devices hear about the request she sent.
      const own = (await aliceFriendEvents.events.next('REQUEST_SENT on alice\'s friendEvents')).friendEvents;
      assert.equal(own.kind, 'REQUEST_SENT');
      assert.equal(own.user?.id, bobUser.id);

      const note = (await bobNotifications.events.next('a notification for bob')).notificationEvents;
      assert.equal(note.kind, 'CREATED');
      assert.equal(note.notification?.kind, 'FRIEND_REQUEST_RECEIVED');
      assert.equal(note.notification?.actor.id, aliceUser.id);
      assert.equal(note.notification?.friendRequestId, friendRequestId);
      assert.equal(note.notification?.read, false);

      const incoming = await bob.query(FriendRequestsDocument, { direction: 'INCOMING' });
      assert.deepEqual(
        incoming.friendRequests.edges.map((e) => e.node.id),
        [friendRequestId],
      );
      const outgoing = await alice.query(FriendRequestsDocument, { direction: 'OUTGOING', first: 5 });
      assert.deepEqual(
        outgoing.friendRequests.edges.map((e) => e.node.to.id),
        [bobUser.id],
      );
    });

    it('friends: bob accepts; alice hears it; both list each other', async () => {
      const accepted = await bob.mutate(RespondToFriendRequestDocument, {
        input: { requestId: friendRequestId, action: 'ACCEPT' },
      });
      assert.equal(accepted.respondToFriendRequest.status, 'ACCEPTED');
      assert.ok(accepted.respondToFriendRequest.respondedAt);

      const answer = (await aliceFriendEvents.events.next('REQUEST_ACCEPTED on alice\'s friendEvents')).friendEvents;
      assert.equal(answer.kind, 'REQUEST_ACCEPTED');
      assert.equal(answer.user?.id, bobUser.id);
      const note = (await aliceNotifications.events.next('a notification for alice')).notificationEvents;
      assert.equal(note.notification?.kind, 'FRIEND_REQUEST_ACCEPTED');
      assert.equal(note.notification?.actor.id, bobUser.id);

      const aliceFriends = await alice.query(FriendsDocument, { first: 10 });
      assert.deepEqual(
        aliceFriends.friends.edges.map((e) => e.node.id),
        [bobUser.id],
      );
      const bobFriends = await bob.query(FriendsDocument, {});
      assert.deepEqual(
        bobFriends.friends.edges.map((e) => e.node.handle),
        ['alice'],
      );
      const pending = await bob.query(FriendRequestsDocument, { direction: 'INCOMING' });
      assert.deepEqual(pending.friendRequests.edges, [], 'an accepted request is no longer pending');
    });

    it('notifications: listed, counted and marked read', async () => {
      assert.equal((await bob.query(UnreadNotificationCountDocument, {})).unreadNotificationCount, 1);
      const unread = await bob.query(NotificationsDocument, { unreadOnly: true });
      assert.deepEqual(
        unread.notifications.edges.map((e) => [e.node.kind, e.node.actor.handle, e.node.read]),
        [['FRIEND_REQUEST_RECEIVED', 'alice', false]],
      );
      const marked = await bob.mutate(MarkNotificationsReadDocument, { input: {} });
      assert.equal(marked.markNotificationsRead.markedCount, 1);
      assert.equal(marked.markNotificationsRead.unreadCount, 0);
      assert.equal((await bob.query(UnreadNotificationCountDocument, {})).unreadNotificationCount, 0);
      const all = await bob.query(NotificationsDocument, { first: 10 });
      assert.deepEqual(
        all.notifications.edges.map((e) => e.node.read),
        [true],
      );
    });

    it('profile: bob updates his profile; alice receives PROFILE_UPDATED on userEvents', async () => {
      const updated = await bob.mutate(UpdateProfileDocument, {
        input: { name: 'Bob B.', bio: 'Hello from the end-to-end test' },
      });
      assert.equal(updated.updateProfile.name, 'Bob B.');
      // userEvents also carries presence; pick the profile change.
      const event = (await aliceUserEvents.events.nextMatching("PROFILE_UPDATED on alice's userEvents", isProfileUpdate)).userEvents;
      assert.equal(event.kind, 'PROFILE_UPDATED');
      assert.equal(event.user?.id, bobUser.id);
      assert.equal(event.user?.name, 'Bob B.');
      assert.equal(event.user?.bio, 'Hello from the end-to-end test');
    });

    it('a new token: restarting the socket reconnects with it and resubscribes', async () => {
      const before = alice.connections;
      const signedIn = await alice.mutate(SignInDocument, { input: { login: 'alice@example.com', password: PASSWORD } });
      alice.token = signedIn.signIn.token;
      alice.restartSocket();
      await alice.connected('the socket to reconnect', before + 1);
      assert.ok(
        alice.closes.some((c) => c.code === 4499),
        `expected graphql-ws's 4499 Terminated, got ${JSON.stringify(alice.closes)}`,
      );
      // The subscriptions opened before the restart are live again.
      await alice.overSocket(MeDocument, {});
      await bob.mutate(UpdateProfileDocument, { input: { bio: 'after the restart' } });
      const event = (await aliceUserEvents.events.nextMatching('PROFILE_UPDATED after the restart', isProfileUpdate)).userEvents;
      assert.equal(event.user?.bio, 'after the restart');
      aliceFriendEvents.events.assertNoError();
    });

    it('sessions: a second device refreshes its tokens, then signs out; its socket closes with 4403', async () => {
      const phone = newDriver();
      const signedIn = (await phone.mutate(SignInDocument, {
        input: { login: 'alice', password: PASSWORD, deviceName: 'phone' },
      })).signIn;
      phone.token = signedIn.token;
      // A refresh: same session, new access and refresh tokens.
      const refreshed = (await phone.mutate(RefreshSessionDocument, {
        input: { refreshToken: signedIn.refreshToken },
      })).refreshSession;
      assert.equal(refreshed.session.id, signedIn.session.id);
      assert.notEqual(refreshed.refreshToken, signedIn.refreshToken);
      phone.token = refreshed.token;
      const listed = (await alice.query(SessionsDocument, {})).sessions.edges.map((e) => e.node);
      const seen = listed.find((s) => s.id === signedIn.session.id);
      assert.deepEqual([seen?.deviceName, seen?.current], ['phone', false]);
      assert.equal(listed.filter((s) => s.current).length, 1);

      const phoneEvents = phone.subscribe(UserEventsDocument, {});
      await phoneEvents.ready();
      const signedOut = (await phone.mutate(SignOutDocument, {})).signOut;
      assert.deepEqual(signedOut.sessionIds, [signedIn.session.id]);
      await phoneEvents.events.failed('the phone\'s socket to close');
      assert.ok(
        phone.closes.some((c) => c.code === 4403),
        `expected 4403, got ${JSON.stringify(phone.closes)}`,
      );
      await rejectsWithCode(phone.query(MeDocument, {}), 'UNAUTHENTICATED');
      await rejectsWithCode(
        phone.mutate(RefreshSessionDocument, { input: { refreshToken: refreshed.refreshToken } }),
        'UNAUTHENTICATED',
      );
      // Alice's own session is untouched.
      assert.equal((await alice.query(MeDocument, {})).me.id, aliceUser.id);
      aliceUserEvents.events.assertNoError();
    });

    it('blocking: a blocked user cannot send a request; after unblocking she can, and may cancel it', async () => {
      carol = newDriver();
      const signedUp = await carol.mutate(SignUpDocument, {
        input: { email: 'carol@example.com', handle: 'carol', name: 'Carol', password: PASSWORD },
      });
      carol.token = signedUp.signUp.token;
      carolId = signedUp.signUp.user.id;

      await alice.mutate(BlockUserDocument, { input: { userId: carolId } });
      const blocked = await alice.query(BlockedUsersDocument, {});
      assert.deepEqual(
        blocked.blockedUsers.edges.map((e) => e.node.id),
        [carolId],
      );
      await rejectsWithCode(carol.mutate(SendFriendRequestDocument, { input: { userId: aliceUser.id } }), 'FORBIDDEN');

      await alice.mutate(UnblockUserDocument, { input: { userId: carolId } });
      assert.deepEqual((await alice.query(BlockedUsersDocument, { first: 10 })).blockedUsers.edges, []);
      const request = await carol.mutate(SendFriendRequestDocument, { input: { userId: aliceUser.id } });
      assert.equal(request.sendFriendRequest.status, 'PENDING');
      const received = await aliceFriendEvents.events.nextMatching('REQUEST_RECEIVED from carol', (e) => e.friendEvents.user?.id === carolId);
      assert.equal(received.friendEvents.kind, 'REQUEST_RECEIVED');
      assert.equal(received.friendEvents.user?.id, carolId);

      const cancelled = await carol.mutate(CancelFriendRequestDocument, {
        input: { requestId: request.sendFriendRequest.id },
      });
      assert.equal(cancelled.cancelFriendRequest.status, 'CANCELLED');
      const gone = await aliceFriendEvents.events.next('REQUEST_CANCELLED from carol');
      assert.equal(gone.friendEvents.kind, 'REQUEST_CANCELLED');
      assert.equal(gone.friendEvents.request?.id, request.sendFriendRequest.id);
    });

    it('chats: alice opens a direct chat with bob; bob hears of it on chatEvents and in chats', async () => {
      aliceChatEvents = alice.subscribe(ChatEventsDocument, {});
      bobChatEvents = bob.subscribe(ChatEventsDocument, {});
      await Promise.all([aliceChatEvents.ready(), bobChatEvents.ready()]);

      const created = await alice.mutate(CreateChatDocument, { input: { participantIds: [bobUser.id], isGroup: false } });
      chat = created.createChat;
      assert.equal(chat.isGroup, false);
      assert.equal(chat.name, null);
      assert.equal(chat.memberCount, 2);
      assert.deepEqual(chat.members.map((m) => m.id).sort(), [aliceUser.id, bobUser.id].sort());

      const event = await bobChatEvents.events.nextMatching('CREATED on bob\'s chatEvents', (e) => e.chatEvents.kind === 'CREATED');
      assert.equal(event.chatEvents.chatId, chat.id);
      assert.equal(event.chatEvents.actor?.id, aliceUser.id);
      assert.equal(event.chatEvents.chat?.id, chat.id);
      const note = await bobNotifications.events.nextMatching(
        'ADDED_TO_CHAT on bob\'s notificationEvents',
        (e) => e.notificationEvents.notification?.kind === 'ADDED_TO_CHAT',
      );
      assert.equal(note.notificationEvents.notification?.chatId, chat.id);

      const bobChats = await bob.query(ChatsDocument, { first: 10 });
      assert.deepEqual(
        bobChats.chats.edges.map((e) => e.node.id),
        [chat.id],
      );
      // One direct chat per pair, whoever asks.
      const again = await bob.mutate(CreateChatDocument, { input: { participantIds: [aliceUser.id], isGroup: false } });
      assert.equal(again.createChat.id, chat.id);
    });

    it('messages: both follow messageEvents; alice\'s message reaches bob, and a retry sends nothing new', async () => {
      // From the chat's cursor: whatever happens after it is replayed even if
      // it came before the server took the subscription.
      aliceMessages = alice.subscribe(MessageEventsDocument, { chatId: chat.id, after: chat.cursor });
      bobMessages = bob.subscribe(MessageEventsDocument, { chatId: chat.id, after: chat.cursor });
      await Promise.all([aliceMessages.ready(), bobMessages.ready()]);

      const input = { chatId: chat.id, text: 'Hello Bob!', clientMessageId: `hello-${library}` };
      message = (await alice.mutate(SendMessageDocument, { input })).sendMessage;
      assert.equal(message.type, 'TEXT');
      assert.equal(message.sender.id, aliceUser.id);

      const received = (await bobMessages.events.next('CREATED on bob\'s messageEvents')).messageEvents;
      assert.equal(received.kind, 'CREATED');
      assert.equal(received.chatId, chat.id);
      assert.equal(received.cursor, message.cursor);
      assert.equal(received.message?.id, message.id);
      assert.equal(received.message?.text, 'Hello Bob!');
      assert.equal(received.message?.sender.handle, 'alice');
      assert.equal(received.message?.clientMessageId, input.clientMessageId);
      const own = (await aliceMessages.events.next('CREATED on alice\'s messageEvents')).messageEvents;
      assert.equal(own.message?.id, message.id);

      const retried = (await alice.mutate(SendMessageDocument, { input })).sendMessage;
      assert.equal(retried.id, message.id, 'the same clientMessageId returns the first message');

      const last = await bobChatEvents.events.nextMatching('NEW_MESSAGE on bob\'s chatEvents', (e) => e.chatEvents.kind === 'NEW_MESSAGE');
      assert.equal(last.chatEvents.message?.id, message.id);
      const history = await bob.query(MessagesDocument, { chatId: chat.id, last: 10 });
      assert.deepEqual(
        history.messages.edges.filter((e) => e.node.type !== 'SYSTEM').map((e) => e.node.id),
        [message.id],
        'one message, not two',
      );
      assert.equal((await bob.query(ChatDocument, { id: chat.id })).chat.unreadCount, 1);
    });

    it('message edits: alice edits her message; bob receives the edit', async () => {
      const edited = (await alice.mutate(EditMessageDocument, { input: { messageId: message.id, text: 'Hello Bob! (edited)' } })).editMessage;
      assert.ok(edited.editedAt);
      const event = (await bobMessages.events.next('EDITED on bob\'s messageEvents')).messageEvents;
      assert.equal(event.kind, 'EDITED');
      assert.equal(event.message?.id, message.id);
      assert.equal(event.message?.text, 'Hello Bob! (edited)');
      assert.ok(event.message?.editedAt);
      assert.equal((await aliceMessages.events.next('EDITED on alice\'s messageEvents')).messageEvents.kind, 'EDITED');
    });

    it('reactions: bob reacts and takes it back; alice receives both changes', async () => {
      await bob.mutate(AddReactionDocument, { input: { messageId: message.id, emoji: '👍' } });
      const added = (await aliceMessages.events.next('REACTION_CHANGED on alice\'s messageEvents')).messageEvents;
      assert.equal(added.kind, 'REACTION_CHANGED');
      assert.equal(added.user?.id, bobUser.id);
      assert.deepEqual(
        added.message?.reactions.map((r) => [r.emoji, r.count, r.users.map((u) => u.id), r.reactedByMe]),
        [['👍', 1, [bobUser.id], false]],
      );
      const mine = (await bobMessages.events.next('REACTION_CHANGED on bob\'s messageEvents')).messageEvents;
      assert.equal(mine.message?.reactions[0]?.reactedByMe, true, 'reactedByMe is from the subscriber\'s point of view');

      await bob.mutate(RemoveReactionDocument, { input: { messageId: message.id, emoji: '👍' } });
      const removed = (await aliceMessages.events.next('the second REACTION_CHANGED')).messageEvents;
      assert.equal(removed.kind, 'REACTION_CHANGED');
      assert.deepEqual(
        removed.message?.reactions.filter((r) => r.count > 0),
        [],
      );
      lastReactions = removed.message?.reactions ?? [];
      await bobMessages.events.next('the second REACTION_CHANGED on bob\'s messageEvents');
    });

    it('reactions: taking back the last reaction leaves no empty entry', () => {
      assert.deepEqual(lastReactions, []);
    });

    it('receipts: bob marks the message delivered and read; alice receives both', async () => {
      const delivered = await bob.mutate(MarkMessagesDeliveredDocument, { input: { chatId: chat.id, upTo: message.cursor } });
      assert.equal(delivered.markMessagesDelivered.upTo, message.cursor);
      const d = (await aliceMessages.events.next('DELIVERED on alice\'s messageEvents')).messageEvents;
      assert.equal(d.kind, 'DELIVERED');
      assert.equal(d.user?.id, bobUser.id);
      assert.equal(d.upTo, message.cursor);

      const read = await bob.mutate(MarkMessagesReadDocument, { input: { chatId: chat.id } });
      assert.equal(read.markMessagesRead.unreadCount, 0);
      const r = (await aliceMessages.events.next('READ on alice\'s messageEvents')).messageEvents;
      assert.equal(r.kind, 'READ');
      assert.equal(r.user?.id, bobUser.id);
      assert.equal(r.upTo, read.markMessagesRead.upTo);

      assert.equal((await bob.query(ChatDocument, { id: chat.id })).chat.unreadCount, 0);
      // Bob's own stream carries his receipts too.
      assert.equal((await bobMessages.events.next('DELIVERED on bob\'s stream')).messageEvents.kind, 'DELIVERED');
      assert.equal((await bobMessages.events.next('READ on bob\'s stream')).messageEvents.kind, 'READ');
    });

    it('typing: bob starts and stops typing; alice sees both; nobody gets their own', async () => {
      const aliceTyping = alice.subscribe(TypingEventsDocument, { chatId: chat.id });
      const bobTyping = bob.subscribe(TypingEventsDocument, { chatId: chat.id });
      await Promise.all([aliceTyping.ready(), bobTyping.ready()]);

      const started = await bob.mutate(StartTypingDocument, { input: { chatId: chat.id } });
      assert.deepEqual([started.startTyping.chatId, started.startTyping.isTyping], [chat.id, true]);
      const on = (await aliceTyping.events.next('bob typing on alice\'s typingEvents')).typingEvents;
      assert.deepEqual([on.chatId, on.user.id, on.isTyping], [chat.id, bobUser.id, true]);
      // A renewal is silent; the stop comes next (within the 1 s throttle).
      await bob.mutate(StartTypingDocument, { input: { chatId: chat.id } });
      const stopped = await bob.mutate(StopTypingDocument, { input: { chatId: chat.id } });
      assert.equal(stopped.stopTyping.isTyping, false);
      const off = (await aliceTyping.events.next('bob stopped typing')).typingEvents;
      assert.deepEqual([off.user.id, off.isTyping], [bobUser.id, false]);

      // Bob's stream has none of his own: its first event is alice's.
      await alice.mutate(StartTypingDocument, { input: { chatId: chat.id } });
      const hers = (await bobTyping.events.next('alice typing on bob\'s typingEvents')).typingEvents;
      assert.deepEqual([hers.user.handle, hers.isTyping], ['alice', true]);
      await alice.mutate(StopTypingDocument, { input: { chatId: chat.id } });
      assert.equal((await bobTyping.events.next('alice stopped typing')).typingEvents.isTyping, false);
      assert.deepEqual(aliceTyping.events.received.map((e) => e.typingEvents.user.id), [bobUser.id, bobUser.id]);
      aliceTyping.unsubscribe();
      bobTyping.unsubscribe();
    });

    it('message deletes: alice deletes the message for everyone; bob receives the tombstone', async () => {
      const deleted = (await alice.mutate(DeleteMessageDocument, { input: { messageId: message.id, forEveryone: true } })).deleteMessage;
      assert.equal(deleted.isDeleted, true);
      // The receipts of the previous step are on the message.
      assert.deepEqual(deleted.readBy.map((u) => u.id), [bobUser.id]);
      assert.deepEqual(deleted.deliveredTo.map((u) => u.id), [bobUser.id]);
      const event = (await bobMessages.events.next('DELETED on bob\'s messageEvents')).messageEvents;
      assert.equal(event.kind, 'DELETED');
      assert.equal(event.message?.id, message.id);
      assert.equal(event.message?.isDeleted, true);
      assert.equal(event.message?.text, null);
      assert.equal((await aliceMessages.events.next('DELETED on alice\'s messageEvents')).messageEvents.kind, 'DELETED');
    });

    it('resume: messageEvents with `after` replays what came after the cursor, in order, then goes live', async () => {
      const live = bobMessages.events.received.map((e) => [e.messageEvents.kind, e.messageEvents.cursor]);
      assert.deepEqual(
        live.map(([kind]) => kind),
        ['CREATED', 'EDITED', 'REACTION_CHANGED', 'REACTION_CHANGED', 'DELIVERED', 'READ', 'DELETED'],
      );
      const cursors = live.map(([, cursor]) => Number(cursor));
      assert.ok(cursors.every((c, i) => i === 0 || c > cursors[i - 1]!), `cursors increase: ${cursors}`);

      // A client that saw only the first event reconnects with its cursor.
      const resumed = bob.subscribe(MessageEventsDocument, { chatId: chat.id, after: live[0]![1] });
      const replayed = [];
      for (let i = 1; i < live.length; i++) {
        const e = (await resumed.events.next(`replayed event ${i}`)).messageEvents;
        replayed.push([e.kind, e.cursor]);
      }
      assert.deepEqual(replayed, live.slice(1));
      // Then live: a new message follows the replay with no gap.
      await resumed.ready();
      const next = (await alice.mutate(SendMessageDocument, { input: { chatId: chat.id, text: 'Still there?' } })).sendMessage;
      const after = (await resumed.events.next('the live message after the replay')).messageEvents;
      assert.equal(after.kind, 'CREATED');
      assert.equal(after.message?.id, next.id);
      resumed.unsubscribe();
      // The long-lived subscriptions got it too.
      for (const sub of [aliceMessages, bobMessages]) {
        assert.equal((await sub.events.next('the live message on the first subscriptions')).messageEvents.message?.id, next.id);
      }
    });

    it('resume: after a reconnect graphql-ws resubscribes with the same `after`, so the replay comes again', async () => {
      const before = bob.connections;
      bob.restartSocket();
      await bob.connected("bob's socket to reconnect", before + 1);
      // Everything after chat.cursor again, then the live stream: clients
      // skip what they have by cursor (see CLIENTS.md).
      const first = (await bobMessages.events.next('the replay after the reconnect')).messageEvents;
      assert.equal(first.kind, 'CREATED');
      assert.equal(first.message?.id, message.id);
      assert.equal(first.cursor, bobMessages.events.received[0]!.messageEvents.cursor);
    });

    it('groups: a public group; admins promoted and demoted, settings changed, members join, are removed, added and leave', async () => {
      const group = (
        await alice.mutate(CreateChatDocument, {
          input: { participantIds: [bobUser.id], isGroup: true, name: 'E2E Lounge', privacy: 'PUBLIC' },
        })
      ).createChat;
      assert.equal(group.isGroup, true);
      assert.equal(group.createdBy.id, aliceUser.id);
      assert.deepEqual(group.admins.map((a) => a.id), [aliceUser.id]);
      const nextChange = async (what: string, kind: ChatEventsSubscription['chatEvents']['kind']) =>
        (await bobChatEvents.events.nextMatching(what, (e) => e.chatEvents.chatId === group.id && e.chatEvents.kind === kind)).chatEvents;
      assert.equal((await nextChange('CREATED for the group', 'CREATED')).chat?.name, 'E2E Lounge');

      const promoted = (await alice.mutate(PromoteAdminDocument, { input: { chatId: group.id, userId: bobUser.id } })).promoteAdmin;
      assert.deepEqual(promoted.admins.map((a) => a.id), [aliceUser.id, bobUser.id]);
      assert.deepEqual((await nextChange('ADMIN_PROMOTED', 'ADMIN_PROMOTED')).users.map((u) => u.id), [bobUser.id]);
      await alice.mutate(DemoteAdminDocument, { input: { chatId: group.id, userId: bobUser.id } });
      assert.deepEqual((await nextChange('ADMIN_DEMOTED', 'ADMIN_DEMOTED')).users.map((u) => u.id), [bobUser.id]);

      await alice.mutate(UpdateChatDocument, { input: { chatId: group.id, description: 'Where the tests hang out' } });
      assert.equal((await nextChange('UPDATED', 'UPDATED')).chat?.description, 'Where the tests hang out');

      const found = await carol.query(SearchChatsDocument, { query: 'e2e' });
      assert.deepEqual(
        found.searchChats.edges.map((e) => e.node.id),
        [group.id],
      );
      const joined = (await carol.mutate(JoinChatDocument, { input: { chatId: group.id } })).joinChat;
      assert.equal(joined.memberCount, 3);
      assert.deepEqual((await nextChange('MEMBERS_ADDED (carol joined)', 'MEMBERS_ADDED')).users.map((u) => u.id), [carolId]);

      await alice.mutate(RemoveChatMemberDocument, { input: { chatId: group.id, userId: carolId } });
      assert.deepEqual((await nextChange('MEMBER_REMOVED (carol)', 'MEMBER_REMOVED')).users.map((u) => u.id), [carolId]);
      // Carol is no friend of alice's: she lets anyone add her to groups.
      const policy = (await carol.mutate(SetGroupAddPolicyDocument, { policy: 'EVERYONE' })).updateProfile;
      assert.equal(policy.groupAddPolicy, 'EVERYONE');
      await alice.mutate(AddChatMembersDocument, { input: { chatId: group.id, userIds: [carolId] } });
      assert.deepEqual((await nextChange('MEMBERS_ADDED (carol added)', 'MEMBERS_ADDED')).users.map((u) => u.id), [carolId]);

      await bob.mutate(LeaveChatDocument, { input: { chatId: group.id } });
      const left = await aliceChatEvents.events.nextMatching(
        'MEMBER_REMOVED (bob left) on alice\'s chatEvents',
        (e) => e.chatEvents.chatId === group.id && e.chatEvents.kind === 'MEMBER_REMOVED' && e.chatEvents.actor?.id === bobUser.id,
      );
      assert.deepEqual(left.chatEvents.users.map((u) => u.id), [bobUser.id]);
      const after = (await alice.query(ChatDocument, { id: group.id })).chat;
      assert.deepEqual(after.members.map((m) => m.id).sort(), [aliceUser.id, carolId].sort());

      // Members come in pages: one at a time, then past the end.
      const firstPage = (await alice.query(ChatMembersDocument, { chatId: group.id, first: 1 })).chat;
      assert.equal(firstPage.memberCount, 2);
      assert.deepEqual(firstPage.members.map((m) => m.id), [aliceUser.id]);
      const nextPage = (await alice.query(ChatMembersDocument, { chatId: group.id, first: 1, after: aliceUser.id })).chat;
      assert.deepEqual(nextPage.members.map((m) => m.id), [carolId]);
      const past = (await alice.query(ChatMembersDocument, { chatId: group.id, after: carolId })).chat;
      assert.deepEqual(past.members, []);
    });

    it('mentions: alice mentions bob in a group; bob is notified and counts an unread mention', async () => {
      const group = (
        await alice.mutate(CreateChatDocument, { input: { participantIds: [bobUser.id], isGroup: true, name: 'E2E Mentions' } })
      ).createChat;
      await bobChatEvents.events.nextMatching('CREATED for the mentions group', (e) => e.chatEvents.chatId === group.id && e.chatEvents.kind === 'CREATED');
      const sent = (
        await alice.mutate(SendMessageDocument, { input: { chatId: group.id, text: '@Bob, look', mentions: [bobUser.id] } })
      ).sendMessage;
      assert.deepEqual(sent.mentions.map((u) => u.id), [bobUser.id]);
      assert.equal(sent.mentionsAll, false);
      const live = await bobChatEvents.events.nextMatching(
        'NEW_MESSAGE with the mention on bob\'s chatEvents',
        (e) => e.chatEvents.kind === 'NEW_MESSAGE' && e.chatEvents.message?.id === sent.id,
      );
      assert.deepEqual([live.chatEvents.unreadCount, live.chatEvents.unreadMentionCount], [1, 1]);
      const note = await bobNotifications.events.nextMatching(
        'MENTIONED on bob\'s notificationEvents',
        (e) => e.notificationEvents.notification?.kind === 'MENTIONED',
      );
      assert.equal(note.notificationEvents.notification?.messageId, sent.id);
      assert.equal(note.notificationEvents.notification?.chatId, group.id);
      assert.equal((await bob.query(ChatDocument, { id: group.id })).chat.unreadMentionCount, 1);
      mentionsGroupId = group.id;
      // Only members can be mentioned, and only admins mention everyone.
      await rejectsWithCode(
        alice.mutate(SendMessageDocument, { input: { chatId: group.id, text: 'x', mentions: ['000000000000000000000000'] } }),
        'BAD_USER_INPUT',
      );
      await rejectsWithCode(
        bob.mutate(SendMessageDocument, { input: { chatId: group.id, text: 'all', mentionsAll: true } }),
        'FORBIDDEN',
      );
    });

    it('preferences: bob mutes and archives the group; it stays archived on a new message until unarchived', async () => {
      const muted = (
        await bob.mutate(SetChatNotificationsDocument, { input: { chatId: mentionsGroupId, level: 'NONE' } })
      ).setChatNotifications;
      assert.equal(muted.chat?.notificationLevel, 'NONE');
      assert.equal(muted.defaultLevel, 'ALL');
      assert.equal((await bob.query(ChatNotificationDefaultDocument, {})).chatNotificationDefault, 'ALL');
      const archived = (await bob.mutate(ArchiveChatDocument, { input: { chatId: mentionsGroupId } })).archiveChat;
      assert.equal(archived.isArchived, true);
      const listed = async (archivedOnly: boolean) =>
        (await bob.query(ChatsDocument, { first: 50, archived: archivedOnly })).chats.edges.map((e) => e.node.id);
      assert.ok(!(await listed(false)).includes(mentionsGroupId));
      assert.deepEqual(await listed(true), [mentionsGroupId]);
      // Muted too, so a new message leaves it in the archive, still counted.
      await alice.mutate(SendMessageDocument, { input: { chatId: mentionsGroupId, text: 'anyone?' } });
      assert.deepEqual(await listed(true), [mentionsGroupId]);
      assert.equal((await bob.query(ChatDocument, { id: mentionsGroupId })).chat.unreadCount, 2);
      const back = (await bob.mutate(UnarchiveChatDocument, { input: { chatId: mentionsGroupId } })).unarchiveChat;
      assert.equal(back.isArchived, false);
      assert.ok((await listed(false)).includes(mentionsGroupId));
      await bob.mutate(SetChatNotificationsDocument, { input: { chatId: mentionsGroupId, level: null } });
    });

    it('web push: the public key, then bob registers a browser subscription and unregisters it', async () => {
      const key = (await bob.query(PushPublicKeyDocument, {})).pushPublicKey;
      assert.equal(key, vapid.getPublicKey('base64url'));
      // What a browser's PushSubscription.toJSON() holds.
      const browser = createECDH('prime256v1');
      browser.generateKeys();
      const endpoint = 'http://127.0.0.1:9/push/bob-e2e';
      const keys = { p256dh: browser.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') };
      await rejectsWithCode(
        bob.mutate(RegisterPushSubscriptionDocument, { input: { endpoint: 'http://push.example.com/x', keys } }),
        'BAD_USER_INPUT',
      );
      await rejectsWithCode(
        bob.mutate(RegisterPushSubscriptionDocument, { input: { endpoint, keys: { ...keys, auth: 'AAAA' } } }),
        'BAD_USER_INPUT',
      );
      const registered = await bob.mutate(RegisterPushSubscriptionDocument, { input: { endpoint, keys } });
      assert.equal(registered.registerPushSubscription, true);
      const removed = await bob.mutate(UnregisterPushSubscriptionDocument, { input: { endpoint } });
      assert.equal(removed.unregisterPushSubscription, true);
      const again = await bob.mutate(UnregisterPushSubscriptionDocument, { input: { endpoint } });
      assert.equal(again.unregisterPushSubscription, false);
    });

    it('moderation: a stranger is invited, not added; rules, slow mode, mute and ban', async () => {
      const frank = newDriver();
      const signedUp = await frank.mutate(SignUpDocument, {
        input: { email: 'frank@example.com', handle: 'frank', name: 'Frank', password: PASSWORD },
      });
      frank.token = signedUp.signUp.token;
      const frankId = signedUp.signUp.user.id;
      // Bob is alice's friend and is added; frank (FRIENDS by default) is invited.
      const room = (
        await alice.mutate(CreateChatDocument, {
          input: { participantIds: [bobUser.id, frankId], isGroup: true, name: 'Mod Room' },
        })
      ).createChat;
      assert.deepEqual(room.members.map((m) => m.id).sort(), [aliceUser.id, bobUser.id].sort());
      const waiting = (await alice.query(PendingInvitesDocument, { chatId: room.id })).chat.pendingInvites;
      assert.deepEqual(waiting.edges.map((e) => e.node.user.id), [frankId]);
      await rejectsWithCode(bob.query(PendingInvitesDocument, { chatId: room.id }), 'FORBIDDEN');
      const invites = (await frank.query(GroupInvitesDocument, {})).groupInvites;
      assert.deepEqual(invites.edges.map((e) => [e.node.chatName, e.node.invitedBy.id]), [['Mod Room', aliceUser.id]]);
      const accepted = (await frank.mutate(AcceptGroupInviteDocument, { input: { chatId: room.id } })).acceptGroupInvite;
      assert.equal(accepted.myRole, 'MEMBER');
      const say = (driver: ChatDriver, text: string) =>
        driver.mutate(SendMessageDocument, { input: { chatId: room.id, text } });

      // An announcement channel, then slow mode.
      await rejectsWithCode(
        frank.mutate(SetChatRulesDocument, { input: { chatId: room.id, slowModeSeconds: 10 } }),
        'FORBIDDEN',
      );
      const channel = { send: 'ADMINS', editInfo: 'ADMINS', addMembers: 'ADMINS' } as const;
      await alice.mutate(SetChatRulesDocument, { input: { chatId: room.id, permissions: channel } });
      const rules = (await frank.query(ChatRulesDocument, { chatId: room.id })).chat;
      assert.deepEqual([rules.permissions.send, rules.myRole, rules.myPermissions.canSend], ['ADMINS', 'MEMBER', false]);
      await rejectsWithCode(say(frank, 'may I?'), 'FORBIDDEN');
      await alice.mutate(SetChatRulesDocument, {
        input: { chatId: room.id, permissions: { ...channel, send: 'MEMBERS' }, slowModeSeconds: 60 },
      });
      await say(frank, 'first');
      const slowed = await rejectsWithCode(say(frank, 'second'), 'RATE_LIMITED');
      assert.ok(slowed.message.length > 0);
      await say(alice, 'admins are not slowed');
      await alice.mutate(SetChatRulesDocument, { input: { chatId: room.id, slowModeSeconds: 0 } });

      // Muted: frank reads but cannot send; unmuted, he can.
      await rejectsWithCode(bob.mutate(MuteMemberDocument, { input: { chatId: room.id, userId: frankId } }), 'FORBIDDEN');
      await alice.mutate(MuteMemberDocument, { input: { chatId: room.id, userId: frankId } });
      assert.equal((await frank.query(ChatRulesDocument, { chatId: room.id })).chat.myPermissions.muted, true);
      await rejectsWithCode(say(frank, 'muted?'), 'FORBIDDEN');
      await alice.mutate(UnmuteMemberDocument, { input: { chatId: room.id, userId: frankId } });
      await say(frank, 'back');

      // Banned: out, and not back in while the ban stands.
      await alice.mutate(BanMemberDocument, { input: { chatId: room.id, userId: frankId, reason: 'testing bans' } });
      const removed = await bobChatEvents.events.nextMatching(
        'MEMBER_REMOVED (frank banned)',
        (e) => e.chatEvents.chatId === room.id && e.chatEvents.kind === 'MEMBER_REMOVED',
      );
      assert.deepEqual(removed.chatEvents.users.map((u) => u.id), [frankId]);
      const banned = (await alice.query(BannedMembersDocument, { chatId: room.id })).chat.bannedMembers;
      assert.deepEqual(banned.edges.map((e) => [e.node.user.id, e.node.reason]), [[frankId, 'testing bans']]);
      await rejectsWithCode(alice.mutate(AddChatMembersDocument, { input: { chatId: room.id, userIds: [frankId] } }), 'FORBIDDEN');
      await alice.mutate(UnbanMemberDocument, { input: { chatId: room.id, userId: frankId } });
      // Unbanned, he is invited again, and this time declines.
      await alice.mutate(AddChatMembersDocument, { input: { chatId: room.id, userIds: [frankId] } });
      assert.equal((await frank.mutate(DeclineGroupInviteDocument, { input: { chatId: room.id } })).declineGroupInvite, true);
      assert.deepEqual((await frank.query(GroupInvitesDocument, {})).groupInvites.edges, []);

      // An invite link of one use brings him into the private group after all.
      await rejectsWithCode(bob.mutate(CreateInviteLinkDocument, { input: { chatId: room.id } }), 'FORBIDDEN');
      const link = (await alice.mutate(CreateInviteLinkDocument, { input: { chatId: room.id, maxUses: 1 } })).createInviteLink;
      assert.ok(link.code && link.code.length >= 32);
      assert.equal((await frank.mutate(JoinByInviteDocument, { input: { code: link.code } })).joinByInvite.myRole, 'MEMBER');
      await rejectsWithCode(carol.mutate(JoinByInviteDocument, { input: { code: link.code } }), 'FORBIDDEN');
      const links = (await alice.query(InviteLinksDocument, { chatId: room.id })).chat.inviteLinks;
      assert.deepEqual(links.edges.map((e) => [e.node.id, e.node.uses]), [[link.id, 1]]);
      assert.equal((await alice.mutate(RevokeInviteLinkDocument, { input: { linkId: link.id } })).revokeInviteLink.revoked, true);

      // Bob reports frank's message; alice (admin) sees it and deletes the message.
      const rude = (await say(frank, 'something rude')).sendMessage;
      const report = (await bob.mutate(ReportMessageDocument, { input: { messageId: rude.id, reason: 'HARASSMENT', note: 'not ok' } })).reportMessage;
      await rejectsWithCode(bob.mutate(ReportMessageDocument, { input: { messageId: rude.id, reason: 'SPAM' } }), 'CONFLICT');
      await rejectsWithCode(bob.query(ReportsDocument, { chatId: room.id }), 'FORBIDDEN');
      const open = (await alice.query(ReportsDocument, { chatId: room.id, openOnly: true })).reports.edges;
      assert.deepEqual(open.map((e) => [e.node.id, e.node.reporter.id, e.node.message?.text]), [[report.id, bobUser.id, 'something rude']]);
      const resolved = (await alice.mutate(ResolveReportDocument, { input: { reportId: report.id, action: 'DELETE_MESSAGE' } })).resolveReport;
      assert.equal(resolved.resolution, 'MESSAGE_DELETED');
      assert.deepEqual((await alice.query(ReportsDocument, { chatId: room.id, openOnly: true })).reports.edges, []);
      const nobody = (await frank.mutate(SetGroupAddPolicyDocument, { policy: 'NOBODY' })).updateProfile;
      assert.equal(nobody.groupAddPolicy, 'NOBODY');
    });

    it('presence: carol, a chat partner of alice, comes online and goes offline; alice sees both', async () => {
      assert.equal((await alice.query(MeDocument, {})).me.status, 'ONLINE', 'alice has sockets open');
      const isCarol = (status: string) => (e: UserEventsSubscription) =>
        e.userEvents.kind === 'PRESENCE_CHANGED' && e.userEvents.user?.id === carolId && e.userEvents.user.status === status;
      // Carol has only used HTTP so far; a subscription opens her first socket.
      const carolEvents = carol.subscribe(UserEventsDocument, {});
      const online = (await aliceUserEvents.events.nextMatching('carol ONLINE on alice\'s userEvents', isCarol('ONLINE'))).userEvents;
      assert.equal(online.user?.handle, 'carol');
      assert.equal((await alice.query(UserDocument, { id: carolId })).user.status, 'ONLINE');
      // Her last socket closes (graphql-ws closes a lazy socket with its last
      // subscription); after the grace period she is offline, with lastSeen.
      carolEvents.unsubscribe();
      const offline = (await aliceUserEvents.events.nextMatching('carol OFFLINE on alice\'s userEvents', isCarol('OFFLINE'))).userEvents;
      assert.ok(offline.user?.lastSeen && Date.parse(offline.user.lastSeen) <= Date.now());
      // A stranger sees no presence at all.
      const stranger = newDriver();
      const signedUp = await stranger.mutate(SignUpDocument, {
        input: { email: 'dave@example.com', handle: 'dave', name: 'Dave', password: PASSWORD },
      });
      stranger.token = signedUp.signUp.token;
      const seen = (await stranger.query(UserDocument, { id: carolId })).user;
      assert.deepEqual([seen.status, seen.lastSeen], [null, null]);
    });

    it('friends: alice removes bob; bob receives FRIEND_REMOVED', async () => {
      const removed = await alice.mutate(RemoveFriendDocument, { input: { userId: bobUser.id } });
      assert.equal(removed.removeFriend.id, bobUser.id);
      const event = await bobFriendEvents.events.nextMatching(
        'FRIEND_REMOVED on bob\'s friendEvents',
        (e) => e.friendEvents.kind === 'FRIEND_REMOVED',
      );
      assert.equal(event.friendEvents.user?.id, aliceUser.id);
      assert.equal(event.friendEvents.request, null);
      assert.deepEqual((await bob.query(FriendsDocument, {})).friends.edges, []);
    });

    it('sync: bob\'s tablet catches up after being away; chatEvents resumes from the cursor', async () => {
      const tablet = newDriver();
      tablet.token = (await tablet.mutate(SignInDocument, {
        input: { login: 'bob', password: PASSWORD, deviceName: 'tablet' },
      })).signIn.token;
      const first = (await tablet.query(SyncDocument, {})).sync;
      assert.equal(first.reset, true);
      assert.ok(first.chats.some((c) => c.id === chat.id), 'a reset lists every chat');

      // Away: alice writes twice.
      for (const text of ['while you were away', 'and again']) {
        await alice.mutate(SendMessageDocument, { input: { chatId: chat.id, text } });
      }
      const caughtUp = (await tablet.query(SyncDocument, { after: first.cursor })).sync;
      assert.equal(caughtUp.reset, false);
      const changed = caughtUp.chats.find((c) => c.id === chat.id);
      assert.equal(changed?.lastMessage?.text, 'and again');
      assert.ok((changed?.unreadCount ?? 0) >= 2);

      // Resuming from sync's cursor: nothing again, then the next message.
      const events = tablet.subscribe(ChatEventsDocument, { after: caughtUp.cursor });
      await events.ready();
      await alice.mutate(SendMessageDocument, { input: { chatId: chat.id, text: 'live' } });
      const next = (await events.events.next('the next chat event on the tablet')).chatEvents;
      assert.deepEqual([next.kind, next.chatId, next.message?.text], ['NEW_MESSAGE', chat.id, 'live']);
      assert.equal(next.unreadCount, (changed?.unreadCount ?? 0) + 1);
      events.unsubscribe();
    });

    it('export: alice downloads her data as one JSON document', async () => {
      const link = (await alice.mutate(ExportMyDataDocument, {})).exportMyData;
      assert.ok(Date.parse(link.expiresAt) > Date.now());
      const res = await fetch(new URL(link.url, server.baseUrl));
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const data = (await res.json()) as {
        complete: boolean;
        profile: { id: string; handle: string };
        chats: unknown[];
        messages: { chatId: string }[];
      };
      assert.equal(data.complete, true);
      assert.deepEqual([data.profile.id, data.profile.handle], [aliceUser.id, 'alice']);
      assert.ok(data.chats.length >= 1 && data.messages.length >= 1, 'her chats and messages are in it');
    });

    it('uploads: alice sends a picture through a signed URL; bob downloads exactly those bytes', async () => {
      // A 1×1 PNG.
      const png = Uint8Array.from(
        atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='),
        (c) => c.charCodeAt(0),
      );
      const created = (
        await alice.mutate(CreateUploadDocument, {
          input: { purpose: 'MESSAGE_MEDIA', chatId: chat.id, contentType: 'image/png', size: png.length, fileName: 'dot.png' },
        })
      ).createUpload;
      assert.equal(created.upload.state, 'PENDING');
      // The bytes go to the URL as they are: no GraphQL, no token.
      const put = await fetch(created.url, {
        method: created.method,
        headers: Object.fromEntries(created.headers.map((h) => [h.name, h.value])),
        body: png,
      });
      assert.equal(put.status, 200);
      const done = (await alice.mutate(CompleteUploadDocument, { input: { uploadId: created.upload.id } })).completeUpload;
      assert.deepEqual([done.state, done.width, done.height], ['COMPLETE', 1, 1]);
      const sent = (
        await alice.mutate(SendMessageDocument, { input: { chatId: chat.id, text: 'a dot', mediaIds: [done.id] } })
      ).sendMessage;
      assert.equal(sent.type, 'IMAGE');
      const history = await bob.query(MessagesDocument, { chatId: chat.id, last: 1 });
      const media = history.messages.edges[0]?.node.media[0];
      assert.equal(media?.mimeType, 'image/png');
      const got = await fetch(media!.url);
      assert.equal(got.status, 200);
      assert.deepEqual(new Uint8Array(await got.arrayBuffer()), png);
      // Used once.
      await rejectsWithCode(
        alice.mutate(SendMessageDocument, { input: { chatId: chat.id, mediaIds: [done.id] } }),
        'BAD_USER_INPUT',
      );
    });

    it('account deletion: erin deletes her account; her socket closes, alice sees a deleted account', async () => {
      const erin = newDriver();
      const signedUp = (await erin.mutate(SignUpDocument, {
        input: { email: 'erin@example.com', handle: 'erin', name: 'Erin', password: PASSWORD },
      })).signUp;
      erin.token = signedUp.token;
      const erinId = signedUp.user.id;
      await erin.mutate(SendFriendRequestDocument, { input: { userId: aliceUser.id } });
      await aliceFriendEvents.events.nextMatching(
        'erin\'s request on alice\'s friendEvents',
        (e) => e.friendEvents.kind === 'REQUEST_RECEIVED' && e.friendEvents.user?.id === erinId,
      );
      const erinEvents = erin.subscribe(UserEventsDocument, {});
      await erinEvents.ready();

      await rejectsWithCode(
        erin.mutate(DeleteAccountDocument, { input: { password: 'not the password' } }),
        'BAD_USER_INPUT',
      );
      const deleted = (await erin.mutate(DeleteAccountDocument, { input: { password: PASSWORD } })).deleteAccount;
      assert.equal(deleted.userId, erinId);
      await erinEvents.events.failed('erin\'s socket to close');
      assert.ok(erin.closes.some((c) => c.code === 4403), `expected 4403, got ${JSON.stringify(erin.closes)}`);
      await rejectsWithCode(erin.query(MeDocument, {}), 'UNAUTHENTICATED');

      // Her pending request is withdrawn, from a deleted account.
      const withdrawn = await aliceFriendEvents.events.nextMatching(
        'erin\'s request withdrawn on alice\'s friendEvents',
        (e) => e.friendEvents.kind === 'REQUEST_DECLINED' || e.friendEvents.kind === 'REQUEST_CANCELLED',
      );
      assert.deepEqual(
        [withdrawn.friendEvents.user?.id, withdrawn.friendEvents.user?.deleted, withdrawn.friendEvents.user?.name],
        [erinId, true, 'Deleted account'],
      );
      const shown = (await alice.query(UserDocument, { id: erinId })).user;
      assert.deepEqual([shown.deleted, shown.handle, shown.name], [true, '', 'Deleted account']);
      // Her handle and email are free again.
      const again = (await newDriver().mutate(SignUpDocument, {
        input: { email: 'erin@example.com', handle: 'erin', name: 'Erin', password: PASSWORD },
      })).signUp;
      assert.notEqual(again.user.id, erinId);
    });
    it('jump: alice jumps to an old message with `around`; the page cursors go on both ways', async () => {
      const sent = [];
      for (let i = 1; i <= 9; i++) {
        sent.push((await alice.mutate(SendMessageDocument, { input: { chatId: chat.id, text: `jump ${i}` } })).sendMessage);
      }
      const page = (await alice.query(MessagesAroundDocument, { chatId: chat.id, around: sent[4]!.id, first: 3 })).messages;
      assert.deepEqual(page.edges.map((e) => e.node.text), ['jump 4', 'jump 5', 'jump 6']);
      assert.equal(page.pageInfo.hasPreviousPage, true);
      assert.equal(page.pageInfo.hasNextPage, true);
      const newer = (await alice.query(MessagesDocument, { chatId: chat.id, first: 10, after: page.pageInfo.endCursor })).messages;
      assert.deepEqual(newer.edges.map((e) => e.node.text), ['jump 7', 'jump 8', 'jump 9']);
      const older = (await alice.query(MessagesDocument, { chatId: chat.id, last: 3, before: page.pageInfo.startCursor })).messages;
      assert.deepEqual(older.edges.map((e) => e.node.text), ['jump 1', 'jump 2', 'jump 3']);
      await rejectsWithCode(alice.query(MessagesAroundDocument, { chatId: chat.id, around: '999999', first: 3 }), 'NOT_FOUND');
    });
    it('pins: bob pins a message of the direct chat; alice gets it live, in the list, and again on a resume', async () => {
      const pinnedOne = (await alice.mutate(SendMessageDocument, { input: { chatId: chat.id, text: 'pin me' } })).sendMessage;
      const watch = alice.subscribe(MessageEventsDocument, { chatId: chat.id, after: pinnedOne.cursor });
      await watch.ready();
      await bob.mutate(PinMessageDocument, { input: { messageId: pinnedOne.id } });
      const system = (await watch.events.next('the MESSAGE_PINNED system message')).messageEvents;
      assert.deepEqual([system.kind, system.message?.system?.action], ['CREATED', 'MESSAGE_PINNED']);
      const pinEvent = (await watch.events.next('the PINNED event')).messageEvents;
      assert.deepEqual([pinEvent.kind, pinEvent.message?.id, pinEvent.user?.id], ['PINNED', pinnedOne.id, bobUser.id]);
      watch.unsubscribe();
      const listed = (await alice.query(PinnedMessagesDocument, { id: chat.id })).chat;
      assert.equal(listed.myPermissions.canPin, true);
      assert.deepEqual(listed.pinnedMessages.map((p) => [p.message.id, p.pinnedBy.id]), [[pinnedOne.id, bobUser.id]]);
      // A client that was away replays both from its cursor.
      const resumed = alice.subscribe(MessageEventsDocument, { chatId: chat.id, after: pinnedOne.cursor });
      const again = [
        (await resumed.events.next('replayed system message')).messageEvents,
        (await resumed.events.next('replayed PINNED')).messageEvents,
      ];
      assert.deepEqual(again.map((e) => [e.kind, e.cursor]), [[system.kind, system.cursor], [pinEvent.kind, pinEvent.cursor]]);
      resumed.unsubscribe();
      await alice.mutate(UnpinMessageDocument, { input: { messageId: pinnedOne.id } });
      assert.deepEqual((await bob.query(PinnedMessagesDocument, { id: chat.id })).chat.pinnedMessages, []);
    });
    it('search: bob finds alice\'s message by a folded prefix, with a highlighted snippet, and jumps to it', async () => {
      const sent = (await alice.mutate(SendMessageDocument, { input: { chatId: chat.id, text: `Rendez-vous au Café ${library}` } })).sendMessage;
      const found = (await bob.query(SearchMessagesDocument, { query: `cafe ${library.slice(0, 3)}`, chatId: chat.id })).searchMessages;
      assert.equal(found.edges[0]?.node.message.id, sent.id);
      const hit = found.edges[0]!.node;
      assert.equal(hit.chat.id, chat.id);
      assert.deepEqual(
        hit.highlights.map((h) => hit.snippet.slice(h.start, h.start + h.length)),
        ['Café', library],
      );
      const page = (await bob.query(MessagesAroundDocument, { chatId: chat.id, around: hit.message.id, first: 3 })).messages;
      assert.ok(page.edges.some((e) => e.node.id === sent.id));
      // Deleted for bob: no longer found by him.
      await bob.mutate(DeleteMessageDocument, { input: { messageId: sent.id, forEveryone: false } });
      const again = (await bob.query(SearchMessagesDocument, { query: `cafe ${library.slice(0, 3)}`, chatId: chat.id })).searchMessages;
      assert.ok(!again.edges.some((e) => e.node.message.id === sent.id));
    });
    it('threads: bob and alice reply in a thread; the root counts them, the main list hides them, the thread pages, and replay carries them', async () => {
      const root = (await alice.mutate(SendMessageDocument, { input: { chatId: chat.id, text: 'thread root' } })).sendMessage;
      const replies: SendThreadReplyMutation['sendMessage'][] = [];
      for (const [who, text] of [[bob, 't1'], [alice, 't2'], [bob, 't3']] as const) {
        replies.push((await who.mutate(SendThreadReplyDocument, { input: { chatId: chat.id, text, threadRootId: root.id } })).sendMessage);
      }
      assert.deepEqual(replies.map((r) => r.threadRootId), [root.id, root.id, root.id]);
      const main = (await bob.query(MainMessagesDocument, { chatId: chat.id, last: 5 })).messages;
      const shown = main.edges.map((e) => e.node);
      assert.ok(!shown.some((m) => replies.some((r) => r.id === m.id)), 'no thread reply in the main list');
      const summary = shown.find((m) => m.id === root.id)!;
      assert.equal(summary.replyCount, 3);
      assert.deepEqual(summary.threadParticipants.map((p) => p.id), [bobUser.id, aliceUser.id]);
      const page = (await alice.query(ThreadMessagesDocument, { chatId: chat.id, threadRootId: root.id, first: 2 })).messages;
      assert.deepEqual(page.edges.map((e) => e.node.text), ['t1', 't2']);
      const rest = (await alice.query(ThreadMessagesDocument, { chatId: chat.id, threadRootId: root.id, first: 2, after: page.pageInfo.endCursor })).messages;
      assert.deepEqual(rest.edges.map((e) => e.node.text), ['t3']);
      // A client that was away replays the replies in the chat's one sequence.
      const resumed = alice.subscribe(MessageEventsDocument, { chatId: chat.id, after: root.cursor });
      const replayed = [];
      for (let i = 0; i < 3; i++) {
        replayed.push((await resumed.events.next(`replayed reply ${i + 1}`)).messageEvents);
      }
      resumed.unsubscribe();
      assert.deepEqual(replayed.map((e) => [e.kind, e.cursor]), replies.map((r) => ['CREATED', r.cursor]));
      await rejectsWithCode(bob.mutate(SendThreadReplyDocument, { input: { chatId: chat.id, text: 'x', threadRootId: 'nope' } }), 'BAD_USER_INPUT');
    });
    it('thread state: alice follows her root automatically, reads it, unfollows and follows again', async () => {
      const root = (await alice.mutate(SendMessageDocument, { input: { chatId: chat.id, text: 'followed root' } })).sendMessage;
      const first = (await bob.mutate(SendThreadReplyDocument, { input: { chatId: chat.id, text: 'f1', threadRootId: root.id } })).sendMessage;
      await bob.mutate(SendThreadReplyDocument, { input: { chatId: chat.id, text: 'f2', threadRootId: root.id } });
      const listed = (await alice.query(ThreadsDocument, { chatId: chat.id, first: 10 })).threads;
      const mine = listed.edges[0]!.node;
      assert.deepEqual([mine.root.id, mine.following, mine.unreadCount, mine.root.replyCount], [root.id, true, 2, 2]);
      const read = (await alice.mutate(MarkThreadReadDocument, { input: { rootId: root.id, upTo: first.cursor } })).markThreadRead;
      assert.equal(read.unreadCount, 1);
      assert.equal((await alice.mutate(MarkThreadReadDocument, { input: { rootId: root.id } })).markThreadRead.unreadCount, 0);
      const off = (await alice.mutate(UnfollowThreadDocument, { input: { rootId: root.id } })).unfollowThread;
      assert.equal(off.following, false);
      const after = (await alice.query(ThreadsDocument, { chatId: chat.id, first: 10 })).threads;
      assert.ok(!after.edges.some((e) => e.node.root.id === root.id));
      const on = (await alice.mutate(FollowThreadDocument, { input: { rootId: root.id } })).followThread;
      assert.deepEqual([on.following, on.unreadCount], [true, 0]);
    });
  });
}
