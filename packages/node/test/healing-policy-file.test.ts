/**
 * The policy file (healing/policy-file.ts): YAML and JSON, defaults filled in and frozen, and
 * errors that name the file, the line and column, and the key path of each problem.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { PolicyError, formatPath, loadPolicyFile, parsePolicy } from '../src/healing/policy-file.js'
import { selectActions } from '@kos/core'

const EXAMPLE_POLICY = fileURLToPath(new URL('../../../../examples/policy.yaml', import.meta.url))

/** The PolicyError that parsing throws; fails the test if it does not throw one. */
function policyError (text: string, file: string): PolicyError {
  try {
    parsePolicy(text, file)
  } catch (err) {
    assert.ok(err instanceof PolicyError, `expected a PolicyError, got ${String(err)}`)
    assert.equal(err.name, 'PolicyError')
    return err
  }
  assert.fail(`${file} parsed, but should not`)
}

const lines = (...rows: string[]): string => rows.join('\n') + '\n'

describe('policy file', () => {
  it('parses YAML and fills in the defaults', () => {
    const policy = parsePolicy(lines(
      'version: 1',
      'rules:',
      '  - class: agent',
      '    when: { condition: exit, agent: "web-*" }',
      '    actions: [stop, record]'
    ), 'policy.yaml')
    assert.deepEqual(policy, {
      version: 1,
      rules: [{ class: 'agent', when: { condition: 'exit', agent: 'web-*' }, actions: ['stop', 'record'] }],
      ethics: { violationsToQuarantine: 3, windowMs: 600_000 },
      safeMode: 'pause'
    })
    assert.ok(Object.isFrozen(policy) && Object.isFrozen(policy.rules[0]?.actions), 'deeply frozen')
  })

  it('parses the same policy from JSON', () => {
    const json = JSON.stringify({ version: 1, rules: [{ class: 'agent', when: { condition: 'exit', agent: 'web-*' }, actions: ['stop', 'record'] }] }, null, 2)
    const yaml = lines('version: 1', 'rules:', '  - class: agent', '    when: { condition: exit, agent: "web-*" }', '    actions: [stop, record]')
    assert.deepEqual(parsePolicy(json, 'policy.json'), parsePolicy(yaml, 'policy.yaml'))
    assert.deepEqual(parsePolicy('{"version":1}', 'p.json').rules, [])
  })

  it('accepts examples/policy.yaml, whose first rule is used before the built-ins', async () => {
    const policy = await loadPolicyFile(EXAMPLE_POLICY)
    assert.ok(policy.rules.length >= 1)
    const selection = selectActions(policy, { class: 'agent', condition: 'exit', severity: 'warning', agent: { name: 'payments-eu', critical: true, essential: false } })
    assert.deepEqual(selection, { actions: ['restart', 'escalate'], escalateTo: 'operators', rule: 'rules[0]' })
    // The file's own text passes too under a .yml name (the syntax follows the extension).
    parsePolicy(await readFile(EXAMPLE_POLICY, 'utf8'), 'copy.yml')
  })

  it('names the file, line, column and key path of each bad file (table)', () => {
    const table: Array<{ name: string, file: string, text: string, first: string, count?: number }> = [
      {
        name: 'unknown key in a rule',
        file: 'policy.yaml',
        text: lines('version: 1', 'rules:', '  - class: agent', '    when: { condition: exit }', '    actions: [restart]', '    escalate_to: archon'),
        first: 'policy.yaml:6:5: rules[0].escalate_to: unknown key; expected one of class, when, actions, escalateTo'
      },
      {
        name: 'unknown top-level key',
        file: 'policy.yaml',
        text: lines('version: 1', 'rule: []'),
        first: 'policy.yaml:2:1: rule: unknown key; expected one of version, rules, ethics, safeMode'
      },
      {
        name: 'bad action',
        file: 'policy.yaml',
        text: lines('version: 1', 'rules:', '  - class: agent', '    when: { condition: exit }', '    actions: [restart]', '  - class: agent', '    when:', '      condition: exit', '    actions:', '      - record', '      - restrat'),
        first: 'policy.yaml:11:9: rules[1].actions[1]: invalid value "restrat"; expected one of restart, stop, pause, safe-mode, quarantine, take-out-of-service, fail, degrade, shed, escalate, record'
      },
      {
        name: 'bad class',
        file: 'policy.yaml',
        text: lines('version: 1', 'rules:', '  - class: agents', '    when: { condition: exit }', '    actions: [restart]'),
        first: 'policy.yaml:3:12: rules[0].class: invalid value "agents"; expected one of agent, node, network, ethics, resource'
      },
      {
        name: 'condition of another class',
        file: 'policy.yaml',
        text: lines('version: 1', 'rules:', '  - class: ethics', '    when: { condition: [violation, exit] }', '    actions: [record]'),
        first: 'policy.yaml:4:36: rules[0].when.condition[1]: invalid value "exit"; expected one of violation, filter-error, * (the ethics conditions)'
      },
      {
        name: 'empty actions',
        file: 'policy.yaml',
        text: lines('version: 1', 'rules:', '  - class: agent', '    when: { condition: exit }', '    actions: []'),
        first: 'policy.yaml:5:14: rules[0].actions: must not be empty'
      },
      {
        name: 'missing actions: placed on the rule',
        file: 'policy.yaml',
        text: lines('version: 1', 'rules:', '  - class: agent', '    when: { condition: exit }'),
        first: 'policy.yaml:3:5: rules[0].actions: missing; expected array'
      },
      {
        name: 'escalateTo without escalate',
        file: 'policy.yaml',
        text: lines('version: 1', 'rules:', '  - class: agent', '    when: { condition: exit }', '    actions: [restart]', '    escalateTo: archon'),
        first: 'policy.yaml:6:17: rules[0].escalateTo: escalateTo needs the "escalate" action in actions'
      },
      {
        name: 'wrong version',
        file: 'policy.yaml',
        text: lines('version: 2'),
        first: 'policy.yaml:1:10: version: invalid value 2; expected 1'
      },
      {
        name: 'empty file',
        file: 'policy.yaml',
        text: '',
        first: 'policy.yaml:1:1: (top level): the file is empty; expected a mapping with at least "version: 1"'
      },
      {
        name: 'every problem, in file order',
        file: 'policy.yaml',
        text: lines('version: 1', 'rules:', '  - class: agent', '    when: { condition: exit, minCount: -1 }', '    actions: [record, record]', 'ethics: { windowMs: 0 }'),
        first: 'policy.yaml:4:40: rules[0].when.minCount: must be at least 0, got -1',
        // then rules[0].actions[1] (listed twice) on line 5 and ethics.windowMs on line 6
        count: 3
      },
      {
        name: 'YAML syntax error',
        file: 'policy.yaml',
        text: lines('version: 1', 'rules:', '  - class: agent', '    actions: [restart', 'safeMode: stop'),
        first: 'policy.yaml:5:1: (syntax): '
      },
      {
        name: 'YAML duplicate key',
        file: 'policy.yaml',
        text: lines('version: 1', 'safeMode: stop', 'safeMode: pause'),
        first: 'policy.yaml:3:1: (syntax): Map keys must be unique'
      },
      {
        name: 'JSON syntax error (trailing comma)',
        file: 'policy.json',
        text: lines('{', '  "version": 1,', '  "rules": [],', '}'),
        first: 'policy.json:4:1: (syntax): '
      },
      {
        name: 'JSON validation error',
        file: 'conf/policy.json',
        text: lines('{', '  "version": 1,', '  "rules": [', '    { "class": "agent", "when": { "condition": "exit" }, "actions": ["reboot"] }', '  ]', '}'),
        first: 'conf/policy.json:4:70: rules[0].actions[0]: invalid value "reboot"; expected one of restart, '
      }
    ]
    for (const { name, file, text, first, count } of table) {
      const err = policyError(text, file)
      const [firstLine] = err.message.split('\n')
      assert.ok(firstLine?.startsWith(first), `${name}: got ${JSON.stringify(firstLine)}`)
      assert.equal(err.file, file, name)
      if (count !== undefined) assert.equal(err.problems.length, count, `${name}: ${err.message}`)
    }
  })

  it('keeps positions in problems for tools that do not parse messages', () => {
    const err = policyError(lines('version: 1', 'rules:', '  - class: agent', '    when: { condition: exit }', '    actions: [restrat]'), 'p.yaml')
    assert.deepEqual(err.problems.map(({ line, column, path }) => ({ line, column, path })), [{ line: 5, column: 15, path: 'rules[0].actions[0]' }])
  })

  it('an unreadable file is a PolicyError naming it', async () => {
    await assert.rejects(loadPolicyFile('/nonexistent/policy.yaml'), (err: unknown) =>
      err instanceof PolicyError && /^\/nonexistent\/policy\.yaml: \(file\): cannot read: ENOENT/.test(err.message))
  })

  it('formats key paths', () => {
    const table: Array<[PropertyKey[], string]> = [[[], '(top level)'], [['version'], 'version'], [['rules', 1, 'actions', 0], 'rules[1].actions[0]'], [['ethics', 'windowMs'], 'ethics.windowMs']]
    for (const [path, expected] of table) assert.equal(formatPath(path), expected)
  })
})
