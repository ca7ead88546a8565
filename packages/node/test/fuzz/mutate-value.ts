/**
 * Mutations of valid values, where decoders break: a valid message with one field replaced at
 * any depth, dropped or added reaches every check after the first, which random input never
 * passes. Its encoding is mutated by mutate-bytes.ts, a text file by mutate-text.ts.
 */
import fc from 'fast-check'
import { hostileKey } from './hostile.js'

type Path = ReadonlyArray<string | number>

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
}

/**
 * The nodes of a value, root first, by their path: the fixtures' whole structure, but only the
 * first few children and levels of what an earlier mutation put in (a 20,000-element array, a
 * 600-deep nest), so one case stays cheap.
 */
function pathsOf (value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at)
  if (at.length >= MAX_PATH_DEPTH) return out
  if (Array.isArray(value)) {
    for (let i = 0; i < Math.min(value.length, MAX_CHILDREN); i++) pathsOf(value[i], [...at, i], out)
  } else if (isRecord(value)) {
    for (const k of Object.keys(value).slice(0, MAX_CHILDREN)) pathsOf(value[k], [...at, k], out)
  }
  return out
}

const MAX_PATH_DEPTH = 24
const MAX_CHILDREN = 16

/** A copy of a container with one own property set; `__proto__` stays an own key, as JSON.parse and cborg make it. */
function withKey (container: unknown, key: string | number, child: unknown): unknown {
  if (Array.isArray(container)) {
    const copy = [...container]
    copy[Number(key)] = child
    return copy
  }
  const copy: Record<string, unknown> = { ...(container as Record<string, unknown>) }
  Object.defineProperty(copy, key, { value: child, enumerable: true, writable: true, configurable: true })
  return copy
}

function childOf (container: unknown, key: string | number): unknown {
  return (container as Record<string | number, unknown>)[key]
}

/** `root` with the node at `path` replaced by `edit(node)`; undefined from `edit` removes it. */
function editAt (root: unknown, path: Path, edit: (node: unknown) => unknown, remove: boolean): unknown {
  if (path.length === 0) return edit(root)
  const [head, ...rest] = path as [string | number, ...Array<string | number>]
  if (rest.length === 0 && remove) {
    if (Array.isArray(root)) return root.filter((_, i) => i !== head)
    const copy: Record<string, unknown> = { ...(root as Record<string, unknown>) }
    delete copy[head]
    return copy
  }
  return withKey(root, head, editAt(childOf(root, head), rest, edit, remove))
}

export type ValueMutation =
  | { op: 'replace', at: number, value: unknown }
  | { op: 'drop', at: number }
  | { op: 'add', at: number, key: string, value: unknown }

/** Applies one mutation; `at` picks a node modulo the number of nodes. */
export function applyMutation (root: unknown, m: ValueMutation): unknown {
  const paths = pathsOf(root)
  const path = paths[m.at % paths.length] as Path
  switch (m.op) {
    case 'replace': return editAt(root, path, () => m.value, false)
    case 'drop': return path.length === 0 ? root : editAt(root, path, () => undefined, true)
    case 'add': return editAt(root, path, (node) => {
      if (Array.isArray(node)) return [...node, m.value]
      if (isRecord(node)) return withKey(node, m.key, m.value)
      return node
    }, false)
  }
}

/** One to three mutations of one of `bases`, each value drawn from `values`. */
export function mutatedValue (bases: readonly unknown[], values: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const mutation: fc.Arbitrary<ValueMutation> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: values }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('drop' as const), at: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: hostileKey, value: values }) }
  )
  return fc.tuple(fc.constantFrom(...bases), fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([base, ms]) => ms.reduce(applyMutation, base))
}
