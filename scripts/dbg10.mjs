import { Cluster } from '@kos/testkit'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
const c = new Cluster()
try {
  await c.init()
  const first = await c.startNode({ name: 'n1' })
  const rest = await c.startNodes(Array.from({ length: 9 }, (_, i) => ({ name: `n${i + 2}`, bootstrap: [first.addr] })))
  const nodes = [first, ...rest]
  await c.waitFor('alive', async () => { for (const n of nodes) if ((await n.peers()).peers.filter((p) => p.state === 'alive').length !== 9) return false; return true }, { timeoutMs: 60000 })
  await new Promise((r) => setTimeout(r, 20000))
  const tok = (await readFile(join(first.dataDir, 'api-token'), 'utf8')).trim()
  const res = await first.api('/v1/audit', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` }, body: JSON.stringify({ class: 'operator', type: 'dbg', severity: 'info', subject: 's' }) })
  console.log('posted', res.status, res.body.seq)
  for (let t = 0; t < 12; t++) {
    await new Promise((r) => setTimeout(r, 250))
    const holds = []
    for (const n of nodes) { const p = await n.api(`/v1/audit?origin=${first.peerId}&limit=1000`); holds.push(p.body.entries.some((e) => e.hash === res.body.hash) ? 1 : 0) }
    console.log(t, holds.join(''))
  }
  const m = await nodes[1].metrics(); console.log(m.split('\n').filter((l) => l.includes('audit') || l.includes('gossip_rejected')).join('\n'))

} finally { await c.cleanup() }
