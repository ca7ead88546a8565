/**
 * The config profiles take the core's protocol timings as they are: the simulator runs the
 * shells with @kos/core's `protocolTimings`, so a node and a simulated node keep the same time.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { protocolTimings } from '@kos/core'
import { PROFILES, profileDefaults } from '../src/config/profiles.js'

describe('protocol timings', () => {
  it('every profile of the node has the core\'s timings of the same name', () => {
    for (const name of Object.keys(PROFILES)) {
      const timings = protocolTimings(name)
      assert.ok(timings !== undefined, `the core has no timings for profile ${name}`)
      const config = profileDefaults(name)! as unknown as Record<string, unknown>
      for (const [key, value] of Object.entries(timings)) assert.equal(config[key], value, `${name}.${key}`)
    }
  })
})
