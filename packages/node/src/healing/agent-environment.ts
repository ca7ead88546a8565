/**
 * What an agent's process inherits from its node. An agent is a workload, not a part of the node:
 * it gets its own KOS_* variables (where the API is, its name and its own token), the variables
 * its definition sets, and of the node's environment only the names its definition lists in
 * `inheritEnv` (PATH by default, so that commands resolve as they do for the node). Nothing
 * else: the node's environment may hold credentials the agent has no business seeing.
 */

/** The agent's environment, from lowest to highest precedence: inherited names, its definition's env, its KOS_* variables. */
export function agentEnvironment (
  nodeEnv: Readonly<Record<string, string | undefined>>,
  inherit: readonly string[],
  specEnv: Readonly<Record<string, string>>,
  kosEnv: Readonly<Record<string, string>>
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const name of inherit) {
    const value = nodeEnv[name]
    if (value !== undefined) env[name] = value
  }
  return { ...env, ...specEnv, ...kosEnv }
}
