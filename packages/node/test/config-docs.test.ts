/**
 * docs/config.md cannot drift from the config schema: every top-level key of `configSchema` is a
 * row of one of the doc's key tables, and every key a key table names is in the schema. A key
 * table is a Markdown table whose first header cell is `key`; its rows start with the key in
 * backticks (`| \`heartbeatIntervalMs\` | … |`). The fields inside `resources` are checked the
 * same way against the doc's one table whose first header cell is `field`. Other tables
 * (profiles) are not checked.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { configSchema } from '../src/config/schema.js'

/** From packages/node/dist/test/ up to the repository root. */
const CONFIG_DOC = fileURLToPath(new URL('../../../../docs/config.md', import.meta.url))

/** The cells of a Markdown table row, trimmed; undefined for a line that is not one. */
function cells (line: string): string[] | undefined {
  const t = line.trim()
  if (!t.startsWith('|')) return undefined
  // `\|` inside a cell is an escaped pipe, not a separator.
  return t.replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim())
}

/** The keys the doc's tables headed `header` list, in order, with the line of each. */
function documentedKeys (markdown: string, header = 'key'): Array<{ key: string, line: number }> {
  const out: Array<{ key: string, line: number }> = []
  let inKeyTable = false
  const lines = markdown.split('\n')
  for (const [i, line] of lines.entries()) {
    const row = cells(line)
    if (row === undefined) { inKeyTable = false; continue }
    if (!inKeyTable) {
      // A table starts with its header row; a key table's first header cell is `key`.
      const previous = i === 0 ? undefined : cells(lines[i - 1]!)
      if (previous === undefined) inKeyTable = row[0]?.toLowerCase() === header
      continue
    }
    if (/^:?-+:?$/.test(row[0] ?? '')) continue // the separator row
    const m = /^`([^`]+)`$/.exec(row[0] ?? '')
    out.push({ key: m?.[1] ?? `(not a key in backticks: ${row[0] ?? ''})`, line: i + 1 })
  }
  return out
}

/** What differs between the schema's keys and the documented ones; empty when they agree. */
function configDocProblems (schemaKeys: readonly string[], markdown: string, header = 'key'): string[] {
  const documented = documentedKeys(markdown, header)
  const known = new Set(schemaKeys)
  const seen = new Set(documented.map((d) => d.key))
  const problems: string[] = []
  for (const key of schemaKeys) {
    if (!seen.has(key)) problems.push(`\`${key}\` is a config key but no key table of docs/config.md lists it`)
  }
  for (const d of documented) {
    if (!known.has(d.key)) problems.push(`docs/config.md:${d.line} lists ${d.key.startsWith('(') ? d.key : `\`${d.key}\``}, which the config schema lacks`)
  }
  const counts = new Map<string, number>()
  for (const d of documented) counts.set(d.key, (counts.get(d.key) ?? 0) + 1)
  for (const [key, n] of counts) if (n > 1 && known.has(key)) problems.push(`\`${key}\` is listed ${n} times in docs/config.md`)
  return problems
}

describe('docs/config.md', () => {
  it('lists every key of the config schema, and no other', async () => {
    const markdown = await readFile(CONFIG_DOC, 'utf8')
    const keys = Object.keys(configSchema.shape)
    assert.ok(keys.length > 10, 'the schema has its keys')
    assert.ok(documentedKeys(markdown).length > 10, `no key tables found in ${CONFIG_DOC}`)
    const problems = configDocProblems(keys, markdown)
    assert.deepEqual(problems, [], `docs/config.md and the config schema disagree:\n${problems.join('\n')}`)
  })

  it('lists every field of `resources`, and no other', async () => {
    const markdown = await readFile(CONFIG_DOC, 'utf8')
    const fields = Object.keys(configSchema.shape.resources.shape)
    const problems = configDocProblems(fields, markdown, 'field')
    assert.deepEqual(problems, [], `docs/config.md's resources table and the schema disagree:\n${problems.join('\n')}`)
  })

  it('the check finds a missing key, an unknown key and a duplicate', () => {
    const doc = [
      '| key | default |', '| --- | --- |', '| `a` | 1 |', '| `ghost` | 2 |', '| `a` | 1 |', '',
      '| field | default |', '| --- | --- |', '| `inner` | 3 |'
    ].join('\n')
    assert.deepEqual(configDocProblems(['a', 'b'], doc), [
      '`b` is a config key but no key table of docs/config.md lists it',
      'docs/config.md:4 lists `ghost`, which the config schema lacks',
      '`a` is listed 2 times in docs/config.md'
    ])
  })
})
