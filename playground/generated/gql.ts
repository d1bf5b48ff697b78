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
    "query Me {\n  me {\n    ...UserFields\n    email\n  }\n}": typeof types.MeDocument,
    "query SearchUsers($query: String!, $first: Int, $after: String) {\n  searchUsers(query: $query, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.SearchUsersDocument,
    "mutation SignIn($input: SignInInput!) {\n  signIn(input: $input) {\n    token\n    expiresAt\n    user {\n      ...UserFields\n      email\n    }\n  }\n}": typeof types.SignInDocument,
    "mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    expiresAt\n    user {\n      ...UserFields\n      email\n    }\n  }\n}": typeof types.SignUpDocument,
    "mutation UpdateProfile($input: UpdateProfileInput!) {\n  updateProfile(input: $input) {\n    ...UserFields\n    email\n  }\n}": typeof types.UpdateProfileDocument,
    "query User($id: ID!) {\n  user(id: $id) {\n    ...UserFields\n  }\n}": typeof types.UserDocument,
    "query UserByHandle($handle: String!) {\n  userByHandle(handle: $handle) {\n    ...UserFields\n  }\n}": typeof types.UserByHandleDocument,
    "subscription UserEvents {\n  userEvents {\n    kind\n    user {\n      ...UserFields\n    }\n  }\n}": typeof types.UserEventsDocument,
    "fragment FriendRequestFields on FriendRequest {\n  id\n  status\n  createdAt\n  respondedAt\n  from {\n    ...UserFields\n  }\n  to {\n    ...UserFields\n  }\n}": typeof types.FriendRequestFieldsFragmentDoc,
    "fragment NotificationFields on Notification {\n  id\n  kind\n  read\n  createdAt\n  chatId\n  friendRequestId\n  actor {\n    ...UserFields\n  }\n}": typeof types.NotificationFieldsFragmentDoc,
    "fragment PageInfoFields on PageInfo {\n  hasNextPage\n  endCursor\n  hasPreviousPage\n  startCursor\n}": typeof types.PageInfoFieldsFragmentDoc,
    "fragment UserFields on User {\n  id\n  handle\n  name\n  image\n  bio\n  createdAt\n}": typeof types.UserFieldsFragmentDoc,
    "mutation BlockUser($input: UserIdInput!) {\n  blockUser(input: $input) {\n    ...UserFields\n  }\n}": typeof types.BlockUserDocument,
    "query BlockedUsers($first: Int, $after: String) {\n  blockedUsers(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.BlockedUsersDocument,
    "mutation CancelFriendRequest($input: CancelFriendRequestInput!) {\n  cancelFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}": typeof types.CancelFriendRequestDocument,
    "subscription FriendEvents {\n  friendEvents {\n    kind\n    request {\n      ...FriendRequestFields\n    }\n    user {\n      ...UserFields\n    }\n  }\n}": typeof types.FriendEventsDocument,
    "query FriendRequests($direction: FriendRequestDirection!, $first: Int, $after: String) {\n  friendRequests(direction: $direction, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...FriendRequestFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.FriendRequestsDocument,
    "query Friends($first: Int, $after: String) {\n  friends(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.FriendsDocument,
    "mutation RemoveFriend($input: UserIdInput!) {\n  removeFriend(input: $input) {\n    ...UserFields\n  }\n}": typeof types.RemoveFriendDocument,
    "mutation RespondToFriendRequest($input: RespondToFriendRequestInput!) {\n  respondToFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}": typeof types.RespondToFriendRequestDocument,
    "mutation SendFriendRequest($input: SendFriendRequestInput!) {\n  sendFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}": typeof types.SendFriendRequestDocument,
    "mutation UnblockUser($input: UserIdInput!) {\n  unblockUser(input: $input) {\n    ...UserFields\n  }\n}": typeof types.UnblockUserDocument,
    "mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {\n  markNotificationsRead(input: $input) {\n    markedCount\n    unreadCount\n  }\n}": typeof types.MarkNotificationsReadDocument,
    "subscription NotificationEvents {\n  notificationEvents {\n    kind\n    notification {\n      ...NotificationFields\n    }\n  }\n}": typeof types.NotificationEventsDocument,
    "query Notifications($first: Int, $after: String, $unreadOnly: Boolean! = false) {\n  notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {\n    edges {\n      cursor\n      node {\n        ...NotificationFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": typeof types.NotificationsDocument,
    "query UnreadNotificationCount {\n  unreadNotificationCount\n}": typeof types.UnreadNotificationCountDocument,
};
const documents: Documents = {
    "query Me {\n  me {\n    ...UserFields\n    email\n  }\n}": types.MeDocument,
    "query SearchUsers($query: String!, $first: Int, $after: String) {\n  searchUsers(query: $query, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.SearchUsersDocument,
    "mutation SignIn($input: SignInInput!) {\n  signIn(input: $input) {\n    token\n    expiresAt\n    user {\n      ...UserFields\n      email\n    }\n  }\n}": types.SignInDocument,
    "mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    expiresAt\n    user {\n      ...UserFields\n      email\n    }\n  }\n}": types.SignUpDocument,
    "mutation UpdateProfile($input: UpdateProfileInput!) {\n  updateProfile(input: $input) {\n    ...UserFields\n    email\n  }\n}": types.UpdateProfileDocument,
    "query User($id: ID!) {\n  user(id: $id) {\n    ...UserFields\n  }\n}": types.UserDocument,
    "query UserByHandle($handle: String!) {\n  userByHandle(handle: $handle) {\n    ...UserFields\n  }\n}": types.UserByHandleDocument,
    "subscription UserEvents {\n  userEvents {\n    kind\n    user {\n      ...UserFields\n    }\n  }\n}": types.UserEventsDocument,
    "fragment FriendRequestFields on FriendRequest {\n  id\n  status\n  createdAt\n  respondedAt\n  from {\n    ...UserFields\n  }\n  to {\n    ...UserFields\n  }\n}": types.FriendRequestFieldsFragmentDoc,
    "fragment NotificationFields on Notification {\n  id\n  kind\n  read\n  createdAt\n  chatId\n  friendRequestId\n  actor {\n    ...UserFields\n  }\n}": types.NotificationFieldsFragmentDoc,
    "fragment PageInfoFields on PageInfo {\n  hasNextPage\n  endCursor\n  hasPreviousPage\n  startCursor\n}": types.PageInfoFieldsFragmentDoc,
    "fragment UserFields on User {\n  id\n  handle\n  name\n  image\n  bio\n  createdAt\n}": types.UserFieldsFragmentDoc,
    "mutation BlockUser($input: UserIdInput!) {\n  blockUser(input: $input) {\n    ...UserFields\n  }\n}": types.BlockUserDocument,
    "query BlockedUsers($first: Int, $after: String) {\n  blockedUsers(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.BlockedUsersDocument,
    "mutation CancelFriendRequest($input: CancelFriendRequestInput!) {\n  cancelFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}": types.CancelFriendRequestDocument,
    "subscription FriendEvents {\n  friendEvents {\n    kind\n    request {\n      ...FriendRequestFields\n    }\n    user {\n      ...UserFields\n    }\n  }\n}": types.FriendEventsDocument,
    "query FriendRequests($direction: FriendRequestDirection!, $first: Int, $after: String) {\n  friendRequests(direction: $direction, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...FriendRequestFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.FriendRequestsDocument,
    "query Friends($first: Int, $after: String) {\n  friends(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.FriendsDocument,
    "mutation RemoveFriend($input: UserIdInput!) {\n  removeFriend(input: $input) {\n    ...UserFields\n  }\n}": types.RemoveFriendDocument,
    "mutation RespondToFriendRequest($input: RespondToFriendRequestInput!) {\n  respondToFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}": types.RespondToFriendRequestDocument,
    "mutation SendFriendRequest($input: SendFriendRequestInput!) {\n  sendFriendRequest(input: $input) {\n    ...FriendRequestFields\n  }\n}": types.SendFriendRequestDocument,
    "mutation UnblockUser($input: UserIdInput!) {\n  unblockUser(input: $input) {\n    ...UserFields\n  }\n}": types.UnblockUserDocument,
    "mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {\n  markNotificationsRead(input: $input) {\n    markedCount\n    unreadCount\n  }\n}": types.MarkNotificationsReadDocument,
    "subscription NotificationEvents {\n  notificationEvents {\n    kind\n    notification {\n      ...NotificationFields\n    }\n  }\n}": types.NotificationEventsDocument,
    "query Notifications($first: Int, $after: String, $unreadOnly: Boolean! = false) {\n  notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {\n    edges {\n      cursor\n      node {\n        ...NotificationFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}": types.NotificationsDocument,
    "query UnreadNotificationCount {\n  unreadNotificationCount\n}": types.UnreadNotificationCountDocument,
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
export function graphql(source: "query Me {\n  me {\n    ...UserFields\n    email\n  }\n}"): (typeof documents)["query Me {\n  me {\n    ...UserFields\n    email\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SearchUsers($query: String!, $first: Int, $after: String) {\n  searchUsers(query: $query, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query SearchUsers($query: String!, $first: Int, $after: String) {\n  searchUsers(query: $query, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        ...UserFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SignIn($input: SignInInput!) {\n  signIn(input: $input) {\n    token\n    expiresAt\n    user {\n      ...UserFields\n      email\n    }\n  }\n}"): (typeof documents)["mutation SignIn($input: SignInInput!) {\n  signIn(input: $input) {\n    token\n    expiresAt\n    user {\n      ...UserFields\n      email\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    expiresAt\n    user {\n      ...UserFields\n      email\n    }\n  }\n}"): (typeof documents)["mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    expiresAt\n    user {\n      ...UserFields\n      email\n    }\n  }\n}"];
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
export function graphql(source: "fragment FriendRequestFields on FriendRequest {\n  id\n  status\n  createdAt\n  respondedAt\n  from {\n    ...UserFields\n  }\n  to {\n    ...UserFields\n  }\n}"): (typeof documents)["fragment FriendRequestFields on FriendRequest {\n  id\n  status\n  createdAt\n  respondedAt\n  from {\n    ...UserFields\n  }\n  to {\n    ...UserFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment NotificationFields on Notification {\n  id\n  kind\n  read\n  createdAt\n  chatId\n  friendRequestId\n  actor {\n    ...UserFields\n  }\n}"): (typeof documents)["fragment NotificationFields on Notification {\n  id\n  kind\n  read\n  createdAt\n  chatId\n  friendRequestId\n  actor {\n    ...UserFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment PageInfoFields on PageInfo {\n  hasNextPage\n  endCursor\n  hasPreviousPage\n  startCursor\n}"): (typeof documents)["fragment PageInfoFields on PageInfo {\n  hasNextPage\n  endCursor\n  hasPreviousPage\n  startCursor\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment UserFields on User {\n  id\n  handle\n  name\n  image\n  bio\n  createdAt\n}"): (typeof documents)["fragment UserFields on User {\n  id\n  handle\n  name\n  image\n  bio\n  createdAt\n}"];
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
export function graphql(source: "subscription FriendEvents {\n  friendEvents {\n    kind\n    request {\n      ...FriendRequestFields\n    }\n    user {\n      ...UserFields\n    }\n  }\n}"): (typeof documents)["subscription FriendEvents {\n  friendEvents {\n    kind\n    request {\n      ...FriendRequestFields\n    }\n    user {\n      ...UserFields\n    }\n  }\n}"];
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
export function graphql(source: "mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {\n  markNotificationsRead(input: $input) {\n    markedCount\n    unreadCount\n  }\n}"): (typeof documents)["mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {\n  markNotificationsRead(input: $input) {\n    markedCount\n    unreadCount\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription NotificationEvents {\n  notificationEvents {\n    kind\n    notification {\n      ...NotificationFields\n    }\n  }\n}"): (typeof documents)["subscription NotificationEvents {\n  notificationEvents {\n    kind\n    notification {\n      ...NotificationFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Notifications($first: Int, $after: String, $unreadOnly: Boolean! = false) {\n  notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {\n    edges {\n      cursor\n      node {\n        ...NotificationFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"): (typeof documents)["query Notifications($first: Int, $after: String, $unreadOnly: Boolean! = false) {\n  notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {\n    edges {\n      cursor\n      node {\n        ...NotificationFields\n      }\n    }\n    pageInfo {\n      ...PageInfoFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query UnreadNotificationCount {\n  unreadNotificationCount\n}"): (typeof documents)["query UnreadNotificationCount {\n  unreadNotificationCount\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;