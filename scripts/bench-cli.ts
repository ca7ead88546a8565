/**
 * The CLI's start-up cost: what a user waits for on every `kos` command. Runs the `kos` launcher
 * as a user does (its shebang, the pinned Node first on PATH) against one running node:
 * - `kos --version`: the launcher and commander alone;
 * - `kos peers --json`: a real request to the node's API and its answer printed.
 * Wall time is measured around the whole process (spawn to exit); peak RSS comes from GNU
 * time's `%M` where /usr/bin/time exists. Target (issue 14): median ≤ 0.3 s and ≤ 70 MB each.
 *
 * Usage: npm run bench:cli -- [--trials 20] [--json docs/bench/cli.json]
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import { Cluster, describeMachine, KOS_BIN, machineFacts, stats, type Stats } from '@kos/testkit'

const TARGET_S = 0.3
const TARGET_MB = 70
const GNU_TIME = '/usr/bin/time'

const { values: args } = parseArgs({ options: { trials: { type: 'string', default: '20' }, json: { type: 'string' } } })
const trials = Number(args.trials)
if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials: must be an integer >= 1, got ${args.trials}`)

const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` }
const haveTime = existsSync(GNU_TIME)

interface Run { wallS: number, rssMB: number | null }

/** One `kos` run: wall seconds from spawn to exit, and peak RSS in MB (null without GNU time). */
async function runOnce (argv: string[]): Promise<Run> {
  const [file, fileArgs] = haveTime ? [GNU_TIME, ['-f', 'kos-rss-kb %M', KOS_BIN, ...argv]] : [KOS_BIN, argv]
  const started = performance.now()
  return await new Promise((resolve, reject) => {
    const child = spawn(file, fileArgs, { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c })
    child.on('error', reject)
    child.on('close', (code) => {
      const wallS = (performance.now() - started) / 1000
      if (code !== 0) { reject(new Error(`kos ${argv.join(' ')} exited ${String(code)}: ${stderr.trim()}`)); return }
      const kb = /kos-rss-kb (\d+)/.exec(stderr)?.[1]
      resolve({ wallS, rssMB: kb === undefined ? null : Number(kb) / 1024 })
    })
  })
}

const machine = machineFacts()
const cluster = new Cluster()
const results: Record<string, Run[]> = {}
try {
  await cluster.init()
  const node = await cluster.startNode({ name: 'cli-bench' })
  const commands: Record<string, string[]> = {
    'kos --version': ['--version'],
    'kos peers --json': ['peers', '--json', '--api', node.apiHostPort]
  }
  for (const [name, argv] of Object.entries(commands)) {
    await runOnce(argv) // warms the page cache; not counted
    results[name] = []
    for (let i = 0; i < trials; i++) results[name].push(await runOnce(argv))
    process.stderr.write(`bench: ${name}: ${trials} runs\n`)
  }
} finally {
  await cluster.cleanup()
}

const command = `npm run bench:cli -- --trials ${trials}`
const f = (s: Stats, digits: number): string => `${s.min.toFixed(digits)} / ${s.median.toFixed(digits)} / ${s.max.toFixed(digits)}`
const verdict = (ok: boolean): string => ok ? 'met' : 'MISSED'
console.log(describeMachine(machine))
console.log(`Command: ${command}. Each run is a new process through the launcher (packages/cli/bin/kos.js), against one node on 127.0.0.1.${haveTime ? '' : ' No /usr/bin/time here: RSS not measured.'}\n`)
console.log('| command | runs | wall s (min / median / max) | peak RSS MB (min / median / max) | target | |')
console.log('|---|---|---|---|---|---|')
for (const [name, runs] of Object.entries(results)) {
  const wall = stats(runs.map((r) => r.wallS))
  const rss = stats(runs.flatMap((r) => r.rssMB === null ? [] : [r.rssMB]))
  const met = wall.median <= TARGET_S && (rss.n === 0 || rss.median <= TARGET_MB)
  console.log(`| \`${name}\` | ${wall.n} | ${f(wall, 3)} | ${rss.n === 0 ? 'n/a' : f(rss, 0)} | median ≤ ${TARGET_S} s, ≤ ${TARGET_MB} MB | ${verdict(met)} |`)
}
if (args.json !== undefined) {
  await mkdir(dirname(args.json), { recursive: true })
  await writeFile(args.json, JSON.stringify({ machine, command, results }, null, 2) + '\n')
}
