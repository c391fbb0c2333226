import { type Static, Type } from '@sinclair/typebox';
import { SCOPES } from '../domain/scopes.js';
import { MAX_TOKEN_NAME } from '../tenancy/token-service.js';
import { StringEnum } from './schema-kit.js';

/** The Project Tokens API's request bodies: the same lower-case names on both surfaces. */
const NAME = Type.String({ minLength: 1, maxLength: MAX_TOKEN_NAME, description: 'A label for people: 1 to 255 characters, not blank, no control characters.' });
const PERMISSIONS = (description: string, minItems?: number) =>
  Type.Array(StringEnum(SCOPES), { ...(minItems === undefined ? {} : { minItems }), maxItems: 64, description });

export const CreateTokenRequest = Type.Object(
  {
    name: NAME,
    permissions: PERMISSIONS('The scopes the token grants, from the 11 known ones; repeats are ignored.', 1),
    subproject_id: Type.Optional(Type.String({ description: 'Not emulated: numberspace has no subprojects, so any value answers 422 (not_served).' })),
  },
  { additionalProperties: false },
);
export type CreateTokenRequest = Static<typeof CreateTokenRequest>;

export const UpdateTokenRequest = Type.Object(
  {
    name: Type.Optional(NAME),
    permissions: Type.Optional(PERMISSIONS('Replaces the token\'s scopes; must not be empty. Absent: the scopes stay.')),
  },
  { additionalProperties: false },
);
export type UpdateTokenRequest = Static<typeof UpdateTokenRequest>;
