/**
 * The node's own durable state in LevelDB (`<data>/state`): for now the incarnation, so a
 * restarted node announces itself above anything it said before and is believed at once.
 * Writes are synced: what is acknowledged survives a crash.
 */
import { join } from 'node:path'
import { Level } from 'level'
import { ConfigError } from '../errors.js'

const INCARNATION = 'membership/incarnation'

export class StateStore {
  private readonly db: Level<string, string>

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

  async getIncarnation (): Promise<number> {
    const v = await this.db.get(INCARNATION)
    const n = v === undefined ? 0 : Number(v)
    return Number.isSafeInteger(n) && n >= 0 ? n : 0
  }

  async setIncarnation (n: number): Promise<void> {
    await this.db.put(INCARNATION, String(n), { sync: true })
  }

  async close (): Promise<void> {
    await this.db.close()
  }
}
