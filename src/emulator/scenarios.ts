/**
 * One-shot answers queued per operation: the next request to that operation (of that
 * project, when the scenario names one) gets the queued answer instead of being processed.
 */

export interface Scenario {
  /** `<surface>.<operationId>`. */
  readonly operation: string;
  readonly status: number;
  /** The JSON body sent; null sends none. */
  readonly response: unknown;
  readonly headers: Readonly<Record<string, string>>;
  /** Only requests of this project (the Basic user name) take it; absent: any. */
  readonly project?: string;
}

export interface Scenarios {
  push(scenario: Scenario): void;
  /** Removes and returns the first queued scenario of the operation that applies to the project. */
  take(operation: string, project: string | undefined): Scenario | undefined;
  /** Everything queued, in the order it would be served per operation. */
  list(): Scenario[];
  /** Clears every queue, or only the scenarios scoped to one project. */
  reset(project?: string): void;
  /** Whether anything at all is queued: the common case, nothing, costs one check. */
  readonly empty: boolean;
}

export function createScenarios(): Scenarios {
  const queues = new Map<string, Scenario[]>();
  let count = 0;
  return {
    push(scenario) {
      const queue = queues.get(scenario.operation) ?? [];
      queue.push(scenario);
      queues.set(scenario.operation, queue);
      count++;
    },
    take(operation, project) {
      const queue = queues.get(operation);
      if (queue === undefined) return undefined;
      const at = queue.findIndex((s) => s.project === undefined || s.project === project);
      if (at === -1) return undefined;
      const [taken] = queue.splice(at, 1);
      if (queue.length === 0) queues.delete(operation);
      count--;
      return taken;
    },
    list: () => [...queues.values()].flat(),
    reset(project) {
      for (const [operation, queue] of queues) {
        const kept = project === undefined ? [] : queue.filter((s) => s.project !== project);
        count -= queue.length - kept.length;
        if (kept.length === 0) queues.delete(operation);
        else queues.set(operation, kept);
      }
    },
    get empty() {
      return count === 0;
    },
  };
}

/**
 * Resolves a scenario's operation name: `<surface>.<operationId>` as it is, or a bare
 * operationId when exactly one surface has it.
 */
export function resolveOperation(name: string, known: readonly string[]): { operation: string } | { ambiguous: string[] } | { unknown: true } {
  if (known.includes(name)) return { operation: name };
  const matches = known.filter((k) => k.slice(k.indexOf('.') + 1) === name);
  if (matches.length === 1) return { operation: matches[0]! };
  if (matches.length > 1) return { ambiguous: matches };
  return { unknown: true };
}
