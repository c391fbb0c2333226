import { Type } from '@sinclair/typebox';

/**
 * Nullable values are written `type: [T, "null"]` rather than `anyOf`: the OpenAPI 3.1 document
 * stays as readable as the contract's, and fast-json-stringify serialises them without
 * trying each branch.
 */
export function NullableString(options: { format?: string; description?: string } = {}) {
  return Type.Unsafe<string | null>({ type: ['string', 'null'], ...options });
}

export function NullableEnum<const T extends readonly string[]>(values: T, description?: string) {
  return Type.Unsafe<T[number] | null>({
    type: ['string', 'null'],
    enum: [...values, null],
    ...(description === undefined ? {} : { description }),
  });
}

export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** The contract's simple error body, `{"error":"<reason>"}`. */
export function SimpleError(reason: string) {
  return Type.Object({ error: Type.Literal(reason) }, { additionalProperties: false });
}

export const ErrorItemSchema = Type.Object(
  {
    detail: Type.String({ description: 'What went wrong, naming the attribute.' }),
    status: Type.String({ description: 'The HTTP status, as a string.' }),
    title: Type.String(),
    code: Type.String({ description: 'A stable machine-readable code; see the README error table.' }),
  },
  { additionalProperties: false },
);

export const ErrorListSchema = Type.Object({ errors: Type.Array(ErrorItemSchema) }, { additionalProperties: false });

