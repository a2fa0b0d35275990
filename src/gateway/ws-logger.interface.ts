/** Where the runtime reports errors it survives (a throwing handler, a socket error). */
export interface WsLogger {
  error(message: string, error?: unknown): void;
  warn(message: string): void;
}

/** The default logger: the console. */
export const consoleLogger: WsLogger = {
  error: (message, error) => console.error(`[WsServer] ${message}`, error ?? ''),
  warn: (message) => console.warn(`[WsServer] ${message}`),
};
