/**
 * The echo rule every bench server applies: a text message that starts with `broadcast:` goes
 * to every connection instead of back to its sender. One shared check on the raw bytes, so all
 * servers pay the same (tiny) cost and none has to decode the text to decide.
 */
const PREFIX = Buffer.from('broadcast:');

export function isBroadcast(payload: Buffer, isText: boolean): boolean {
  if (!isText || payload.length < PREFIX.length) return false;
  for (let i = 0; i < PREFIX.length; i++) if (payload[i] !== PREFIX[i]) return false;
  return true;
}
