import { Cluster } from '@kos/testkit'
import { execSync } from 'node:child_process'
const N = Number(process.argv[2] ?? 10)
const c = new Cluster()
try {
  await c.init()
  const first = await c.startNode({ name: 'n1' })
  const rest = await c.startNodes(Array.from({ length: N - 1 }, (_, i) => ({ name: `n${i + 2}`, bootstrap: [first.addr] })))
  const nodes = [first, ...rest]
  await c.waitFor('alive', async () => { for (const n of nodes) if ((await n.peers()).peers.filter((p) => p.state === 'alive').length !== N - 1) return false; return true }, { timeoutMs: 60000 })
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 10000))
    const pids = nodes.map((n) => n.pid).join(',')
    const out = execSync(`ps -o pid,pcpu,rss,etime -p ${pids}`).toString()
    const stalls = nodes.map((n) => n.logEvents.filter((e) => e.event === 'node:stalled').length)
    console.log(`t+${(i + 1) * 10}s stalls so far per node: ${stalls.join(',')}`)
    if (i === 3) console.log(out)
  }
} finally { await c.cleanup() }
