/**
 * The words every part of kOS mesh uses for a member: its state in the membership protocol and
 * the role it runs as. The membership core, the wire codecs, the API's responses and the CLI all
 * speak them, so they live below all of those.
 */

/** `alive -> suspect -> dead -> (removed)`, and `left` for a graceful leave. */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left'

/** A node's role label; it counts only where the config's `authorities` designates the peer. */
export const ROLES = ['member', 'junzi', 'archon'] as const
export type Role = typeof ROLES[number]
