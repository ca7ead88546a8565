/**
 * The timing rules of membership as pure functions, each tested by a table. The state machine
 * calls them with the injected clock's time; nothing here reads a clock or sets a timer.
 */

/** A suspect that has not refuted within the suspicion timeout is dead. */
export function suspicionExpired (suspectSinceMs: number, nowMs: number, suspicionTimeoutMs: number): boolean {
  return nowMs - suspectSinceMs >= suspicionTimeoutMs
}

/**
 * The shell answers every probe within its deadline; if an answer never comes (a bug, or the
 * shell stalled), the core counts the probe as failed after two deadlines so no peer is stuck
 * in "probing" forever.
 */
export function probeOverdue (probeStartedAtMs: number, nowMs: number, probeTimeoutMs: number): boolean {
  return nowMs - probeStartedAtMs > 2 * probeTimeoutMs
}

/** Dead and left members are kept (and shown) for a while, then forgotten (reaped). */
export function reapDue (stateSinceMs: number, nowMs: number, keepMs: number): boolean {
  return nowMs - stateSinceMs >= keepMs
}

/**
 * A peer that keeps heartbeating while we hold it suspect, dead or left has missed our notice;
 * we repeat the notice at most once per interval so it can refute, without flooding the topic.
 */
export function rebroadcastDue (lastRebroadcastAtMs: number | null, nowMs: number, intervalMs: number): boolean {
  return lastRebroadcastAtMs === null || nowMs - lastRebroadcastAtMs >= intervalMs
}

/**
 * Local health: after our own event loop stalled for `stallMs`, every peer looks
 * silent until the backlog drains, so we hold back accusations for a grace period.
 */
export function holdBackUntil (nowMs: number, graceMs: number, currentUntilMs: number): number {
  return Math.max(currentUntilMs, nowMs + graceMs)
}
