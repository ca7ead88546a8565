/**
 * Whether a listen address is reachable from this machine only. A node listening anywhere else
 * needs a cluster key (docs/design/admission.md), because anyone who reaches its port could
 * otherwise join the cluster. The rule for a host is the API's (api-exposure.ts), so the two
 * never disagree on what loopback is.
 */
import { isLoopbackHost } from './api-exposure.js'

const HOST_PROTOCOLS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6'])

/** `/ip4/127.0.0.1/tcp/7946` → true; `/ip4/0.0.0.0/…` (every interface), `/ip4/10.0.0.5/…` → false. */
export function isLoopbackMultiaddr (addr: string): boolean {
  const [, proto = '', host = ''] = addr.split('/')
  return HOST_PROTOCOLS.has(proto) && isLoopbackHost(host)
}
