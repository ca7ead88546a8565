/**
 * The durable outbox and inbox (issue #5: "the sender keeps a durable outbox in LevelDB ... the
 * receiver keeps a durable inbox"), in `<data>/escalations`. One JSON value per item under
 * `o!<id>` (outbox) or `i!<id>` (inbox); every write is synced, so an escalation the API
 * answered `{ id }` for, or an authority acknowledged, survives a crash (kill -9) of the node.
 * Takes an open-able `level` instance so tests can use a temporary directory.
 */
import { Level } from 'level'
import { authoritiesSchema, type Authorities } from '@kos/core'
import type { InboxItem } from '@kos/core'
import type { OutboxItem } from '@kos/core'

const OUT = 'o!'
const IN = 'i!'
/** The authorities learnt from the cluster (a node given none by its config), pinned. */
const PINNED = 'a!authorities'

export class EscalationStoreError extends Error {
  override name = 'EscalationStoreError'
}

export class EscalationStore {
  private readonly db: Level<string, string>

  constructor (db: Level<string, string>) { this.db = db }

  static async open (path: string): Promise<EscalationStore> {
    const db = new Level<string, string>(path, { valueEncoding: 'utf8' })
    try {
      await db.open()
    } catch (err) {
      throw new EscalationStoreError(`cannot open the escalation store ${path}: ${(err as Error).message}`, { cause: err })
    }
    return new EscalationStore(db)
  }

  async putOutbox (item: OutboxItem): Promise<void> { await this.put(OUT + item.record.id, item) }
  async putInbox (item: InboxItem): Promise<void> { await this.put(IN + item.record.id, item) }
  async deleteInbox (id: string): Promise<void> {
    try {
      await this.db.del(IN + id, { sync: true })
    } catch (err) {
      throw new EscalationStoreError(`escalation store delete failed: ${(err as Error).message}`, { cause: err })
    }
  }

  async loadOutbox (): Promise<OutboxItem[]> { return await this.all<OutboxItem>(OUT) }
  async loadInbox (): Promise<InboxItem[]> { return await this.all<InboxItem>(IN) }

  async putPinnedAuthorities (a: Authorities): Promise<void> { await this.put(PINNED, a) }
  async pinnedAuthorities (): Promise<Authorities | undefined> {
    const v = await this.db.get(PINNED)
    if (v === undefined) return undefined
    const parsed = authoritiesSchema.safeParse(JSON.parse(v))
    return parsed.success ? parsed.data : undefined
  }

  async close (): Promise<void> { await this.db.close() }

  private async put (key: string, value: unknown): Promise<void> {
    try {
      await this.db.put(key, JSON.stringify(value), { sync: true })
    } catch (err) {
      throw new EscalationStoreError(`escalation store write failed: ${(err as Error).message}`, { cause: err })
    }
  }

  private async all<T> (prefix: string): Promise<T[]> {
    const out: T[] = []
    // '~' sorts after every id character, so [prefix, prefix~) is exactly the prefix's range.
    for await (const value of this.db.values({ gte: prefix, lt: prefix + '~' })) out.push(JSON.parse(value) as T)
    return out
  }
}
