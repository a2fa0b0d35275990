/**
 * Whether a gateway path scope covers a request path: the same path, or one below it
 * (`/chat` covers `/chat` and `/chat/room`, not `/chatter`). No scope covers everything.
 */
export function pathCovers(scope: string | undefined, path: string): boolean {
  if (scope === undefined || scope === '/') return true;
  const base = scope.endsWith('/') ? scope.slice(0, -1) : scope;
  return path === base || path.startsWith(`${base}/`);
}
