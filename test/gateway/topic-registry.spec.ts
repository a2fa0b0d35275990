import { describe, expect, it } from '@jest/globals';
import { MAX_TOPIC_LENGTH, TopicRegistry, isTopic } from '../../src/gateway/topic-registry.js';
import type { WsConnection } from '../../src/gateway/ws-connection.js';

/** Connections are only keys here: plain objects stand in for them. */
function connection(fd: number): WsConnection {
  return { fd } as unknown as WsConnection;
}

describe('TopicRegistry', () => {
  it("keeps each topic's subscribers and each connection's topics in step", () => {
    const topics = new TopicRegistry();
    const a = connection(1);
    const b = connection(2);
    expect(topics.subscribe(a, 'x')).toBe(true);
    expect(topics.subscribe(b, 'x')).toBe(true);
    expect(topics.subscribe(a, 'y')).toBe(true);
    expect([...topics.subscribersOf('x')]).toEqual([a, b]);
    expect(topics.topicsOf(a)).toEqual(['x', 'y']);
    expect(topics.unsubscribe(a, 'x')).toBe(true);
    expect([...topics.subscribersOf('x')]).toEqual([b]);
    expect(topics.isSubscribed(a, 'x')).toBe(false);
    expect(topics.unsubscribe(a, 'nope')).toBe(false);
  });

  it('drop() ends every subscription of a connection and forgets empty topics', () => {
    const topics = new TopicRegistry();
    const a = connection(1);
    topics.subscribe(a, 'x');
    topics.subscribe(a, 'y');
    topics.drop(a);
    expect(topics.topicsOf(a)).toEqual([]);
    expect(topics.subscribersOf('x').size).toBe(0);
    expect(topics.subscribersOf('y').size).toBe(0);
    topics.drop(a);
  });

  it('isTopic accepts non-empty strings up to the length limit', () => {
    expect(isTopic('a')).toBe(true);
    expect(isTopic('a'.repeat(MAX_TOPIC_LENGTH))).toBe(true);
    expect(isTopic('a'.repeat(MAX_TOPIC_LENGTH + 1))).toBe(false);
    for (const bad of ['', 1, null, undefined, {}, ['a']]) expect(isTopic(bad)).toBe(false);
  });
});
