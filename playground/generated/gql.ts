/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation ChangePassword($input: ChangePasswordInput!) {\n  changePassword(input: $input) {\n    sessionIds\n  }\n}": typeof types.ChangePasswordDocument,
    "mutation DeleteAccount($input: DeleteAccountInput!) {\n  deleteAccount(input: $input) {\n    userId\n  }\n}": typeof types.DeleteAccountDocument,
    "mutation ExportMyData {\n  exportMyData {\n    url\n    expiresAt\n  }\n}": typeof types.ExportMyDataDocument,
    "query Me {\n  me {\n    ...UserFields\n    email\n  }\n}": typeof types.MeDocument,
    "mutation RefreshSession($input: RefreshSessionInput!) {\n  refreshSession(input: $input) {\n    token\n    expiresAt\n    refreshToken\n    refreshExpiresAt\n    session {\n      ...SessionFields\n    }\n  }\n}": typeof types.RefreshSessionDocument,
    "mutation RevokeSession($input: RevokeSessionInput!) {\n  revokeSession(input: $input) {\n    sessionIds\n  }\n}": typeof types.RevokeSessionDocument,
    "query SearchUsers($query: String!, $first: Int, $after: String) {\n  searchUsers(query: $query, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.SearchUsersDocument,
    "query Sessions($first: Int, $after: String) {\n  sessions(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...SessionFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.SessionsDocument,
    "mutation SignIn($input: SignInInput!) {\n  signIn(input: $input) {\n    token\n    expiresAt\n    refreshToken\n    refreshExpiresAt\n    session {\n      ...SessionFields\n    }\n    user {\n      ...UserFields\n      email\n    }\n  }\n}": typeof types.SignInDocument,
    "mutation SignOut {\n  signOut {\n    sessionIds\n  }\n}": typeof types.SignOutDocument,
    "mutation SignOutEverywhere($input: SignOutEverywhereInput! = {}) {\n  signOutEverywhere(input: $input) {\n    sessionIds\n  }\n}": typeof types.SignOutEverywhereDocument,
    "mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    expiresAt\n    refreshToken\n    refreshExpiresAt\n    session {\n      ...SessionFields\n    }\n    user {\n      ...UserFields\n      email\n    }\n  }\n}": typeof types.SignUpDocument,
    "mutation UpdateProfile($input: UpdateProfileInput!) {\n  updateProfile(input: $input) {\n    ...UserFields\n    email\n  }\n}": typeof types.UpdateProfileDocument,
    "query User($id: ID!) {\n  user(id: $id) {\n    ...UserFields\n  }\n}": typeof types.UserDocument,
    "query UserByHandle($handle: String!) {\n  userByHandle(handle: $handle) {\n    ...UserFields\n  }\n}": typeof types.UserByHandleDocument,
    "subscription UserEvents {\n  userEvents {\n    kind\n    user {\n      ...UserFields\n    }\n  }\n}": typeof types.UserEventsDocument,
    "mutation AddChatMembers($input: AddChatMembersInput!) {\n  addChatMembers(input: $input) {\n    ...ChatFields\n  }\n}": typeof types.AddChatMembersDocument,
    "query Chat($id: ID!) {\n  chat(id: $id) {\n    ...ChatFields\n  }\n}": typeof types.ChatDocument,
    "subscription ChatEvents($after: String) {\n  chatEvents(after: $after) {\n    kind\n    chatId\n    cursor\n    unreadCount\n    unreadMentionCount\n    actor {\n      id\n      handle\n    }\n    users {\n      id\n      handle\n    }\n    chat {\n      ...ChatFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}": typeof types.ChatEventsDocument,
    "query ChatMembers($chatId: ID!, $first: Int, $after: ID) {\n  chat(id: $chatId) {\n    id\n    memberCount\n    members(first: $first, after: $after) {\n      ...UserFields\n    }\n  }\n}": typeof types.ChatMembersDocument,
    "query Chats($first: Int, $after: String, $archived: Boolean! = false) {\n  chats(first: $first, after: $after, archived: $archived) {\n    edges {\n      cursor\n      node {\n        ...ChatFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.ChatsDocument,
    "mutation CreateChat($input: CreateChatInput!) {\n  createChat(input: $input) {\n    ...ChatFields\n  }\n}": typeof types.CreateChatDocument,
    "mutation DemoteAdmin($input: ChatMemberInput!) {\n  demoteAdmin(input: $input) {\n    ...ChatFields\n  }\n}": typeof types.DemoteAdminDocument,
    "mutation JoinChat($input: ChatIdInput!) {\n  joinChat(input: $input) {\n    ...ChatFields\n  }\n}": typeof types.JoinChatDocument,
    "mutation LeaveChat($input: ChatIdInput!) {\n  leaveChat(input: $input) {\n    ...ChatFields\n  }\n}": typeof types.LeaveChatDocument,
    "mutation PromoteAdmin($input: ChatMemberInput!) {\n  promoteAdmin(input: $input) {\n    ...ChatFields\n  }\n}": typeof types.PromoteAdminDocument,
    "mutation RemoveChatMember($input: ChatMemberInput!) {\n  removeChatMember(input: $input) {\n    ...ChatFields\n  }\n}": typeof types.RemoveChatMemberDocument,
    "query SearchChats($query: String!, $first: Int, $after: String) {\n  searchChats(query: $query, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        name\n        description\n        image\n        memberCount\n        createdAt\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.SearchChatsDocument,
    "mutation UpdateChat($input: UpdateChatInput!) {\n  updateChat(input: $input) {\n    ...ChatFields\n  }\n}": typeof types.UpdateChatDocument,
    "fragment ChatFields on Chat {\n  id\n  isGroup\n  name\n  description\n  image\n  privacy\n  memberCount\n  unreadCount\n  unreadMentionCount\n  notificationLevel\n  mutedUntil\n  isArchived\n  lastActivity\n  createdAt\n  cursor\n  members {\n    ...UserFields\n  }\n  admins {\n    id\n    handle\n  }\n  createdBy {\n    id\n    handle\n  }\n  lastMessage {\n    id\n    cursor\n    type\n    text\n    isDeleted\n    createdAt\n    sender {\n      id\n      handle\n    }\n  }\n}": typeof types.ChatFieldsFragmentDoc,
    "fragment FriendRequestFields on FriendRequest {\n  id\n  status\n  createdAt\n  respondedAt\n  from {\n    ...UserFields\n  }\n  to {\n    ...UserFields\n  }\n}": typeof types.FriendRequestFieldsFragmentDoc,
    "fragment HistoryMessageFields on Message {\n  id\n  cursor\n  type\n  text\n  isDeleted\n  editedAt\n  createdAt\n  clientMessageId\n  sender {\n    id\n    handle\n    name\n    image\n  }\n  media {\n    url\n    mimeType\n    size\n    name\n    width\n    height\n    durationMs\n  }\n  replyTo {\n    id\n    text\n    isDeleted\n    sender {\n      id\n      handle\n    }\n  }\n  reactions {\n    emoji\n    count\n    reactedByMe\n  }\n  system {\n    action\n    value\n    actor {\n      id\n      handle\n    }\n    targets {\n      id\n      handle\n    }\n  }\n}": typeof types.HistoryMessageFieldsFragmentDoc,
    "fragment MessageFields on Message {\n  id\n  chatId\n  cursor\n  type\n  text\n  isDeleted\n  editedAt\n  createdAt\n  clientMessageId\n  sender {\n    ...UserFields\n  }\n  media {\n    url\n    mimeType\n    size\n    name\n    width\n    height\n    durationMs\n  }\n  replyTo {\n    id\n    cursor\n    text\n    isDeleted\n    sender {\n      id\n      handle\n    }\n  }\n  reactions {\n    emoji\n    count\n    reactedByMe\n    users {\n      id\n      handle\n    }\n  }\n  readBy {\n    id\n    handle\n  }\n  deliveredTo {\n    id\n    handle\n  }\n  mentions {\n    id\n    handle\n  }\n  mentionsAll\n  system {\n    action\n    value\n    actor {\n      id\n      handle\n    }\n    targets {\n      id\n      handle\n    }\n  }\n}": typeof types.MessageFieldsFragmentDoc,
    "fragment NotificationFields on Notification {\n  id\n  kind\n  read\n  createdAt\n  chatId\n  friendRequestId\n  messageId\n  actor {\n    ...UserFields\n  }\n}": typeof types.NotificationFieldsFragmentDoc,
    "fragment PageInfoFields on PageInfo {\n  hasNextPage\n  endCursor\n  hasPreviousPage\n  startCursor\n}": typeof types.PageInfoFieldsFragmentDoc,
    "fragment SessionFields on Session {\n  id\n  deviceName\n  userAgent\n  createdAt\n  lastUsedAt\n  expiresAt\n  current\n}": typeof types.SessionFieldsFragmentDoc,
    "fragment ThreadFields on Thread {\n  chatId\n  following\n  unreadCount\n  lastReplyAt\n  readUpTo\n  root {\n    id\n    cursor\n    text\n    createdAt\n    replyCount\n    lastReplyAt\n    sender {\n      id\n      handle\n    }\n    threadParticipants {\n      id\n      handle\n    }\n  }\n}": typeof types.ThreadFieldsFragmentDoc,
    "fragment UploadFields on Upload {\n  id\n  purpose\n  chatId\n  state\n  contentType\n  size\n  fileName\n  width\n  height\n  expiresAt\n}": typeof types.UploadFieldsFragmentDoc,
    "fragment UserFields on User {\n  id\n  handle\n  name\n  deleted\n  image\n  bio\n  createdAt\n  status\n  lastSeen\n}": typeof types.UserFieldsFragmentDoc,
    "mutation BlockUser($input: UserIdInput!) {\n  blockUser(input: $input) {\n    ...UserFields\n  }\n}": typeof types.BlockUserDocument,
    "query BlockedUsers($first: Int, $after: String) {\n  blockedUsers(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.BlockedUsersDocument,
    "mutation CancelFriendRequest($input: CancelFriendRequestInput!) {\n  cancelFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}": typeof types.CancelFriendRequestDocument,
    "subscription FriendEvents($after: String) {\n  friendEvents(after: $after) {\n    kind\n    cursor\n    request {\n      ...FriendRequestFields\n    }\n    user {\n      ...UserFields\n    }\n  }\n}": typeof types.FriendEventsDocument,
    "query FriendRequests($direction: FriendRequestDirection!, $first: Int, $after: String) {\n  friendRequests(direction: $direction, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...FriendRequestFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.FriendRequestsDocument,
    "query Friends($first: Int, $after: String) {\n  friends(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.FriendsDocument,
    "mutation RemoveFriend($input: UserIdInput!) {\n  removeFriend(input: $input) {\n    ...UserFields\n  }\n}": typeof types.RemoveFriendDocument,
    "mutation RespondToFriendRequest($input: RespondToFriendRequestInput!) {\n  respondToFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}": typeof types.RespondToFriendRequestDocument,
    "mutation SendFriendRequest($input: SendFriendRequestInput!) {\n  sendFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}": typeof types.SendFriendRequestDocument,
    "mutation UnblockUser($input: UserIdInput!) {\n  unblockUser(input: $input) {\n    ...UserFields\n  }\n}": typeof types.UnblockUserDocument,
    "mutation AddReaction($input: ReactionInput!) {\n  addReaction(input: $input) {\n    ...MessageFields\n  }\n}": typeof types.AddReactionDocument,
    "mutation DeleteMessage($input: DeleteMessageInput!) {\n  deleteMessage(input: $input) {\n    ...MessageFields\n  }\n}": typeof types.DeleteMessageDocument,
    "mutation EditMessage($input: EditMessageInput!) {\n  editMessage(input: $input) {\n    ...MessageFields\n  }\n}": typeof types.EditMessageDocument,
    "query MainMessages($chatId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    includeThreadReplies: false\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n        replyCount\n        lastReplyAt\n        threadParticipants {\n          id\n          handle\n          name\n          image\n        }\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.MainMessagesDocument,
    "mutation MarkMessagesDelivered($input: MarkMessagesInput!) {\n  markMessagesDelivered(input: $input) {\n    chatId\n    upTo\n    unreadCount\n  }\n}": typeof types.MarkMessagesDeliveredDocument,
    "mutation MarkMessagesRead($input: MarkMessagesInput!) {\n  markMessagesRead(input: $input) {\n    chatId\n    upTo\n    unreadCount\n  }\n}": typeof types.MarkMessagesReadDocument,
    "subscription MessageEvents($chatId: ID!, $after: String) {\n  messageEvents(chatId: $chatId, after: $after) {\n    kind\n    chatId\n    cursor\n    upTo\n    user {\n      id\n      handle\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}": typeof types.MessageEventsDocument,
    "query Messages($chatId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.MessagesDocument,
    "query MessagesAround($chatId: ID!, $around: String!, $first: Int) {\n  messages(chatId: $chatId, around: $around, first: $first) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.MessagesAroundDocument,
    "mutation PinMessage($input: PinMessageInput!) {\n  pinMessage(input: $input) {\n    id\n    cursor\n  }\n}": typeof types.PinMessageDocument,
    "query PinnedMessages($id: ID!) {\n  chat(id: $id) {\n    id\n    myPermissions {\n      canPin\n    }\n    pinnedMessages {\n      pinnedAt\n      pinnedBy {\n        id\n        handle\n      }\n      message {\n        ...HistoryMessageFields\n      }\n    }\n  }\n}": typeof types.PinnedMessagesDocument,
    "mutation RemoveReaction($input: ReactionInput!) {\n  removeReaction(input: $input) {\n    ...MessageFields\n  }\n}": typeof types.RemoveReactionDocument,
    "query SearchMessages($query: String!, $chatId: ID, $first: Int, $after: String) {\n  searchMessages(query: $query, chatId: $chatId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        snippet\n        highlights {\n          start\n          length\n        }\n        chat {\n          id\n          name\n        }\n        message {\n          ...HistoryMessageFields\n        }\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.SearchMessagesDocument,
    "mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    ...MessageFields\n  }\n}": typeof types.SendMessageDocument,
    "mutation SendThreadReply($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    ...MessageFields\n    threadRootId\n  }\n}": typeof types.SendThreadReplyDocument,
    "query ThreadMessages($chatId: ID!, $threadRootId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    threadRootId: $threadRootId\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n        threadRootId\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.ThreadMessagesDocument,
    "mutation UnpinMessage($input: PinMessageInput!) {\n  unpinMessage(input: $input) {\n    id\n  }\n}": typeof types.UnpinMessageDocument,
    "mutation AcceptGroupInvite($input: ChatIdInput!) {\n  acceptGroupInvite(input: $input) {\n    id\n    name\n    myRole\n  }\n}": typeof types.AcceptGroupInviteDocument,
    "mutation BanMember($input: BanMemberInput!) {\n  banMember(input: $input) {\n    id\n    memberCount\n  }\n}": typeof types.BanMemberDocument,
    "query BannedMembers($chatId: ID!, $first: Int, $after: String) {\n  chat(id: $chatId) {\n    id\n    bannedMembers(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          user {\n            id\n            handle\n          }\n          bannedBy {\n            id\n            handle\n          }\n          reason\n          until\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": typeof types.BannedMembersDocument,
    "query ChatRules($chatId: ID!) {\n  chat(id: $chatId) {\n    id\n    permissions {\n      send\n      editInfo\n      addMembers\n      pin\n    }\n    slowModeSeconds\n    myRole\n    myPermissions {\n      canSend\n      canReact\n      canEditInfo\n      canAddMembers\n      canModerate\n      canManageAdmins\n      canPin\n      muted\n      mutedUntil\n    }\n  }\n}": typeof types.ChatRulesDocument,
    "mutation CreateInviteLink($input: CreateInviteLinkInput!) {\n  createInviteLink(input: $input) {\n    id\n    code\n    expiresAt\n    maxUses\n    uses\n  }\n}": typeof types.CreateInviteLinkDocument,
    "mutation DeclineGroupInvite($input: ChatIdInput!) {\n  declineGroupInvite(input: $input)\n}": typeof types.DeclineGroupInviteDocument,
    "query GroupInvites($first: Int, $after: String) {\n  groupInvites(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        chatId\n        chatName\n        invitedBy {\n          id\n          handle\n        }\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.GroupInvitesDocument,
    "query InviteLinks($chatId: ID!, $first: Int, $after: String) {\n  chat(id: $chatId) {\n    id\n    inviteLinks(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          createdBy {\n            id\n            handle\n          }\n          createdAt\n          expiresAt\n          maxUses\n          uses\n          revoked\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": typeof types.InviteLinksDocument,
    "mutation JoinByInvite($input: JoinByInviteInput!) {\n  joinByInvite(input: $input) {\n    id\n    name\n    myRole\n  }\n}": typeof types.JoinByInviteDocument,
    "mutation MuteMember($input: MuteMemberInput!) {\n  muteMember(input: $input) {\n    id\n  }\n}": typeof types.MuteMemberDocument,
    "query PendingInvites($chatId: ID!, $first: Int, $after: String) {\n  chat(id: $chatId) {\n    id\n    pendingInvites(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          user {\n            id\n            handle\n          }\n          invitedBy {\n            id\n            handle\n          }\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": typeof types.PendingInvitesDocument,
    "mutation ReportMessage($input: ReportMessageInput!) {\n  reportMessage(input: $input) {\n    id\n    reason\n    note\n    createdAt\n  }\n}": typeof types.ReportMessageDocument,
    "query Reports($chatId: ID!, $openOnly: Boolean, $first: Int, $after: String) {\n  reports(chatId: $chatId, openOnly: $openOnly, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        reason\n        note\n        createdAt\n        resolution\n        reporter {\n          id\n          handle\n        }\n        sender {\n          id\n          handle\n        }\n        message {\n          id\n          text\n          isDeleted\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.ReportsDocument,
    "mutation ResolveReport($input: ResolveReportInput!) {\n  resolveReport(input: $input) {\n    id\n    resolution\n    resolvedBy {\n      id\n      handle\n    }\n  }\n}": typeof types.ResolveReportDocument,
    "mutation RevokeInviteLink($input: InviteLinkIdInput!) {\n  revokeInviteLink(input: $input) {\n    id\n    revoked\n  }\n}": typeof types.RevokeInviteLinkDocument,
    "mutation SetChatRules($input: UpdateChatInput!) {\n  updateChat(input: $input) {\n    id\n    permissions {\n      send\n      editInfo\n      addMembers\n      pin\n    }\n    slowModeSeconds\n  }\n}": typeof types.SetChatRulesDocument,
    "mutation SetGroupAddPolicy($policy: GroupAddPolicy!) {\n  updateProfile(input: {groupAddPolicy: $policy}) {\n    id\n    groupAddPolicy\n  }\n}": typeof types.SetGroupAddPolicyDocument,
    "mutation UnbanMember($input: ChatMemberInput!) {\n  unbanMember(input: $input) {\n    id\n  }\n}": typeof types.UnbanMemberDocument,
    "mutation UnmuteMember($input: ChatMemberInput!) {\n  unmuteMember(input: $input) {\n    id\n  }\n}": typeof types.UnmuteMemberDocument,
    "mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {\n  markNotificationsRead(input: $input) {\n    markedCount\n    unreadCount\n  }\n}": typeof types.MarkNotificationsReadDocument,
    "subscription NotificationEvents($after: String) {\n  notificationEvents(after: $after) {\n    kind\n    cursor\n    notification {\n      ...NotificationFields\n    }\n  }\n}": typeof types.NotificationEventsDocument,
    "query Notifications($first: Int, $after: String, $unreadOnly: Boolean! = false) {\n  notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {\n    edges {\n      cursor\n      node {\n        ...NotificationFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.NotificationsDocument,
    "query UnreadNotificationCount {\n  unreadNotificationCount\n}": typeof types.UnreadNotificationCountDocument,
    "mutation ArchiveChat($input: ArchiveChatInput!) {\n  archiveChat(input: $input) {\n    id\n    isArchived\n  }\n}": typeof types.ArchiveChatDocument,
    "query ChatNotificationDefault {\n  chatNotificationDefault\n}": typeof types.ChatNotificationDefaultDocument,
    "mutation SetChatNotifications($input: SetChatNotificationsInput!) {\n  setChatNotifications(input: $input) {\n    defaultLevel\n    chat {\n      id\n      notificationLevel\n      mutedUntil\n    }\n  }\n}": typeof types.SetChatNotificationsDocument,
    "mutation UnarchiveChat($input: ArchiveChatInput!) {\n  unarchiveChat(input: $input) {\n    id\n    isArchived\n  }\n}": typeof types.UnarchiveChatDocument,
    "query PushPublicKey {\n  pushPublicKey\n}": typeof types.PushPublicKeyDocument,
    "mutation RegisterPushSubscription($input: RegisterPushSubscriptionInput!) {\n  registerPushSubscription(input: $input)\n}": typeof types.RegisterPushSubscriptionDocument,
    "mutation UnregisterPushSubscription($input: UnregisterPushSubscriptionInput!) {\n  unregisterPushSubscription(input: $input)\n}": typeof types.UnregisterPushSubscriptionDocument,
    "mutation DeactivateUser($input: DeactivateUserInput!) {\n  deactivateUser(input: $input) {\n    userId\n    deactivated\n  }\n}": typeof types.DeactivateUserDocument,
    "mutation DeleteUser($input: DeleteUserInput!) {\n  deleteUser(input: $input) {\n    userId\n  }\n}": typeof types.DeleteUserDocument,
    "mutation RevokeUserTokens($input: RevokeUserTokensInput!) {\n  revokeUserTokens(input: $input) {\n    userId\n    issuedBefore\n    sessionsEnded\n  }\n}": typeof types.RevokeUserTokensDocument,
    "mutation UpsertUsers($input: UpsertUsersInput!) {\n  upsertUsers(input: $input) {\n    ...UserFields\n    email\n  }\n}": typeof types.UpsertUsersDocument,
    "query Sync($after: String, $first: Int) {\n  sync(after: $after, first: $first) {\n    cursor\n    hasMore\n    reset\n    removedChatIds\n    chats {\n      ...ChatFields\n    }\n    notifications {\n      ...NotificationFields\n    }\n    friendEvents {\n      kind\n      user {\n        ...UserFields\n      }\n      request {\n        ...FriendRequestFields\n      }\n    }\n  }\n}": typeof types.SyncDocument,
    "mutation FollowThread($input: ThreadInput!) {\n  followThread(input: $input) {\n    ...ThreadFields\n  }\n}": typeof types.FollowThreadDocument,
    "mutation MarkThreadRead($input: MarkThreadReadInput!) {\n  markThreadRead(input: $input) {\n    ...ThreadFields\n  }\n}": typeof types.MarkThreadReadDocument,
    "query Threads($chatId: ID, $first: Int, $after: String) {\n  threads(chatId: $chatId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...ThreadFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.ThreadsDocument,
    "mutation UnfollowThread($input: ThreadInput!) {\n  unfollowThread(input: $input) {\n    ...ThreadFields\n  }\n}": typeof types.UnfollowThreadDocument,
    "mutation StartTyping($input: TypingInput!) {\n  startTyping(input: $input) {\n    chatId\n    isTyping\n  }\n}": typeof types.StartTypingDocument,
    "mutation StopTyping($input: TypingInput!) {\n  stopTyping(input: $input) {\n    chatId\n    isTyping\n  }\n}": typeof types.StopTypingDocument,
    "subscription TypingEvents($chatId: ID!) {\n  typingEvents(chatId: $chatId) {\n    chatId\n    isTyping\n    user {\n      id\n      handle\n      name\n    }\n  }\n}": typeof types.TypingEventsDocument,
    "mutation CompleteUpload($input: CompleteUploadInput!) {\n  completeUpload(input: $input) {\n    ...UploadFields\n  }\n}": typeof types.CompleteUploadDocument,
    "mutation CreateUpload($input: CreateUploadInput!) {\n  createUpload(input: $input) {\n    upload {\n      ...UploadFields\n    }\n    url\n    method\n    headers {\n      name\n      value\n    }\n  }\n}": typeof types.CreateUploadDocument,
};
const documents: Documents = {
    "mutation ChangePassword($input: ChangePasswordInput!) {\n  changePassword(input: $input) {\n    sessionIds\n  }\n}": types.ChangePasswordDocument,
    "mutation DeleteAccount($input: DeleteAccountInput!) {\n  deleteAccount(input: $input) {\n    userId\n  }\n}": types.DeleteAccountDocument,
    "mutation ExportMyData {\n  exportMyData {\n    url\n    expiresAt\n  }\n}": types.ExportMyDataDocument,
    "query Me {\n  me {\n    ...UserFields\n    email\n  }\n}": types.MeDocument,
    "mutation RefreshSession($input: RefreshSessionInput!) {\n  refreshSession(input: $input) {\n    token\n    expiresAt\n    refreshToken\n    refreshExpiresAt\n    session {\n      ...SessionFields\n    }\n  }\n}": types.RefreshSessionDocument,
    "mutation RevokeSession($input: RevokeSessionInput!) {\n  revokeSession(input: $input) {\n    sessionIds\n  }\n}": types.RevokeSessionDocument,
    "query SearchUsers($query: String!, $first: Int, $after: String) {\n  searchUsers(query: $query, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.SearchUsersDocument,
    "query Sessions($first: Int, $after: String) {\n  sessions(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...SessionFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.SessionsDocument,
    "mutation SignIn($input: SignInInput!) {\n  signIn(input: $input) {\n    token\n    expiresAt\n    refreshToken\n    refreshExpiresAt\n    session {\n      ...SessionFields\n    }\n    user {\n      ...UserFields\n      email\n    }\n  }\n}": types.SignInDocument,
    "mutation SignOut {\n  signOut {\n    sessionIds\n  }\n}": types.SignOutDocument,
    "mutation SignOutEverywhere($input: SignOutEverywhereInput! = {}) {\n  signOutEverywhere(input: $input) {\n    sessionIds\n  }\n}": types.SignOutEverywhereDocument,
    "mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    expiresAt\n    refreshToken\n    refreshExpiresAt\n    session {\n      ...SessionFields\n    }\n    user {\n      ...UserFields\n      email\n    }\n  }\n}": types.SignUpDocument,
    "mutation UpdateProfile($input: UpdateProfileInput!) {\n  updateProfile(input: $input) {\n    ...UserFields\n    email\n  }\n}": types.UpdateProfileDocument,
    "query User($id: ID!) {\n  user(id: $id) {\n    ...UserFields\n  }\n}": types.UserDocument,
    "query UserByHandle($handle: String!) {\n  userByHandle(handle: $handle) {\n    ...UserFields\n  }\n}": types.UserByHandleDocument,
    "subscription UserEvents {\n  userEvents {\n    kind\n    user {\n      ...UserFields\n    }\n  }\n}": types.UserEventsDocument,
    "mutation AddChatMembers($input: AddChatMembersInput!) {\n  addChatMembers(input: $input) {\n    ...ChatFields\n  }\n}": types.AddChatMembersDocument,
    "query Chat($id: ID!) {\n  chat(id: $id) {\n    ...ChatFields\n  }\n}": types.ChatDocument,
    "subscription ChatEvents($after: String) {\n  chatEvents(after: $after) {\n    kind\n    chatId\n    cursor\n    unreadCount\n    unreadMentionCount\n    actor {\n      id\n      handle\n    }\n    users {\n      id\n      handle\n    }\n    chat {\n      ...ChatFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}": types.ChatEventsDocument,
    "query ChatMembers($chatId: ID!, $first: Int, $after: ID) {\n  chat(id: $chatId) {\n    id\n    memberCount\n    members(first: $first, after: $after) {\n      ...UserFields\n    }\n  }\n}": types.ChatMembersDocument,
    "query Chats($first: Int, $after: String, $archived: Boolean! = false) {\n  chats(first: $first, after: $after, archived: $archived) {\n    edges {\n      cursor\n      node {\n        ...ChatFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.ChatsDocument,
    "mutation CreateChat($input: CreateChatInput!) {\n  createChat(input: $input) {\n    ...ChatFields\n  }\n}": types.CreateChatDocument,
    "mutation DemoteAdmin($input: ChatMemberInput!) {\n  demoteAdmin(input: $input) {\n    ...ChatFields\n  }\n}": types.DemoteAdminDocument,
    "mutation JoinChat($input: ChatIdInput!) {\n  joinChat(input: $input) {\n    ...ChatFields\n  }\n}": types.JoinChatDocument,
    "mutation LeaveChat($input: ChatIdInput!) {\n  leaveChat(input: $input) {\n    ...ChatFields\n  }\n}": types.LeaveChatDocument,
    "mutation PromoteAdmin($input: ChatMemberInput!) {\n  promoteAdmin(input: $input) {\n    ...ChatFields\n  }\n}": types.PromoteAdminDocument,
    "mutation RemoveChatMember($input: ChatMemberInput!) {\n  removeChatMember(input: $input) {\n    ...ChatFields\n  }\n}": types.RemoveChatMemberDocument,
    "query SearchChats($query: String!, $first: Int, $after: String) {\n  searchChats(query: $query, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        name\n        description\n        image\n        memberCount\n        createdAt\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.SearchChatsDocument,
    "mutation UpdateChat($input: UpdateChatInput!) {\n  updateChat(input: $input) {\n    ...ChatFields\n  }\n}": types.UpdateChatDocument,
    "fragment ChatFields on Chat {\n  id\n  isGroup\n  name\n  description\n  image\n  privacy\n  memberCount\n  unreadCount\n  unreadMentionCount\n  notificationLevel\n  mutedUntil\n  isArchived\n  lastActivity\n  createdAt\n  cursor\n  members {\n    ...UserFields\n  }\n  admins {\n    id\n    handle\n  }\n  createdBy {\n    id\n    handle\n  }\n  lastMessage {\n    id\n    cursor\n    type\n    text\n    isDeleted\n    createdAt\n    sender {\n      id\n      handle\n    }\n  }\n}": types.ChatFieldsFragmentDoc,
    "fragment FriendRequestFields on FriendRequest {\n  id\n  status\n  createdAt\n  respondedAt\n  from {\n    ...UserFields\n  }\n  to {\n    ...UserFields\n  }\n}": types.FriendRequestFieldsFragmentDoc,
    "fragment HistoryMessageFields on Message {\n  id\n  cursor\n  type\n  text\n  isDeleted\n  editedAt\n  createdAt\n  clientMessageId\n  sender {\n    id\n    handle\n    name\n    image\n  }\n  media {\n    url\n    mimeType\n    size\n    name\n    width\n    height\n    durationMs\n  }\n  replyTo {\n    id\n    text\n    isDeleted\n    sender {\n      id\n      handle\n    }\n  }\n  reactions {\n    emoji\n    count\n    reactedByMe\n  }\n  system {\n    action\n    value\n    actor {\n      id\n      handle\n    }\n    targets {\n      id\n      handle\n    }\n  }\n}": types.HistoryMessageFieldsFragmentDoc,
    "fragment MessageFields on Message {\n  id\n  chatId\n  cursor\n  type\n  text\n  isDeleted\n  editedAt\n  createdAt\n  clientMessageId\n  sender {\n    ...UserFields\n  }\n  media {\n    url\n    mimeType\n    size\n    name\n    width\n    height\n    durationMs\n  }\n  replyTo {\n    id\n    cursor\n    text\n    isDeleted\n    sender {\n      id\n      handle\n    }\n  }\n  reactions {\n    emoji\n    count\n    reactedByMe\n    users {\n      id\n      handle\n    }\n  }\n  readBy {\n    id\n    handle\n  }\n  deliveredTo {\n    id\n    handle\n  }\n  mentions {\n    id\n    handle\n  }\n  mentionsAll\n  system {\n    action\n    value\n    actor {\n      id\n      handle\n    }\n    targets {\n      id\n      handle\n    }\n  }\n}": types.MessageFieldsFragmentDoc,
    "fragment NotificationFields on Notification {\n  id\n  kind\n  read\n  createdAt\n  chatId\n  friendRequestId\n  messageId\n  actor {\n    ...UserFields\n  }\n}": types.NotificationFieldsFragmentDoc,
    "fragment PageInfoFields on PageInfo {\n  hasNextPage\n  endCursor\n  hasPreviousPage\n  startCursor\n}": types.PageInfoFieldsFragmentDoc,
    "fragment SessionFields on Session {\n  id\n  deviceName\n  userAgent\n  createdAt\n  lastUsedAt\n  expiresAt\n  current\n}": types.SessionFieldsFragmentDoc,
    "fragment ThreadFields on Thread {\n  chatId\n  following\n  unreadCount\n  lastReplyAt\n  readUpTo\n  root {\n    id\n    cursor\n    text\n    createdAt\n    replyCount\n    lastReplyAt\n    sender {\n      id\n      handle\n    }\n    threadParticipants {\n      id\n      handle\n    }\n  }\n}": types.ThreadFieldsFragmentDoc,
    "fragment UploadFields on Upload {\n  id\n  purpose\n  chatId\n  state\n  contentType\n  size\n  fileName\n  width\n  height\n  expiresAt\n}": types.UploadFieldsFragmentDoc,
    "fragment UserFields on User {\n  id\n  handle\n  name\n  deleted\n  image\n  bio\n  createdAt\n  status\n  lastSeen\n}": types.UserFieldsFragmentDoc,
    "mutation BlockUser($input: UserIdInput!) {\n  blockUser(input: $input) {\n    ...UserFields\n  }\n}": types.BlockUserDocument,
    "query BlockedUsers($first: Int, $after: String) {\n  blockedUsers(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.BlockedUsersDocument,
    "mutation CancelFriendRequest($input: CancelFriendRequestInput!) {\n  cancelFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}": types.CancelFriendRequestDocument,
    "subscription FriendEvents($after: String) {\n  friendEvents(after: $after) {\n    kind\n    cursor\n    request {\n      ...FriendRequestFields\n    }\n    user {\n      ...UserFields\n    }\n  }\n}": types.FriendEventsDocument,
    "query FriendRequests($direction: FriendRequestDirection!, $first: Int, $after: String) {\n  friendRequests(direction: $direction, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...FriendRequestFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.FriendRequestsDocument,
    "query Friends($first: Int, $after: String) {\n  friends(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.FriendsDocument,
    "mutation RemoveFriend($input: UserIdInput!) {\n  removeFriend(input: $input) {\n    ...UserFields\n  }\n}": types.RemoveFriendDocument,
    "mutation RespondToFriendRequest($input: RespondToFriendRequestInput!) {\n  respondToFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}": types.RespondToFriendRequestDocument,
    "mutation SendFriendRequest($input: SendFriendRequestInput!) {\n  sendFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}": types.SendFriendRequestDocument,
    "mutation UnblockUser($input: UserIdInput!) {\n  unblockUser(input: $input) {\n    ...UserFields\n  }\n}": types.UnblockUserDocument,
    "mutation AddReaction($input: ReactionInput!) {\n  addReaction(input: $input) {\n    ...MessageFields\n  }\n}": types.AddReactionDocument,
    "mutation DeleteMessage($input: DeleteMessageInput!) {\n  deleteMessage(input: $input) {\n    ...MessageFields\n  }\n}": types.DeleteMessageDocument,
    "mutation EditMessage($input: EditMessageInput!) {\n  editMessage(input: $input) {\n    ...MessageFields\n  }\n}": types.EditMessageDocument,
    "query MainMessages($chatId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    includeThreadReplies: false\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n        replyCount\n        lastReplyAt\n        threadParticipants {\n          id\n          handle\n          name\n          image\n        }\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.MainMessagesDocument,
    "mutation MarkMessagesDelivered($input: MarkMessagesInput!) {\n  markMessagesDelivered(input: $input) {\n    chatId\n    upTo\n    unreadCount\n  }\n}": types.MarkMessagesDeliveredDocument,
    "mutation MarkMessagesRead($input: MarkMessagesInput!) {\n  markMessagesRead(input: $input) {\n    chatId\n    upTo\n    unreadCount\n  }\n}": types.MarkMessagesReadDocument,
    "subscription MessageEvents($chatId: ID!, $after: String) {\n  messageEvents(chatId: $chatId, after: $after) {\n    kind\n    chatId\n    cursor\n    upTo\n    user {\n      id\n      handle\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}": types.MessageEventsDocument,
    "query Messages($chatId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.MessagesDocument,
    "query MessagesAround($chatId: ID!, $around: String!, $first: Int) {\n  messages(chatId: $chatId, around: $around, first: $first) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.MessagesAroundDocument,
    "mutation PinMessage($input: PinMessageInput!) {\n  pinMessage(input: $input) {\n    id\n    cursor\n  }\n}": types.PinMessageDocument,
    "query PinnedMessages($id: ID!) {\n  chat(id: $id) {\n    id\n    myPermissions {\n      canPin\n    }\n    pinnedMessages {\n      pinnedAt\n      pinnedBy {\n        id\n        handle\n      }\n      message {\n        ...HistoryMessageFields\n      }\n    }\n  }\n}": types.PinnedMessagesDocument,
    "mutation RemoveReaction($input: ReactionInput!) {\n  removeReaction(input: $input) {\n    ...MessageFields\n  }\n}": types.RemoveReactionDocument,
    "query SearchMessages($query: String!, $chatId: ID, $first: Int, $after: String) {\n  searchMessages(query: $query, chatId: $chatId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        snippet\n        highlights {\n          start\n          length\n        }\n        chat {\n          id\n          name\n        }\n        message {\n          ...HistoryMessageFields\n        }\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.SearchMessagesDocument,
    "mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    ...MessageFields\n  }\n}": types.SendMessageDocument,
    "mutation SendThreadReply($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    ...MessageFields\n    threadRootId\n  }\n}": types.SendThreadReplyDocument,
    "query ThreadMessages($chatId: ID!, $threadRootId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    threadRootId: $threadRootId\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n        threadRootId\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.ThreadMessagesDocument,
    "mutation UnpinMessage($input: PinMessageInput!) {\n  unpinMessage(input: $input) {\n    id\n  }\n}": types.UnpinMessageDocument,
    "mutation AcceptGroupInvite($input: ChatIdInput!) {\n  acceptGroupInvite(input: $input) {\n    id\n    name\n    myRole\n  }\n}": types.AcceptGroupInviteDocument,
    "mutation BanMember($input: BanMemberInput!) {\n  banMember(input: $input) {\n    id\n    memberCount\n  }\n}": types.BanMemberDocument,
    "query BannedMembers($chatId: ID!, $first: Int, $after: String) {\n  chat(id: $chatId) {\n    id\n    bannedMembers(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          user {\n            id\n            handle\n          }\n          bannedBy {\n            id\n            handle\n          }\n          reason\n          until\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": types.BannedMembersDocument,
    "query ChatRules($chatId: ID!) {\n  chat(id: $chatId) {\n    id\n    permissions {\n      send\n      editInfo\n      addMembers\n      pin\n    }\n    slowModeSeconds\n    myRole\n    myPermissions {\n      canSend\n      canReact\n      canEditInfo\n      canAddMembers\n      canModerate\n      canManageAdmins\n      canPin\n      muted\n      mutedUntil\n    }\n  }\n}": types.ChatRulesDocument,
    "mutation CreateInviteLink($input: CreateInviteLinkInput!) {\n  createInviteLink(input: $input) {\n    id\n    code\n    expiresAt\n    maxUses\n    uses\n  }\n}": types.CreateInviteLinkDocument,
    "mutation DeclineGroupInvite($input: ChatIdInput!) {\n  declineGroupInvite(input: $input)\n}": types.DeclineGroupInviteDocument,
    "query GroupInvites($first: Int, $after: String) {\n  groupInvites(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        chatId\n        chatName\n        invitedBy {\n          id\n          handle\n        }\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.GroupInvitesDocument,
    "query InviteLinks($chatId: ID!, $first: Int, $after: String) {\n  chat(id: $chatId) {\n    id\n    inviteLinks(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          createdBy {\n            id\n            handle\n          }\n          createdAt\n          expiresAt\n          maxUses\n          uses\n          revoked\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": types.InviteLinksDocument,
    "mutation JoinByInvite($input: JoinByInviteInput!) {\n  joinByInvite(input: $input) {\n    id\n    name\n    myRole\n  }\n}": types.JoinByInviteDocument,
    "mutation MuteMember($input: MuteMemberInput!) {\n  muteMember(input: $input) {\n    id\n  }\n}": types.MuteMemberDocument,
    "query PendingInvites($chatId: ID!, $first: Int, $after: String) {\n  chat(id: $chatId) {\n    id\n    pendingInvites(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          user {\n            id\n            handle\n          }\n          invitedBy {\n            id\n            handle\n          }\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": types.PendingInvitesDocument,
    "mutation ReportMessage($input: ReportMessageInput!) {\n  reportMessage(input: $input) {\n    id\n    reason\n    note\n    createdAt\n  }\n}": types.ReportMessageDocument,
    "query Reports($chatId: ID!, $openOnly: Boolean, $first: Int, $after: String) {\n  reports(chatId: $chatId, openOnly: $openOnly, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        reason\n        note\n        createdAt\n        resolution\n        reporter {\n          id\n          handle\n        }\n        sender {\n          id\n          handle\n        }\n        message {\n          id\n          text\n          isDeleted\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.ReportsDocument,
    "mutation ResolveReport($input: ResolveReportInput!) {\n  resolveReport(input: $input) {\n    id\n    resolution\n    resolvedBy {\n      id\n      handle\n    }\n  }\n}": types.ResolveReportDocument,
    "mutation RevokeInviteLink($input: InviteLinkIdInput!) {\n  revokeInviteLink(input: $input) {\n    id\n    revoked\n  }\n}": types.RevokeInviteLinkDocument,
    "mutation SetChatRules($input: UpdateChatInput!) {\n  updateChat(input: $input) {\n    id\n    permissions {\n      send\n      editInfo\n      addMembers\n      pin\n    }\n    slowModeSeconds\n  }\n}": types.SetChatRulesDocument,
    "mutation SetGroupAddPolicy($policy: GroupAddPolicy!) {\n  updateProfile(input: {groupAddPolicy: $policy}) {\n    id\n    groupAddPolicy\n  }\n}": types.SetGroupAddPolicyDocument,
    "mutation UnbanMember($input: ChatMemberInput!) {\n  unbanMember(input: $input) {\n    id\n  }\n}": types.UnbanMemberDocument,
    "mutation UnmuteMember($input: ChatMemberInput!) {\n  unmuteMember(input: $input) {\n    id\n  }\n}": types.UnmuteMemberDocument,
    "mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {\n  markNotificationsRead(input: $input) {\n    markedCount\n    unreadCount\n  }\n}": types.MarkNotificationsReadDocument,
    "subscription NotificationEvents($after: String) {\n  notificationEvents(after: $after) {\n    kind\n    cursor\n    notification {\n      ...NotificationFields\n    }\n  }\n}": types.NotificationEventsDocument,
    "query Notifications($first: Int, $after: String, $unreadOnly: Boolean! = false) {\n  notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {\n    edges {\n      cursor\n      node {\n        ...NotificationFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.NotificationsDocument,
    "query UnreadNotificationCount {\n  unreadNotificationCount\n}": types.UnreadNotificationCountDocument,
    "mutation ArchiveChat($input: ArchiveChatInput!) {\n  archiveChat(input: $input) {\n    id\n    isArchived\n  }\n}": types.ArchiveChatDocument,
    "query ChatNotificationDefault {\n  chatNotificationDefault\n}": types.ChatNotificationDefaultDocument,
    "mutation SetChatNotifications($input: SetChatNotificationsInput!) {\n  setChatNotifications(input: $input) {\n    defaultLevel\n    chat {\n      id\n      notificationLevel\n      mutedUntil\n    }\n  }\n}": types.SetChatNotificationsDocument,
    "mutation UnarchiveChat($input: ArchiveChatInput!) {\n  unarchiveChat(input: $input) {\n    id\n    isArchived\n  }\n}": types.UnarchiveChatDocument,
    "query PushPublicKey {\n  pushPublicKey\n}": types.PushPublicKeyDocument,
    "mutation RegisterPushSubscription($input: RegisterPushSubscriptionInput!) {\n  registerPushSubscription(input: $input)\n}": types.RegisterPushSubscriptionDocument,
    "mutation UnregisterPushSubscription($input: UnregisterPushSubscriptionInput!) {\n  unregisterPushSubscription(input: $input)\n}": types.UnregisterPushSubscriptionDocument,
    "mutation DeactivateUser($input: DeactivateUserInput!) {\n  deactivateUser(input: $input) {\n    userId\n    deactivated\n  }\n}": types.DeactivateUserDocument,
    "mutation DeleteUser($input: DeleteUserInput!) {\n  deleteUser(input: $input) {\n    userId\n  }\n}": types.DeleteUserDocument,
    "mutation RevokeUserTokens($input: RevokeUserTokensInput!) {\n  revokeUserTokens(input: $input) {\n    userId\n    issuedBefore\n    sessionsEnded\n  }\n}": types.RevokeUserTokensDocument,
    "mutation UpsertUsers($input: UpsertUsersInput!) {\n  upsertUsers(input: $input) {\n    ...UserFields\n    email\n  }\n}": types.UpsertUsersDocument,
    "query Sync($after: String, $first: Int) {\n  sync(after: $after, first: $first) {\n    cursor\n    hasMore\n    reset\n    removedChatIds\n    chats {\n      ...ChatFields\n    }\n    notifications {\n      ...NotificationFields\n    }\n    friendEvents {\n      kind\n      user {\n        ...UserFields\n      }\n      request {\n        ...FriendRequestFields\n      }\n    }\n  }\n}": types.SyncDocument,
    "mutation FollowThread($input: ThreadInput!) {\n  followThread(input: $input) {\n    ...ThreadFields\n  }\n}": types.FollowThreadDocument,
    "mutation MarkThreadRead($input: MarkThreadReadInput!) {\n  markThreadRead(input: $input) {\n    ...ThreadFields\n  }\n}": types.MarkThreadReadDocument,
    "query Threads($chatId: ID, $first: Int, $after: String) {\n  threads(chatId: $chatId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...ThreadFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.ThreadsDocument,
    "mutation UnfollowThread($input: ThreadInput!) {\n  unfollowThread(input: $input) {\n    ...ThreadFields\n  }\n}": types.UnfollowThreadDocument,
    "mutation StartTyping($input: TypingInput!) {\n  startTyping(input: $input) {\n    chatId\n    isTyping\n  }\n}": types.StartTypingDocument,
    "mutation StopTyping($input: TypingInput!) {\n  stopTyping(input: $input) {\n    chatId\n    isTyping\n  }\n}": types.StopTypingDocument,
    "subscription TypingEvents($chatId: ID!) {\n  typingEvents(chatId: $chatId) {\n    chatId\n    isTyping\n    user {\n      id\n      handle\n      name\n    }\n  }\n}": types.TypingEventsDocument,
    "mutation CompleteUpload($input: CompleteUploadInput!) {\n  completeUpload(input: $input) {\n    ...UploadFields\n  }\n}": types.CompleteUploadDocument,
    "mutation CreateUpload($input: CreateUploadInput!) {\n  createUpload(input: $input) {\n    upload {\n      ...UploadFields\n    }\n    url\n    method\n    headers {\n      name\n      value\n    }\n  }\n}": types.CreateUploadDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ChangePassword($input: ChangePasswordInput!) {\n  changePassword(input: $input) {\n    sessionIds\n  }\n}"): (typeof documents)["mutation ChangePassword($input: ChangePasswordInput!) {\n  changePassword(input: $input) {\n    sessionIds\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteAccount($input: DeleteAccountInput!) {\n  deleteAccount(input: $input) {\n    userId\n  }\n}"): (typeof documents)["mutation DeleteAccount($input: DeleteAccountInput!) {\n  deleteAccount(input: $input) {\n    userId\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ExportMyData {\n  exportMyData {\n    url\n    expiresAt\n  }\n}"): (typeof documents)["mutation ExportMyData {\n  exportMyData {\n    url\n    expiresAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    ...UserFields\n    email\n  }\n}"): (typeof documents)["query Me {\n  me {\n    ...UserFields\n    email\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RefreshSession($input: RefreshSessionInput!) {\n  refreshSession(input: $input) {\n    token\n    expiresAt\n    refreshToken\n    refreshExpiresAt\n    session {\n      ...SessionFields\n    }\n  }\n}"): (typeof documents)["mutation RefreshSession($input: RefreshSessionInput!) {\n  refreshSession(input: $input) {\n    token\n    expiresAt\n    refreshToken\n    refreshExpiresAt\n    session {\n      ...SessionFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RevokeSession($input: RevokeSessionInput!) {\n  revokeSession(input: $input) {\n    sessionIds\n  }\n}"): (typeof documents)["mutation RevokeSession($input: RevokeSessionInput!) {\n  revokeSession(input: $input) {\n    sessionIds\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SearchUsers($query: String!, $first: Int, $after: String) {\n  searchUsers(query: $query, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query SearchUsers($query: String!, $first: Int, $after: String) {\n  searchUsers(query: $query, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Sessions($first: Int, $after: String) {\n  sessions(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...SessionFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query Sessions($first: Int, $after: String) {\n  sessions(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...SessionFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SignIn($input: SignInInput!) {\n  signIn(input: $input) {\n    token\n    expiresAt\n    refreshToken\n    refreshExpiresAt\n    session {\n      ...SessionFields\n    }\n    user {\n      ...UserFields\n      email\n    }\n  }\n}"): (typeof documents)["mutation SignIn($input: SignInInput!) {\n  signIn(input: $input) {\n    token\n    expiresAt\n    refreshToken\n    refreshExpiresAt\n    session {\n      ...SessionFields\n    }\n    user {\n      ...UserFields\n      email\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SignOut {\n  signOut {\n    sessionIds\n  }\n}"): (typeof documents)["mutation SignOut {\n  signOut {\n    sessionIds\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SignOutEverywhere($input: SignOutEverywhereInput! = {}) {\n  signOutEverywhere(input: $input) {\n    sessionIds\n  }\n}"): (typeof documents)["mutation SignOutEverywhere($input: SignOutEverywhereInput! = {}) {\n  signOutEverywhere(input: $input) {\n    sessionIds\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    expiresAt\n    refreshToken\n    refreshExpiresAt\n    session {\n      ...SessionFields\n    }\n    user {\n      ...UserFields\n      email\n    }\n  }\n}"): (typeof documents)["mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    expiresAt\n    refreshToken\n    refreshExpiresAt\n    session {\n      ...SessionFields\n    }\n    user {\n      ...UserFields\n      email\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateProfile($input: UpdateProfileInput!) {\n  updateProfile(input: $input) {\n    ...UserFields\n    email\n  }\n}"): (typeof documents)["mutation UpdateProfile($input: UpdateProfileInput!) {\n  updateProfile(input: $input) {\n    ...UserFields\n    email\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query User($id: ID!) {\n  user(id: $id) {\n    ...UserFields\n  }\n}"): (typeof documents)["query User($id: ID!) {\n  user(id: $id) {\n    ...UserFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query UserByHandle($handle: String!) {\n  userByHandle(handle: $handle) {\n    ...UserFields\n  }\n}"): (typeof documents)["query UserByHandle($handle: String!) {\n  userByHandle(handle: $handle) {\n    ...UserFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription UserEvents {\n  userEvents {\n    kind\n    user {\n      ...UserFields\n    }\n  }\n}"): (typeof documents)["subscription UserEvents {\n  userEvents {\n    kind\n    user {\n      ...UserFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AddChatMembers($input: AddChatMembersInput!) {\n  addChatMembers(input: $input) {\n    ...ChatFields\n  }\n}"): (typeof documents)["mutation AddChatMembers($input: AddChatMembersInput!) {\n  addChatMembers(input: $input) {\n    ...ChatFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Chat($id: ID!) {\n  chat(id: $id) {\n    ...ChatFields\n  }\n}"): (typeof documents)["query Chat($id: ID!) {\n  chat(id: $id) {\n    ...ChatFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription ChatEvents($after: String) {\n  chatEvents(after: $after) {\n    kind\n    chatId\n    cursor\n    unreadCount\n    unreadMentionCount\n    actor {\n      id\n      handle\n    }\n    users {\n      id\n      handle\n    }\n    chat {\n      ...ChatFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}"): (typeof documents)["subscription ChatEvents($after: String) {\n  chatEvents(after: $after) {\n    kind\n    chatId\n    cursor\n    unreadCount\n    unreadMentionCount\n    actor {\n      id\n      handle\n    }\n    users {\n      id\n      handle\n    }\n    chat {\n      ...ChatFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ChatMembers($chatId: ID!, $first: Int, $after: ID) {\n  chat(id: $chatId) {\n    id\n    memberCount\n    members(first: $first, after: $after) {\n      ...UserFields\n    }\n  }\n}"): (typeof documents)["query ChatMembers($chatId: ID!, $first: Int, $after: ID) {\n  chat(id: $chatId) {\n    id\n    memberCount\n    members(first: $first, after: $after) {\n      ...UserFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Chats($first: Int, $after: String, $archived: Boolean! = false) {\n  chats(first: $first, after: $after, archived: $archived) {\n    edges {\n      cursor\n      node {\n        ...ChatFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query Chats($first: Int, $after: String, $archived: Boolean! = false) {\n  chats(first: $first, after: $after, archived: $archived) {\n    edges {\n      cursor\n      node {\n        ...ChatFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateChat($input: CreateChatInput!) {\n  createChat(input: $input) {\n    ...ChatFields\n  }\n}"): (typeof documents)["mutation CreateChat($input: CreateChatInput!) {\n  createChat(input: $input) {\n    ...ChatFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DemoteAdmin($input: ChatMemberInput!) {\n  demoteAdmin(input: $input) {\n    ...ChatFields\n  }\n}"): (typeof documents)["mutation DemoteAdmin($input: ChatMemberInput!) {\n  demoteAdmin(input: $input) {\n    ...ChatFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation JoinChat($input: ChatIdInput!) {\n  joinChat(input: $input) {\n    ...ChatFields\n  }\n}"): (typeof documents)["mutation JoinChat($input: ChatIdInput!) {\n  joinChat(input: $input) {\n    ...ChatFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation LeaveChat($input: ChatIdInput!) {\n  leaveChat(input: $input) {\n    ...ChatFields\n  }\n}"): (typeof documents)["mutation LeaveChat($input: ChatIdInput!) {\n  leaveChat(input: $input) {\n    ...ChatFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PromoteAdmin($input: ChatMemberInput!) {\n  promoteAdmin(input: $input) {\n    ...ChatFields\n  }\n}"): (typeof documents)["mutation PromoteAdmin($input: ChatMemberInput!) {\n  promoteAdmin(input: $input) {\n    ...ChatFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RemoveChatMember($input: ChatMemberInput!) {\n  removeChatMember(input: $input) {\n    ...ChatFields\n  }\n}"): (typeof documents)["mutation RemoveChatMember($input: ChatMemberInput!) {\n  removeChatMember(input: $input) {\n    ...ChatFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SearchChats($query: String!, $first: Int, $after: String) {\n  searchChats(query: $query, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        name\n        description\n        image\n        memberCount\n        createdAt\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query SearchChats($query: String!, $first: Int, $after: String) {\n  searchChats(query: $query, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        name\n        description\n        image\n        memberCount\n        createdAt\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateChat($input: UpdateChatInput!) {\n  updateChat(input: $input) {\n    ...ChatFields\n  }\n}"): (typeof documents)["mutation UpdateChat($input: UpdateChatInput!) {\n  updateChat(input: $input) {\n    ...ChatFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ChatFields on Chat {\n  id\n  isGroup\n  name\n  description\n  image\n  privacy\n  memberCount\n  unreadCount\n  unreadMentionCount\n  notificationLevel\n  mutedUntil\n  isArchived\n  lastActivity\n  createdAt\n  cursor\n  members {\n    ...UserFields\n  }\n  admins {\n    id\n    handle\n  }\n  createdBy {\n    id\n    handle\n  }\n  lastMessage {\n    id\n    cursor\n    type\n    text\n    isDeleted\n    createdAt\n    sender {\n      id\n      handle\n    }\n  }\n}"): (typeof documents)["fragment ChatFields on Chat {\n  id\n  isGroup\n  name\n  description\n  image\n  privacy\n  memberCount\n  unreadCount\n  unreadMentionCount\n  notificationLevel\n  mutedUntil\n  isArchived\n  lastActivity\n  createdAt\n  cursor\n  members {\n    ...UserFields\n  }\n  admins {\n    id\n    handle\n  }\n  createdBy {\n    id\n    handle\n  }\n  lastMessage {\n    id\n    cursor\n    type\n    text\n    isDeleted\n    createdAt\n    sender {\n      id\n      handle\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment FriendRequestFields on FriendRequest {\n  id\n  status\n  createdAt\n  respondedAt\n  from {\n    ...UserFields\n  }\n  to {\n    ...UserFields\n  }\n}"): (typeof documents)["fragment FriendRequestFields on FriendRequest {\n  id\n  status\n  createdAt\n  respondedAt\n  from {\n    ...UserFields\n  }\n  to {\n    ...UserFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment HistoryMessageFields on Message {\n  id\n  cursor\n  type\n  text\n  isDeleted\n  editedAt\n  createdAt\n  clientMessageId\n  sender {\n    id\n    handle\n    name\n    image\n  }\n  media {\n    url\n    mimeType\n    size\n    name\n    width\n    height\n    durationMs\n  }\n  replyTo {\n    id\n    text\n    isDeleted\n    sender {\n      id\n      handle\n    }\n  }\n  reactions {\n    emoji\n    count\n    reactedByMe\n  }\n  system {\n    action\n    value\n    actor {\n      id\n      handle\n    }\n    targets {\n      id\n      handle\n    }\n  }\n}"): (typeof documents)["fragment HistoryMessageFields on Message {\n  id\n  cursor\n  type\n  text\n  isDeleted\n  editedAt\n  createdAt\n  clientMessageId\n  sender {\n    id\n    handle\n    name\n    image\n  }\n  media {\n    url\n    mimeType\n    size\n    name\n    width\n    height\n    durationMs\n  }\n  replyTo {\n    id\n    text\n    isDeleted\n    sender {\n      id\n      handle\n    }\n  }\n  reactions {\n    emoji\n    count\n    reactedByMe\n  }\n  system {\n    action\n    value\n    actor {\n      id\n      handle\n    }\n    targets {\n      id\n      handle\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment MessageFields on Message {\n  id\n  chatId\n  cursor\n  type\n  text\n  isDeleted\n  editedAt\n  createdAt\n  clientMessageId\n  sender {\n    ...UserFields\n  }\n  media {\n    url\n    mimeType\n    size\n    name\n    width\n    height\n    durationMs\n  }\n  replyTo {\n    id\n    cursor\n    text\n    isDeleted\n    sender {\n      id\n      handle\n    }\n  }\n  reactions {\n    emoji\n    count\n    reactedByMe\n    users {\n      id\n      handle\n    }\n  }\n  readBy {\n    id\n    handle\n  }\n  deliveredTo {\n    id\n    handle\n  }\n  mentions {\n    id\n    handle\n  }\n  mentionsAll\n  system {\n    action\n    value\n    actor {\n      id\n      handle\n    }\n    targets {\n      id\n      handle\n    }\n  }\n}"): (typeof documents)["fragment MessageFields on Message {\n  id\n  chatId\n  cursor\n  type\n  text\n  isDeleted\n  editedAt\n  createdAt\n  clientMessageId\n  sender {\n    ...UserFields\n  }\n  media {\n    url\n    mimeType\n    size\n    name\n    width\n    height\n    durationMs\n  }\n  replyTo {\n    id\n    cursor\n    text\n    isDeleted\n    sender {\n      id\n      handle\n    }\n  }\n  reactions {\n    emoji\n    count\n    reactedByMe\n    users {\n      id\n      handle\n    }\n  }\n  readBy {\n    id\n    handle\n  }\n  deliveredTo {\n    id\n    handle\n  }\n  mentions {\n    id\n    handle\n  }\n  mentionsAll\n  system {\n    action\n    value\n    actor {\n      id\n      handle\n    }\n    targets {\n      id\n      handle\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment NotificationFields on Notification {\n  id\n  kind\n  read\n  createdAt\n  chatId\n  friendRequestId\n  messageId\n  actor {\n    ...UserFields\n  }\n}"): (typeof documents)["fragment NotificationFields on Notification {\n  id\n  kind\n  read\n  createdAt\n  chatId\n  friendRequestId\n  messageId\n  actor {\n    ...UserFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment PageInfoFields on PageInfo {\n  hasNextPage\n  endCursor\n  hasPreviousPage\n  startCursor\n}"): (typeof documents)["fragment PageInfoFields on PageInfo {\n  hasNextPage\n  endCursor\n  hasPreviousPage\n  startCursor\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment SessionFields on Session {\n  id\n  deviceName\n  userAgent\n  createdAt\n  lastUsedAt\n  expiresAt\n  current\n}"): (typeof documents)["fragment SessionFields on Session {\n  id\n  deviceName\n  userAgent\n  createdAt\n  lastUsedAt\n  expiresAt\n  current\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ThreadFields on Thread {\n  chatId\n  following\n  unreadCount\n  lastReplyAt\n  readUpTo\n  root {\n    id\n    cursor\n    text\n    createdAt\n    replyCount\n    lastReplyAt\n    sender {\n      id\n      handle\n    }\n    threadParticipants {\n      id\n      handle\n    }\n  }\n}"): (typeof documents)["fragment ThreadFields on Thread {\n  chatId\n  following\n  unreadCount\n  lastReplyAt\n  readUpTo\n  root {\n    id\n    cursor\n    text\n    createdAt\n    replyCount\n    lastReplyAt\n    sender {\n      id\n      handle\n    }\n    threadParticipants {\n      id\n      handle\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment UploadFields on Upload {\n  id\n  purpose\n  chatId\n  state\n  contentType\n  size\n  fileName\n  width\n  height\n  expiresAt\n}"): (typeof documents)["fragment UploadFields on Upload {\n  id\n  purpose\n  chatId\n  state\n  contentType\n  size\n  fileName\n  width\n  height\n  expiresAt\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment UserFields on User {\n  id\n  handle\n  name\n  deleted\n  image\n  bio\n  createdAt\n  status\n  lastSeen\n}"): (typeof documents)["fragment UserFields on User {\n  id\n  handle\n  name\n  deleted\n  image\n  bio\n  createdAt\n  status\n  lastSeen\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation BlockUser($input: UserIdInput!) {\n  blockUser(input: $input) {\n    ...UserFields\n  }\n}"): (typeof documents)["mutation BlockUser($input: UserIdInput!) {\n  blockUser(input: $input) {\n    ...UserFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query BlockedUsers($first: Int, $after: String) {\n  blockedUsers(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query BlockedUsers($first: Int, $after: String) {\n  blockedUsers(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CancelFriendRequest($input: CancelFriendRequestInput!) {\n  cancelFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}"): (typeof documents)["mutation CancelFriendRequest($input: CancelFriendRequestInput!) {\n  cancelFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription FriendEvents($after: String) {\n  friendEvents(after: $after) {\n    kind\n    cursor\n    request {\n      ...FriendRequestFields\n    }\n    user {\n      ...UserFields\n    }\n  }\n}"): (typeof documents)["subscription FriendEvents($after: String) {\n  friendEvents(after: $after) {\n    kind\n    cursor\n    request {\n      ...FriendRequestFields\n    }\n    user {\n      ...UserFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query FriendRequests($direction: FriendRequestDirection!, $first: Int, $after: String) {\n  friendRequests(direction: $direction, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...FriendRequestFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query FriendRequests($direction: FriendRequestDirection!, $first: Int, $after: String) {\n  friendRequests(direction: $direction, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...FriendRequestFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Friends($first: Int, $after: String) {\n  friends(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query Friends($first: Int, $after: String) {\n  friends(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RemoveFriend($input: UserIdInput!) {\n  removeFriend(input: $input) {\n    ...UserFields\n  }\n}"): (typeof documents)["mutation RemoveFriend($input: UserIdInput!) {\n  removeFriend(input: $input) {\n    ...UserFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RespondToFriendRequest($input: RespondToFriendRequestInput!) {\n  respondToFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}"): (typeof documents)["mutation RespondToFriendRequest($input: RespondToFriendRequestInput!) {\n  respondToFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SendFriendRequest($input: SendFriendRequestInput!) {\n  sendFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}"): (typeof documents)["mutation SendFriendRequest($input: SendFriendRequestInput!) {\n  sendFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UnblockUser($input: UserIdInput!) {\n  unblockUser(input: $input) {\n    ...UserFields\n  }\n}"): (typeof documents)["mutation UnblockUser($input: UserIdInput!) {\n  unblockUser(input: $input) {\n    ...UserFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AddReaction($input: ReactionInput!) {\n  addReaction(input: $input) {\n    ...MessageFields\n  }\n}"): (typeof documents)["mutation AddReaction($input: ReactionInput!) {\n  addReaction(input: $input) {\n    ...MessageFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteMessage($input: DeleteMessageInput!) {\n  deleteMessage(input: $input) {\n    ...MessageFields\n  }\n}"): (typeof documents)["mutation DeleteMessage($input: DeleteMessageInput!) {\n  deleteMessage(input: $input) {\n    ...MessageFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation EditMessage($input: EditMessageInput!) {\n  editMessage(input: $input) {\n    ...MessageFields\n  }\n}"): (typeof documents)["mutation EditMessage($input: EditMessageInput!) {\n  editMessage(input: $input) {\n    ...MessageFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MainMessages($chatId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    includeThreadReplies: false\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n        replyCount\n        lastReplyAt\n        threadParticipants {\n          id\n          handle\n          name\n          image\n        }\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query MainMessages($chatId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    includeThreadReplies: false\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n        replyCount\n        lastReplyAt\n        threadParticipants {\n          id\n          handle\n          name\n          image\n        }\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation MarkMessagesDelivered($input: MarkMessagesInput!) {\n  markMessagesDelivered(input: $input) {\n    chatId\n    upTo\n    unreadCount\n  }\n}"): (typeof documents)["mutation MarkMessagesDelivered($input: MarkMessagesInput!) {\n  markMessagesDelivered(input: $input) {\n    chatId\n    upTo\n    unreadCount\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation MarkMessagesRead($input: MarkMessagesInput!) {\n  markMessagesRead(input: $input) {\n    chatId\n    upTo\n    unreadCount\n  }\n}"): (typeof documents)["mutation MarkMessagesRead($input: MarkMessagesInput!) {\n  markMessagesRead(input: $input) {\n    chatId\n    upTo\n    unreadCount\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription MessageEvents($chatId: ID!, $after: String) {\n  messageEvents(chatId: $chatId, after: $after) {\n    kind\n    chatId\n    cursor\n    upTo\n    user {\n      id\n      handle\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}"): (typeof documents)["subscription MessageEvents($chatId: ID!, $after: String) {\n  messageEvents(chatId: $chatId, after: $after) {\n    kind\n    chatId\n    cursor\n    upTo\n    user {\n      id\n      handle\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Messages($chatId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query Messages($chatId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MessagesAround($chatId: ID!, $around: String!, $first: Int) {\n  messages(chatId: $chatId, around: $around, first: $first) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query MessagesAround($chatId: ID!, $around: String!, $first: Int) {\n  messages(chatId: $chatId, around: $around, first: $first) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PinMessage($input: PinMessageInput!) {\n  pinMessage(input: $input) {\n    id\n    cursor\n  }\n}"): (typeof documents)["mutation PinMessage($input: PinMessageInput!) {\n  pinMessage(input: $input) {\n    id\n    cursor\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PinnedMessages($id: ID!) {\n  chat(id: $id) {\n    id\n    myPermissions {\n      canPin\n    }\n    pinnedMessages {\n      pinnedAt\n      pinnedBy {\n        id\n        handle\n      }\n      message {\n        ...HistoryMessageFields\n      }\n    }\n  }\n}"): (typeof documents)["query PinnedMessages($id: ID!) {\n  chat(id: $id) {\n    id\n    myPermissions {\n      canPin\n    }\n    pinnedMessages {\n      pinnedAt\n      pinnedBy {\n        id\n        handle\n      }\n      message {\n        ...HistoryMessageFields\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RemoveReaction($input: ReactionInput!) {\n  removeReaction(input: $input) {\n    ...MessageFields\n  }\n}"): (typeof documents)["mutation RemoveReaction($input: ReactionInput!) {\n  removeReaction(input: $input) {\n    ...MessageFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SearchMessages($query: String!, $chatId: ID, $first: Int, $after: String) {\n  searchMessages(query: $query, chatId: $chatId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        snippet\n        highlights {\n          start\n          length\n        }\n        chat {\n          id\n          name\n        }\n        message {\n          ...HistoryMessageFields\n        }\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query SearchMessages($query: String!, $chatId: ID, $first: Int, $after: String) {\n  searchMessages(query: $query, chatId: $chatId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        snippet\n        highlights {\n          start\n          length\n        }\n        chat {\n          id\n          name\n        }\n        message {\n          ...HistoryMessageFields\n        }\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    ...MessageFields\n  }\n}"): (typeof documents)["mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    ...MessageFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SendThreadReply($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    ...MessageFields\n    threadRootId\n  }\n}"): (typeof documents)["mutation SendThreadReply($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    ...MessageFields\n    threadRootId\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ThreadMessages($chatId: ID!, $threadRootId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    threadRootId: $threadRootId\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n        threadRootId\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query ThreadMessages($chatId: ID!, $threadRootId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    threadRootId: $threadRootId\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        ...HistoryMessageFields\n        threadRootId\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UnpinMessage($input: PinMessageInput!) {\n  unpinMessage(input: $input) {\n    id\n  }\n}"): (typeof documents)["mutation UnpinMessage($input: PinMessageInput!) {\n  unpinMessage(input: $input) {\n    id\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AcceptGroupInvite($input: ChatIdInput!) {\n  acceptGroupInvite(input: $input) {\n    id\n    name\n    myRole\n  }\n}"): (typeof documents)["mutation AcceptGroupInvite($input: ChatIdInput!) {\n  acceptGroupInvite(input: $input) {\n    id\n    name\n    myRole\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation BanMember($input: BanMemberInput!) {\n  banMember(input: $input) {\n    id\n    memberCount\n  }\n}"): (typeof documents)["mutation BanMember($input: BanMemberInput!) {\n  banMember(input: $input) {\n    id\n    memberCount\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query BannedMembers($chatId: ID!, $first: Int, $after: String) {\n  chat(id: $chatId) {\n    id\n    bannedMembers(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          user {\n            id\n            handle\n          }\n          bannedBy {\n            id\n            handle\n          }\n          reason\n          until\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"): (typeof documents)["query BannedMembers($chatId: ID!, $first: Int, $after: String) {\n  chat(id: $chatId) {\n    id\n    bannedMembers(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          user {\n            id\n            handle\n          }\n          bannedBy {\n            id\n            handle\n          }\n          reason\n          until\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ChatRules($chatId: ID!) {\n  chat(id: $chatId) {\n    id\n    permissions {\n      send\n      editInfo\n      addMembers\n      pin\n    }\n    slowModeSeconds\n    myRole\n    myPermissions {\n      canSend\n      canReact\n      canEditInfo\n      canAddMembers\n      canModerate\n      canManageAdmins\n      canPin\n      muted\n      mutedUntil\n    }\n  }\n}"): (typeof documents)["query ChatRules($chatId: ID!) {\n  chat(id: $chatId) {\n    id\n    permissions {\n      send\n      editInfo\n      addMembers\n      pin\n    }\n    slowModeSeconds\n    myRole\n    myPermissions {\n      canSend\n      canReact\n      canEditInfo\n      canAddMembers\n      canModerate\n      canManageAdmins\n      canPin\n      muted\n      mutedUntil\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateInviteLink($input: CreateInviteLinkInput!) {\n  createInviteLink(input: $input) {\n    id\n    code\n    expiresAt\n    maxUses\n    uses\n  }\n}"): (typeof documents)["mutation CreateInviteLink($input: CreateInviteLinkInput!) {\n  createInviteLink(input: $input) {\n    id\n    code\n    expiresAt\n    maxUses\n    uses\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeclineGroupInvite($input: ChatIdInput!) {\n  declineGroupInvite(input: $input)\n}"): (typeof documents)["mutation DeclineGroupInvite($input: ChatIdInput!) {\n  declineGroupInvite(input: $input)\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query GroupInvites($first: Int, $after: String) {\n  groupInvites(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        chatId\n        chatName\n        invitedBy {\n          id\n          handle\n        }\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query GroupInvites($first: Int, $after: String) {\n  groupInvites(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        chatId\n        chatName\n        invitedBy {\n          id\n          handle\n        }\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query InviteLinks($chatId: ID!, $first: Int, $after: String) {\n  chat(id: $chatId) {\n    id\n    inviteLinks(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          createdBy {\n            id\n            handle\n          }\n          createdAt\n          expiresAt\n          maxUses\n          uses\n          revoked\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"): (typeof documents)["query InviteLinks($chatId: ID!, $first: Int, $after: String) {\n  chat(id: $chatId) {\n    id\n    inviteLinks(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          createdBy {\n            id\n            handle\n          }\n          createdAt\n          expiresAt\n          maxUses\n          uses\n          revoked\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation JoinByInvite($input: JoinByInviteInput!) {\n  joinByInvite(input: $input) {\n    id\n    name\n    myRole\n  }\n}"): (typeof documents)["mutation JoinByInvite($input: JoinByInviteInput!) {\n  joinByInvite(input: $input) {\n    id\n    name\n    myRole\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation MuteMember($input: MuteMemberInput!) {\n  muteMember(input: $input) {\n    id\n  }\n}"): (typeof documents)["mutation MuteMember($input: MuteMemberInput!) {\n  muteMember(input: $input) {\n    id\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PendingInvites($chatId: ID!, $first: Int, $after: String) {\n  chat(id: $chatId) {\n    id\n    pendingInvites(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          user {\n            id\n            handle\n          }\n          invitedBy {\n            id\n            handle\n          }\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"): (typeof documents)["query PendingInvites($chatId: ID!, $first: Int, $after: String) {\n  chat(id: $chatId) {\n    id\n    pendingInvites(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          user {\n            id\n            handle\n          }\n          invitedBy {\n            id\n            handle\n          }\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ReportMessage($input: ReportMessageInput!) {\n  reportMessage(input: $input) {\n    id\n    reason\n    note\n    createdAt\n  }\n}"): (typeof documents)["mutation ReportMessage($input: ReportMessageInput!) {\n  reportMessage(input: $input) {\n    id\n    reason\n    note\n    createdAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Reports($chatId: ID!, $openOnly: Boolean, $first: Int, $after: String) {\n  reports(chatId: $chatId, openOnly: $openOnly, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        reason\n        note\n        createdAt\n        resolution\n        reporter {\n          id\n          handle\n        }\n        sender {\n          id\n          handle\n        }\n        message {\n          id\n          text\n          isDeleted\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query Reports($chatId: ID!, $openOnly: Boolean, $first: Int, $after: String) {\n  reports(chatId: $chatId, openOnly: $openOnly, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        reason\n        note\n        createdAt\n        resolution\n        reporter {\n          id\n          handle\n        }\n        sender {\n          id\n          handle\n        }\n        message {\n          id\n          text\n          isDeleted\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ResolveReport($input: ResolveReportInput!) {\n  resolveReport(input: $input) {\n    id\n    resolution\n    resolvedBy {\n      id\n      handle\n    }\n  }\n}"): (typeof documents)["mutation ResolveReport($input: ResolveReportInput!) {\n  resolveReport(input: $input) {\n    id\n    resolution\n    resolvedBy {\n      id\n      handle\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RevokeInviteLink($input: InviteLinkIdInput!) {\n  revokeInviteLink(input: $input) {\n    id\n    revoked\n  }\n}"): (typeof documents)["mutation RevokeInviteLink($input: InviteLinkIdInput!) {\n  revokeInviteLink(input: $input) {\n    id\n    revoked\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SetChatRules($input: UpdateChatInput!) {\n  updateChat(input: $input) {\n    id\n    permissions {\n      send\n      editInfo\n      addMembers\n      pin\n    }\n    slowModeSeconds\n  }\n}"): (typeof documents)["mutation SetChatRules($input: UpdateChatInput!) {\n  updateChat(input: $input) {\n    id\n    permissions {\n      send\n      editInfo\n      addMembers\n      pin\n    }\n    slowModeSeconds\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SetGroupAddPolicy($policy: GroupAddPolicy!) {\n  updateProfile(input: {groupAddPolicy: $policy}) {\n    id\n    groupAddPolicy\n  }\n}"): (typeof documents)["mutation SetGroupAddPolicy($policy: GroupAddPolicy!) {\n  updateProfile(input: {groupAddPolicy: $policy}) {\n    id\n    groupAddPolicy\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UnbanMember($input: ChatMemberInput!) {\n  unbanMember(input: $input) {\n    id\n  }\n}"): (typeof documents)["mutation UnbanMember($input: ChatMemberInput!) {\n  unbanMember(input: $input) {\n    id\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UnmuteMember($input: ChatMemberInput!) {\n  unmuteMember(input: $input) {\n    id\n  }\n}"): (typeof documents)["mutation UnmuteMember($input: ChatMemberInput!) {\n  unmuteMember(input: $input) {\n    id\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {\n  markNotificationsRead(input: $input) {\n    markedCount\n    unreadCount\n  }\n}"): (typeof documents)["mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {\n  markNotificationsRead(input: $input) {\n    markedCount\n    unreadCount\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription NotificationEvents($after: String) {\n  notificationEvents(after: $after) {\n    kind\n    cursor\n    notification {\n      ...NotificationFields\n    }\n  }\n}"): (typeof documents)["subscription NotificationEvents($after: String) {\n  notificationEvents(after: $after) {\n    kind\n    cursor\n    notification {\n      ...NotificationFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Notifications($first: Int, $after: String, $unreadOnly: Boolean! = false) {\n  notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {\n    edges {\n      cursor\n      node {\n        ...NotificationFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query Notifications($first: Int, $after: String, $unreadOnly: Boolean! = false) {\n  notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {\n    edges {\n      cursor\n      node {\n        ...NotificationFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query UnreadNotificationCount {\n  unreadNotificationCount\n}"): (typeof documents)["query UnreadNotificationCount {\n  unreadNotificationCount\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ArchiveChat($input: ArchiveChatInput!) {\n  archiveChat(input: $input) {\n    id\n    isArchived\n  }\n}"): (typeof documents)["mutation ArchiveChat($input: ArchiveChatInput!) {\n  archiveChat(input: $input) {\n    id\n    isArchived\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ChatNotificationDefault {\n  chatNotificationDefault\n}"): (typeof documents)["query ChatNotificationDefault {\n  chatNotificationDefault\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SetChatNotifications($input: SetChatNotificationsInput!) {\n  setChatNotifications(input: $input) {\n    defaultLevel\n    chat {\n      id\n      notificationLevel\n      mutedUntil\n    }\n  }\n}"): (typeof documents)["mutation SetChatNotifications($input: SetChatNotificationsInput!) {\n  setChatNotifications(input: $input) {\n    defaultLevel\n    chat {\n      id\n      notificationLevel\n      mutedUntil\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UnarchiveChat($input: ArchiveChatInput!) {\n  unarchiveChat(input: $input) {\n    id\n    isArchived\n  }\n}"): (typeof documents)["mutation UnarchiveChat($input: ArchiveChatInput!) {\n  unarchiveChat(input: $input) {\n    id\n    isArchived\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PushPublicKey {\n  pushPublicKey\n}"): (typeof documents)["query PushPublicKey {\n  pushPublicKey\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RegisterPushSubscription($input: RegisterPushSubscriptionInput!) {\n  registerPushSubscription(input: $input)\n}"): (typeof documents)["mutation RegisterPushSubscription($input: RegisterPushSubscriptionInput!) {\n  registerPushSubscription(input: $input)\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UnregisterPushSubscription($input: UnregisterPushSubscriptionInput!) {\n  unregisterPushSubscription(input: $input)\n}"): (typeof documents)["mutation UnregisterPushSubscription($input: UnregisterPushSubscriptionInput!) {\n  unregisterPushSubscription(input: $input)\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeactivateUser($input: DeactivateUserInput!) {\n  deactivateUser(input: $input) {\n    userId\n    deactivated\n  }\n}"): (typeof documents)["mutation DeactivateUser($input: DeactivateUserInput!) {\n  deactivateUser(input: $input) {\n    userId\n    deactivated\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteUser($input: DeleteUserInput!) {\n  deleteUser(input: $input) {\n    userId\n  }\n}"): (typeof documents)["mutation DeleteUser($input: DeleteUserInput!) {\n  deleteUser(input: $input) {\n    userId\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RevokeUserTokens($input: RevokeUserTokensInput!) {\n  revokeUserTokens(input: $input) {\n    userId\n    issuedBefore\n    sessionsEnded\n  }\n}"): (typeof documents)["mutation RevokeUserTokens($input: RevokeUserTokensInput!) {\n  revokeUserTokens(input: $input) {\n    userId\n    issuedBefore\n    sessionsEnded\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpsertUsers($input: UpsertUsersInput!) {\n  upsertUsers(input: $input) {\n    ...UserFields\n    email\n  }\n}"): (typeof documents)["mutation UpsertUsers($input: UpsertUsersInput!) {\n  upsertUsers(input: $input) {\n    ...UserFields\n    email\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Sync($after: String, $first: Int) {\n  sync(after: $after, first: $first) {\n    cursor\n    hasMore\n    reset\n    removedChatIds\n    chats {\n      ...ChatFields\n    }\n    notifications {\n      ...NotificationFields\n    }\n    friendEvents {\n      kind\n      user {\n        ...UserFields\n      }\n      request {\n        ...FriendRequestFields\n      }\n    }\n  }\n}"): (typeof documents)["query Sync($after: String, $first: Int) {\n  sync(after: $after, first: $first) {\n    cursor\n    hasMore\n    reset\n    removedChatIds\n    chats {\n      ...ChatFields\n    }\n    notifications {\n      ...NotificationFields\n    }\n    friendEvents {\n      kind\n      user {\n        ...UserFields\n      }\n      request {\n        ...FriendRequestFields\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation FollowThread($input: ThreadInput!) {\n  followThread(input: $input) {\n    ...ThreadFields\n  }\n}"): (typeof documents)["mutation FollowThread($input: ThreadInput!) {\n  followThread(input: $input) {\n    ...ThreadFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation MarkThreadRead($input: MarkThreadReadInput!) {\n  markThreadRead(input: $input) {\n    ...ThreadFields\n  }\n}"): (typeof documents)["mutation MarkThreadRead($input: MarkThreadReadInput!) {\n  markThreadRead(input: $input) {\n    ...ThreadFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Threads($chatId: ID, $first: Int, $after: String) {\n  threads(chatId: $chatId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...ThreadFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query Threads($chatId: ID, $first: Int, $after: String) {\n  threads(chatId: $chatId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...ThreadFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UnfollowThread($input: ThreadInput!) {\n  unfollowThread(input: $input) {\n    ...ThreadFields\n  }\n}"): (typeof documents)["mutation UnfollowThread($input: ThreadInput!) {\n  unfollowThread(input: $input) {\n    ...ThreadFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation StartTyping($input: TypingInput!) {\n  startTyping(input: $input) {\n    chatId\n    isTyping\n  }\n}"): (typeof documents)["mutation StartTyping($input: TypingInput!) {\n  startTyping(input: $input) {\n    chatId\n    isTyping\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation StopTyping($input: TypingInput!) {\n  stopTyping(input: $input) {\n    chatId\n    isTyping\n  }\n}"): (typeof documents)["mutation StopTyping($input: TypingInput!) {\n  stopTyping(input: $input) {\n    chatId\n    isTyping\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription TypingEvents($chatId: ID!) {\n  typingEvents(chatId: $chatId) {\n    chatId\n    isTyping\n    user {\n      id\n      handle\n      name\n    }\n  }\n}"): (typeof documents)["subscription TypingEvents($chatId: ID!) {\n  typingEvents(chatId: $chatId) {\n    chatId\n    isTyping\n    user {\n      id\n      handle\n      name\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CompleteUpload($input: CompleteUploadInput!) {\n  completeUpload(input: $input) {\n    ...UploadFields\n  }\n}"): (typeof documents)["mutation CompleteUpload($input: CompleteUploadInput!) {\n  completeUpload(input: $input) {\n    ...UploadFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateUpload($input: CreateUploadInput!) {\n  createUpload(input: $input) {\n    upload {\n      ...UploadFields\n    }\n    url\n    method\n    headers {\n      name\n      value\n    }\n  }\n}"): (typeof documents)["mutation CreateUpload($input: CreateUploadInput!) {\n  createUpload(input: $input) {\n    upload {\n      ...UploadFields\n    }\n    url\n    method\n    headers {\n      name\n      value\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;