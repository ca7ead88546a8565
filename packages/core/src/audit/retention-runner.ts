/**
 * AuditRetention: runs the retention policy (retention.ts) against the store (issue #4
 * "Retention"). The node shell calls `runOnce()` on a timer (`auditCompactIntervalMs`); the
 * runner owns no timer, so tests drive it with a scripted wall clock.
 *
 * One run reads each chain through a window that starts at one entry and doubles up to
 * `maxPage` as the plan consumes it, so a run where nothing is due reads one entry per origin
 * (none at all when the policy is off), and a run that drops N entries reads about N more.
 * Each planned drop becomes `AuditStore.compact` calls of at most `maxCompactBatch` entries,
 * each one synced batch with a fresh checkpoint signed by the local node; appends and received
 * entries interleave between them. A run deletes at most `maxDeletePerRun` entries and says
 * `more` when it stopped there: the shell may call again soon instead of waiting a period.
 *
 * A chain whose prefix does not verify (AuditChainError from `compact`) is left alone for the
 * run and named in `failed`; the other chains are still compacted (see compaction.ts for why a
 * broken prefix is kept).
 */
import type { AuditSigner } from './entry.js'
import { planRetention, type ChainWindow, type RetentionPolicy } from './retention.js'
import type { AuditStore } from './store.js'

export interface RetentionComponents {
  store: AuditStore
  /** The local node's key: it signs the checkpoints it writes. */
  signer: AuditSigner
  /** Wall clock in ms since the Unix epoch (`Date.now` in the daemon): entry `ts` is wall-clock. */
  wallClock: { now(): number }
}

export interface RetentionInit extends RetentionPolicy {
  /** Entries one run deletes at most: bounds a run's I/O (3 key deletes each). @default 10000 */
  maxDeletePerRun: number
  /** Largest window of one chain read per planning round. @default 256 */
  maxPage: number
}

export const RETENTION_DEFAULTS: Readonly<RetentionInit> = Object.freeze({ maxAgeMs: 0, maxEntries: 0, maxDeletePerRun: 10_000, maxPage: 256 })

export interface RetentionReport {
  /** Entries deleted in all. */
  deleted: number
  /** Per origin compacted: the seq it was compacted through and the entries it lost this run. */
  compacted: Array<{ origin: string, throughSeq: number, deleted: number }>
  /** Origins whose prefix did not verify, left as they are. */
  failed: Array<{ origin: string, error: Error }>
  /** True when the run stopped at `maxDeletePerRun` with more due: run again soon. */
  more: boolean
}

interface Window extends ChainWindow {
  /** The last seq read into `next`. */
  after: number
  /** Entries the next read fetches. */
  page: number
}

export class AuditRetention {
  private readonly c: RetentionComponents
  private readonly opts: RetentionInit
  private running: Promise<RetentionReport> | null = null

  constructor (components: RetentionComponents, init: Partial<RetentionInit> = {}) {
    this.c = components
    this.opts = { ...RETENTION_DEFAULTS, ...init }
    for (const k of ['maxAgeMs', 'maxEntries'] as const) {
      if (!Number.isSafeInteger(this.opts[k]) || this.opts[k] < 0) throw new RangeError(`${k} must be a non-negative integer, got ${this.opts[k]}`)
    }
    for (const k of ['maxDeletePerRun', 'maxPage'] as const) {
      if (!Number.isSafeInteger(this.opts[k]) || this.opts[k] < 1) throw new RangeError(`${k} must be a positive integer, got ${this.opts[k]}`)
    }
  }

  /**
   * One bounded compaction pass at wall-clock `now`. A call made while a pass runs shares it
   * (a slow disk never stacks passes up). Rejects only with AuditStoreError (I/O).
   */
  async runOnce (now: number = this.c.wallClock.now()): Promise<RetentionReport> {
    if (this.running !== null) return await this.running
    this.running = this.pass(now)
    try {
      return await this.running
    } finally {
      this.running = null
    }
  }

  private async pass (now: number): Promise<RetentionReport> {
    const { store, signer } = this.c
    const { maxAgeMs, maxEntries, maxDeletePerRun, maxPage } = this.opts
    const report: RetentionReport = { deleted: 0, compacted: [], failed: [], more: false }
    const chains = store.chains()
    let entries = chains.reduce((n, c) => n + c.headSeq - c.base, 0)
    // Policy off, or nothing due by count and no age limit: nothing to read.
    if (maxAgeMs === 0 && (maxEntries === 0 || entries <= maxEntries)) return report

    const windows: Window[] = chains.map((c) => ({ ...c, next: [], complete: c.headSeq <= 1, after: 0, page: 1 }))
    let budget = maxDeletePerRun
    for (;;) {
      for (const w of windows) {
        if (w.complete || w.next.length > 0) continue
        const ages = await store.entryAges(w.origin, w.after, w.headSeq - 1, w.page)
        w.next = ages
        if (ages.length > 0) w.after = (ages[ages.length - 1] as { seq: number }).seq
        w.complete = ages.length < w.page || w.after >= w.headSeq - 1
        w.page = Math.min(w.page * 2, maxPage)
      }
      const plan = planRetention(windows, entries, now, { maxAgeMs, maxEntries }, budget)
      for (const drop of plan.drops) {
        const w = windows.find((x) => x.origin === drop.origin) as Window
        const dropped = w.next.splice(0, drop.count)
        try {
          let deleted = 0
          while (deleted < drop.count) {
            const r = await store.compact(drop.origin, drop.throughSeq, signer, now)
            if (r.deleted === 0) break
            deleted += r.deleted
          }
          report.deleted += deleted
          const done = report.compacted.find((x) => x.origin === drop.origin)
          if (done === undefined) report.compacted.push({ origin: drop.origin, throughSeq: drop.throughSeq, deleted })
          else { done.throughSeq = drop.throughSeq; done.deleted += deleted }
          entries -= dropped.filter((e) => e.seq > w.base).length
          w.base = Math.max(w.base, drop.throughSeq)
        } catch (err) {
          if (!(err instanceof Error) || err.name !== 'AuditChainError') throw err
          report.failed.push({ origin: drop.origin, error: err })
          // Out of this run: its entries no longer count against the others' budget either.
          entries -= w.headSeq - w.base
          w.next = []
          w.complete = true
        }
      }
      budget -= plan.total
      if (plan.stop === 'budget' || (budget <= 0 && plan.stop === 'window')) { report.more = true; break }
      if (plan.stop !== 'window' || (plan.total === 0 && !windows.some((w) => !w.complete && w.next.length === 0))) break
    }
    return report
  }
}
