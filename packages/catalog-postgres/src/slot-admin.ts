import type pg from 'pg';

export const PUBLICATION = 'products_changes';
export const DEFAULT_SLOT = 'cache_invalidation';

export interface SlotStatus {
  exists: boolean;
  active: boolean;
  /** WAL the slot still holds back: server position minus the confirmed one. */
  lagBytes: number | null;
  walStatus: string | null;
  confirmedFlushLsn: string | null;
}

export interface EnsuredSlot {
  /** Identity of this slot's life: a new slot means unknown changes, so the cache must be flushed. */
  epoch: string;
  /** Whether the cache was flushed since this slot was created (markFlushed). */
  flushed: boolean;
  /** Set when this call created the slot: 'missing' (first start or dropped) or 'lost' (WAL removed). */
  created: 'missing' | 'lost' | null;
}

export async function slotStatus(pool: pg.Pool, slot: string): Promise<SlotStatus> {
  const { rows } = await pool.query<{
    active: boolean;
    lag: string | null;
    wal_status: string | null;
    confirmed_flush_lsn: string | null;
  }>(
    `SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag, wal_status,
            confirmed_flush_lsn::text
     FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const row = rows[0];
  if (!row) return { exists: false, active: false, lagBytes: null, walStatus: null, confirmedFlushLsn: null };
  return {
    exists: true,
    active: row.active,
    lagBytes: row.lag === null ? null : Number(row.lag),
    walStatus: row.wal_status,
    confirmedFlushLsn: row.confirmed_flush_lsn,
  };
}

/**
 * Makes sure the persistent slot exists and can stream. A slot whose WAL was removed
 * (`wal_status = 'lost'`, past max_slot_wal_keep_size) is dropped and made again. The epoch is
 * bumped BEFORE creating the slot: a crash in between only costs one extra flush, never a missed one.
 */
export async function ensureSlot(pool: pg.Pool, slot: string): Promise<EnsuredSlot> {
  const status = await slotStatus(pool, slot);
  let created: EnsuredSlot['created'] = null;
  if (status.exists && status.walStatus === 'lost' && !status.active) {
    await pool.query('SELECT pg_drop_replication_slot($1)', [slot]);
    created = 'lost';
  } else if (!status.exists) {
    created = 'missing';
  }
  if (created) {
    await pool.query(
      `INSERT INTO change_stream_epochs (slot_name, epoch) VALUES ($1, 1)
       ON CONFLICT (slot_name) DO UPDATE SET epoch = change_stream_epochs.epoch + 1, flushed = false, created_at = now()`,
      [slot],
    );
    try {
      await pool.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    } catch (err) {
      // Another worker created it between our check and now: it flushes for it.
      if ((err as { code?: string }).code !== '42710') throw err;
      created = null;
    }
  }
  // A slot made by hand (no epoch row yet) gets epoch 1, not flushed: one flush, to be safe.
  const { rows } = await pool.query<{ epoch: string; flushed: boolean }>(
    `INSERT INTO change_stream_epochs (slot_name, epoch) VALUES ($1, 1)
     ON CONFLICT (slot_name) DO UPDATE SET slot_name = EXCLUDED.slot_name RETURNING epoch::text, flushed`,
    [slot],
  );
  return { epoch: rows[0]?.epoch ?? '1', flushed: rows[0]?.flushed ?? false, created };
}

/** Records that the cache was flushed for this epoch (a newer epoch is left alone). */
export async function markFlushed(pool: pg.Pool, slot: string, epoch: string): Promise<void> {
  await pool.query('UPDATE change_stream_epochs SET flushed = true WHERE slot_name = $1 AND epoch = $2', [
    slot,
    epoch,
  ]);
}
