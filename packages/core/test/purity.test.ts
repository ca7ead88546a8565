/**
 * The core is pure by construction: a walk over every source file's imports refuses anything
 * that reaches the network, the disk, HTTP or another process, and any package but the three
 * the core depends on. A moved file that still needs libp2p or LevelDB fails here, naming the
 * file and the import.
 */
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const SRC = fileURLToPath(new URL('../src', import.meta.url))
const ALLOWED_PACKAGES = new Set(['@kos/detect', 'zod', 'cborg'])
/** Node built-ins a pure core may use: hashing and signatures, and nothing with I/O. */
const ALLOWED_BUILTINS = new Set(['node:crypto'])

async function sourceFiles (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...await sourceFiles(p))
    else if (e.name.endsWith('.js')) out.push(p)
  }
  return out
}

/** Every module specifier a compiled file names: static imports, re-exports, dynamic imports. */
export function specifiers (source: string): string[] {
  const found: string[] = []
  const re = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g
  for (const m of source.matchAll(re)) found.push((m[1] ?? m[2] ?? m[3] ?? m[4])!)
  return found
}

/** Why `spec` is refused in the core, or null when it is allowed. */
export function refusal (spec: string): string | null {
  if (spec.startsWith('.')) return null
  if (ALLOWED_BUILTINS.has(spec)) return null
  if (spec.startsWith('node:') || !spec.includes('/') && ['fs', 'net', 'http', 'https', 'child_process', 'dgram', 'os', 'worker_threads'].includes(spec)) return 'a Node built-in with I/O'
  const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!
  if (ALLOWED_PACKAGES.has(pkg)) return null
  return 'a package the core does not depend on'
}

describe('@kos/core purity', () => {
  it('imports nothing but @kos/detect, zod, cborg and node:crypto from outside itself', async () => {
    const files = await sourceFiles(SRC)
    assert.ok(files.length > 40, `found only ${files.length} compiled files under ${SRC}`)
    const bad: string[] = []
    for (const f of files) {
      for (const spec of specifiers(await readFile(f, 'utf8'))) {
        const why = refusal(spec)
        if (why !== null) bad.push(`${relative(SRC, f)} imports ${spec}: ${why}`)
      }
    }
    assert.deepEqual(bad, [])
  })

  it('refuses the network, the disk, HTTP and the daemon libraries', () => {
    for (const spec of ['libp2p', '@libp2p/interface', '@chainsafe/libp2p-gossipsub', 'level', 'classic-level', 'fastify', 'node:net', 'node:http', 'node:fs', 'node:fs/promises', 'node:child_process', 'pino', '@kos/node', '@kos/client']) {
      assert.notEqual(refusal(spec), null, spec)
    }
    for (const spec of ['./x.js', '../wire/messages.js', '@kos/detect', 'zod', 'cborg', 'node:crypto']) {
      assert.equal(refusal(spec), null, spec)
    }
  })

  it('finds every form of import in compiled output', () => {
    const src = "import { a } from 'x';\nexport * from \"y\";\nimport 'z';\nconst m = await import('w');\nexport { b } from './b.js';"
    assert.deepEqual(specifiers(src), ['x', 'y', 'z', 'w', './b.js'])
  })
})
