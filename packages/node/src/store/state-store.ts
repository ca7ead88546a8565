/**
 * The node's own durable state in LevelDB (`<data>/state`):
 * - the membership incarnation, so a restarted node announces itself above anything it said
 *   before and is believed at once;
 * - the election's term and vote, written before any message that depends on them is sent,
 *   so a restarted node never votes twice in a term;
 * - the voter set the node last adopted;
 * - the coordinator it followed in each of its last MAX_FOLLOWED_TERMS terms, which the services'
 *   desired-state gate trusts again after a restart (the audit log records an election once, in
 *   the winner's chain, so a follower's own chain no longer says whom it followed);
 * - the agents defined through the API (`POST /v1/agents`), as given, so a restarted node runs them again.
 * Writes are synced: what is acknowledged survives a crash. A failed write is kept as
 * `writeFailure` until a write succeeds, for /v1/health: a node that cannot make its vote
 * durable cannot do its job.
 */
import { join } from 'node:path'
import { Level } from 'level'
import { ConfigError } from '../base/errors.js'

const INCARNATION = 'membership/incarnation'
const ELECTION = 'election/term-vote'
const VOTERS = 'election/voters'
const AGENTS = 'agents/'
const FOLLOWED = 'election/followed/'

/** Terms whose coordinator is remembered: the desired-state gate's own bound (older terms fall back to its voter rule). */
export const MAX_FOLLOWED_TERMS = 4096
/** Fixed width, so that keys sort by term and a range of old terms is one delete. */
const followedKey = (term: number): string => FOLLOWED + String(term).padStart(16, '0')

export interface PersistedVote { term: number, votedFor: string | null }
export interface PersistedVoters { term: number, version: number, voters: string[] }

export class StateStore {
  private readonly db: Level<string, string>
  private failure: Error | null = null

  private constructor (db: Level<string, string>) {
    this.db = db
  }

  static async open (dataDir: string): Promise<StateStore> {
    const db = new Level<string, string>(join(dataDir, 'state'), { valueEncoding: 'utf8' })
    try {
      await db.open()
    } catch (err) {
      const cause = (err as { cause?: Error }).cause ?? (err as Error)
      const locked = /lock/i.test(cause.message)
      throw new ConfigError('--data', locked
        ? `data directory ${dataDir} is in use by another running node`
        : `cannot open the state store in ${dataDir}: ${cause.message}`, { cause: err })
    }
    return new StateStore(db)
  }

  /** The error of the last write if it failed (disk full, I/O), until a write succeeds. */
  get writeFailure (): Error | null {
    return this.failure
  }

  async getIncarnation (): Promise<number> {
    const v = await this.db.get(INCARNATION)
    const n = v === undefined ? 0 : Number(v)
    return Number.isSafeInteger(n) && n >= 0 ? n : 0
  }

  async setIncarnation (n: number): Promise<void> {
    await this.write(async () => { await this.db.put(INCARNATION, String(n), { sync: true }) })
  }

  async getVote (): Promise<PersistedVote> {
    const v = await this.getJson<PersistedVote>(ELECTION)
    return v !== undefined && Number.isSafeInteger(v.term) && v.term >= 0 ? { term: v.term, votedFor: typeof v.votedFor === 'string' ? v.votedFor : null } : { term: 0, votedFor: null }
  }

  async setVote (vote: PersistedVote): Promise<void> {
    await this.write(async () => { await this.db.put(ELECTION, JSON.stringify(vote), { sync: true }) })
  }

  async getVoters (): Promise<PersistedVoters | undefined> {
    const v = await this.getJson<PersistedVoters>(VOTERS)
    return v !== undefined && Number.isSafeInteger(v.version) && Array.isArray(v.voters) ? { term: Number.isSafeInteger(v.term) ? v.term : 0, version: v.version, voters: v.voters } : undefined
  }

  async setVoters (voters: PersistedVoters): Promise<void> {
    await this.write(async () => { await this.db.put(VOTERS, JSON.stringify(voters), { sync: true }) })
  }

  /** The coordinator followed in each remembered term, oldest first. */
  async getFollowed (): Promise<Array<{ term: number, coordinator: string }>> {
    const out: Array<{ term: number, coordinator: string }> = []
    for await (const [key, coordinator] of this.db.iterator({ gte: FOLLOWED, lt: FOLLOWED + '\xff' })) {
      const term = Number(key.slice(FOLLOWED.length))
      if (Number.isSafeInteger(term) && term >= 0 && coordinator !== '') out.push({ term, coordinator })
    }
    return out
  }

  /** Remembers the coordinator of `term`, forgetting terms MAX_FOLLOWED_TERMS or more behind it. */
  async setFollowed (term: number, coordinator: string): Promise<void> {
    await this.write(async () => {
      await this.db.put(followedKey(term), coordinator, { sync: true })
      if (term >= MAX_FOLLOWED_TERMS) await this.db.clear({ gte: FOLLOWED, lt: followedKey(term - MAX_FOLLOWED_TERMS + 1) })
    })
  }

  /** The API-defined agents' definitions as they were given (validated again when read). */
  async listAgents (): Promise<unknown[]> {
    const out: unknown[] = []
    for await (const value of this.db.values({ gte: AGENTS, lt: AGENTS + '\xff' })) {
      try { out.push(JSON.parse(value)) } catch {}
    }
    return out
  }

  async putAgent (name: string, definition: unknown): Promise<void> {
    await this.write(async () => { await this.db.put(AGENTS + name, JSON.stringify(definition), { sync: true }) })
  }

  async deleteAgent (name: string): Promise<void> {
    await this.write(async () => { await this.db.del(AGENTS + name, { sync: true }) })
  }

  async close (): Promise<void> {
    await this.db.close()
  }

  /** Runs one write, keeping its failure (rethrown) or clearing the last one. */
  private async write (fn: () => Promise<void>): Promise<void> {
    try {
      await fn()
    } catch (err) {
      this.failure = new Error(`state store write failed: ${(err as Error).message}`, { cause: err })
      throw err
    }
    this.failure = null
  }

  private async getJson<T> (key: string): Promise<T | undefined> {
    const v = await this.db.get(key)
    if (v === undefined) return undefined
    try { return JSON.parse(v) as T } catch { return undefined }
  }
}
