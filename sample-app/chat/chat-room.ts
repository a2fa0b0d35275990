/** The room a connection joins when `/chat` has no `?room=`. */
export const DEFAULT_ROOM = 'lobby';

/** A room name: 1 to 32 characters, lower-case letters, digits, `-` and `_`, a letter or digit first. */
const ROOM_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** The room a handshake asks for (`/chat?room=...`, `lobby` without one), or null when invalid. */
export function requestedRoom(query: Record<string, string>): string | null {
  const room = query['room'] ?? DEFAULT_ROOM;
  return ROOM_NAME.test(room) ? room : null;
}

/** The topic a room's members are subscribed to. */
export function roomTopic(room: string): string {
  return `room:${room}`;
}
