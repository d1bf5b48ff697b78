//! Never missing anything: the account log, `sync`, and the resumable
//! account streams (`chatEvents`, `friendEvents`, `notificationEvents`).

use chat_server::domain::{NotificationId, UserId};
use chat_server::storage::account_logs::{AccountEntry, KEPT_ENTRIES};

use crate::helpers::TestApp;

#[tokio::test]
async fn the_account_log__numbers_entries_without_gaps_and_keeps_the_last_ones() {
    let app = TestApp::spawn().await;
    let (user, logs) = (UserId::new(), app.db.account_logs());
    assert_eq!(logs.since(user, 0).await.unwrap().unwrap().head, 0);
    let entries: Vec<AccountEntry> = (0..3)
        .map(|_| AccountEntry::Notification {
            id: NotificationId::new(),
        })
        .collect();
    for (i, entry) in entries.iter().enumerate() {
        assert_eq!(logs.append(user, entry).await.unwrap(), i as i64 + 1);
    }
    let since = logs.since(user, 1).await.unwrap().unwrap();
    assert_eq!(since.head, 3);
    assert_eq!(
        since.entries,
        vec![(2, entries[1].clone()), (3, entries[2].clone())]
    );
    for _ in 0..KEPT_ENTRIES {
        logs.append(user, &entries[0]).await.unwrap();
    }
    assert!(
        logs.since(user, 1).await.unwrap().is_none(),
        "entry 2 is gone"
    );
    let head = 3 + KEPT_ENTRIES as i64;
    let kept = logs
        .since(user, head - KEPT_ENTRIES as i64)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.entries.len(), KEPT_ENTRIES as usize);
    assert!(
        logs.since(user, head + 1).await.unwrap().is_none(),
        "a cursor from the future"
    );
}
