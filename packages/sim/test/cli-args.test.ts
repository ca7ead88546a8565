/** The flags: defaults, and a bad flag or value named in the error. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseSimArgs, parseSweepArgs, UsageError } from '../src/cli-args.js'

const usage = (fn: () => unknown, flag: RegExp): void => {
  assert.throws(fn, (err: unknown) => err instanceof UsageError && flag.test(err.message))
}

describe('sim flags', () => {
  it('parse the README command', () => {
    const a = parseSimArgs(['--nodes', '1000', '--seconds', '600', '--seed', '7', '--scenario', 'churn'])
    assert.deepEqual(a, { scenario: 'churn', nodes: 1000, seconds: 600, seed: 7, profile: 'lan', maxSkewMs: 0, monitors: undefined, audit: false, json: false, progress: false, help: false })
  })

  it('take the monitors per member of the bounded heartbeat design', () => {
    assert.equal(parseSimArgs(['--monitors', '5']).monitors, 5)
    usage(() => parseSimArgs(['--monitors', '-1']), /--monitors/)
  })

  it('take a wall-clock skew bound in ms', () => {
    assert.equal(parseSimArgs(['--max-skew-ms', '30000']).maxSkewMs, 30_000)
    assert.equal(parseSweepArgs(['--max-skew-ms', '500']).maxSkewMs, 500)
    usage(() => parseSimArgs(['--max-skew-ms', '-5']), /--max-skew-ms/)
    usage(() => parseSimArgs(['--max-skew-ms', '100000000']), /--max-skew-ms/)
  })

  it('turn the audit core on, at most 50 nodes (its cost grows with N²)', () => {
    assert.equal(parseSimArgs(['--audit', '--nodes', '20']).audit, true)
    assert.equal(parseSweepArgs(['--audit']).audit, true)
    usage(() => parseSimArgs(['--audit', '--nodes', '51']), /--audit/)
    usage(() => parseSweepArgs(['--audit', '--nodes', '100']), /--audit/)
  })

  it('name the flag that is wrong', () => {
    usage(() => parseSimArgs(['--nodes', 'many']), /--nodes/)
    usage(() => parseSimArgs(['--nodes', '20000']), /--nodes/)
    usage(() => parseSimArgs(['--seconds', '1']), /--seconds/)
    usage(() => parseSimArgs(['--scenario', 'meteor']), /--scenario/)
    usage(() => parseSimArgs(['--profile', 'wan']), /--profile/)
    usage(() => parseSimArgs(['--speed', '3']), /--speed/)
    usage(() => parseSimArgs(['--nodes', '4', '--scenario', 'ring']), /--nodes/)
  })
})

describe('sweep flags', () => {
  it('default to every scenario, 100 seeds, 7 nodes, 60 s', () => {
    const a = parseSweepArgs([])
    assert.equal(a.seeds, 100)
    assert.equal(a.nodes, 7)
    assert.ok(a.scenarios.length >= 6)
  })

  it('name the flag that is wrong', () => {
    usage(() => parseSweepArgs(['--scenarios', 'steady,meteor']), /--scenarios/)
    usage(() => parseSweepArgs(['--seeds', '0']), /--seeds/)
  })
})
