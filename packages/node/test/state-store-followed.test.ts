/** The coordinators a node followed, remembered in its state store (store/state-store.ts) across a restart. */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { MAX_FOLLOWED_TERMS, StateStore } from '../src/store/state-store.js'
import { rememberCoordinators } from '../src/reactions/remember-coordinators.js'

describe('the coordinators followed, in the state store', () => {
  const dirs: string[] = []
  const fresh = async (): Promise<string> => { const d = await mkdtemp(join(tmpdir(), 'kos-followed-')); dirs.push(d); return d }
  after(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }) })

  it('survive a reopen, in term order, from the elections on the event path', async () => {
    const dir = await fresh()
    const store = await StateStore.open(dir)
    const remember = rememberCoordinators(() => store)
    await remember({ type: 'coordinator:elected', coordinatorId: 'peer-b', term: 12 })
    await remember({ type: 'coordinator:elected', coordinatorId: 'peer-a', term: 3 })
    await remember({ type: 'coordinator:lost', previous: 'peer-b', term: 12 })
    await store.close()
    const reopened = await StateStore.open(dir)
    assert.deepEqual(await reopened.getFollowed(), [{ term: 3, coordinator: 'peer-a' }, { term: 12, coordinator: 'peer-b' }])
    await reopened.close()
  })

  it(`keep the last ${MAX_FOLLOWED_TERMS} terms only`, async () => {
    const store = await StateStore.open(await fresh())
    await store.setFollowed(1, 'old')
    await store.setFollowed(5, 'kept')
    await store.setFollowed(MAX_FOLLOWED_TERMS + 4, 'new')
    assert.deepEqual(await store.getFollowed(), [{ term: 5, coordinator: 'kept' }, { term: MAX_FOLLOWED_TERMS + 4, coordinator: 'new' }])
    await store.close()
  })
})
