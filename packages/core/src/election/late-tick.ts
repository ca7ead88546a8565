/**
 * When a shell runs the election's tick, a rule shared by the node's shell (service.ts) and the
 * simulator's (packages/sim's election adapter).
 *
 * After a stall of its process (an event loop held by CPU work or a busy machine, SIGSTOP),
 * libuv runs the overdue timers before the input that queued up meanwhile. A tick run then
 * would judge the stall against heartbeats and acks already waiting in the socket: a follower
 * would declare its coordinator lost and ask for pre-votes while its heartbeats sit unread.
 * So a tick that comes late runs behind that input (setImmediate in the node, after the
 * buffered messages in the simulator), and only a tick on time runs at once.
 */

/** A tick more than one tick period after the time it was due: the process was stalled in between. */
export function tickIsLate (dueAtMs: number, nowMs: number, tickIntervalMs: number): boolean {
  return nowMs - dueAtMs > tickIntervalMs
}
