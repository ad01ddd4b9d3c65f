import { describe, expect, it } from 'vitest';
import { resolveJsonPath, resolveRelatesTo } from '../src/index.js';

describe('relatesTo paths (docs/protocol/idx-protocol.md §6.4)', () => {
  const root = {
    a: { value: [{ key: 'x' }, { key: 'y' }] },
    currentAuthenticator: { type: 'object', value: {} },
  };

  it('resolves $.member.value[n] and nothing fancier', () => {
    expect(resolveJsonPath(root, '$.a.value[1]')).toEqual({ key: 'y' });
    expect(resolveJsonPath(root, '$.currentAuthenticator')).toBe(root.currentAuthenticator);
    expect(resolveJsonPath(root, '$')).toBe(root);
    expect(resolveJsonPath(root, '$.a.value[2]')).toBeUndefined();
    expect(resolveJsonPath(root, '$.a.value[*]')).toBeUndefined();
    expect(resolveJsonPath(root, '$.a.value[-1]')).toBeUndefined();
    expect(resolveJsonPath(root, 'a.value[0]')).toBeUndefined();
    expect(resolveJsonPath(root, '$..key')).toBeUndefined();
    expect(resolveJsonPath(root, '$.a.constructor')).toBeUndefined();
    expect(resolveJsonPath(root, '$.a.value[0].key.length')).toBeUndefined();
  });

  it('a relatesTo list uses its first path; anything else resolves to nothing', () => {
    expect(resolveRelatesTo(root, ['$.a.value[0]', '$.a.value[1]'])).toEqual({ key: 'x' });
    expect(resolveRelatesTo(root, '$.a.value[1]')).toEqual({ key: 'y' });
    expect(resolveRelatesTo(root, [])).toBeUndefined();
    expect(resolveRelatesTo(root, undefined)).toBeUndefined();
    expect(resolveRelatesTo(null, '$.a')).toBeUndefined();
  });
});
