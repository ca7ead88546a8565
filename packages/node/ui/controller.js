// What keeps the page live: GET /v1/events (EventSource), the snapshot of the API's GET routes
// that the stream's `hello` (a fresh connection) or `reset` (events missed) asks for, and the
// parts an event says to fetch again. This node's health checks come with each `peers:sample`
// rather than from GET /v1/health, whose 429 and 503 answers a browser logs as failed loads. It reconnects by itself when the node goes away: the
// browser retries the stream (with its Last-Event-ID, so nothing is missed while the node lives)
// and, should the browser give up, a new stream is opened with a growing delay. It says what it
// is doing through setConnection, which the page shows.
//
// A browser opens at most 6 connections to one host over HTTP/1.1, and each open stream holds
// one: so a tab that stays hidden for a while closes its stream (nothing to draw there) and
// reopens it when shown, with the last event id it saw, so that the node replays what it missed.
import { api, getJson } from './api.js'
import { refetchesFor } from './store.js'

/**
 * Every type the stream sends (@kos/client's EVENT_TYPES but peers:sample, which is handled
 * apart): an EventSource hears only the types it listens for. A unit test keeps the two equal.
 */
export const EVENT_TYPES = [
  'member:join', 'member:alive', 'member:suspect', 'member:dead', 'member:left', 'member:removed', 'member:refuted',
  'node:stalled', 'node:mode',
  'coordinator:elected', 'coordinator:stepped-down', 'coordinator:lost', 'coordinator:quorum-restored', 'coordinator:refused',
  'audit:tamper', 'audit:entry',
  'authority:claim-refused', 'authority:adopted',
  'escalation:created', 'escalation:delivered', 'escalation:undelivered', 'escalation:received', 'escalation:acked', 'escalation:resolved',
  'agent:started', 'agent:exited', 'agent:restarting', 'agent:ready', 'agent:not-ready', 'agent:failed', 'agent:stopped',
  'agent:paused', 'agent:resumed', 'agent:quarantined', 'agent:quarantine-refused', 'agent:released', 'agent:defined', 'agent:removed',
  'healing:detected',
  'resource:saturation',
  'service:placed', 'service:replaced', 'service:drain-moving', 'service:stopped', 'service:under-replicated'
]
/** Every noun, and `peers` for the samples the sparklines and ages are drawn from. */
const STREAM_PATH = 'v1/events?types=member,node,coordinator,audit,authority,escalation,agent,healing,resource,service,peers'

/** The audit tail on load: the last half hour, at most 5 pages of 1000 (the query pages forward in time). */
const AUDIT_SINCE_MS = 30 * 60_000
const AUDIT_PAGES = 5
const RECONNECT_MAX_MS = 10_000
/** A tab hidden this long lets its stream go; a quick switch away and back keeps it. */
const HIDDEN_CLOSE_MS = 10_000

async function recentAudit () {
  const entries = []
  let cursor = null
  for (let page = 0; page < AUDIT_PAGES; page++) {
    const q = new URLSearchParams({ since: String(Date.now() - AUDIT_SINCE_MS), limit: '1000' })
    if (cursor !== null) q.set('cursor', cursor)
    const res = await getJson(`v1/audit?${q}`)
    entries.push(...res.entries)
    if (res.next === null || res.next === cursor) break
    cursor = res.next
  }
  return entries
}

const PARTS = {
  node: async () => await getJson('v1/node'),
  peers: async () => await getJson('v1/peers'),
  coordinator: async () => await getJson('v1/coordinator'),
  agents: async () => await getJson('v1/agents'),
  inbox: async () => await getJson('v1/escalations?box=inbox'),
  outbox: async () => await getJson('v1/escalations?box=outbox'),
  audit: recentAudit
}

/**
 * Starts the stream and the snapshot. `dispatch` takes { kind: 'snapshot' | 'sample' | 'event', … }
 * (store.js); `setConnection({ status, note })`. Returns { refetch(parts), stop() }.
 */
export function startController ({ dispatch, setConnection }) {
  let stopped = false
  let source = null
  let bootId = null
  /** The id of the last event seen, to resume from when the page opens a new stream. */
  let lastId = null
  let paused = false
  let hiddenTimer = null
  let delayMs = 1000
  let reloadPending = false
  const refetching = new Set()
  let refetchTimer = null

  async function load (parts) {
    const results = await Promise.all(parts.map(async (p) => {
      try { return [p, await PARTS[p]()] } catch { return null }
    }))
    if (stopped) return
    dispatch({ kind: 'snapshot', snap: Object.fromEntries(results.filter((r) => r !== null)), now: Date.now() })
  }

  // A hello and a reset often come together: one reload serves both.
  function reload () {
    if (reloadPending) return
    reloadPending = true
    setTimeout(() => { reloadPending = false; void load(Object.keys(PARTS)) }, 0)
  }

  // Events come in bursts (a death is a member event, its audit entry, an escalation…): fetch each part once per burst.
  function refetch (parts) {
    for (const p of parts) refetching.add(p)
    if (refetchTimer !== null) return
    refetchTimer = setTimeout(() => {
      refetchTimer = null
      const batch = [...refetching]
      refetching.clear()
      void load(batch)
    }, 100)
  }

  function open () {
    if (stopped || paused) return
    const es = new EventSource(api(lastId === null ? STREAM_PATH : `${STREAM_PATH}&lastEventId=${encodeURIComponent(lastId)}`))
    source = es
    // Every message carries the stream's last id (its own, or the one before it).
    const seen = (ev) => { if (ev.lastEventId !== '') lastId = ev.lastEventId }
    es.addEventListener('hello', (ev) => {
      seen(ev)
      const hello = JSON.parse(ev.data)
      const restarted = bootId !== null && hello.bootId !== bootId
      bootId = hello.bootId
      delayMs = 1000
      setConnection({ status: 'live', note: restarted ? 'the node restarted: reconnected and reloaded' : '' })
      if (!hello.resumed) reload()
    })
    es.addEventListener('reset', (ev) => {
      seen(ev)
      const reset = JSON.parse(ev.data)
      setConnection({ status: 'live', note: `reloaded: ${reset.reason}` })
      reload()
    })
    es.addEventListener('peers:sample', (ev) => { dispatch({ kind: 'sample', sample: JSON.parse(ev.data), now: Date.now() }) })
    for (const type of EVENT_TYPES) {
      es.addEventListener(type, (ev) => {
        seen(ev)
        dispatch({ kind: 'event', type, data: JSON.parse(ev.data), now: Date.now() })
        const parts = refetchesFor(type)
        if (parts.length > 0) refetch(parts)
      })
    }
    es.onerror = () => {
      if (stopped || source !== es) return
      setConnection({ status: 'reconnecting', note: 'lost the connection to the node: reconnecting…' })
      // CONNECTING: the browser retries by itself, with the Last-Event-ID. CLOSED: it gave up
      // (the node answered something else than a stream, e.g. 503 with too many streams open).
      if (es.readyState === EventSource.CLOSED) {
        setTimeout(open, delayMs)
        delayMs = Math.min(delayMs * 2, RECONNECT_MAX_MS)
      }
    }
  }

  function onVisibility () {
    if (document.visibilityState === 'hidden') {
      if (hiddenTimer === null) {
        hiddenTimer = setTimeout(() => {
          hiddenTimer = null
          paused = true
          source?.close()
          source = null
          setConnection({ status: 'paused', note: '' })
        }, HIDDEN_CLOSE_MS)
      }
      return
    }
    clearTimeout(hiddenTimer)
    hiddenTimer = null
    if (paused) {
      paused = false
      setConnection({ status: 'connecting', note: '' })
      open()
    }
  }

  document.addEventListener('visibilitychange', onVisibility)
  open()
  return {
    refetch,
    stop: () => {
      stopped = true
      document.removeEventListener('visibilitychange', onVisibility)
      clearTimeout(hiddenTimer)
      source?.close()
    }
  }
}
