//! The transparency log's reads on sled: its size, roots, proofs and leaf hashes, over the
//! stored tree (`log_tree`, tree `log_nodes`; `meta/log_size`). Leaves are appended by
//! statements in a batch (`sled_store`).

use super::StoreError;
use super::log_tree::{self, LogError, node_key};
use super::sled_store::{LOG_SIZE_KEY, SledStore, read_u64};
use crate::protocol::wire::{ConsistencyProofView, InclusionProofView, LeafHashesView};

impl From<LogError> for StoreError {
    fn from(e: LogError) -> Self {
        match e {
            e @ (LogError::IndexOutOfRange { .. } | LogError::InvalidRange { .. }) => {
                StoreError::LogRange(e.to_string())
            }
            LogError::Storage(e) => StoreError::from(e),
            other => StoreError::Corrupt(other.to_string()),
        }
    }
}

impl SledStore {
    pub(super) fn read_log_size(&self) -> Result<u64, StoreError> {
        match self.meta.get(LOG_SIZE_KEY)? {
            None => Ok(0),
            Some(bytes) => read_u64(&bytes),
        }
    }

    pub(super) fn tree_root(&self, size: u64) -> Result<[u8; 32], StoreError> {
        Ok(log_tree::root(&self.log_nodes, size)?)
    }

    pub(super) fn tree_inclusion(
        &self,
        index: u64,
        size: u64,
    ) -> Result<InclusionProofView, StoreError> {
        Ok(InclusionProofView {
            index,
            size,
            leaf_hash: log_tree::leaf_hash_at(&self.log_nodes, index)?,
            path: log_tree::inclusion_proof(&self.log_nodes, index, size)?,
        })
    }

    pub(super) fn tree_consistency(
        &self,
        from: u64,
        to: u64,
    ) -> Result<ConsistencyProofView, StoreError> {
        Ok(ConsistencyProofView {
            from,
            to,
            path: log_tree::consistency_proof(&self.log_nodes, from, to)?,
        })
    }

    /// The leaf hashes of `[start, end)`, read in one scan.
    pub(super) fn tree_leaf_hashes(
        &self,
        start: u64,
        end: u64,
    ) -> Result<LeafHashesView, StoreError> {
        let mut hashes = Vec::new();
        for (offset, entry) in self
            .log_nodes
            .range(node_key(0, start)..node_key(0, end))
            .enumerate()
        {
            let (_, value) = entry.map_err(LogError::from)?;
            let index = start + offset as u64;
            let hash = <[u8; 32]>::try_from(value.as_ref())
                .map_err(|_| LogError::CorruptNode { level: 0, index })?;
            hashes.push(hash);
        }
        if hashes.len() as u64 != end.saturating_sub(start) {
            return Err(LogError::MissingNode {
                level: 0,
                index: start + hashes.len() as u64,
            }
            .into());
        }
        Ok(LeafHashesView { start, hashes })
    }
}
