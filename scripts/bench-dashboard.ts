/**
 * The dashboard's costs and latencies (issue 19), on 3 real nodes, the page in Debian's Chromium
 * (playwright-core), served by node `a`:
 * - first paint from a cold load: a fresh browser context each trial (no cache), from `goto` to
 *   the members table showing every member (and the browser's own first-contentful-paint);
 *   target ≤ 1 s;
 * - a death on the page after /v1/peers: SIGKILL `c`; the page records (MutationObserver) when
 *   c's row turns dead, a poller of a's /v1/peers every 10 ms when it first says dead, both on
 *   the machine's wall clock; target ≤ 0.5 s after /v1/peers;
 * - idle CPU of `a` with 10 dashboards and 10 `kos monitor` processes following it, against
 *   none: CPU time from /proc over windows of --idle-seconds, none / with / none; target ≤ 1
 *   percentage point of a core more.
 *
 * Usage: npm run bench:dashboard -- [--trials 5] [--idle-seconds 30] [--json docs/bench/dashboard.json]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import { chromium, type Browser } from 'playwright-core'
import { Cluster, describeMachine, KOS_BIN, machineFacts, stats, type KosProcess, type Stats } from '@kos/testkit'

const CHROMIUM = '/usr/bin/chromium'
const TARGET_PAINT_S = 1
const TARGET_DEATH_S = 0.5
const TARGET_CPU_POINTS = 1
const CLIENTS = 10

const { values: args } = parseArgs({ options: { trials: { type: 'string', default: '5' }, 'idle-seconds': { type: 'string', default: '30' }, json: { type: 'string' } } })
const trials = Number(args.trials)
const idleSeconds = Number(args['idle-seconds'])
if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials: must be an integer >= 1, got ${args.trials}`)
if (!(idleSeconds >= 1)) throw new Error(`--idle-seconds: must be at least 1, got ${args['idle-seconds']}`)
if (!existsSync(CHROMIUM)) {
  console.log(`No ${CHROMIUM} here (Debian's chromium package): the dashboard benchmark needs a browser and was not run.`)
  process.exit(1)
}

const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` }
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

async function until<T> (what: string, fn: () => Promise<T | false>, deadlineMs = 60_000): Promise<T> {
  const deadline = performance.now() + deadlineMs
  for (;;) {
    const v = await fn().catch(() => false as const)
    if (v !== false) return v
    if (performance.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** CPU seconds (user + system) the process has used, from /proc (clock ticks of 10 ms). */
async function cpuSeconds (pid: number): Promise<number> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  return (Number(stat[11]) + Number(stat[12])) / 100
}

/** % of one core the process used over the next `seconds`. */
async function cpuPercent (pid: number, seconds: number): Promise<number> {
  const before = await cpuSeconds(pid)
  await sleep(seconds * 1000)
  return (await cpuSeconds(pid) - before) / seconds * 100
}

const machine = machineFacts()
const cluster = new Cluster()
let browser: Browser | undefined
const monitors: ChildProcess[] = []
const paint: { shownS: number[], fcpS: number[] } = { shownS: [], fcpS: [] }
const death: number[] = []
const cpu: { none: number[], clients: number[] } = { none: [], clients: [] }
try {
  await cluster.init()
  const a = await cluster.startNode({ name: 'a' })
  const [b, c] = await cluster.startNodes([{ name: 'b', bootstrap: [a.addr] }, { name: 'c', bootstrap: [a.addr] }]) as [KosProcess, KosProcess]
  const allAlive = async (): Promise<boolean> => {
    for (const n of [a, b, c]) if ((await n.peers()).peers.filter((p) => p.state === 'alive').length !== 2) return false
    return true
  }
  await until('3 nodes alive in every view', async () => await allAlive())
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  const url = `${a.apiUrl}/ui`
  const rows = [a, b, c].map((n) => `tr[data-peer="${n.peerId}"]`)

  // First paint, cold: a new context has no cache.
  for (let t = 0; t < trials; t++) {
    const context = await browser.newContext()
    const page = await context.newPage()
    const started = performance.now()
    await page.goto(url)
    for (const r of rows) await page.waitForSelector(r, { timeout: 30_000 })
    paint.shownS.push((performance.now() - started) / 1000)
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null)
    if (fcp !== null) paint.fcpS.push(fcp / 1000)
    await context.close()
  }
  process.stderr.write(`bench: first paint: ${trials} cold loads\n`)

  // A death on the page, against /v1/peers.
  const page = await browser.newPage()
  await page.goto(url)
  for (const r of rows) await page.waitForSelector(r, { timeout: 30_000 })
  for (let t = 0; t < trials; t++) {
    // In the page (a string: this script is not compiled with the DOM's types): note when c's row turns dead.
    await page.evaluate(`(() => {
      window.deadAt = null
      window.deadObserver?.disconnect()
      const seen = () => document.querySelector('tr[data-peer="${c.peerId}"][data-state="dead"]') !== null
      window.deadObserver = new MutationObserver(() => { if (window.deadAt === null && seen()) window.deadAt = Date.now() })
      window.deadObserver.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] })
    })()`)
    let apiDeadAt: number | null = null
    let polling = true
    const poller = (async () => {
      while (polling && apiDeadAt === null) {
        const res = await a.api<{ peers: Array<{ peerId: string, state: string }> }>('/v1/peers').catch(() => null)
        if (res?.body.peers.some((p) => p.peerId === c.peerId && p.state === 'dead') === true) apiDeadAt = Date.now()
        else await sleep(10)
      }
    })()
    c.kill('SIGKILL')
    const pageDeadAt = await until('c dead on the page', async () => (await page.evaluate('window.deadAt') as number | null) ?? false, 30_000)
      .catch(async (err: unknown) => {
        const shown = await page.evaluate(`[document.visibilityState, document.querySelector('[data-connection]')?.dataset.connection, document.querySelector('tr[data-peer="${c.peerId}"]')?.dataset.state]`)
        throw new Error(`${(err as Error).message}; the page (visibility, stream, c's row): ${JSON.stringify(shown)}; /v1/peers dead at ${String(apiDeadAt)}`)
      })
    await until('c dead in /v1/peers', async () => apiDeadAt ?? false, 30_000)
    polling = false
    await poller
    death.push((pageDeadAt - apiDeadAt!) / 1000)
    await c.waitExit()
    await c.restart()
    await until('c alive again everywhere', async () => await allAlive())
  }
  await page.close()
  process.stderr.write(`bench: death on the page: ${trials} kills\n`)

  // Idle CPU of `a`: none, then 10 dashboards + 10 kos monitor, then none again.
  const pid = a.pid!
  await sleep(5000) // the restarts' catch-up settles
  cpu.none.push(await cpuPercent(pid, idleSeconds))
  // One browser context each, as 10 operators' browsers: a browser opens at most 6 connections
  // to one host, so 10 tabs of one browser would not all stream (the page gives up its stream
  // while hidden; headless pages are all "visible").
  const dashboards = await Promise.all(Array.from({ length: CLIENTS }, async () => await browser!.newContext()))
  for (const context of dashboards) {
    const p = await context.newPage()
    await p.goto(url)
    await p.waitForSelector('[data-connection="live"]', { timeout: 30_000 })
  }
  const following: Array<Promise<void>> = []
  for (let i = 0; i < CLIENTS; i++) {
    const m = spawn(KOS_BIN, ['monitor', '--api', a.apiHostPort], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    monitors.push(m)
    following.push(new Promise((resolve, reject) => {
      let err = ''
      m.stderr!.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; if (err.includes('following')) resolve() })
      m.on('exit', (code) => { reject(new Error(`kos monitor exited ${String(code)}: ${err}`)) })
    }))
  }
  await Promise.all(following)
  await sleep(5000) // pages loaded their snapshots
  cpu.clients.push(await cpuPercent(pid, idleSeconds))
  // Every client still followed the node through the window.
  for (const context of dashboards) {
    if (await context.pages()[0]!.locator('[data-connection="live"]').count() !== 1) throw new Error('bench: a dashboard was not live through the window')
  }
  if (monitors.some((m) => m.exitCode !== null)) throw new Error('bench: a kos monitor exited during the window')
  for (const context of dashboards) await context.close()
  for (const m of monitors) m.kill('SIGTERM')
  await sleep(5000)
  cpu.none.push(await cpuPercent(pid, idleSeconds))
  process.stderr.write('bench: idle CPU: done\n')
} finally {
  for (const m of monitors) if (m.exitCode === null) m.kill('SIGKILL')
  await browser?.close()
  await cluster.cleanup()
}

const command = `npm run bench:dashboard -- --trials ${trials} --idle-seconds ${idleSeconds}`
const f = (s: Stats, digits: number): string => `${s.min.toFixed(digits)} / ${s.median.toFixed(digits)} / ${s.max.toFixed(digits)}`
const verdict = (ok: boolean): string => ok ? 'met' : 'MISSED'
const shown = stats(paint.shownS)
const fcp = stats(paint.fcpS)
const dead = stats(death)
const none = cpu.none.reduce((x, y) => x + y, 0) / cpu.none.length
const withClients = cpu.clients[0]!
console.log(describeMachine(machine))
console.log(`Command: ${command}. 3 nodes on 127.0.0.1; the page in headless ${CHROMIUM} (playwright-core), served by node a.\n`)
console.log('| measure | n | min / median / max | target | |')
console.log('|---|---|---|---|---|')
console.log(`| cold load to every member shown, s | ${shown.n} | ${f(shown, 3)} | median ≤ ${TARGET_PAINT_S} s | ${verdict(shown.median <= TARGET_PAINT_S)} |`)
console.log(`| cold load to first contentful paint, s | ${fcp.n} | ${f(fcp, 3)} | – | |`)
console.log(`| death on the page after /v1/peers shows it, s | ${dead.n} | ${f(dead, 3)} | max ≤ ${TARGET_DEATH_S} s | ${verdict(dead.max <= TARGET_DEATH_S)} |`)
console.log(`| idle CPU of node a, % of a core: none (before, after) / ${CLIENTS} dashboards + ${CLIENTS} kos monitor | ${idleSeconds} s windows | ${cpu.none.map((x) => x.toFixed(2)).join(', ')} / ${withClients.toFixed(2)} (${(withClients - none) >= 0 ? '+' : ''}${(withClients - none).toFixed(2)} points) | ≤ +${TARGET_CPU_POINTS} point | ${verdict(withClients - none <= TARGET_CPU_POINTS)} |`)
if (args.json !== undefined) {
  await mkdir(dirname(args.json), { recursive: true })
  await writeFile(args.json, JSON.stringify({ machine, command, paint, death, cpu }, null, 2) + '\n')
}
