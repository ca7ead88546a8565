/**
 * A full disk under the audit log (issue #4: "Disk-full and I/O errors give a clear error and a
 * degraded health, never a crash or a silent drop"). A node's data directory is a small tmpfs
 * filled to the last byte: appends answer 503 `audit_unavailable` naming the disk error,
 * /v1/health answers 503 with a critical audit-storage check (no storage: the node cannot record)
 * and mode `minimal` (disk free below 3 %: the resource monitor), the process stays up; once
 * space is freed, appends succeed and health recovers. Needs root (mount); skips saying why.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdir, open, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it, type TestContext } from 'node:test'
import { Cluster, type HealthView, type KosProcess } from '@kos/testkit'

const run = promisify(execFile)

describe('audit log on a full disk', () => {
  const cluster = new Cluster()
  let mountPoint = ''
  let mounted = false
  let skipReason: string | undefined
  let node: KosProcess

  async function append (): Promise<{ status: number, body: { error?: { code: string, message: string } } }> {
    const token = (await readFile(join(node.dataDir, 'api-token'), 'utf8')).trim()
    return await node.api('/v1/audit', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ class: 'operator', type: 'test:disk', severity: 'info', subject: 'disk', details: { pad: 'x'.repeat(4000) } })
    })
  }

  before(async () => {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) { skipReason = 'needs Linux and root to mount a tmpfs'; return }
    await cluster.init()
    mountPoint = join(cluster.tmp, 'small-disk')
    await mkdir(mountPoint)
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint], { timeout: 10_000 })
      mounted = true
    } catch (err) {
      skipReason = `cannot mount a tmpfs: ${(err as Error).message}`
      return
    }
    node = await cluster.startNode({ name: 'full', dataDir: join(mountPoint, 'node') })
  })

  after(async () => {
    for (const n of cluster.nodes) await n.stop().catch(() => {})
    if (mounted) await run('umount', [mountPoint], { timeout: 10_000 }).catch(() => run('umount', ['-l', mountPoint]))
    await cluster.cleanup()
  })

  function skipped (t: TestContext): boolean {
    if (skipReason !== undefined) t.skip(skipReason)
    return skipReason !== undefined
  }

  it('answers 503 naming the disk error, reports degraded health, stays up, and recovers when space returns', async (t) => {
    if (skipped(t)) return
    const first = await append()
    assert.equal(first.status, 200, JSON.stringify(first.body))
    const fillerPath = join(mountPoint, 'filler')
    const filler = await open(fillerPath, 'w')
    const chunk = Buffer.alloc(256 * 1024)
    try {
      for (let i = 0; i < 1000; i++) await filler.write(chunk)
      assert.fail('the 24 MiB tmpfs never filled')
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC')
    } finally {
      await filler.close()
    }

    const failed = await cluster.waitFor('an append to fail with audit_unavailable', async () => {
      const res = await append()
      return res.status === 503 ? res : false
    }, { timeoutMs: 15_000 })
    assert.equal(failed.body.error?.code, 'audit_unavailable')
    assert.match(failed.body.error?.message ?? '', /no space left on device/i)

    // A full disk is also a saturated resource: the mode goes to minimal (disk free below 3 %).
    const health = await cluster.waitFor('the resource monitor to see the full disk', async () => {
      const h = await node.api<HealthView>('/v1/health')
      return h.body.mode === 'minimal' ? h : false
    }, { timeoutMs: 15_000 })
    assert.equal(health.status, 503, JSON.stringify(health.body))
    assert.match(health.body.checks.find((c) => c.name === 'resources')?.output ?? '', /diskFreePercent/)
    const check = health.body.checks.find((c) => c.name === 'audit-storage')
    assert.equal(check?.status, 'critical', JSON.stringify(health.body.checks))
    assert.match(check?.output ?? '', /no space left on device/i)
    assert.equal(health.body.checks.find((c) => c.name === 'resources')?.status, 'warning', 'minimal alone is a warning')
    assert.equal((await node.api('/v1/health/live')).status, 503, 'no storage: not live')
    assert.equal((await node.api('/v1/health/ready')).status, 503)

    await rm(fillerPath)
    await cluster.waitFor('appends to succeed again', async () => (await append()).status === 200, { timeoutMs: 15_000 })
    const healed = await cluster.waitFor('the mode to relax to normal', async () => {
      const h = await node.api<HealthView>('/v1/health')
      return h.body.mode === 'normal' ? h : false
    }, { timeoutMs: 30_000 })
    assert.equal(healed.body.checks.find((c) => c.name === 'audit-storage')?.status, 'passing', JSON.stringify(healed.body.checks))
    assert.equal((await node.api('/v1/health/live')).status, 200)
    const verify = await node.api<{ ok: boolean }>('/v1/audit/verify')
    assert.equal(verify.body.ok, true)
  })
})
