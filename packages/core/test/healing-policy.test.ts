/**
 * Healing policy selection (healing/policy.ts): the built-in rules reproduce issue 6's defaults,
 * user rules come first in file order, and each `when` field narrows a rule.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ACTIONS, BUILTIN_RULE_COUNT, CONDITIONS, DEFAULT_POLICY, FAILURE_CLASSES, builtinRules, globMatches, selectActions,
  type Detection, type Policy, type PolicyRule, type Selection
} from '../src/healing/policy.js'

const agent = (name = 'web', critical = false, essential = false): Detection['agent'] => ({ name, critical, essential })
const detect = (d: Partial<Detection> & Pick<Detection, 'class' | 'condition'>): Detection => ({ severity: 'warning', ...d })
const withRules = (rules: PolicyRule[], extra: Partial<Policy> = {}): Policy => ({ ...DEFAULT_POLICY, rules, ...extra })

describe('healing policy: built-in rules', () => {
  it('reproduce the issue defaults (table)', () => {
    const table: Array<[Detection, Selection]> = [
      [detect({ class: 'agent', condition: 'exit', agent: agent() }), { actions: ['restart', 'record'], rule: 'default:agent-exit' }],
      [detect({ class: 'agent', condition: 'liveness-failed' }), { actions: ['restart', 'record'], rule: 'default:agent-probe-failed' }],
      [detect({ class: 'agent', condition: 'startup-failed' }), { actions: ['restart', 'record'], rule: 'default:agent-probe-failed' }],
      [detect({ class: 'agent', condition: 'unresponsive' }), { actions: ['restart', 'record'], rule: 'default:agent-probe-failed' }],
      [detect({ class: 'agent', condition: 'readiness-failed' }), { actions: ['take-out-of-service', 'record'], rule: 'default:agent-readiness-failed' }],
      [detect({ class: 'agent', condition: 'intensity-exceeded', severity: 'critical', count: 6 }), { actions: ['fail', 'escalate'], escalateTo: 'archon', rule: 'default:agent-intensity-exceeded' }],
      [detect({ class: 'agent', condition: 'memory-limit' }), { actions: ['restart', 'record'], rule: 'default:agent-memory-limit' }],
      [detect({ class: 'agent', condition: 'error-spike' }), { actions: ['record', 'escalate'], escalateTo: 'archon', rule: 'default:agent-error-spike' }],
      [detect({ class: 'ethics', condition: 'violation', severity: 'critical', count: 1 }), { actions: ['quarantine', 'escalate'], escalateTo: 'junzi', rule: 'default:ethics-critical' }],
      [detect({ class: 'ethics', condition: 'violation', severity: 'warning', count: 3 }), { actions: ['quarantine', 'escalate'], escalateTo: 'junzi', rule: 'default:ethics-repeated' }],
      [detect({ class: 'ethics', condition: 'violation', severity: 'warning', count: 2 }), { actions: ['record'], rule: 'default:ethics-violation' }],
      [detect({ class: 'ethics', condition: 'violation', severity: 'warning' }), { actions: ['record'], rule: 'default:ethics-violation' }],
      [detect({ class: 'ethics', condition: 'filter-error', severity: 'critical' }), { actions: ['safe-mode', 'escalate'], escalateTo: 'junzi', rule: 'default:ethics-filter-error' }],
      [detect({ class: 'resource', condition: 'saturation' }), { actions: ['degrade', 'shed', 'record'], rule: 'default:resource-saturation' }],
      [detect({ class: 'node', condition: 'mode-minimal', severity: 'critical' }), { actions: ['record', 'escalate'], escalateTo: 'archon', rule: 'default:node-mode-minimal' }],
      [detect({ class: 'node', condition: 'mode-degraded' }), { actions: ['record'], rule: 'default:fallback' }],
      [detect({ class: 'network', condition: 'quorum-lost', severity: 'critical' }), { actions: ['record'], rule: 'default:fallback' }],
      [detect({ class: 'network', condition: 'peer-dead' }), { actions: ['record'], rule: 'default:fallback' }],
      [detect({ class: 'agent', condition: 'something-new' }), { actions: ['record'], rule: 'default:fallback' }]
    ]
    for (const [detection, expected] of table) {
      assert.deepEqual(selectActions(DEFAULT_POLICY, detection), expected, `${detection.class}/${detection.condition}/${detection.severity}/${detection.count}`)
    }
  })

  it('quarantine after violationsToQuarantine takes the policy value, not the default', () => {
    const policy = withRules([], { ethics: { violationsToQuarantine: 5, windowMs: 60_000 } })
    const table: Array<[number, string]> = [[3, 'default:ethics-violation'], [4, 'default:ethics-violation'], [5, 'default:ethics-repeated'], [9, 'default:ethics-repeated']]
    for (const [count, rule] of table) {
      assert.equal(selectActions(policy, detect({ class: 'ethics', condition: 'violation', count })).rule, rule, `count ${count}`)
    }
  })

  it('name only known classes, conditions and actions, and escalate exactly when escalateTo is set', () => {
    for (const rule of builtinRules()) {
      assert.ok(FAILURE_CLASSES.includes(rule.class), rule.name)
      const conditions = typeof rule.when.condition === 'string' ? [rule.when.condition] : rule.when.condition
      for (const c of conditions) assert.ok((CONDITIONS[rule.class] as readonly string[]).includes(c), `${rule.name}: ${c}`)
      for (const a of rule.actions) assert.ok(ACTIONS.includes(a), `${rule.name}: ${a}`)
      assert.equal(rule.actions.includes('escalate'), rule.escalateTo !== undefined, rule.name)
    }
    assert.equal(BUILTIN_RULE_COUNT, builtinRules().length)
  })

  it('the default policy is frozen, with pinned defaults', () => {
    assert.deepEqual(DEFAULT_POLICY, { version: 1, rules: [], ethics: { violationsToQuarantine: 3, windowMs: 600_000 }, safeMode: 'pause' })
    assert.ok(Object.isFrozen(DEFAULT_POLICY) && Object.isFrozen(DEFAULT_POLICY.ethics) && Object.isFrozen(DEFAULT_POLICY.rules))
  })
})

describe('healing policy: user rules', () => {
  const rules: PolicyRule[] = [
    /* 0 */ { class: 'agent', when: { condition: 'exit', agent: 'payments-*', critical: true }, actions: ['restart', 'escalate'], escalateTo: 'operators' },
    /* 1 */ { class: 'agent', when: { condition: ['exit', 'memory-limit'], agent: 'batch-?' }, actions: ['stop', 'record'] },
    /* 2 */ { class: 'ethics', when: { condition: 'violation', severity: ['warning', 'critical'], minCount: 2 }, actions: ['pause', 'escalate'] },
    /* 3 */ { class: 'agent', when: { condition: '*', essential: true }, actions: ['record'] },
    /* 4 */ { class: 'resource', when: { condition: 'saturation', severity: 'critical' }, actions: ['shed', 'escalate'] },
    /* 5 */ { class: 'agent', when: { condition: 'exit' }, actions: ['stop'] }
  ]
  const policy = withRules(rules)

  it('first match in file order wins, before the built-ins (table)', () => {
    const table: Array<[string, Detection, Selection]> = [
      ['glob and critical match', detect({ class: 'agent', condition: 'exit', agent: agent('payments-eu', true) }),
        { actions: ['restart', 'escalate'], escalateTo: 'operators', rule: 'rules[0]' }],
      ['critical false: falls to a later rule', detect({ class: 'agent', condition: 'exit', agent: agent('payments-eu', false) }),
        { actions: ['stop'], rule: 'rules[5]' }],
      ['? matches one character', detect({ class: 'agent', condition: 'memory-limit', agent: agent('batch-7') }),
        { actions: ['stop', 'record'], rule: 'rules[1]' }],
      ['? does not match two', detect({ class: 'agent', condition: 'memory-limit', agent: agent('batch-17') }),
        { actions: ['restart', 'record'], rule: 'default:agent-memory-limit' }],
      ['an agent rule never matches a detection without an agent', detect({ class: 'agent', condition: 'memory-limit' }),
        { actions: ['restart', 'record'], rule: 'default:agent-memory-limit' }],
      ['minCount reached; escalateTo from the class (ethics: junzi)', detect({ class: 'ethics', condition: 'violation', count: 2 }),
        { actions: ['pause', 'escalate'], escalateTo: 'junzi', rule: 'rules[2]' }],
      ['minCount not reached: the built-in critical rule', detect({ class: 'ethics', condition: 'violation', severity: 'critical', count: 1 }),
        { actions: ['quarantine', 'escalate'], escalateTo: 'junzi', rule: 'default:ethics-critical' }],
      ['severity not listed', detect({ class: 'ethics', condition: 'violation', severity: 'info', count: 2 }),
        { actions: ['record'], rule: 'default:ethics-violation' }],
      ['* matches any condition of the class', detect({ class: 'agent', condition: 'error-spike', agent: agent('db', false, true) }),
        { actions: ['record'], rule: 'rules[3]' }],
      ['escalateTo from the class (others: archon)', detect({ class: 'resource', condition: 'saturation', severity: 'critical' }),
        { actions: ['shed', 'escalate'], escalateTo: 'archon', rule: 'rules[4]' }],
      ['severity mismatch: the built-in', detect({ class: 'resource', condition: 'saturation', severity: 'warning' }),
        { actions: ['degrade', 'shed', 'record'], rule: 'default:resource-saturation' }],
      ['class must match too', detect({ class: 'node', condition: 'mode-minimal' }),
        { actions: ['record', 'escalate'], escalateTo: 'archon', rule: 'default:node-mode-minimal' }]
    ]
    for (const [name, detection, expected] of table) assert.deepEqual(selectActions(policy, detection), expected, name)
  })

  it('returns a copy of the actions: the caller cannot change the policy through it', () => {
    const first = selectActions(policy, detect({ class: 'agent', condition: 'exit', agent: agent() }))
    first.actions.push('fail')
    assert.deepEqual(selectActions(policy, detect({ class: 'agent', condition: 'exit', agent: agent() })).actions, ['stop'])
  })

  it('globs match the whole name, and regex characters are literal', () => {
    const table: Array<[string, string, boolean]> = [
      ['web', 'web', true], ['web', 'web-1', false], ['web*', 'web-1', true], ['*', '', true], ['*-eu', 'pay-eu', true],
      ['*-eu', 'pay-eu-2', false], ['a.b', 'axb', false], ['a.b', 'a.b', true], ['a+', 'aa', false], ['(x)', '(x)', true], ['w?b', 'web', true]
    ]
    for (const [pattern, name, expected] of table) assert.equal(globMatches(pattern, name), expected, `${pattern} ~ ${name}`)
  })
})
