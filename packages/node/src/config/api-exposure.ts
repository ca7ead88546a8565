/**
 * The local API beyond loopback. On 127.0.0.1 only processes of this machine reach it; on any
 * other address the network does, and the API token would cross it in clear text. So a
 * non-loopback `api` needs TLS (`apiTlsCertFile` and `apiTlsKeyFile`), or `apiInsecure` to say
 * the operator knows (a private network, a proxy that terminates TLS).
 */
import { isIP } from 'node:net'
import { ConfigError } from '../base/errors.js'
import type { KosConfig } from './schema.js'

/** Loopback names: localhost (and *.localhost), 127.0.0.0/8, ::1. */
export function isLoopbackHost (host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (isIP(h) === 4) return h.startsWith('127.')
  return h === '::1'
}

/** Throws ConfigError naming the flag when the API's exposure and its TLS settings disagree. */
export function checkApiExposure (config: Pick<KosConfig, 'api' | 'apiTlsCertFile' | 'apiTlsKeyFile' | 'apiInsecure'>, flagOf: (key: string) => string): void {
  const cert = config.apiTlsCertFile !== ''
  const key = config.apiTlsKeyFile !== ''
  if (cert !== key) {
    throw new ConfigError(flagOf(cert ? 'apiTlsKeyFile' : 'apiTlsCertFile'), `TLS needs both ${flagOf('apiTlsCertFile')} and ${flagOf('apiTlsKeyFile')}`)
  }
  if (cert && config.apiInsecure) throw new ConfigError(flagOf('apiInsecure'), `contradicts ${flagOf('apiTlsCertFile')}: give one or the other`)
  const host = config.api.slice(0, config.api.lastIndexOf(':'))
  if (cert || config.apiInsecure || isLoopbackHost(host)) return
  throw new ConfigError(flagOf('api'),
    `${config.api} is reachable beyond this machine, where the API token would cross the network in clear: ` +
    `give ${flagOf('apiTlsCertFile')} and ${flagOf('apiTlsKeyFile')}, or ${flagOf('apiInsecure')} if a proxy or a private network protects it`)
}
