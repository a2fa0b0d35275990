/**
 * Where a cluster adapter reports what it survives but an operator must know (its owner id taken
 * over by another node, say). Structurally the same as the server's logger, so `WsServer` can
 * pass its own.
 */
export interface ClusterLogger {
  error(message: string, error?: unknown): void;
  warn(message: string): void;
}

/** The default: the console. */
export const consoleClusterLogger: ClusterLogger = {
  error: (message, error) => console.error(`[WsServer cluster] ${message}`, error ?? ''),
  warn: (message) => console.warn(`[WsServer cluster] ${message}`),
};
