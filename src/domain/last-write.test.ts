import { describe, expect, it } from 'vitest';
import { lastWriteOf } from './last-write.js';

describe('the last write as people read it', () => {
  it('names a commit by its SHA and anything else as a resourceVersion', () => {
    const sha = 'a'.repeat(40);
    expect(lastWriteOf({ syncRevision: sha, syncUrl: null, syncStatus: 'synced' })).toEqual({
      revision: `commit ${sha}`,
      proposal: undefined,
    });
    expect(lastWriteOf({ syncRevision: '107', syncUrl: null, syncStatus: 'synced' }).revision).toBe(
      'resourceVersion 107',
    );
    expect(lastWriteOf({ syncRevision: null, syncUrl: null, syncStatus: 'none' })).toEqual({
      revision: undefined,
      proposal: undefined,
    });
  });

  it('says whether the pull request carrying the change still waits to be merged', () => {
    const url = 'https://git.example.com/platform/gitops/pull/1';
    expect(lastWriteOf({ syncRevision: null, syncUrl: url, syncStatus: 'pending-merge' }).proposal).toEqual({
      url,
      label: 'pull request (waiting to be merged)',
    });
    expect(
      lastWriteOf({ syncRevision: 'b'.repeat(40), syncUrl: url, syncStatus: 'synced' }).proposal,
    ).toEqual({
      url,
      label: 'pull request',
    });
  });
});
