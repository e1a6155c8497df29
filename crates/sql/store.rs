// The store traits, implemented once for both stores over `rows` and the shared writer.
// Included by each store's `lib.rs` after it names `ThisStore` and provides `snapshot` (what a
// consistent read of the directory needs) and `ThisStore::signal` (how other nodes' changes are
// heard).

#[async_trait]
impl DirectoryStore for ThisStore {
    async fn load_directory(&self) -> StoreResult<Option<LoadedDirectory>> {
        let mut conn = self.readers.acquire().await.map_err(db_err)?;
        let mut tx = conn.begin().await.map_err(db_err)?;
        snapshot(&mut tx).await?;
        rows::load_directory(tx).await
    }

    fn change_signal(&self) -> Option<Arc<Notify>> {
        self.signal()
    }

    async fn latest_change(&self) -> StoreResult<i64> {
        rows::latest_change(&self.readers).await
    }

    async fn seed(&self, data: &DirectoryData) -> StoreResult<()> {
        self.writer
            .write(WriteOp::Seed(Box::new(data.clone())))
            .await
    }

    async fn commit(&self, commit: &Commit) -> StoreResult<CommitOutcome> {
        match self
            .writer
            .submit(WriteOp::Commit(Box::new(commit.clone())))
            .await?
        {
            WriteResult::Committed(outcome) => Ok(outcome),
            _ => Err(StoreError::Database("unexpected write result".into())),
        }
    }

    async fn changes_since(
        &self,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, Vec<DirectoryChange>)>> {
        rows::changes_since(&self.readers, after, limit).await
    }

    async fn heartbeat(&self, node_id: &str, wall_now: i64, ttl_ms: i64) -> StoreResult<usize> {
        match self
            .writer
            .submit(WriteOp::Heartbeat {
                node_id: node_id.to_owned(),
                wall_now,
                ttl_ms,
            })
            .await?
        {
            WriteResult::Number(n) => Ok(usize::try_from(n).unwrap_or(1)),
            _ => Err(StoreError::Database("unexpected write result".into())),
        }
    }
}

#[async_trait]
impl MessageStore for ThisStore {
    async fn insert_message(&self, record: &MessageRecord, outbox: &Outbox) -> StoreResult<()> {
        // Packed here, on the sender's task, so that the one writer only writes.
        let packed = vitrine_core::store::packed::pack_message(record)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let packed_webhooks = outbox
            .webhooks
            .iter()
            .map(vitrine_core::store::packed::pack_webhook)
            .collect();
        self.writer
            .write(WriteOp::InsertMessage(Box::new(
                vitrine_core::store::writer::NewMessage {
                    wamid: record.wamid.clone(),
                    phone_number_id: record.phone_number_id.clone(),
                    wa_id: record.wa_id.clone(),
                    created_at: record.created_at.0,
                    packed,
                    outbox: outbox.clone(),
                    packed_webhooks,
                },
            )))
            .await
    }

    async fn mark_thread_read(
        &self,
        phone_number_id: &str,
        wa_id: &str,
        read_up_to: i64,
        typing_at: Option<i64>,
    ) -> StoreResult<()> {
        self.writer
            .write(WriteOp::MarkThreadRead {
                phone_number_id: phone_number_id.to_owned(),
                wa_id: wa_id.to_owned(),
                read_up_to,
                typing_at,
            })
            .await
    }

    async fn thread_reads(&self, phone_number_id: &str, wa_id: &str) -> StoreResult<ThreadReads> {
        rows::thread_reads(&self.readers, phone_number_id, wa_id).await
    }

    async fn thread_reads_version(&self) -> StoreResult<i64> {
        rows::thread_reads_version(&self.readers).await
    }

    async fn insert_peer_messages(&self, messages: &[PeerMessage]) -> StoreResult<()> {
        self.writer
            .write(WriteOp::InsertPeerMessages(messages.to_vec()))
            .await
    }

    async fn get_peer_message(&self, id: &str) -> StoreResult<Option<PeerMessage>> {
        rows::get_peer_message(&self.readers, id).await
    }

    async fn list_peer_messages(
        &self,
        a: &str,
        b: &str,
        limit: u32,
    ) -> StoreResult<Vec<PeerMessage>> {
        rows::list_peer_messages(&self.readers, a, b, limit).await
    }

    async fn peer_chats(&self, wa_id: &str) -> StoreResult<Vec<(String, i64)>> {
        rows::peer_chats(&self.readers, wa_id).await
    }

    async fn peer_messages_version(&self) -> StoreResult<i64> {
        rows::peer_messages_version(&self.readers).await
    }

    async fn get_inbound(&self, wamid: &str) -> StoreResult<Option<InboundRecord>> {
        rows::get_inbound(&self.readers, wamid).await
    }

    async fn list_inbound(
        &self,
        phone_number_id: &str,
        wa_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<InboundRecord>> {
        rows::list_inbound(&self.readers, phone_number_id, wa_id, limit).await
    }

    async fn append_outbox(&self, outbox: &Outbox) -> StoreResult<()> {
        self.writer
            .write(WriteOp::AppendOutbox(outbox.clone()))
            .await
    }

    async fn append_final_status(&self, wamid: &str, outbox: &Outbox) -> StoreResult<bool> {
        match self
            .writer
            .submit(WriteOp::AppendFinalStatus {
                wamid: wamid.to_owned(),
                outbox: outbox.clone(),
            })
            .await?
        {
            WriteResult::Found(written) => Ok(written),
            _ => Err(StoreError::Database("unexpected write result".into())),
        }
    }

    async fn list_messages(&self, query: &MessageQuery) -> StoreResult<MessagePage> {
        rows::list_messages(&self.readers, query).await
    }

    async fn get_message(&self, wamid: &str) -> StoreResult<Option<MessageRecord>> {
        rows::get_message(&self.readers, wamid).await
    }

    async fn message_statuses(&self, wamid: &str) -> StoreResult<Vec<StatusEvent>> {
        rows::message_statuses(&self.readers, wamid).await
    }
}

#[async_trait]
impl BatchStore for ThisStore {
    async fn insert_batch(&self, job: &BatchJob) -> StoreResult<()> {
        self.writer
            .write(WriteOp::InsertBatch(Box::new(job.clone())))
            .await
    }

    async fn get_batch(&self, handle: &str) -> StoreResult<Option<BatchJob>> {
        rows::get_batch(&self.readers, handle).await
    }

    async fn claim_batches(
        &self,
        now: Millis,
        wall_now: i64,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<BatchJob>> {
        match self
            .writer
            .submit(WriteOp::ClaimBatches {
                now,
                wall_now,
                lease_until,
                limit,
            })
            .await?
        {
            WriteResult::Batches(b) => Ok(b),
            _ => Ok(vec![]),
        }
    }

    async fn finish_batch(&self, handle: &str, result: &BatchResult) -> StoreResult<()> {
        self.writer
            .write(WriteOp::FinishBatch {
                handle: handle.to_owned(),
                result: result.clone(),
            })
            .await
    }
}

#[async_trait]
impl WebhookStore for ThisStore {
    async fn claim_due_webhooks(
        &self,
        now: Millis,
        wall_now: i64,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<Claimed>> {
        match self
            .writer
            .submit(WriteOp::ClaimWebhooks {
                now,
                wall_now,
                lease_until,
                limit,
            })
            .await?
        {
            WriteResult::Claimed(c) => Ok(c),
            _ => Ok(vec![]),
        }
    }

    async fn record_attempt(
        &self,
        id: i64,
        attempt: &Attempt,
        after: AfterAttempt,
    ) -> StoreResult<()> {
        self.writer
            .write(WriteOp::RecordAttempt {
                id,
                attempt: attempt.clone(),
                after,
            })
            .await
    }

    async fn next_webhook_due(&self) -> StoreResult<Option<Millis>> {
        rows::next_webhook_due(&self.readers).await
    }

    async fn pending_webhooks(&self) -> StoreResult<i64> {
        rows::pending_webhooks(&self.readers).await
    }

    async fn list_webhooks(&self, query: &WebhookQuery) -> StoreResult<WebhookPage> {
        rows::list_webhooks(&self.readers, query).await
    }

    async fn get_webhook(&self, id: i64) -> StoreResult<Option<(WebhookRecord, Vec<Attempt>)>> {
        rows::get_webhook(&self.readers, id).await
    }

    async fn redeliver_webhook(&self, id: i64, now: Millis) -> StoreResult<bool> {
        match self.writer.submit(WriteOp::Redeliver { id, now }).await? {
            WriteResult::Found(found) => Ok(found),
            _ => Ok(false),
        }
    }
}

#[async_trait]
impl MediaStore for ThisStore {
    async fn begin_media(&self, record: &MediaRecord, wall_now: i64) -> StoreResult<()> {
        self.writer
            .write(WriteOp::MediaBegin {
                record: Box::new(record.clone()),
                wall_now,
            })
            .await
    }

    async fn put_media_chunk(&self, id: &str, seq: i64, data: Vec<u8>) -> StoreResult<()> {
        self.writer
            .write(WriteOp::MediaChunk {
                id: id.to_owned(),
                seq,
                data,
            })
            .await
    }

    async fn finish_media(&self, record: &MediaRecord) -> StoreResult<()> {
        self.writer
            .write(WriteOp::MediaFinish(Box::new(record.clone())))
            .await
    }

    async fn delete_media(&self, id: &str) -> StoreResult<bool> {
        match self
            .writer
            .submit(WriteOp::MediaDelete { id: id.to_owned() })
            .await?
        {
            WriteResult::Found(found) => Ok(found),
            _ => Ok(false),
        }
    }

    async fn get_media(&self, id: &str) -> StoreResult<Option<MediaRecord>> {
        rows::get_media(&self.readers, id).await
    }

    async fn media_chunk(&self, id: &str, seq: i64) -> StoreResult<Option<Vec<u8>>> {
        rows::media_chunk(&self.readers, id, seq).await
    }

    async fn copy_media(&self, from: &str, record: &MediaRecord) -> StoreResult<bool> {
        match self
            .writer
            .submit(WriteOp::MediaCopy {
                from: from.to_owned(),
                record: Box::new(record.clone()),
            })
            .await?
        {
            WriteResult::Found(found) => Ok(found),
            _ => Ok(false),
        }
    }

    async fn purge_media(
        &self,
        now: Millis,
        stale_before_wall: i64,
        limit: u32,
    ) -> StoreResult<i64> {
        match self
            .writer
            .submit(WriteOp::MediaPurge {
                now,
                stale_before_wall,
                limit,
            })
            .await?
        {
            WriteResult::Number(n) => Ok(n),
            _ => Ok(0),
        }
    }

    async fn prune_logs(
        &self,
        retain: vitrine_core::settings::Retention,
        now: Millis,
        limit: u32,
    ) -> StoreResult<i64> {
        match self
            .writer
            .submit(WriteOp::PruneLogs { retain, now, limit })
            .await?
        {
            WriteResult::Number(n) => Ok(n),
            _ => Ok(0),
        }
    }
}
