import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { agentEnvironment } from '../src/healing/agent-environment.js'
import { agentSpecSchema } from '../src/config/agent-spec.js'

describe('an agent\'s environment', () => {
  it('holds its KOS_* variables, its definition\'s env and the inherited names only', () => {
    const node = { PATH: '/bin', HOME: '/root', AWS_SECRET_ACCESS_KEY: 's3cret', KOS_TOKEN: 'the-node-s' }
    const env = agentEnvironment(node, ['PATH', 'MISSING'], { MODE: 'x', PATH: '/opt/bin' }, { KOS_API: 'http://127.0.0.1:7070', KOS_AGENT_ID: 'a', KOS_TOKEN: 'agent-s' })
    assert.deepEqual(env, { PATH: '/opt/bin', MODE: 'x', KOS_API: 'http://127.0.0.1:7070', KOS_AGENT_ID: 'a', KOS_TOKEN: 'agent-s' })
  })

  it('inherits PATH only by default', () => {
    assert.deepEqual(agentSpecSchema.parse({ name: 'a', command: 'x' }).inheritEnv, ['PATH'])
  })
})

describe('errorPattern', () => {
  it('is refused, naming it, when it may backtrack catastrophically', () => {
    for (const pattern of ['(a+)+$', '(x*)*y', '^(\\w+\\s?)*$']) {
      const r = agentSpecSchema.safeParse({ name: 'a', command: 'x', errorPattern: pattern })
      assert.equal(r.success, false, pattern)
      assert.deepEqual(r.error?.issues[0]?.path, ['errorPattern'])
      assert.match(r.error?.issues[0]?.message ?? '', /backtrack/)
    }
  })

  it('takes the default and ordinary patterns', () => {
    for (const pattern of [undefined, 'ERROR|WARN', '^\\[(error|fatal)\\] ', 'timeout after \\d+ ms']) {
      assert.equal(agentSpecSchema.safeParse({ name: 'a', command: 'x', ...(pattern === undefined ? {} : { errorPattern: pattern }) }).success, true, String(pattern))
    }
  })
})
