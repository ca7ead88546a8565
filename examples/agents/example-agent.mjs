#!/usr/bin/env node
/**
 * An example kOS agent that can be told to misbehave, for trying out and testing the node's
 * supervisor (issue 6: self-healing). Plain Node ESM with no dependencies, runnable by Node ≥ 20:
 *
 *   node examples/agents/example-agent.mjs --port 8101
 *
 * It serves HTTP on 127.0.0.1 only. `GET /healthz` is its liveness and readiness probe; the
 * POST switches (/crash, /hang, /leak, /errors, /ethics, /heal) and the matching start-up flags
 * make it fail in each way the supervisor detects. See README.md beside this file.
 *
 * `--port 0` picks a free port; the start line tells which, which is how tests find it without
 * racing another process for a port they chose.
 */

import { createServer } from 'node:http'
import { parseArgs } from 'node:util'

const USAGE = `usage: example-agent.mjs [--port N] [--crash-after-ms N] [--hang-after-ms N]
       [--leak-mb-per-sec N] [--errors-per-sec N] [--fail-health]
  --port N defaults to $PORT; 0 picks a free port`

/** How often the leak and error timers fire: often enough that the rate looks smooth to a sampler. */
const TICK_MS = 100

/** Exit codes: 1 is what /crash asks for, 2 a bad command line (the shell's convention for misuse). */
const EXIT_CRASH = 1
const EXIT_USAGE = 2

function usageError (message) {
  process.stderr.write(`example-agent: ${message}\n${USAGE}\n`)
  process.exit(EXIT_USAGE)
}

/** An error answered with its own HTTP status. */
class HttpError extends Error {
  constructor (status, message) {
    super(message)
    this.status = status
  }
}

/** A non-negative number from a flag, query parameter or env variable, or a usage error naming it. */
function nonNegative (name, text) {
  const value = Number(text)
  if (text === undefined || text === '' || !Number.isFinite(value) || value < 0) {
    throw new HttpError(400, `${name} must be a non-negative number, got ${JSON.stringify(text ?? null)}`)
  }
  return value
}

function parseCommandLine (argv, env) {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        'crash-after-ms': { type: 'string' },
        'hang-after-ms': { type: 'string' },
        'leak-mb-per-sec': { type: 'string' },
        'errors-per-sec': { type: 'string' },
        'fail-health': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false }
      },
      strict: true,
      allowPositionals: false
    }).values
  } catch (err) {
    usageError(err.message)
  }
  if (parsed.help) {
    process.stdout.write(USAGE + '\n')
    process.exit(0)
  }
  const optional = (name) => parsed[name] === undefined ? undefined : nonNegative(`--${name}`, parsed[name])
  try {
    const portText = parsed.port ?? env.PORT
    if (portText === undefined) throw new Error('--port (or $PORT) is required')
    const port = nonNegative('--port', portText)
    if (!Number.isInteger(port) || port > 65535) throw new Error(`--port must be an integer in 0..65535, got ${portText}`)
    return {
      port,
      crashAfterMs: optional('crash-after-ms'),
      hangAfterMs: optional('hang-after-ms'),
      leakMbPerSec: optional('leak-mb-per-sec') ?? 0,
      errorsPerSec: optional('errors-per-sec') ?? 0,
      failHealth: parsed['fail-health']
    }
  } catch (err) {
    usageError(err.message)
  }
}

// ---------------------------------------------------------------------------------------------
// The misbehaviours. Each is a timer the /heal switch (or SIGTERM) can stop.

const state = {
  failHealth: false,
  leakTimer: undefined,
  errorTimer: undefined,
  /** The leaked memory: kept reachable so the garbage collector cannot give it back. */
  retained: [],
  retainedBytes: 0
}

function startLeak (mbPerSec) {
  stopLeak()
  if (mbPerSec <= 0) return
  const bytesPerTick = Math.round(mbPerSec * 1024 * 1024 * TICK_MS / 1000)
  state.leakTimer = setInterval(() => {
    // fill() writes every page: a zeroed allocation may be backed by untouched pages that the
    // kernel does not count in RSS, and RSS is what a memory limit watches.
    state.retained.push(Buffer.allocUnsafe(bytesPerTick).fill(0xa5))
    state.retainedBytes += bytesPerTick
  }, TICK_MS)
}

function stopLeak () {
  clearInterval(state.leakTimer)
  state.leakTimer = undefined
}

function startErrors (perSec) {
  stopErrors()
  if (perSec <= 0) return
  // Rates above 1/TICK are written in bursts each tick; the fractional carry keeps the long-run
  // rate exact for rates such as 0.5/s or 15/s.
  let owed = 0
  let seq = 0
  state.errorTimer = setInterval(() => {
    owed += perSec * TICK_MS / 1000
    while (owed >= 1) {
      owed -= 1
      seq += 1
      process.stderr.write(`ERROR example-agent simulated failure #${seq} (errors at ${perSec}/s)\n`)
    }
  }, TICK_MS)
}

function stopErrors () {
  clearInterval(state.errorTimer)
  state.errorTimer = undefined
}

/** Blocks the event loop for good: the process stays alive but answers nothing, as a deadlock would. */
function hang () {
  process.stdout.write('example-agent: hanging (event loop blocked)\n')
  for (;;) {}
}

function crash () {
  process.stdout.write('example-agent: crashing with exit code 1\n')
  process.exit(EXIT_CRASH)
}

/** Reports an ethics finding to this agent's node, as a real agent's ethics filter would. */
async function reportEthics ({ verdict, severity, rule }) {
  const api = process.env.KOS_API
  const agentId = process.env.KOS_AGENT_ID
  const token = process.env.KOS_TOKEN
  if (!api || !agentId || !token) {
    // Not supervised (started by hand): nothing to report to.
    throw new HttpError(503, 'KOS_API, KOS_AGENT_ID and KOS_TOKEN must be set (the supervisor passes them)')
  }
  const url = `${api.replace(/\/+$/, '')}/v1/agents/${encodeURIComponent(agentId)}/ethics`
  const body = { verdict, severity, rule, details: { source: 'example-agent', pid: process.pid } }
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000)
  })
  const text = await response.text()
  process.stdout.write(`example-agent: ethics report ${verdict}/${severity} rule ${rule} -> HTTP ${response.status}\n`)
  return { status: response.status, body: text }
}

// ---------------------------------------------------------------------------------------------
// HTTP

function send (res, status, value) {
  const body = JSON.stringify(value)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** Runs `then` once the answer has left, so that the caller sees it before we crash or hang. */
function sendThen (res, status, value, then) {
  res.on('finish', () => { setTimeout(then, 20) })
  send(res, status, value)
}

const ETHICS_VERDICTS = new Set(['violation', 'filter_error'])
const ETHICS_SEVERITIES = new Set(['critical', 'warning'])

async function handle (req, res) {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const route = `${req.method} ${url.pathname}`
  const query = url.searchParams
  switch (route) {
    case 'GET /healthz':
      if (state.failHealth) return send(res, 500, { ok: false, reason: 'failing health on purpose' })
      return send(res, 200, { ok: true })
    case 'POST /crash':
      return sendThen(res, 202, { crashing: true, exitCode: EXIT_CRASH }, crash)
    case 'POST /hang':
      return sendThen(res, 202, { hanging: true }, hang)
    case 'POST /leak': {
      const mbPerSec = nonNegative('mbPerSec', query.get('mbPerSec') ?? '10')
      startLeak(mbPerSec)
      return send(res, 200, { leakMbPerSec: mbPerSec, retainedBytes: state.retainedBytes })
    }
    case 'POST /errors': {
      const perSec = nonNegative('perSec', query.get('perSec') ?? '10')
      startErrors(perSec)
      return send(res, 200, { errorsPerSec: perSec })
    }
    case 'POST /ethics': {
      const verdict = query.get('verdict') ?? 'violation'
      const severity = query.get('severity') ?? 'warning'
      const rule = query.get('rule') ?? 'example-rule'
      if (!ETHICS_VERDICTS.has(verdict)) throw new HttpError(400, `verdict must be violation or filter_error, got ${verdict}`)
      if (!ETHICS_SEVERITIES.has(severity)) throw new HttpError(400, `severity must be critical or warning, got ${severity}`)
      const answer = await reportEthics({ verdict, severity, rule })
      return send(res, 200, { reported: { verdict, severity, rule }, nodeStatus: answer.status, nodeBody: answer.body })
    }
    case 'POST /heal':
      stopLeak()
      stopErrors()
      state.failHealth = false
      // Let the leaked memory go too: a healed agent should come back under its memory limit.
      state.retained = []
      state.retainedBytes = 0
      return send(res, 200, { healed: true })
    default:
      return send(res, 404, { error: `no route ${route}` })
  }
}

function main () {
  const options = parseCommandLine(process.argv.slice(2), process.env)
  state.failHealth = options.failHealth
  startLeak(options.leakMbPerSec)
  startErrors(options.errorsPerSec)
  if (options.crashAfterMs !== undefined) setTimeout(crash, options.crashAfterMs)
  if (options.hangAfterMs !== undefined) setTimeout(hang, options.hangAfterMs)

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      // A bad query value is the caller's fault (400); an unreachable node is a bad gateway (502).
      send(res, err instanceof HttpError ? err.status : 502, { error: err.message })
    })
  })
  server.listen(options.port, '127.0.0.1', () => {
    const { port } = server.address()
    process.stdout.write(`example-agent listening on 127.0.0.1:${port} pid ${process.pid}\n`)
  })
  server.on('error', (err) => {
    process.stderr.write(`example-agent: cannot listen on 127.0.0.1:${options.port}: ${err.message}\n`)
    process.exit(EXIT_CRASH)
  })

  // The supervisor stops an agent with SIGTERM: stop the timers and exit 0, so that a stop it
  // asked for is not mistaken for a crash. Open probe connections must not hold the exit up.
  const shutdown = (signal) => {
    stopLeak()
    stopErrors()
    server.close()
    server.closeAllConnections()
    process.stdout.write(`example-agent: ${signal}, exiting\n`)
    process.exit(0)
  }
  process.once('SIGTERM', () => { shutdown('SIGTERM') })
  process.once('SIGINT', () => { shutdown('SIGINT') })
}

main()
