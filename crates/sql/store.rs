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
            .run(data.clone(), |c, data| Box::pin(rows::write_seed(c, data)))
            .await
    }

    async fn commit(&self, commit: &Commit) -> StoreResult<CommitOutcome> {
        self.writer
            .run(commit.clone(), |c, commit| {
                Box::pin(rows::commit(c, commit))
            })
            .await
    }

    async fn changes_since(
        &self,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, Vec<DirectoryChange>)>> {
        rows::changes_since(&self.readers, after, limit).await
    }

    async fn heartbeat(&self, node_id: &str, wall_now: i64, ttl_ms: i64) -> StoreResult<usize> {
        let n = self
            .writer
            .run(
                (node_id.to_owned(), wall_now, ttl_ms),
                |c, (node, wall, ttl)| Box::pin(rows::heartbeat(c, node, *wall, *ttl)),
            )
            .await?;
        Ok(usize::try_from(n).unwrap_or(1))
    }
}

#[async_trait]
impl MessageStore for ThisStore {
    async fn insert_message(
        &self,
        record: &MessageRecord,
        outbox: &Outbox,
        leased_until: &[Option<i64>],
    ) -> StoreResult<Vec<i64>> {
        // Packed here, on the sender's task, so that the writer only writes.
        let message = vitrine_core::store::writer::NewMessage::pack(record, outbox, leased_until)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.message_writer().insert_message(message).await
    }

    async fn mark_thread_read(
        &self,
        phone_number_id: &PhoneNumberId,
        wa_id: &WaId,
        read_up_to: i64,
        typing_at: Option<i64>,
    ) -> StoreResult<()> {
        let thread = (phone_number_id.clone(), wa_id.clone());
        self.writer
            .run(thread, move |c, (phone, wa_id)| {
                Box::pin(rows::mark_thread_read(
                    c, phone, wa_id, read_up_to, typing_at,
                ))
            })
            .await
    }

    async fn thread_reads(
        &self,
        phone_number_id: &PhoneNumberId,
        wa_id: &WaId,
    ) -> StoreResult<ThreadReads> {
        rows::thread_reads(&self.readers, phone_number_id, wa_id).await
    }

    async fn thread_reads_version(&self) -> StoreResult<i64> {
        rows::thread_reads_version(&self.readers).await
    }

    async fn insert_peer_messages(&self, messages: &[PeerMessage]) -> StoreResult<()> {
        self.writer
            .run(messages.to_vec(), |c, messages| {
                Box::pin(rows::insert_peer_messages(c, messages))
            })
            .await
    }

    async fn get_peer_message(&self, id: &str) -> StoreResult<Option<PeerMessage>> {
        rows::get_peer_message(&self.readers, id).await
    }

    async fn list_peer_messages(
        &self,
        a: &WaId,
        b: &WaId,
        limit: u32,
    ) -> StoreResult<Vec<PeerMessage>> {
        rows::list_peer_messages(&self.readers, a, b, limit).await
    }

    async fn peer_chats(&self, wa_id: &WaId) -> StoreResult<Vec<(WaId, i64)>> {
        rows::peer_chats(&self.readers, wa_id).await
    }

    async fn peer_messages_version(&self) -> StoreResult<i64> {
        rows::peer_messages_version(&self.readers).await
    }

    async fn get_inbound(&self, wamid: &Wamid) -> StoreResult<Option<InboundRecord>> {
        rows::get_inbound(&self.readers, wamid).await
    }

    async fn list_inbound(
        &self,
        phone_number_id: &PhoneNumberId,
        wa_id: &WaId,
        limit: u32,
    ) -> StoreResult<Vec<InboundRecord>> {
        rows::list_inbound(&self.readers, phone_number_id, wa_id, limit).await
    }

    async fn append_outbox(&self, outbox: &Outbox) -> StoreResult<()> {
        self.writer
            .run(outbox.clone(), |c, outbox| {
                Box::pin(rows::write_outbox(c, outbox))
            })
            .await
    }

    async fn append_final_status(&self, wamid: &Wamid, outbox: &Outbox) -> StoreResult<bool> {
        self.writer
            .run((wamid.clone(), outbox.clone()), |c, (wamid, outbox)| {
                Box::pin(rows::append_final_status(c, wamid, outbox))
            })
            .await
    }

    async fn list_messages(&self, query: &MessageQuery) -> StoreResult<MessagePage> {
        rows::list_messages(&self.readers, query).await
    }

    async fn message_order(
        &self,
        wamids: &[Wamid],
    ) -> StoreResult<std::collections::HashMap<Wamid, i64>> {
        rows::message_order(&self.readers, wamids).await
    }

    async fn get_message(&self, wamid: &Wamid) -> StoreResult<Option<MessageRecord>> {
        rows::get_message(&self.readers, wamid).await
    }

    async fn message_statuses(&self, wamid: &Wamid) -> StoreResult<Vec<StatusEvent>> {
        rows::message_statuses(&self.readers, wamid).await
    }
}

#[async_trait]
impl BatchStore for ThisStore {
    async fn insert_batch(&self, job: &BatchJob) -> StoreResult<()> {
        self.writer
            .run(job.clone(), |c, job| Box::pin(rows::insert_batch(c, job)))
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
        self.writer
            .run((), move |c, ()| {
                Box::pin(rows::claim_batches(c, now, wall_now, lease_until, limit))
            })
            .await
    }

    async fn finish_batch(&self, handle: &str, result: &BatchResult) -> StoreResult<()> {
        self.writer
            .run(
                (handle.to_owned(), result.clone()),
                |c, (handle, result)| Box::pin(rows::finish_batch(c, handle, result)),
            )
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
        self.writer
            .run((), move |c, ()| {
                Box::pin(rows::claim_webhooks(c, now, wall_now, lease_until, limit))
            })
            .await
    }

    async fn record_attempts(&self, attempts: &[AttemptRecord]) -> StoreResult<()> {
        if attempts.is_empty() {
            return Ok(());
        }
        self.writer
            .run(attempts.to_vec(), |c, attempts| {
                Box::pin(rows::record_attempts(c, attempts))
            })
            .await
    }

    async fn next_webhook_due(&self, wall_now: i64) -> StoreResult<Option<Millis>> {
        rows::next_webhook_due(&self.readers, wall_now).await
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
        self.writer
            .run((), move |c, ()| Box::pin(rows::redeliver(c, id, now)))
            .await
    }
}

#[async_trait]
impl MediaStore for ThisStore {
    async fn begin_media(&self, record: &MediaRecord, wall_now: i64) -> StoreResult<()> {
        self.writer
            .run(record.clone(), move |c, record| {
                Box::pin(rows::insert_media(c, record, "uploading", wall_now))
            })
            .await
    }

    async fn put_media_chunk(&self, id: &MediaId, seq: i64, data: Vec<u8>) -> StoreResult<()> {
        self.writer
            .run((id.to_owned(), data), move |c, (id, data)| {
                Box::pin(rows::insert_media_chunk(c, id, seq, data))
            })
            .await
    }

    async fn finish_media(&self, record: &MediaRecord) -> StoreResult<()> {
        self.writer
            .run(record.clone(), |c, record| {
                Box::pin(rows::finish_media(c, record))
            })
            .await
    }

    async fn delete_media(&self, id: &MediaId) -> StoreResult<bool> {
        self.writer
            .run(id.clone(), |c, id| Box::pin(rows::delete_media(c, id)))
            .await
    }

    async fn get_media(&self, id: &MediaId) -> StoreResult<Option<MediaRecord>> {
        rows::get_media(&self.readers, id).await
    }

    async fn media_chunk(&self, id: &MediaId, seq: i64) -> StoreResult<Option<Vec<u8>>> {
        rows::media_chunk(&self.readers, id, seq).await
    }

    async fn copy_media(&self, from: &MediaId, record: &MediaRecord) -> StoreResult<bool> {
        self.writer
            .run((from.to_owned(), record.clone()), |c, (from, record)| {
                Box::pin(rows::copy_media(c, from, record))
            })
            .await
    }

    async fn purge_media(
        &self,
        now: Millis,
        stale_before_wall: i64,
        limit: u32,
    ) -> StoreResult<i64> {
        self.writer
            .run((), move |c, ()| {
                Box::pin(rows::purge_media(c, now, stale_before_wall, limit))
            })
            .await
    }

    async fn prune_logs(
        &self,
        retain: vitrine_core::settings::Retention,
        now: Millis,
        limit: u32,
    ) -> StoreResult<i64> {
        self.writer
            .run((), move |c, ()| {
                Box::pin(rows::prune_logs(c, retain, now, limit))
            })
            .await
    }
}
