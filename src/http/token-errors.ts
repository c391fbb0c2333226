/**
 * The Project Tokens API answers validation errors in a shape of its own on both surfaces
 * (items of type, code, message, attribute and url); its routes say so in their config and
 * each surface's error writer renders that shape.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** A Project Tokens route: its 422 is the tokens API's own shape. */
    readonly tokenErrors?: boolean;
  }
}

/** Where a token validation error's `url` points: SignalWire's error-code reference, as in the contract's example. */
export const TOKEN_ERROR_URL = 'https://signalwire.com/docs/apis/error-codes';
