import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { agentsTable, describeAgent, formatFlags, formatLastExit, formatProbe } from '../src/commands/agents/format.js'
import { NOW, batch, ethicsBot, web } from './agent-fixtures.js'

describe('agentsTable', () => {
  it('renders one aligned row per agent, sorted by name', () => {
    assert.deepEqual(agentsTable([web, ethicsBot, batch], NOW), [
      'NAME        STATE        READY  PID   RESTARTS  LAST EXIT         PROBE             FLAGS                         REASON',
      'batch       stopped      no     -     0         -                 -                 essential,safe-mode           stopped by an operator',
      'ethics-bot  quarantined  no     -     0         SIGKILL 1h5m ago  liveness timeout  quarantined by 12D3Ko…ALPHA1  quarantined by 12D3KooWAlphaBbbbbbbbbbb…',
      'web         running      yes    4242  2         code 1 3m ago     liveness success  critical                      liveness recovered'
    ])
  })

  it('renders the header alone for no agents', () => {
    assert.equal(agentsTable([], NOW).length, 1)
  })

  it('keeps a reason with a newline on its row', () => {
    const [, row = ''] = agentsTable([{ ...web, reason: 'exit\ncode 1' }], NOW)
    assert.match(row, /exit code 1$/)
  })
})

describe('agent cells', () => {
  it('shows the last exit as a code or a signal, with its age', () => {
    assert.equal(formatLastExit(null, NOW), '-')
    assert.equal(formatLastExit({ code: 0, signal: null, at: new Date(NOW - 800).toISOString() }, NOW), 'code 0 800ms ago')
    assert.equal(formatLastExit({ code: null, signal: 'SIGTERM', at: new Date(NOW).toISOString() }, NOW), 'SIGTERM 0ms ago')
    assert.equal(formatLastExit({ code: null, signal: null, at: 'garbage' }, NOW), 'exited garbage')
  })

  it('shows the newer of the liveness and startup outcomes, never readiness', () => {
    assert.equal(formatProbe(web.probes), 'liveness success')
    const startupNewer = { ...web.probes, startup: { outcome: 'failure' as const, detail: '', at: new Date(NOW).toISOString() } }
    assert.equal(formatProbe(startupNewer), 'startup failure')
    assert.equal(formatProbe({ readiness: web.probes.readiness! }), '-')
  })

  it('lists the flags, the quarantining peer shortened', () => {
    assert.equal(formatFlags(web), 'critical')
    assert.equal(formatFlags({ ...ethicsBot, critical: true, essential: true, safeMode: true }),
      'critical,essential,safe-mode,quarantined by 12D3Ko…ALPHA1')
    assert.equal(formatFlags({ ...web, critical: false }), '-')
  })
})

describe('describeAgent', () => {
  it('shows every field, the probes per kind', () => {
    assert.deepEqual(describeAgent(web, NOW), [
      'Name:        web',
      'State:       running',
      'Reason:      liveness recovered',
      'Source:      config',
      'Command:     node server.js --port 8080',
      'PID:         4242',
      'Ready:       yes',
      'Restarts:    2',
      'Last exit:   code 1 3m ago (2025-01-01T00:57:00.000Z)',
      'Critical:    yes',
      'Essential:   no',
      'Safe mode:   no',
      'Quarantine:  -',
      'Probes:      startup: success 3m ago (HTTP 200)',
      '             liveness: success 5.0s ago (HTTP 200)',
      '             readiness: failure 2.0s ago (HTTP 503)',
      'Memory:      48MiB RSS, limit 256MiB (rss-poll)',
      'CPU:         no limit',
      'Errors:      0.5/min (baseline 0.3/min)',
      'Logs:        /var/kos/agents/web (stdout.log, stderr.log)'
    ])
  })

  it('shows a quarantine with the full peer id, missing memory and a spike', () => {
    const lines = describeAgent(ethicsBot, NOW)
    assert.ok(lines.includes('Quarantine:  by 12D3KooWAlphaBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbALPHA1 (seq 17) 1h5m ago: critical violation of no-exfiltration'), lines.join('\n'))
    assert.ok(lines.includes('Memory:      - RSS, no limit'))
    assert.ok(lines.includes('Errors:      12/min (baseline 1/min), spiking'))
    assert.ok(describeAgent(batch, NOW).includes('Probes:      -'))
  })
})
