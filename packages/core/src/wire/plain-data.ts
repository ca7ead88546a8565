/**
 * Whether a value cborg decoded is plain data: primitives, byte strings, arrays, and objects
 * whose prototype is Object.prototype. cborg builds a map's object by assignment, so a map key
 * `__proto__` whose value is a map or a byte string sets the object's prototype instead of
 * adding a property: zod then reads fields through that prototype, and through a byte string's
 * it threw a TypeError out of safeParse (found by fuzzing, issue 16). Such a message is refused
 * as malformed before any schema sees it. Iterative, so no nesting cborg accepted can exhaust
 * the stack here.
 */
export function isPlainData (root: unknown): boolean {
  const pending: unknown[] = [root]
  while (pending.length > 0) {
    const v = pending.pop()
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) continue
    if (Array.isArray(v)) {
      for (const item of v) pending.push(item)
      continue
    }
    if (Object.getPrototypeOf(v) !== Object.prototype) return false
    for (const item of Object.values(v)) pending.push(item)
  }
  return true
}
