import { ErrorListSchema, SimpleError } from '../../http/schema-kit.js';

/**
 * Error responses as the served OpenAPI document declares them. 403 is not in the contract's
 * operation lists: numberspace uses the contract's error-list shape for it (scope missing,
 * Partner API disabled).
 */
export const errorResponses = {
  400: { description: 'The request is invalid.', ...SimpleError('Bad Request') },
  401: { description: 'Access is unauthorized.', ...SimpleError('Unauthorized') },
  403: { description: 'The token lacks the scope, or the Space has the Partner API disabled.', ...ErrorListSchema },
  404: { description: 'The server cannot find the requested resource.', ...SimpleError('Not Found') },
  409: { description: 'A request with this Idempotency-Key is still being processed; retry later.', ...SimpleError('Conflict') },
  413: { description: 'The body exceeds the 16 KiB limit.', ...SimpleError('Payload Too Large') },
  415: { description: 'The body is not JSON.', ...SimpleError('Unsupported Media Type') },
  422: { description: 'The request failed validation. See errors for details.', ...ErrorListSchema },
  429: {
    description:
      'Too many requests: the project spent the write (or read) quota of its rate limit for the current window, or too many requests with failed credentials came from this client address (valid credentials are never refused this way). Retry after the Retry-After header\'s seconds. While a rate limit applies to the request, every answer carries the RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers), for example `RateLimit-Policy: "writes";q=13800;w=10` and `RateLimit: "writes";r=0;t=7`.',
    ...SimpleError('Too Many Requests'),
  },
  500: { description: 'An internal server error occurred.', ...SimpleError('Internal Server Error') },
  503: {
    description: 'The database cannot serve the request right now (unreachable, restarting, busy) or the node is starting or stopping. Retry after the Retry-After header\'s seconds.',
    ...SimpleError('Service Unavailable'),
  },
} as const;

export function pickErrors<K extends keyof typeof errorResponses>(...codes: K[]): Pick<typeof errorResponses, K> {
  const out = {} as Pick<typeof errorResponses, K>;
  for (const c of codes) out[c] = errorResponses[c];
  return out;
}
