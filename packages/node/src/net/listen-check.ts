/**
 * Checks that the TCP listen addresses can be bound before libp2p tries, because libp2p's own
 * error for a busy port is a generic "failed to listen" that does not say which port or why.
 */
import { createServer } from 'node:net'
import { ConfigError } from '../base/errors.js'

async function tryBind (host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ host, port, exclusive: true }, () => { server.close(() => { resolve() }) })
  })
}

/** Throws ConfigError(`key`) naming the address if one of `/ip4|ip6/<host>/tcp/<port>` cannot be bound. */
export async function checkListenAddrs (addrs: readonly string[], key: string): Promise<void> {
  for (const addr of addrs) {
    const parts = addr.split('/')
    const port = Number(parts[4])
    if ((parts[1] !== 'ip4' && parts[1] !== 'ip6') || port === 0) continue
    try {
      await tryBind(parts[2]!, port)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      const why = code === 'EADDRINUSE'
        ? `port ${port} on ${parts[2]!} is already in use`
        : code === 'EADDRNOTAVAIL' ? `${parts[2]!} is not an address of this machine` : (err as Error).message
      throw new ConfigError(key, `cannot listen on ${addr}: ${why}`, { cause: err })
    }
  }
}
