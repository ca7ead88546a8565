/**
 * `kos agents [name]`: the agents this node supervises (issue 6), as a table or one in detail;
 * `kos agents start|stop|restart|release <name>`, `add <file.json>` and `remove <name>` steer
 * them (need the API token). GET/POST/DELETE /v1/agents[/:id[/verb]].
 *
 * The verbs share the positional arguments with the agent name, like `kos escalations ack <id>`.
 * Agent names may be verbs too (`start` is a valid name), so `kos agents show <name>` always
 * shows, whatever the name.
 */

import type { Command } from 'commander'
import { UsageError } from '@kos/client'
import { ExitCode } from '../../exit-codes.js'
import type { Io } from '../../io.js'
import { addApiOptions, addTokenOptions, printJson, withClient } from '../api-options.js'
import type { ApiOptions } from '../api-options.js'
import { AGENT_VERBS, runAgentVerb } from './actions.js'
import type { AgentVerb } from './actions.js'
import { agentsTable, describeAgent } from './format.js'

export interface AgentsOptions extends ApiOptions {
  /** `[name]`, `show <name>`, or a verb and its one argument. */
  args: string[]
  tokenFile?: string
  data?: string
  /** The wall clock, for ages ("3m ago"). */
  now: () => number
}

const USAGE = 'kos agents [name] | show <name> | start|stop|restart|release|remove <name> | add <file.json>'

function isVerb (word: string | undefined): word is AgentVerb {
  return (AGENT_VERBS as readonly string[]).includes(word ?? '')
}

export async function runAgents (options: AgentsOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => {
    const [first, second, ...rest] = options.args
    if (first === 'show' || isVerb(first)) {
      const what = first === 'add' ? 'agent definition file' : 'agent name'
      if (second === undefined || rest.length > 0) throw new UsageError(`kos agents ${first} takes exactly one ${what} (${USAGE})`)
      if (first !== 'show') return await runAgentVerb(client, first, second, options, io)
    } else if (second !== undefined) {
      throw new UsageError(`kos agents takes at most one agent name, got "${first ?? ''} ${second}…" (${USAGE})`)
    }
    const name = first === 'show' ? second : first
    if (name !== undefined) {
      const agent = await client.agent(name)
      if (options.json) printJson(io, agent)
      else for (const line of describeAgent(agent, options.now())) io.out(line)
      return ExitCode.ok
    }
    const res = await client.agents()
    if (options.json) printJson(io, res)
    else for (const line of agentsTable(res.agents, options.now())) io.out(line)
    return ExitCode.ok
  })
}

export function registerAgents (program: Command, io: Io, setExit: (code: number) => void, now: () => number = Date.now): void {
  const command = program.command('agents')
    .description('list the agents this node supervises, show one, or start|stop|restart|release|add|remove one')
    .argument('[args...]', '[name] (or show <name>) to show one; start|stop|restart|release|remove <name> or ' +
      'add <file.json> to change one (needs the API token)')
  addApiOptions(addTokenOptions(command)).action(async (args: string[], flags: Omit<AgentsOptions, 'args' | 'now'>) => {
    setExit(await runAgents({ ...flags, args, now }, io))
  })
}
