/**
 * `kos services [name]`: the cluster services, their instances and status (issue 18), as a table
 * or one in detail; `kos services add <file.json>` defines or updates one and
 * `kos services remove <name>` removes it (both need the API token, and go through the
 * coordinator). GET/POST/DELETE /v1/services[/:name].
 */

import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { UsageError, type ApiClient, type ServiceInfo } from '@kos/client'
import { ExitCode } from '../exit-codes.js'
import type { Io } from '../io.js'
import { resolveToken } from '../token.js'
import { renderColumns, renderTable, shortPeerId, NONE } from '../table.js'
import { addApiOptions, addTokenOptions, printJson, withClient } from './api-options.js'
import type { ApiOptions } from './api-options.js'

export interface ServicesOptions extends ApiOptions {
  /** `[name]`, `show <name>`, `add <file.json>` or `remove <name>`. */
  args: string[]
  tokenFile?: string
  data?: string
}

const USAGE = 'kos services [name] | show <name> | add <file.json> | remove <name>'

export const SERVICES_HEADER = ['NAME', 'REPLICAS', 'READY', 'STATUS', 'INSTANCES'] as const

/** The services as table lines, sorted by name; INSTANCES lists `id#generation@node`. */
export function servicesTable (services: readonly ServiceInfo[]): string[] {
  const sorted = [...services].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  return renderTable(SERVICES_HEADER, sorted.map((s) => [
    s.name,
    String(s.replicas),
    String(s.instances.filter((i) => i.ready).length),
    s.status,
    s.instances.map((i) => `${i.id}#${i.generation}@${i.nodeName}${i.ready ? '' : `(${i.state})`}`).join(' ') || NONE
  ]))
}

/** One service: its status, then its instances as a table. */
export function describeService (s: ServiceInfo): string[] {
  const head = renderColumns([
    ['Name:', s.name],
    ['Replicas:', String(s.replicas)],
    ['Spread:', s.spread],
    ['Status:', s.status]
  ])
  if (s.instances.length === 0) return [...head, 'Instances: -']
  return [...head, '', ...renderTable(['INSTANCE', 'GEN', 'NODE', 'PEER ID', 'STATE', 'READY', 'SINCE'], s.instances.map((i) => [
    i.id, String(i.generation), i.nodeName, shortPeerId(i.nodeId), i.state, i.ready ? 'yes' : 'no', i.since ?? NONE
  ]))]
}

async function readDefinition (path: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const reason = (err as { code?: unknown }).code === 'ENOENT' ? 'it does not exist' : (err instanceof Error ? err.message : String(err))
    throw new UsageError(`cannot read the service definition ${path}: ${reason}`, { cause: err })
  }
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object')
    return value
  } catch (err) {
    throw new UsageError(`the service definition ${path} is not a JSON object: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}

export async function runServices (options: ServicesOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => await servicesWith(client, options, io))
}

async function servicesWith (client: ApiClient, options: ServicesOptions, io: Io): Promise<number> {
  const [first, second, ...rest] = options.args
  if ((first === 'add' || first === 'remove' || first === 'show') && (second === undefined || rest.length > 0)) {
    throw new UsageError(`kos services ${first} takes exactly one ${first === 'add' ? 'definition file' : 'service name'} (${USAGE})`)
  }
  if (first !== 'add' && first !== 'remove' && first !== 'show' && second !== undefined) {
    throw new UsageError(`kos services takes at most one service name, got "${first ?? ''} ${second}…" (${USAGE})`)
  }
  // Read the file before the token, so a typo in the path is reported as such.
  const definition = first === 'add' ? await readDefinition(second!) : undefined
  if (first === 'add') {
    const info = await client.defineService(definition, await resolveToken(options))
    if (options.json) printJson(io, info)
    else io.out(`defined ${info.name}: ${info.replicas} replica(s), placed by the coordinator`)
    return ExitCode.ok
  }
  if (first === 'remove') {
    const res = await client.removeService(second!, await resolveToken(options))
    if (options.json) printJson(io, res)
    else io.out(`removed ${res.removed}: its instances stop`)
    return ExitCode.ok
  }
  const name = first === 'show' ? second : first
  if (name !== undefined) {
    const s = await client.service(name)
    if (options.json) printJson(io, s)
    else for (const line of describeService(s)) io.out(line)
    return ExitCode.ok
  }
  const res = await client.services()
  if (options.json) printJson(io, res)
  else if (res.services.length === 0) io.out('no services (define one with kos services add <file.json>)')
  else for (const line of servicesTable(res.services)) io.out(line)
  return ExitCode.ok
}

export function registerServices (program: Command, io: Io, setExit: (code: number) => void): void {
  const command = program.command('services')
    .description('list the cluster services and their instances, show one, or add|remove one')
    .argument('[args...]', '[name] (or show <name>) to show one; add <file.json> or remove <name> to change the services (needs the API token)')
  addApiOptions(addTokenOptions(command)).action(async (args: string[], flags: Omit<ServicesOptions, 'args'>) => {
    setExit(await runServices({ ...flags, args }, io))
  })
}
