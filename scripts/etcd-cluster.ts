/**
 * A 3-member etcd cluster on 127.0.0.1 for the side-by-side audit benchmark (bench-audit.ts
 * --compare-etcd): the `etcd` binary of Debian's etcd-server package, each member with its own
 * data directory in a temp dir and its own client and peer ports, every setting at etcd's
 * default (so a put is acknowledged once a majority has it in its fsynced WAL). Stopped by the
 * pids it started, its directory removed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '@kos/testkit'

/** Why etcd cannot run here (not installed), or undefined; with its version when it can. */
export function etcdVersion (): { version: string } | { missing: string } {
  const r = spawnSync('etcd', ['--version'], { encoding: 'utf8' })
  if (r.error !== undefined || r.status !== 0) return { missing: 'etcd is not installed (Debian: apt-get install etcd-server)' }
  return { version: /etcd Version: (\S+)/.exec(r.stdout)?.[1] ?? 'unknown' }
}

export class EtcdCluster {
  readonly clientPorts: number[] = []
  private readonly procs: ChildProcess[] = []
  private readonly logs: string[] = []
  private dir = ''

  async start (members = 3): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'kos-bench-etcd-'))
    const names = Array.from({ length: members }, (_, i) => `e${i + 1}`)
    const peers: number[] = []
    for (let i = 0; i < members; i++) {
      this.clientPorts.push(await freePort())
      peers.push(await freePort())
    }
    const initial = names.map((n, i) => `${n}=http://127.0.0.1:${peers[i]}`).join(',')
    for (const [i, name] of names.entries()) {
      const p = spawn('etcd', [
        '--name', name,
        '--data-dir', join(this.dir, name),
        '--listen-client-urls', `http://127.0.0.1:${this.clientPorts[i]}`,
        '--advertise-client-urls', `http://127.0.0.1:${this.clientPorts[i]}`,
        '--listen-peer-urls', `http://127.0.0.1:${peers[i]}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${peers[i]}`,
        '--initial-cluster', initial,
        '--initial-cluster-token', 'kos-bench',
        '--initial-cluster-state', 'new',
        '--log-level', 'warn'
      ], { stdio: ['ignore', 'ignore', 'pipe'] })
      this.logs.push('')
      p.stderr?.on('data', (c: Buffer) => { this.logs[i] = (this.logs[i]! + c.toString()).slice(-4000) })
      this.procs.push(p)
    }
    const deadline = performance.now() + 30_000
    for (const port of this.clientPorts) {
      for (;;) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) })
          if (res.ok && ((await res.json()) as { health?: string }).health === 'true') break
        } catch {}
        if (performance.now() > deadline) throw new Error(`etcd on port ${port} not healthy after 30 s: ${this.logs.join('\n---\n')}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }

  /** The client port of the current leader (puts go there, as a client of etcd's own would find it). */
  async leaderPort (): Promise<number> {
    for (const port of this.clientPorts) {
      const res = await fetch(`http://127.0.0.1:${port}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2000) })
      const s = await res.json() as { header?: { member_id?: string }, leader?: string }
      if (s.leader !== undefined && s.leader === s.header?.member_id) return port
    }
    return this.clientPorts[0]!
  }

  async stop (): Promise<void> {
    await Promise.all(this.procs.map(async (p) => {
      if (p.exitCode !== null || p.signalCode !== null) return
      const exited = new Promise((resolve) => p.once('exit', resolve))
      p.kill('SIGTERM')
      const t = setTimeout(() => { p.kill('SIGKILL') }, 5000)
      await exited
      clearTimeout(t)
    }))
    if (this.dir !== '') await rm(this.dir, { recursive: true, force: true })
  }
}
