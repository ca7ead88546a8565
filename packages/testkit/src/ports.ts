/**
 * Free TCP ports for test nodes.
 *
 * Ports come from a per-run base below Linux's ephemeral range (32768–60999), each checked free
 * by binding a server to it and closing it. Below the ephemeral range, no outgoing connection of
 * any process can take a port between our check and the node's bind, nor while a node is down
 * for a restart on the same port; the random base keeps concurrent runs apart.
 */
import { createServer } from 'node:net'

const PORT_LOW = 20_000
const PORT_HIGH = 32_000
let nextPort = PORT_LOW + Math.floor(Math.random() * (PORT_HIGH - PORT_LOW - 2000))
const handedOut = new Set<number>()

async function canBind (host: string, port: number): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const server = createServer()
    server.once('error', () => { resolve(false) })
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => { resolve(true) })
    })
  })
}

/**
 * A TCP port that was free on `host` (and on 127.0.0.1, where the APIs listen) a moment ago and
 * is handed out once per run.
 */
export async function freePort (host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const port = nextPort++
    if (nextPort >= PORT_HIGH) nextPort = PORT_LOW
    if (handedOut.has(port)) continue
    if (await canBind('127.0.0.1', port) && (host === '127.0.0.1' || await canBind(host, port))) { handedOut.add(port); return port }
  }
  // Fall back to the kernel's choice (port 0).
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ host, port: 0 }, () => {
      const addr = server.address()
      server.close(() => { resolve(typeof addr === 'object' && addr !== null ? addr.port : 0) })
    })
  })
  handedOut.add(port)
  return port
}
