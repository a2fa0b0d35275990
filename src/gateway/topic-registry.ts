import type { WsConnection } from './ws-connection.js';

/** The most topics one connection may be subscribed to: more are refused (false). */
export const MAX_TOPICS_PER_CONNECTION = 10_000;
/** The longest topic name, in characters. */
export const MAX_TOPIC_LENGTH = 1024;

/** Whether a value can name a topic: a non-empty string of at most 1,024 characters. */
export function isTopic(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TOPIC_LENGTH;
}

/**
 * Who is subscribed to what, on this process: each topic's subscribers, and each connection's
 * topics (so its subscriptions end when it closes, in time proportional to its own topics).
 * A publish walks its topic's subscribers only: its cost grows with them, not with the
 * connections. Bounded: a connection holds at most `MAX_TOPICS_PER_CONNECTION` topics.
 */
export class TopicRegistry {
  private readonly subscribersByTopic = new Map<string, Set<WsConnection>>();
  private readonly topicsByConnection = new Map<WsConnection, Set<string>>();

  /** Subscribes; true when subscribed afterwards (already was, or is now). */
  subscribe(connection: WsConnection, topic: string): boolean {
    let topics = this.topicsByConnection.get(connection);
    if (topics?.has(topic)) return true;
    if (topics === undefined) {
      topics = new Set();
      this.topicsByConnection.set(connection, topics);
    } else if (topics.size >= MAX_TOPICS_PER_CONNECTION) {
      return false;
    }
    topics.add(topic);
    let subscribers = this.subscribersByTopic.get(topic);
    if (subscribers === undefined) {
      subscribers = new Set();
      this.subscribersByTopic.set(topic, subscribers);
    }
    subscribers.add(connection);
    return true;
  }

  /** Unsubscribes; true when it was subscribed. */
  unsubscribe(connection: WsConnection, topic: string): boolean {
    const topics = this.topicsByConnection.get(connection);
    if (topics === undefined || !topics.delete(topic)) return false;
    if (topics.size === 0) this.topicsByConnection.delete(connection);
    this.removeSubscriber(topic, connection);
    return true;
  }

  isSubscribed(connection: WsConnection, topic: string): boolean {
    return this.topicsByConnection.get(connection)?.has(topic) ?? false;
  }

  /** A connection's topics, in the order it subscribed. */
  topicsOf(connection: WsConnection): string[] {
    return [...(this.topicsByConnection.get(connection) ?? [])];
  }

  /** A topic's subscribers here. */
  subscribersOf(topic: string): ReadonlySet<WsConnection> {
    return this.subscribersByTopic.get(topic) ?? NO_SUBSCRIBERS;
  }

  /** Ends every subscription of a connection (it closed). */
  drop(connection: WsConnection): void {
    const topics = this.topicsByConnection.get(connection);
    if (topics === undefined) return;
    this.topicsByConnection.delete(connection);
    for (const topic of topics) this.removeSubscriber(topic, connection);
  }

  private removeSubscriber(topic: string, connection: WsConnection): void {
    const subscribers = this.subscribersByTopic.get(topic);
    if (subscribers === undefined) return;
    subscribers.delete(connection);
    if (subscribers.size === 0) this.subscribersByTopic.delete(topic);
  }
}

const NO_SUBSCRIBERS: ReadonlySet<WsConnection> = new Set();
