import { Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { ERROR_DETAIL_KEYWORD } from '../../http/validation-errors.js';
import { parse as parseYaml } from 'yaml';
import { NumberspaceError } from '../../domain/errors.js';
import { newRowId } from '../../domain/uuid-v7.js';
import { planUpdate, type NumberChanges } from '../../domain/phone-number-update.js';
import { EMULATOR_PROJECT_ID, type CheckedSeed } from '../../emulator/emulator-projects.js';
import { importedRow } from '../../numbers/import-service.js';
import { ImportPhoneNumberRequest } from '../relay-rest/import-schemas.js';
import { UpdatePhoneNumberRequest } from '../relay-rest/phone-number-update-schemas.js';

/**
 * A seed document: projects with their tokens and numbers, as JSON or YAML. A number takes
 * the Relay REST import attributes plus any update attribute, checked by the same rules.
 */

const IMPORT_KEYS = Object.keys(ImportPhoneNumberRequest.properties);

const SeedNumber = Type.Object({ ...ImportPhoneNumberRequest.properties, ...UpdatePhoneNumberRequest.properties }, { additionalProperties: false });
const SeedDocument = Type.Object(
  {
    projects: Type.Array(
      Type.Object(
        {
          id: Type.String({ pattern: EMULATOR_PROJECT_ID.source }),
          tokens: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
          numbers: Type.Optional(Type.Array(SeedNumber)),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

// The same validator and settings the routes use: no coercion, no removal, every problem.
const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, removeAdditional: false, useDefaults: false });
ajv.addKeyword(ERROR_DETAIL_KEYWORD);
const validSeed = ajv.compile(SeedDocument);

export class SeedError extends Error {}

/** Reads and checks a whole document; throws SeedError naming every problem found, and nothing is applied. */
export function checkSeedDocument(text: string): CheckedSeed {
  let value: unknown;
  try {
    // YAML 1.2 reads JSON too.
    value = parseYaml(text);
  } catch (err) {
    throw new SeedError(`the seed document is neither JSON nor YAML: ${(err as Error).message}`);
  }
  const shapeProblems = validSeed(value)
    ? []
    : (validSeed.errors ?? []).slice(0, 20).map((e) => {
        const extra = (e.params as { additionalProperty?: string }).additionalProperty;
        return `${e.instancePath || '/'}: ${e.message ?? 'is not valid'}${extra === undefined ? '' : ` (${extra})`}`;
      });
  if (shapeProblems.length > 0) throw new SeedError(`the seed document does not have the expected shape: ${shapeProblems.join('; ')}`);
  const document = value as { projects: { id: string; tokens?: string[]; numbers?: Record<string, unknown>[] }[] };

  const problems: string[] = [];
  const projectIds = new Set<string>();
  const numbers = new Map<string, string>();
  const now = new Date().toISOString();
  const checked = document.projects.map((p, pi) => {
    if (projectIds.has(p.id)) problems.push(`/projects/${pi}/id: project ${p.id} appears twice`);
    projectIds.add(p.id);
    const seeded = (p.numbers ?? []).map((n, ni) => {
      const at = `/projects/${pi}/numbers/${ni}`;
      const importPart = Object.fromEntries(Object.entries(n).filter(([k]) => IMPORT_KEYS.includes(k))) as unknown as ImportPhoneNumberRequest;
      const updatePart = Object.fromEntries(Object.entries(n).filter(([k]) => !IMPORT_KEYS.includes(k))) as NumberChanges;
      try {
        const row = importedRow(p.id, importPart, newRowId(), now);
        const earlier = numbers.get(row.number);
        if (earlier !== undefined) problems.push(`${at}: ${row.number} is already seeded at ${earlier}`);
        numbers.set(row.number, at);
        if (Object.keys(updatePart).length > 0) {
          const planned = planUpdate(row, { body: updatePart, now, actor: { projectId: p.id, tokenId: null, requestId: null, surface: 'emulator' } });
          if (!planned.ok) problems.push(...planned.problems.map((pr) => `${at}: ${pr.detail}`));
        }
      } catch (err) {
        if (!(err instanceof NumberspaceError)) throw err;
        problems.push(...err.problems.map((pr) => `${at}: ${pr.detail}`));
      }
      return Object.keys(updatePart).length > 0 ? { import: importPart, update: updatePart } : { import: importPart };
    });
    return { id: p.id, tokens: p.tokens ?? [], numbers: seeded };
  });
  if (problems.length > 0) throw new SeedError(`the seed document was refused, nothing of it applied: ${problems.join('; ')}`);
  return { projects: checked };
}
