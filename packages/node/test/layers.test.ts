/**
 * The daemon's folders form layers, and an import only ever goes down: no folder cycles, no
 * folder importing the composition root. The test reads the sources' own imports, so the
 * structure docs/design/overview.md describes is the structure the build has. A new folder
 * must be placed in LAYERS (and in the overview) before anything can import it.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Bottom to top. A folder may import from folders before it, never from one after it. */
const LAYERS = [
  'base', 'config', 'store', 'net',
  'membership', 'election', 'audit', 'escalation', 'healing', 'services', 'health',
  'events', 'reactions', 'api'
]
/** The files at the top, in src/ itself: the composition root and what it alone uses. */
const ROOT = '.'

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src')
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g

interface Edge { from: string, to: string, file: string, target: string }

function sourceFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [])
}

/** The folder of a path under src/: its first segment, or ROOT for a file in src/ itself. */
function folderOf (path: string): string {
  const rel = relative(SRC, path)
  return rel.includes(sep) ? rel.split(sep)[0]! : ROOT
}

export function folderEdges (): Edge[] {
  const edges: Edge[] = []
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!
      const target = normalize(join(dirname(file), spec))
      const from = folderOf(file)
      const to = folderOf(target)
      if (from !== to) edges.push({ from, to, file: relative(SRC, file), target: relative(SRC, target) })
    }
  }
  return edges
}

describe('the folders of packages/node/src', () => {
  const edges = folderEdges()

  it('finds the imports it checks', () => {
    // Guards the scanner itself: node.ts wires every layer, so it must see imports into each.
    const fromRoot = new Set(edges.filter((e) => e.from === ROOT).map((e) => e.to))
    for (const layer of ['config', 'membership', 'api', 'reactions']) assert.ok(fromRoot.has(layer), `no import of ${layer}/ found from node.ts`)
  })

  it('are all placed in a layer', () => {
    const folders = new Set(sourceFiles(SRC).map(folderOf))
    folders.delete(ROOT)
    assert.deepEqual([...folders].filter((f) => !LAYERS.includes(f)), [], 'a folder missing from LAYERS')
  })

  it('import only downwards: no cycles, nothing imports the composition root', () => {
    const upward = edges.filter((e) => e.from !== ROOT && (e.to === ROOT || LAYERS.indexOf(e.to) > LAYERS.indexOf(e.from)))
    assert.deepEqual(upward.map((e) => `${e.file} -> ${e.target}`), [])
  })
})
