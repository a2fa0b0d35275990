import type { ControlClient } from './control-client.js';
import { waitUntil } from './wait.js';

let markers = 0;

/**
 * Waits until everything `via`'s process sent before now has reached `clients`: it broadcasts a
 * fresh marker from that process and waits for every client to get it. A broadcast travels
 * the same way as a publish (written at once here, through the same cluster channel to the
 * other owners, which keep its order), so once the marker arrived, a message published
 * earlier from that process that a client has not got will never come. Checking "exactly
 * once" and "not at all" then needs no sleeping.
 */
export async function awaitMarker(
  via: ControlClient,
  clients: ControlClient[],
  ms = 5000,
): Promise<void> {
  const marker = `marker-${++markers}`;
  await via.call(`broadcast ${marker}`);
  await waitUntil(
    () => clients.every((client) => client.count(marker) === 1),
    ms,
    `${marker} at every client`,
  );
}
