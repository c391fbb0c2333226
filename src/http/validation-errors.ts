import { type Problem, problem } from '../domain/errors.js';

/** The subset of an Ajv error this module reads. */
interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  parentSchema?: Record<string, unknown>;
}

/**
 * A schema may carry `x-error-detail`: the sentence to show when its `pattern` fails, because
 * a regular expression is no help to the person reading the error.
 */
export const ERROR_DETAIL_KEYWORD = 'x-error-detail';

/** `/capabilities/0` → `capabilities[0]`; the root is `body`. */
function attributeName(instancePath: string): string {
  if (instancePath === '') return 'body';
  return instancePath
    .slice(1)
    .split('/')
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? unescape(part) : `.${unescape(part)}`))
    .join('');
}

const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** One problem per schema error, each naming the attribute and what would make it valid. */
export function toProblems(schemaErrors: readonly SchemaError[]): Problem[] {
  const items: Problem[] = [];
  const seen = new Set<string>();
  // A value of the wrong type also fails its enum, pattern and length checks: one problem, one item.
  const wrongType = new Set(schemaErrors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  for (const e of schemaErrors) {
    if (e.keyword !== 'type' && wrongType.has(e.instancePath)) continue;
    const item = toProblem(e);
    // allErrors can report one fault twice (a type error under several schema branches).
    const key = `${item.code}\u0000${item.detail}`;
    if (!seen.has(key)) {
      seen.add(key);
      items.push(item);
    }
  }
  return items;
}

function toProblem(e: SchemaError): Problem {
  const attr = attributeName(e.instancePath);
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return problem('missing_attribute', `${prefix(attr)}${String(p.missingProperty)} is required`, `${prefix(attr)}${String(p.missingProperty)}`);
    case 'additionalProperties':
      return problem('unknown_attribute', `${prefix(attr)}${String(p.additionalProperty)} is not a known attribute`, `${prefix(attr)}${String(p.additionalProperty)}`);
    case 'type':
      return attr === 'body'
        ? problem('invalid_body', 'The request body must be a JSON object')
        : problem('invalid_type', `${attr} must be ${article(String(p.type))}`, attr);
    case 'enum':
      return problem(
        'invalid_value',
        `${attr} must be one of: ${(p.allowedValues as unknown[]).filter((v) => v !== null).join(', ')}`,
        attr,
      );
    case 'const':
      return problem('invalid_value', `${attr} must be ${JSON.stringify(p.allowedValue)}`, attr);
    case 'minLength':
      return problem('invalid_length', `${attr} must be at least ${String(p.limit)} characters long`, attr);
    case 'maxLength':
      return problem('invalid_length', `${attr} must be at most ${String(p.limit)} characters long`, attr);
    case 'minItems':
      return Number(p.limit) === 1
        ? problem('empty_list', `${attr} must not be empty`, attr)
        : problem('invalid_length', `${attr} must have at least ${String(p.limit)} items`, attr);
    case 'maxItems':
      return problem('invalid_length', `${attr} must have at most ${String(p.limit)} items`, attr);
    case 'pattern':
    case 'format': {
      const hint = e.parentSchema?.[ERROR_DETAIL_KEYWORD];
      return problem(
        'invalid_format',
        typeof hint === 'string' ? `${attr} ${hint}` : `${attr} is not a valid ${String(p.format ?? 'value')}`,
        attr,
      );
    }
    default:
      return problem('invalid_value', `${attr} is invalid`, attr);
  }
}

const prefix = (attr: string) => (attr === 'body' ? '' : `${attr}.`);
const article = (type: string) => (type === 'array' || type === 'object' || type === 'integer' ? `an ${type}` : `a ${type}`);
