//! What a deleted account leaves behind in chats: it leaves every group
//! (ownership passes as for `leaveChat`), its direct chats are closed (the
//! other person keeps reading them, and can send nothing more), and system
//! messages that named it now say "a deleted account".

use super::ChatService;
use crate::domain::{User, UserId};
use crate::error::AppResult;
use crate::events::ChatEventKind;

impl ChatService {
    /// Takes `gone` (an account just deleted, as it is shown from now on)
    /// out of its chats, telling their members through their open streams.
    pub async fn forget(&self, gone: &User) -> AppResult<()> {
        for group in self.db.chats().group_ids_of(gone.id).await? {
            self.depart(gone, group).await?;
        }
        for direct in self.db.chats().close_directs_of(gone.id).await? {
            let chat = self.reload(direct).await?;
            self.publish_chat(ChatEventKind::Updated, &chat, gone.id, vec![gone.id]);
        }
        self.rename_in_system_messages(gone.id).await
    }

    /// Makes again the text of every system message naming `user`, with
    /// people as they are shown now.
    async fn rename_in_system_messages(&self, user: UserId) -> AppResult<()> {
        let messages = self.db.messages();
        for message in messages.system_naming(user).await? {
            let Some(info) = &message.system else {
                continue;
            };
            let named: Vec<UserId> = std::iter::once(info.actor)
                .chain(info.targets.iter().copied())
                .collect();
            let people = self.db.users().profiles(&named).await?;
            let text = info.text(|id| {
                people
                    .iter()
                    .find(|u| u.id == id)
                    .map(User::mention)
                    .unwrap_or_default()
            });
            if message.text.as_deref() != Some(text.as_str()) {
                messages.set_system_text(&message, &text).await?;
            }
        }
        Ok(())
    }
}
