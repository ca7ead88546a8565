import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Command } from 'commander'
import { LOG_FORMATS as NODE_LOG_FORMATS, LOG_LEVELS as NODE_LOG_LEVELS, PROFILES, ROLES as NODE_ROLES } from '@kos/node'
import { ROLES } from '@kos/client'
import { LOG_FORMATS, LOG_LEVELS, PROFILE_NAMES } from '../src/commands/start.js'
import { buildProgram, runCli } from '../src/program.js'
import { captureIo } from './capture-io.js'

function allCommands (command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((c) => [[...prefix, c.name()], ...allCommands(c, [...prefix, c.name()])])
}

describe('--help', () => {
  const program = buildProgram(captureIo(), () => {})
  for (const path of allCommands(program)) {
    it(`of kos ${path.join(' ')} ends with examples of that command`, async () => {
      const io = captureIo()
      assert.equal(await runCli([...path, '--help'], io), 0)
      const text = io.outText()
      const examples = text.slice(text.indexOf('\nExamples:\n'))
      assert.ok(text.includes('\nExamples:\n'), text)
      assert.match(examples, new RegExp(`\\$ kos ${path.join(' ')}\\b`))
    })
  }

  it('of agents and escalations lists their verbs', async () => {
    for (const [command, verbs] of [['agents', ['show', 'restart', 'release', 'add', 'remove']], ['escalations', ['ack', 'resolve']]] as const) {
      const io = captureIo()
      await runCli([command, '--help'], io)
      const section = io.outText().split('\nCommands:\n')[1] ?? ''
      for (const verb of verbs) assert.match(section, new RegExp(`^  \\S*${verb}`, 'm'), `${command}: ${verb}`)
    }
  })

  it('of start lists the allowed values of --role, --profile, --log-level and --log-format', async () => {
    const io = captureIo()
    await runCli(['start', '--help'], io)
    const text = io.outText().replace(/\s+/g, ' ')
    for (const values of [ROLES, PROFILE_NAMES, LOG_LEVELS, LOG_FORMATS]) {
      assert.ok(text.includes(`(choices: ${values.map((v) => `"${v}"`).join(', ')})`), values.join(','))
    }
  })
})

describe('kos start flags', () => {
  it('offer exactly the values the config schema accepts', () => {
    assert.deepEqual([...ROLES], [...NODE_ROLES])
    assert.deepEqual([...PROFILE_NAMES].sort(), Object.keys(PROFILES).sort())
    assert.deepEqual([...LOG_LEVELS], [...NODE_LOG_LEVELS])
    assert.deepEqual([...LOG_FORMATS], [...NODE_LOG_FORMATS])
  })

  it('refuse a value outside them with exit 2, naming the flag', async () => {
    const io = captureIo()
    assert.equal(await runCli(['start', '--log-format', 'xml'], io), 2)
    assert.match(io.errText(), /--log-format/)
  })

  it('take --api from KOS_API, as the client commands do', async () => {
    const saved = process.env.KOS_API
    process.env.KOS_API = '127.0.0.1:99999'
    try {
      const io = captureIo()
      // Both values fail validation before anything starts, and --api is checked before --data: the
      // error names --api only if KOS_API reached the config (else it names --data).
      assert.equal(await runCli(['start', '--data', ''], io), 2)
      assert.match(io.errText(), /--api.*port/)
    } finally {
      if (saved === undefined) delete process.env.KOS_API
      else process.env.KOS_API = saved
    }
  })
})

describe('kos <unknown>', () => {
  it('suggests the nearest command and exits 2', async () => {
    const io = captureIo()
    assert.equal(await runCli(['peer'], io), 2)
    assert.match(io.errText(), /unknown command 'peer'[\s\S]*Did you mean peers\?/)
  })
})
