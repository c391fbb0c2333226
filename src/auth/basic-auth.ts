/** `Authorization: Basic base64(project_id:token)`, as SignalWire's SDKs send it. */
export interface BasicCredentials {
  readonly projectId: string;
  readonly secret: string;
}

/** Returns undefined for anything that is not well-formed Basic credentials. Never throws. */
export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  if (header === undefined || header.length > 1024) return undefined;
  const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return undefined;
  return { projectId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}
