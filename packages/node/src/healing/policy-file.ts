/**
 * The policy file: YAML or JSON, validated once at load with zod (unknown keys refused), frozen.
 * Operators edit it by hand, so every error names the file, the line and column, and the key
 * path, as a compiler would: `policy.yaml:7:5: rules[1].actions[0]: invalid value "restrat";
 * expected one of restart, stop, …`. Lines come from the yaml library's Document and
 * LineCounter: a zod issue's path is looked up in the parsed document to find its node.
 *
 * A `.json` file is parsed as strict JSON (no comments, no trailing commas), anything else as
 * YAML 1.2 (which reads JSON as well). Duplicate keys are refused in both.
 */

import { readFile } from 'node:fs/promises'
import { isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml'
import type { Document } from 'yaml'
import { z } from 'zod'
import { ACTIONS, CONDITIONS, ESCALATION_TARGETS, ETHICS_DEFAULTS, FAILURE_CLASSES, SEVERITIES } from '@kos/core'
import type { Policy } from '@kos/core'

/** One thing wrong with a policy file. `line` and `column` are 1-based; absent when unknown. */
export interface PolicyProblem {
  line?: number
  column?: number
  /** The key path, e.g. `rules[1].actions[0]`; `(top level)` for the whole document. */
  path: string
  message: string
}

/**
 * A policy file that cannot be used. The message holds every problem, one a line, in file
 * order, each as `file:line:column: path: message`. The CLI maps it to a usage error (exit 2).
 */
export class PolicyError extends Error {
  override readonly name = 'PolicyError'
  readonly file: string
  readonly problems: PolicyProblem[]

  constructor (file: string, problems: PolicyProblem[], options?: ErrorOptions) {
    super(problems.map((problem) => formatProblem(file, problem)).join('\n'), options)
    this.file = file
    this.problems = problems
  }
}

export function formatProblem (file: string, problem: PolicyProblem): string {
  const where = problem.line === undefined ? file : `${file}:${problem.line}:${problem.column ?? 1}`
  return `${where}: ${problem.path}: ${problem.message}`
}

// ---------------------------------------------------------------------------------------------
// The schema

const severity = z.enum(SEVERITIES)

const whenSchema = z.object({
  condition: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'expected a condition or a non-empty list of conditions' }),
  severity: z.union([severity, z.array(severity).min(1)], { error: `expected a severity (${SEVERITIES.join(', ')}) or a non-empty list of them` }).optional(),
  minCount: z.number().int().min(0).optional(),
  agent: z.string().min(1).optional(),
  critical: z.boolean().optional(),
  essential: z.boolean().optional()
}).strict()

const ruleSchema = z.object({
  class: z.enum(FAILURE_CLASSES),
  when: whenSchema,
  actions: z.array(z.enum(ACTIONS)).min(1),
  escalateTo: z.enum(ESCALATION_TARGETS).optional()
}).strict().superRefine((rule, ctx) => {
  // A condition the class never reports would make the rule dead: refuse it, naming the valid ones.
  const known: readonly string[] = CONDITIONS[rule.class]
  const conditions = typeof rule.when.condition === 'string' ? [rule.when.condition] : rule.when.condition
  conditions.forEach((condition, i) => {
    if (condition === '*' || known.includes(condition)) return
    ctx.addIssue({
      code: 'custom',
      path: typeof rule.when.condition === 'string' ? ['when', 'condition'] : ['when', 'condition', i],
      message: `invalid value ${JSON.stringify(condition)}; expected one of ${[...known, '*'].join(', ')} (the ${rule.class} conditions)`
    })
  })
  rule.actions.forEach((action, i) => {
    if (rule.actions.indexOf(action) !== i) {
      ctx.addIssue({ code: 'custom', path: ['actions', i], message: `"${action}" is listed twice` })
    }
  })
  if (rule.escalateTo !== undefined && !rule.actions.includes('escalate')) {
    ctx.addIssue({ code: 'custom', path: ['escalateTo'], message: 'escalateTo needs the "escalate" action in actions' })
  }
})

const ethicsSchema = z.object({
  violationsToQuarantine: z.number().int().min(1).default(ETHICS_DEFAULTS.violationsToQuarantine),
  windowMs: z.number().int().min(1).default(ETHICS_DEFAULTS.windowMs)
}).strict()

export const policySchema = z.object({
  version: z.literal(1),
  rules: z.array(ruleSchema).default([]),
  ethics: ethicsSchema.default({ ...ETHICS_DEFAULTS }),
  safeMode: z.enum(['pause', 'stop']).default('pause')
}).strict()

/** The keys each object of the file may have, for the "unknown key" message. */
function keysAt (path: PropertyKey[]): string[] {
  const shape = path.length === 0
    ? policySchema.shape
    : path[0] === 'ethics'
      ? ethicsSchema.shape
      : path.length === 2
        ? ruleSchema.shape
        : whenSchema.shape
  return Object.keys(shape)
}

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * Parses and validates a policy file's text. `fileName` names the file in errors and chooses
 * the syntax (`.json`: JSON, otherwise YAML). Returns the policy with defaults filled in,
 * deeply frozen; throws a PolicyError listing every problem.
 */
export function parsePolicy (text: string, fileName: string): Policy {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true })
  const isJson = fileName.toLowerCase().endsWith('.json')
  let data: unknown
  if (isJson) {
    data = parseJson(text, fileName)
  } else {
    if (doc.errors.length > 0) {
      throw new PolicyError(fileName, doc.errors.map((error) => ({
        line: error.linePos?.[0].line,
        column: error.linePos?.[0].col,
        path: '(syntax)',
        // The library's message ends with its own position and a code frame; ours says where.
        message: firstLine(error.message).replace(/ at line \d+, column \d+:?$/, '')
      })))
    }
    data = doc.toJS()
  }
  const result = policySchema.safeParse(data, { reportInput: true })
  if (!result.success) {
    // Positions come from the YAML parse of the same text; a JSON file YAML cannot read (tabs
    // in odd places) still gets paths, just no lines.
    const located = doc.errors.length === 0 ? doc : undefined
    const problems = result.error.issues.flatMap((issue) => problemsOf(issue, located, lineCounter))
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
    throw new PolicyError(fileName, problems)
  }
  return deepFreeze(result.data)
}

/** Reads and parses a policy file; an unreadable file is a PolicyError too. */
export async function loadPolicyFile (path: string): Promise<Policy> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new PolicyError(path, [{ path: '(file)', message: `cannot read: ${(err as Error).message}` }], { cause: err })
  }
  return parsePolicy(text, path)
}

function parseJson (text: string, fileName: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    const message = (err as Error).message
    // V8 gives an offset ("at position 42"); Node 22+ also adds "(line 3 column 5)", which we
    // drop so that the message has one position, in our format.
    const offset = /at position (\d+)/.exec(message)?.[1]
    const position = offset === undefined ? {} : lineAndColumn(text, Number(offset))
    const reason = message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '')
    throw new PolicyError(fileName, [{ ...position, path: '(syntax)', message: reason }], { cause: err })
  }
}

function lineAndColumn (text: string, offset: number): { line: number, column: number } {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 }
}

type Issue = z.core.$ZodIssue

function problemsOf (issue: Issue, doc: Document | undefined, lineCounter: LineCounter): PolicyProblem[] {
  if (issue.code === 'unrecognized_keys') {
    // One problem per key, placed on the key itself.
    return issue.keys.map((key) => ({
      ...locate(doc, lineCounter, issue.path, key),
      path: formatPath([...issue.path, key]),
      message: `unknown key; expected one of ${keysAt(issue.path).join(', ')}`
    }))
  }
  return [{ ...locate(doc, lineCounter, issue.path), path: formatPath(issue.path), message: describeIssue(issue) }]
}

function describeIssue (issue: Issue): string {
  const input = (issue as { input?: unknown }).input
  switch (issue.code) {
    case 'invalid_value':
      return `invalid value ${show(input)}; expected ${issue.values.length === 1 ? show(issue.values[0]) : `one of ${issue.values.map(String).join(', ')}`}`
    case 'invalid_type':
      if (input === undefined) return `missing; expected ${issue.expected}`
      if (input === null && issue.path.length === 0) return 'the file is empty; expected a mapping with at least "version: 1"'
      return `expected ${issue.expected}, got ${show(input)}`
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'string') return 'must not be empty'
      return `must be at least ${String(issue.minimum)}, got ${show(input)}`
    case 'invalid_format':
    case 'not_multiple_of':
    case 'too_big':
    case 'invalid_key':
    case 'invalid_element':
    case 'invalid_union':
    case 'custom':
      return issue.message
  }
  return (issue as { message: string }).message
}

/** A value as the user wrote it, short. */
function show (value: unknown): string {
  if (value === undefined) return 'nothing'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/** `rules[1].actions[0]`, or `(top level)` for the empty path. */
export function formatPath (path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)'
  return path.map((part, i) => typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`).join('')
}

/**
 * The line and column of the node at `path` (or of the key `key` in the map there). A path that
 * does not exist in the file (a missing key) is placed at its nearest ancestor that does.
 */
function locate (doc: Document | undefined, lineCounter: LineCounter, path: readonly PropertyKey[], key?: string): { line?: number, column?: number } {
  if (doc === undefined) return {}
  const keys = path.filter((part): part is string | number => typeof part !== 'symbol')
  for (let depth = keys.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(keys.slice(0, depth), true)
    if (key !== undefined && depth === keys.length && isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key)
      const offset = pair !== undefined && isScalar(pair.key) ? pair.key.range?.[0] : undefined
      if (offset !== undefined) return at(lineCounter, offset)
    }
    const offset = (node as { range?: [number, number, number] } | null | undefined)?.range?.[0]
    if (offset !== undefined) return at(lineCounter, offset)
  }
  return { line: 1, column: 1 }
}

function at (lineCounter: LineCounter, offset: number): { line: number, column: number } {
  const { line, col } = lineCounter.linePos(offset)
  return { line, column: col }
}

function firstLine (text: string): string {
  return text.split('\n', 1)[0] ?? text
}

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}
