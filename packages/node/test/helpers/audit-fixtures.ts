/**
 * Audit test fixtures: deterministic Ed25519 signers (keys from fixed seeds, so entries and
 * their hashes are reproducible), chain builders, and throwaway LevelDB instances in temp
 * directories, plus a db wrapper that can hold or fail the next write.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { Level } from 'level'
import { createEntry, type AuditSigner } from '@kos/core'
import { signerFromPrivateKey } from '../../src/audit/libp2p-signer.js'
import type { AuditBatchOp, AuditDb } from '@kos/core'
import type { AuditEntry, AuditFields } from '@kos/core'

/** A signer whose key comes from a fixed seed byte: the same peer id on every run. */
export async function seededSigner (seedByte: number): Promise<AuditSigner> {
  return signerFromPrivateKey(await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(seedByte)))
}

export function fields (overrides: Partial<AuditFields> = {}): AuditFields {
  return { class: 'node', type: 'member:join', severity: 'info', subject: 'node-b', details: { incarnation: 1 }, ...overrides }
}

/**
 * Entries 1..n of `signer`'s chain; entry i has lamport i * 2 and ts `t0 + i * 1000`, and its
 * fields come from `each(i)`.
 */
export async function buildChain (signer: AuditSigner, n: number, each: (i: number) => Partial<AuditFields> = () => ({}), t0 = 1_700_000_000_000): Promise<AuditEntry[]> {
  const out: AuditEntry[] = []
  let prev: AuditEntry | null = null
  for (let i = 1; i <= n; i++) {
    prev = await createEntry(prev, fields(each(i)), signer, i * 2, t0 + i * 1000)
    out.push(prev)
  }
  return out
}

export interface TempDb {
  db: Level<string, Uint8Array>
  dir: string
  /** Closes the db (if open) and removes its directory. */
  cleanup: () => Promise<void>
}

export async function tempDb (): Promise<TempDb> {
  const dir = await mkdtemp(join(tmpdir(), 'kos-audit-'))
  const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' })
  await db.open()
  return {
    db,
    dir,
    cleanup: async () => {
      if (db.status === 'open') await db.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/** An AuditDb over a real one whose writes a test can count, hold until released, or fail. */
export class ControlledDb implements AuditDb {
  readonly inner: AuditDb
  batchSizes: number[] = []
  private gate: Promise<void> | null = null
  private openGate: (() => void) | null = null
  private failures: Error[] = []

  constructor (inner: AuditDb) {
    this.inner = inner
  }

  /** Writes from now on wait until `release()`. */
  hold (): void {
    this.gate = new Promise((resolve) => { this.openGate = resolve })
  }

  release (): void {
    this.openGate?.()
    this.gate = null
    this.openGate = null
  }

  /** The next write rejects with `err` (e.g. a disk-full error) and writes nothing. */
  failNext (err: Error): void {
    this.failures.push(err)
  }

  async open (): Promise<void> { await this.inner.open() }
  async get (key: string, o: Parameters<AuditDb['get']>[1]): Promise<Uint8Array | undefined> { return await this.inner.get(key, o) }
  async getMany (keys: string[], o: Parameters<AuditDb['getMany']>[1]): Promise<Array<Uint8Array | undefined>> { return await this.inner.getMany(keys, o) }
  iterator (o: Parameters<AuditDb['iterator']>[0]): AsyncIterable<[string, Uint8Array]> { return this.inner.iterator(o) }
  snapshot (): ReturnType<AuditDb['snapshot']> { return this.inner.snapshot() }

  async batch (ops: AuditBatchOp[], o: Parameters<AuditDb['batch']>[1]): Promise<void> {
    if (this.gate !== null) await this.gate
    const failure = this.failures.shift()
    if (failure !== undefined) throw failure
    this.batchSizes.push(ops.length)
    await this.inner.batch(ops, o)
  }
}

/** Resolves after pending microtasks and one macrotask turn: lets a started flush reach its write. */
export async function settle (): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
}
