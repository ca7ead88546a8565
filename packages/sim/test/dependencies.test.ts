/**
 * The simulator runs the shells of @kos/core, never the daemon: a walk over its compiled imports
 * refuses @kos/node and anything that reaches the network, the disk or HTTP, so a shortcut into
 * the node's internals fails here, naming the file.
 */
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const SRC = fileURLToPath(new URL('../src', import.meta.url))
const ALLOWED = new Set(['@kos/core', '@kos/detect', 'node:crypto', 'node:perf_hooks', 'node:util', 'node:process'])

async function files (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...await files(p))
    else if (e.name.endsWith('.js')) out.push(p)
  }
  return out
}

describe('@kos/sim dependencies', () => {
  it('imports @kos/core and @kos/detect, never @kos/node, libp2p, LevelDB or HTTP', async () => {
    const found = await files(SRC)
    assert.ok(found.length > 20, `found only ${found.length} compiled files under ${SRC}`)
    const bad: string[] = []
    for (const f of found) {
      const src = await readFile(f, 'utf8')
      for (const m of src.matchAll(/(?:from\s*|import\s*\(?\s*)['"]([^'"./][^'"]*)['"]/g)) {
        const spec = m[1]!
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!
        if (!ALLOWED.has(pkg) && !ALLOWED.has(spec)) bad.push(`${relative(SRC, f)} imports ${spec}`)
      }
    }
    assert.deepEqual(bad, [])
  })
})
