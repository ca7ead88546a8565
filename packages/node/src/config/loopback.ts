/**
 * Whether a listen address is reachable from this machine only (127.0.0.0/8, ::1, localhost).
 * A node listening anywhere else needs a cluster key (docs/design/admission.md), because anyone
 * who reaches its port could otherwise join the cluster.
 */
import { BlockList } from 'node:net'

const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')

/** `/ip4/127.0.0.1/tcp/7946` → true; `/ip4/0.0.0.0/…` (every interface), `/ip4/10.0.0.5/…` → false. */
export function isLoopbackMultiaddr (addr: string): boolean {
  const [, proto, host = ''] = addr.split('/')
  try {
    if (proto === 'ip4') return LOOPBACK.check(host, 'ipv4')
    if (proto === 'ip6') return LOOPBACK.check(host, 'ipv6')
  } catch {
    return false
  }
  return (proto === 'dns' || proto === 'dns4' || proto === 'dns6') && host.toLowerCase() === 'localhost'
}
