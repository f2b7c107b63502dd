//! How the sled store keys and pages a case's items. `items` case_id‖u32be(n)‖item_id → item,
//! `n` the item's own number in its case (0 for the report, then one more than the case's
//! newest), so a scan of `case_id` yields arrival order and a page cursor names exactly one
//! place; `item_ids` case_id‖item_id → u32be(n).

use super::records;
use super::sled_store::SledStore;
use super::{ItemCursor, ItemsPage, StoreError};
use crate::protocol::crypto::CaseId;
use crate::protocol::crypto::item::{Item, ItemKind};

/// `case_id || u32be(number) || item_id`: the `items` key.
pub(super) fn item_key(case_id: &CaseId, number: u32, item_id: &[u8; 16]) -> Vec<u8> {
    let mut key = case_id.to_vec();
    key.extend_from_slice(&number.to_be_bytes());
    key.extend_from_slice(item_id);
    key
}

/// `case_id || item_id`: the `item_ids` key.
pub(super) fn id_key(case_id: &CaseId, item_id: &[u8; 16]) -> Vec<u8> {
    let mut key = case_id.to_vec();
    key.extend_from_slice(item_id);
    key
}

impl SledStore {
    /// The number of the case's newest item (databases written before items had numbers of
    /// their own used the statement's seq, which new numbers continue).
    pub(super) fn newest_item_number(&self, case_id: &CaseId) -> Result<Option<u32>, StoreError> {
        match self.items.scan_prefix(case_id).next_back() {
            None => Ok(None),
            Some(entry) => {
                let (key, _) = entry?;
                let n: [u8; 4] = key
                    .get(16..20)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| StoreError::Corrupt("an item key".into()))?;
                Ok(Some(u32::from_be_bytes(n)))
            }
        }
    }

    pub(super) fn all_items(&self, case_id: &CaseId) -> Result<Vec<Item>, StoreError> {
        self.items
            .scan_prefix(case_id)
            .map(|entry| {
                let (_, bytes) = entry?;
                records::decode(&bytes).map_err(|e| StoreError::Corrupt(format!("item: {e}")))
            })
            .collect()
    }

    pub(super) fn page_of_items(
        &self,
        case_id: &CaseId,
        after: Option<&ItemCursor>,
        kinds: &[ItemKind],
        max_items: usize,
        max_bytes: usize,
    ) -> Result<ItemsPage, StoreError> {
        let start = match after {
            // Just past the cursor's key: keys are case_id || seq || id, all 36 bytes.
            Some(cursor) => {
                let mut key = case_id.to_vec();
                key.extend_from_slice(cursor);
                key.push(0);
                key
            }
            None => case_id.to_vec(),
        };
        let mut end = case_id.to_vec();
        end.extend_from_slice(&[0xff; 21]);
        let mut page = ItemsPage::default();
        let (mut bytes, mut last_key) = (0usize, None::<sled::IVec>);
        for entry in self.items.range(start..end) {
            let (key, value) = entry?;
            let item: Item =
                records::decode(&value).map_err(|e| StoreError::Corrupt(format!("item: {e}")))?;
            if !kinds.contains(&item.kind) {
                continue;
            }
            if !page.items.is_empty() && bytes + item.ct.len() > max_bytes {
                page.next = last_key.and_then(|k| k[16..].try_into().ok());
                break;
            }
            bytes += item.ct.len();
            page.items.push(item);
            last_key = Some(key);
            if page.items.len() >= max_items {
                // Stop here rather than read on to learn whether more follow: the next page
                // may then be empty, and says so with no `next`.
                page.next = last_key.and_then(|k| k[16..].try_into().ok());
                break;
            }
        }
        Ok(page)
    }
}
