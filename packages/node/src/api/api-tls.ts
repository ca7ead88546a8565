/**
 * The API's TLS certificate and key (`apiTlsCertFile`, `apiTlsKeyFile`), read once at start so
 * that a missing or unreadable file stops the node with the flag named, not the first client.
 */
import { readFile } from 'node:fs/promises'
import type { KosConfig } from '../config/schema.js'
import { ConfigError } from '../base/errors.js'

export interface ApiTls { cert: Buffer, key: Buffer }

export async function readApiTls (config: Pick<KosConfig, 'apiTlsCertFile' | 'apiTlsKeyFile'>): Promise<ApiTls | undefined> {
  if (config.apiTlsCertFile === '') return undefined
  const read = async (path: string, flag: string): Promise<Buffer> => {
    try {
      return await readFile(path)
    } catch (err) {
      throw new ConfigError(flag, `cannot read ${path}: ${(err as Error).message}`, { cause: err })
    }
  }
  return { cert: await read(config.apiTlsCertFile, '--api-tls-cert'), key: await read(config.apiTlsKeyFile, '--api-tls-key') }
}
