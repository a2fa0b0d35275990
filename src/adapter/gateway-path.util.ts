/**
 * A gateway's `path` option as platform-ws compares it: a leading slash, no repeated or
 * trailing slashes, and `/` when there is none.
 */
export function normalizeGatewayPath(path: string | undefined): string {
  if (path === undefined || path === '') return '/';
  const collapsed = `/${path}`.replace(/\/{2,}/g, '/');
  return collapsed.length > 1 && collapsed.endsWith('/')
    ? collapsed.replace(/\/+$/, '')
    : collapsed;
}
