import { z } from 'zod'

/** The body of POST /v1/join: the peers to join through (validated again as TCP multiaddrs). */
export const joinBody = z.object({ addrs: z.array(z.string()).min(1).max(16) }).strict()
