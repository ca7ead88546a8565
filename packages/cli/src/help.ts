/**
 * What every command's `--help` ends with: the verbs of the commands whose verbs share the
 * positional arguments with a name (`kos agents start <name>`, where an agent may be called
 * `start` too), and one or two examples to copy. Kept in one table so that a test can check
 * that no command lacks them.
 */
import type { Command } from 'commander'

/** Verbs and what each does, for the commands that take a verb as their first argument. */
const VERBS: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  agents: [
    ['[name]', 'list the agents, or show one in detail'],
    ['show <name>', 'show one agent, whatever its name'],
    ['start|stop|restart <name>', 'steer an agent (token)'],
    ['release <name>', 'lift an ethics quarantine (token; the Junzi or the node that imposed it)'],
    ['add <file.json>', 'define an agent from a JSON definition (token)'],
    ['remove <name>', 'stop an agent defined through the API and forget it (token)']
  ],
  services: [
    ['[name]', 'list the cluster services, or show one with its instances'],
    ['show <name>', 'show one service, whatever its name'],
    ['add <file.json>', 'define or update a service from a JSON definition (token; through the coordinator)'],
    ['remove <name>', 'remove a service: its instances stop (token)']
  ],
  escalations: [
    ['[id]', 'list the outbox (or --box inbox), or show one escalation in detail'],
    ['ack <id>', 'on an authority: acknowledge a received escalation (token)'],
    ['resolve <id>', 'on an authority: mark a received escalation resolved (token)']
  ]
}

/** Examples by command path (`audit tail`); every command has some. */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  start: [
    'kos start',
    'kos start --name b --listen /ip4/127.0.0.1/tcp/7002 --api 127.0.0.1:7072 --data .kos/b --bootstrap /ip4/127.0.0.1/tcp/7001',
    'kos start --config node.json --log-format json',
    'kos start --listen /ip4/10.0.0.5/tcp/7946 --cluster-key-file /etc/kos/cluster.key'
  ],
  status: ['kos status', 'kos status --api 127.0.0.1:7071 --json'],
  peers: ['kos peers', 'kos peers --state suspect', 'kos peers 12D3KooW… --json'],
  coordinator: ['kos coordinator', 'KOS_API=127.0.0.1:7072 kos coordinator --json'],
  join: ['kos join /ip4/127.0.0.1/tcp/7001', 'kos join /ip4/10.0.0.5/tcp/7946/p2p/12D3KooW…'],
  leave: ['kos leave', 'kos leave --api 127.0.0.1:7072'],
  audit: ['kos audit tail -f', 'kos audit verify'],
  'audit tail': ['kos audit tail -n 50', 'kos audit tail -f --json'],
  'audit query': ['kos audit query --class ethics --severity warning', 'kos audit query --since 2026-12-01T00:00:00Z --limit 100 --json'],
  'audit verify': ['kos audit verify', 'kos audit verify --json'],
  'audit append': [
    'kos audit append --class operator --type deploy --severity notice --subject web --details \'{"version":"1.2"}\'',
    'kos audit append --class agent --type finding --severity warning --subject scribe --ack quorum'
  ],
  monitor: ['kos monitor', 'kos monitor --types member,coordinator', 'kos monitor --types escalation --json | jq .data'],
  escalate: ['kos escalate --class resource --severity error --summary "disk nearly full" --subject n3'],
  escalations: ['kos escalations', 'kos escalations --box inbox --status delivered', 'kos escalations ack 4f1c…'],
  policy: ['kos policy check examples/policy.yaml'],
  'policy check': ['kos policy check examples/policy.yaml', 'kos policy check policy.json --json'],
  agents: ['kos agents', 'kos agents show scribe', 'kos agents restart courier', 'kos agents add courier.json'],
  services: ['kos services', 'kos services add web.json', 'kos services web --json', 'kos services remove web'],
  drain: ['kos drain', 'kos drain --node 12D3KooW…', 'kos drain --undo --json'],
  keygen: ['kos keygen --out cluster.key', 'kos keygen >> cluster.key']
}

function pathOf (command: Command): string {
  const names: string[] = []
  for (let c: Command | null = command; c?.parent != null; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

/** Adds the verbs and examples of `program`'s commands, and their subcommands', to their --help. */
export function addHelpSections (program: Command): void {
  for (const command of program.commands) {
    const path = pathOf(command)
    const verbs = VERBS[path]
    if (verbs !== undefined) {
      const width = Math.max(...verbs.map(([v]) => v.length))
      command.addHelpText('after', `\nCommands:\n${verbs.map(([v, what]) => `  ${v.padEnd(width)}  ${what}`).join('\n')}`)
    }
    const examples = EXAMPLES[path]
    if (examples !== undefined) command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}`)
    addHelpSections(command)
  }
}
