import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCli } from '../src/program.js'
import { captureIo } from './capture-io.js'

const EXAMPLE_POLICY = fileURLToPath(new URL('../../../../examples/policy.yaml', import.meta.url))
/** The built-in rule count printed after the user's; pinned so that a change to the defaults is seen here. */
const BUILTIN = 12

const FILES: Record<string, string> = {
  'one-rule.yaml': 'version: 1\nrules:\n  - class: agent\n    when: { condition: exit }\n    actions: [stop]\n',
  'no-rules.json': '{ "version": 1 }\n',
  'bad-action.yaml': 'version: 1\nrules:\n  - class: agent\n    when: { condition: exit }\n    actions: [restrat]\n    extra: 1\n',
  'bad-syntax.json': '{ "version": 1, }\n'
}

describe('kos policy check', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kos-policy-'))
    for (const [name, text] of Object.entries(FILES)) await writeFile(join(dir, name), text)
  })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  it('exit code and output for each file (table)', async () => {
    const table: Array<{ file: () => string, code: number, stdout: (f: string) => string[], stderr: (f: string) => string[] }> = [
      { file: () => join(dir, 'one-rule.yaml'), code: 0, stdout: (f) => [`ok: ${f}: 1 rule (+ ${BUILTIN} built-in)`], stderr: () => [] },
      { file: () => join(dir, 'no-rules.json'), code: 0, stdout: (f) => [`ok: ${f}: 0 rules (+ ${BUILTIN} built-in)`], stderr: () => [] },
      { file: () => EXAMPLE_POLICY, code: 0, stdout: (f) => [`ok: ${f}: 4 rules (+ ${BUILTIN} built-in)`], stderr: () => [] },
      {
        file: () => join(dir, 'bad-action.yaml'),
        code: 2,
        stdout: () => [],
        stderr: (f) => [
          `error: ${f}:5:15: rules[0].actions[0]: invalid value "restrat"; expected one of restart, stop, pause, safe-mode, quarantine, take-out-of-service, fail, degrade, shed, escalate, record`,
          `error: ${f}:6:5: rules[0].extra: unknown key; expected one of class, when, actions, escalateTo`
        ]
      },
      { file: () => join(dir, 'bad-syntax.json'), code: 2, stdout: () => [], stderr: (f) => [`error: ${f}:1:17: (syntax): Expected double-quoted property name`] }
    ]
    for (const { file, code, stdout, stderr } of table) {
      const f = file()
      const io = captureIo()
      assert.equal(await runCli(['policy', 'check', f], io), code, f)
      assert.deepEqual(io.stdout, stdout(f), f)
      assert.deepEqual(io.stderr, stderr(f), f)
    }
  })

  it('exits 2 for a missing file, naming it', async () => {
    const io = captureIo()
    const missing = join(dir, 'nope.yaml')
    assert.equal(await runCli(['policy', 'check', missing], io), 2)
    assert.match(io.errText(), new RegExp(`^error: ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\(file\\): cannot read: ENOENT`))
  })

  it('exits 2 without a file argument', async () => {
    const io = captureIo()
    assert.equal(await runCli(['policy', 'check'], io), 2)
    assert.match(io.errText(), /missing required argument 'file'/)
  })

  it('--json prints the counts and the policy, or the problems with their positions', async () => {
    const good = captureIo()
    assert.equal(await runCli(['policy', 'check', '--json', join(dir, 'one-rule.yaml')], good), 0)
    const ok = JSON.parse(good.outText()) as { ok: boolean, rules: number, builtinRules: number, policy: { safeMode: string } }
    assert.deepEqual([ok.ok, ok.rules, ok.builtinRules, ok.policy.safeMode], [true, 1, BUILTIN, 'pause'])

    const bad = captureIo()
    assert.equal(await runCli(['policy', 'check', '--json', join(dir, 'bad-action.yaml')], bad), 2)
    const result = JSON.parse(bad.outText()) as { ok: boolean, problems: Array<{ line: number, column: number, path: string }> }
    assert.equal(result.ok, false)
    assert.deepEqual(result.problems.map(({ line, column, path }) => [line, column, path]), [[5, 15, 'rules[0].actions[0]'], [6, 5, 'rules[0].extra']])
  })
})
