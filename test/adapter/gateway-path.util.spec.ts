import { describe, expect, it } from '@jest/globals';
import { normalizeGatewayPath } from '../../src/adapter/gateway-path.util.js';

describe('normalizeGatewayPath', () => {
  it.each([
    [undefined, '/'],
    ['', '/'],
    ['/', '/'],
    ['///', '/'],
    ['ws', '/ws'],
    ['/ws', '/ws'],
    ['/ws/', '/ws'],
    ['//chat//room//', '/chat/room'],
  ])('%p becomes %p, as platform-ws compares paths', (path, normalized) => {
    expect(normalizeGatewayPath(path)).toBe(normalized);
  });
});
