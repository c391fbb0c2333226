import net from 'node:net';

export interface RawResponse {
  /** Everything the server wrote before closing or the deadline. */
  readonly text: string;
  readonly status: number | null;
  /** The body after the blank line, if any. */
  readonly body: string;
  /** True when the server closed the connection before the deadline. */
  readonly closedByServer: boolean;
}

/**
 * Writes bytes as they are onto a fresh connection: for requests fetch() would refuse to
 * send or would normalise (duplicate Host, CL with TE, dot segments, slow clients).
 */
export function rawRequest(url: string, chunks: (string | { waitMs: number })[], deadlineMs = 2000): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let text = '';
    let closedByServer = false;
    const socket = net.connect(Number(port), hostname, async () => {
      for (const chunk of chunks) {
        if (typeof chunk === 'string') socket.write(chunk);
        else await new Promise((r) => setTimeout(r, chunk.waitMs));
        if (socket.destroyed) break;
      }
    });
    const timer = setTimeout(() => socket.destroy(), deadlineMs);
    socket.on('data', (d) => (text += String(d)));
    socket.on('end', () => (closedByServer = true));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const split = text.indexOf('\r\n\r\n');
      resolve({ text, status: status === null ? null : Number(status[1]), body: split < 0 ? '' : text.slice(split + 4), closedByServer });
    });
  });
}
