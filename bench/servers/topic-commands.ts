/**
 * The topic rules of our bench servers (publish-topic scenario): a text message
 * `subscribe:...` subscribes its sender to the bench topic and is echoed as the
 * acknowledgement; a text message `publish:...` is published, as it is, to the topic's
 * subscribers. Checked on the raw bytes like the broadcast prefix, so the other scenarios pay
 * one byte comparison.
 *
 * The topics API (`subscribe(fd, topic)`, `publish(topic, data, opcode?, flags?, options?)`
 * returning the local delivery count) is planned on WsServer; until it exists, `topicsOf`
 * returns null and the scenario is reported n/a.
 */
const SUBSCRIBE = Buffer.from('subscribe:');
const PUBLISH = Buffer.from('publish:');

/** The one topic of the scenario. */
export const BENCH_TOPIC = 'bench';

export type TopicCommand = 'subscribe' | 'publish';

/** The part of WsServer's planned topics API the bench calls. */
export interface TopicsApi {
  subscribe(fd: number, topic: string): boolean;
  publish(
    topic: string,
    data: Buffer | string,
    opcode?: number,
    flags?: number,
    options?: { except?: number },
  ): number;
}

function startsWith(payload: Buffer, prefix: Buffer): boolean {
  if (payload.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (payload[i] !== prefix[i]) return false;
  return true;
}

export function topicCommand(payload: Buffer, isText: boolean): TopicCommand | null {
  if (!isText || payload.length === 0) return null;
  // First byte only for every other message: 's' or 'p'.
  if (payload[0] === SUBSCRIBE[0] && startsWith(payload, SUBSCRIBE)) return 'subscribe';
  if (payload[0] === PUBLISH[0] && startsWith(payload, PUBLISH)) return 'publish';
  return null;
}

/** The server's topics API, or null while WsServer has none. */
export function topicsOf(server: object): TopicsApi | null {
  const candidate = server as Partial<TopicsApi>;
  return typeof candidate.publish === 'function' && typeof candidate.subscribe === 'function'
    ? (candidate as TopicsApi)
    : null;
}

/** The n/a note for servers without the API. */
export const NO_TOPICS_NOTE = 'WsServer has no publish() yet';
