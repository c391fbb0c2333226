import type { FastifyReply } from 'fastify';

/**
 * Whether a 401 may carry `WWW-Authenticate: Basic`. A script in a browser (the web console)
 * marks its requests with `X-Requested-With`, as browser scripts conventionally do; answering
 * it with the challenge would make the browser put up its own login prompt over the page.
 * Every other client gets the challenge, as HTTP says.
 */
export function asksForChallenge(reply: FastifyReply): boolean {
  return reply.request.headers['x-requested-with'] === undefined;
}
