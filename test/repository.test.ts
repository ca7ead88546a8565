/**
 * The repository stands on its own: no tracked file refers to the shared design notes that sit
 * beside the checkout on the machine it was first written on (a sibling directory `shared`, with
 * its DESIGN and STYLE pages). Those are missing from every clone, so a link or a comment citing
 * them only sends a reader nowhere; the project's own explanations are in docs/ (docs/design/).
 *
 * The patterns are assembled at run time, so that this file does not match them itself. A
 * sibling module of the same name (`../shared.js`, `../shared.ts`) is a file of the repository and
 * is not a match.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** From test/dist/ up to the repository root. */
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))

const SHARED = 'shared'
/** The sibling directory as a path (followed by a slash, a bracket, a space or a full stop), not a `.js` or `.ts` module. */
const OUTSIDE_PATTERNS: ReadonlyArray<{ what: string, re: RegExp }> = [
  { what: `../${SHARED}`, re: new RegExp(`\\.\\./${SHARED}(?![\\w-]|\\.[cm]?[jt]sx?\\b)`) },
  { what: `${SHARED}/DESIGN.md`, re: new RegExp(`${SHARED}/DESIGN\\.md`) },
  { what: `${SHARED}/STYLE.md`, re: new RegExp(`${SHARED}/STYLE\\.md`) }
]

/** Each file of `files` (relative to `root`) whose content matches a pattern, with the line and what it names. */
async function outsideMentions (root: string, files: readonly string[]): Promise<string[]> {
  const found: string[] = []
  for (const file of files) {
    let text: string
    try {
      text = await readFile(join(root, file), 'latin1')
    } catch {
      continue // tracked but deleted in the work tree, or a directory (a submodule)
    }
    for (const { what, re } of OUTSIDE_PATTERNS) {
      const m = re.exec(text)
      if (m !== null) found.push(`${file}:${text.slice(0, m.index).split('\n').length}: mentions ${what}`)
    }
  }
  return found
}

/** The tracked files, or why they cannot be listed. */
async function trackedFiles (root: string): Promise<{ files: string[] } | { skip: string }> {
  let top: string
  try {
    top = (await run('git', ['rev-parse', '--show-toplevel'], { cwd: root })).stdout.trim()
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string }
    return { skip: e.code === 'ENOENT' ? 'git is not installed' : `${root} is not a git checkout (${(e.stderr ?? e.message).trim()})` }
  }
  if (resolve(top) !== root) return { skip: `${root} is not the root of its git checkout (${top} is)` }
  const { stdout } = await run('git', ['ls-files', '-z'], { cwd: root, maxBuffer: 64 * 1024 * 1024 })
  return { files: stdout.split('\0').filter((f) => f !== '') }
}

describe('the repository refers to nothing outside it', () => {
  it('no tracked file mentions the shared notes beside the checkout', async (t) => {
    const tracked = await trackedFiles(ROOT)
    if ('skip' in tracked) { t.skip(tracked.skip); return }
    assert.ok(tracked.files.length > 10, 'git ls-files lists the repository')
    const found = await outsideMentions(ROOT, tracked.files)
    assert.deepEqual(found, [], `tracked files refer to files outside the repository (explain it in docs/ instead):\n${found.join('\n')}`)
  })

  it('the check finds such a mention, and leaves sibling modules alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kos-repository-'))
    try {
      await writeFile(join(dir, 'a.md'), `see [the design](../${SHARED}/DESIGN.md)\n`)
      await writeFile(join(dir, 'b.ts'), `import { x } from '../${SHARED}.js'\n// see ../${SHARED}.\n`)
      await writeFile(join(dir, 'c.ts'), `import { x } from '../${SHARED}.js'\n`)
      await writeFile(join(dir, 'd.txt'), `the notes in ${SHARED}/STYLE.md\n`)
      assert.deepEqual(await outsideMentions(dir, ['a.md', 'b.ts', 'c.ts', 'd.txt', 'gone.md']), [
        `a.md:1: mentions ../${SHARED}`,
        `a.md:1: mentions ${SHARED}/DESIGN.md`,
        `b.ts:2: mentions ../${SHARED}`,
        `d.txt:1: mentions ${SHARED}/STYLE.md`
      ])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
