/** Mutations of valid text files (a cluster key file): lines replaced, added, dropped, repeated; characters changed; the end cut. */
import fc from 'fast-check'

export type TextMutation =
  | { op: 'line', at: number, text: string }
  | { op: 'insert-line', at: number, text: string }
  | { op: 'drop-line', at: number }
  | { op: 'repeat-line', at: number, times: number }
  | { op: 'char', at: number, text: string }
  | { op: 'truncate', at: number }

function applyTextMutation (text: string, m: TextMutation): string {
  const lines = text.split('\n')
  const i = m.at % lines.length
  switch (m.op) {
    case 'line': lines[i] = m.text; return lines.join('\n')
    case 'insert-line': lines.splice(i, 0, m.text); return lines.join('\n')
    case 'drop-line': lines.splice(i, 1); return lines.join('\n')
    case 'repeat-line': lines.splice(i, 0, ...new Array<string>(m.times).fill(lines[i] as string)); return lines.join('\n')
    case 'char': { const at = m.at % (text.length + 1); return text.slice(0, at) + m.text + text.slice(at + 1) }
    case 'truncate': return text.slice(0, m.at % (text.length + 1))
  }
}

/** One to three edits of one of `texts`, by line (replaced with `lines`, added, dropped, repeated) or by character. */
export function mutatedText (texts: readonly string[], lines: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const mutation: fc.Arbitrary<TextMutation> = fc.oneof(
    fc.record({ op: fc.constant('line' as const), at: fc.nat(), text: lines }),
    fc.record({ op: fc.constant('insert-line' as const), at: fc.nat(), text: lines }),
    fc.record({ op: fc.constant('drop-line' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('repeat-line' as const), at: fc.nat(), times: fc.integer({ min: 1, max: 20 }) }),
    fc.record({ op: fc.constant('char' as const), at: fc.nat(), text: fc.string({ maxLength: 3 }) }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat() })
  )
  return fc.tuple(fc.constantFrom(...texts), fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([text, ms]) => ms.reduce(applyTextMutation, text))
}
