import type { FastifyReply } from 'fastify';

/**
 * Sends JSON text that is already serialised (a number's stored wire form, or a page built
 * from them): Fastify passes a string with a JSON content type through untouched.
 */
export function sendJson(reply: FastifyReply, json: string, status = 200): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(json);
}
