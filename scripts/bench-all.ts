/**
 * The one benchmark report (issue 7): runs every benchmark script in turn (membership and
 * failure detection, coordinator failover, audit log, escalation, agent MTTR, CLI start-up, a CPU
 * burst from other processes, the dashboard), each writing its raw numbers to
 * docs/bench/<name>.json, and puts what they print (machine facts, commands, tables, targets met
 * or missed, all computed from the measurements) into docs/benchmarks.md between the
 * `bench:generated` markers. The analysis around the markers is written by people; the numbers
 * inside are never typed in.
 *
 * Usage: npm run bench -- [--quick] [--only membership,failover,audit,escalation]
 *   --quick: smaller runs (a few minutes in all instead of about fifteen).
 */
import { execFileSync, spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { describeMachine, machineFacts } from '@kos/testkit'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const DOC = join(ROOT, 'docs', 'benchmarks.md')
const BEGIN = '<!-- bench:generated:begin -->'
const END = '<!-- bench:generated:end -->'

interface Bench { name: string, script: string, full: string[], quick: string[] }
const BENCHES: Bench[] = [
  { name: 'membership', script: 'bench-membership.js', full: ['--nodes', '5,10', '--profiles', 'lan,tolerant', '--trials', '5'], quick: ['--nodes', '5', '--profiles', 'lan', '--trials', '2', '--idle-seconds', '10'] },
  { name: 'failover', script: 'bench-failover.js', full: ['--nodes', '3,5', '--trials', '20'], quick: ['--nodes', '5', '--trials', '3'] },
  { name: 'audit', script: 'bench-audit.js', full: ['--seconds', '5', '--sizes', '5,10', '--entries', '30'], quick: ['--seconds', '2', '--sizes', '5', '--entries', '10'] },
  { name: 'escalation', script: 'bench-escalation.js', full: [], quick: ['--escalations', '20', '--trials', '2', '--run-escalations', '100', '--kills', '3'] },
  { name: 'mttr', script: 'bench-mttr.js', full: ['--trials', '10'], quick: ['--trials', '3'] },
  { name: 'cli', script: 'bench-cli.js', full: ['--trials', '20'], quick: ['--trials', '5'] },
  { name: 'burst', script: 'bench-burst.js', full: ['--trials', '5'], quick: ['--trials', '2', '--burst-seconds', '15'] },
  { name: 'dashboard', script: 'bench-dashboard.js', full: ['--trials', '10', '--idle-seconds', '60'], quick: ['--trials', '3', '--idle-seconds', '15'] }
]

function options (): { quick: boolean, only: Bench[] } {
  try {
    const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } })
    const names = values.only?.split(',').filter((x) => x !== '') ?? BENCHES.map((b) => b.name)
    const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n))
    if (unknown.length > 0) throw new Error(`--only: unknown benchmark ${unknown.join(', ')} (known: ${BENCHES.map((b) => b.name).join(', ')})`)
    return { quick: values.quick ?? false, only: BENCHES.filter((b) => names.includes(b.name)) }
  } catch (err) {
    console.error(`bench: ${(err as Error).message}`)
    process.exit(2)
  }
}

/** Runs one script with this Node, streaming its stderr (progress) and returning its stdout. */
async function run (b: Bench, quick: boolean): Promise<{ out: string, code: number | null, seconds: number }> {
  const args = [join(ROOT, 'scripts', 'dist', b.script), ...(quick ? b.quick : b.full), '--json', join(ROOT, 'docs', 'bench', `${b.name}.json`)]
  const started = performance.now()
  return await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c })
    child.on('close', (code) => { resolve({ out, code, seconds: Math.round((performance.now() - started) / 1000) }) })
  })
}

/** The `### <name> — …` sections of a generated block, by benchmark name. */
function previousSections (block: string): Array<{ name: string, text: string }> {
  // A section's own output may hold `###` headings too: split only where a benchmark's starts.
  const starts = new RegExp(`^(?=### (?:${BENCHES.map((b) => b.name).join('|')})\\b)`, 'm')
  return block.split(starts).slice(1).map((text) => ({ name: /^### (\S+)/.exec(text)![1]!, text: text.trimEnd() }))
}

/** The commit measured, and whether the tree differed from it: every figure says what it measured. */
function commitMeasured (): string {
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== ''
    return dirty ? `${hash} with uncommitted changes` : hash
  } catch {
    return 'unknown commit (not a git checkout)'
  }
}

const { quick, only } = options()
const commit = commitMeasured()
const sections: string[] = []
let failed = 0
for (const b of only) {
  console.error(`bench: ${b.name} …`)
  const r = await run(b, quick)
  if (r.code !== 0) failed++
  const when = new Date().toISOString().slice(0, 10)
  sections.push(`### ${b.name}${r.code === 0 ? '' : ` (FAILED: exit ${String(r.code)})`} — ${r.seconds} s, commit ${commit}, ${when}\n\n${r.out.trim()}`)
}

const doc = await readFile(DOC, 'utf8')
const a = doc.indexOf(BEGIN)
const z = doc.indexOf(END)
// With --only, the other benchmarks' sections of the last run stay as they were.
const kept = only.length === BENCHES.length || a < 0 || z < a ? [] : previousSections(doc.slice(a, z)).filter((p) => !only.some((b) => b.name === p.name))
const ordered = [...kept, ...only.map((b, i) => ({ name: b.name, text: sections[i]! }))]
  .sort((x, y) => BENCHES.findIndex((b) => b.name === x.name) - BENCHES.findIndex((b) => b.name === y.name))
const generated = [
  BEGIN,
  `## Latest run of \`npm run bench${quick ? ' -- --quick' : ''}\` (generated${kept.length > 0 ? `; ${only.map((b) => b.name).join(', ')} re-run with --only, the rest from the run before` : ''})`,
  '',
  describeMachine(machineFacts()),
  '',
  ...ordered.flatMap((s) => [s.text, '']),
  END
].join('\n')
const next = a >= 0 && z > a ? doc.slice(0, a) + generated + doc.slice(z + END.length) : `${doc.trimEnd()}\n\n${generated}\n`
await writeFile(DOC, next)
console.error(`bench: wrote ${DOC}${failed > 0 ? `; ${failed} benchmark(s) failed` : ''}`)
process.exit(failed > 0 ? 1 : 0)
