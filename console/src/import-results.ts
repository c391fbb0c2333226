/** What each row of a bulk import came to, and the results file `numberspace import` writes. */

export type Outcome = 'imported' | 'already_imported' | 'rejected';

export interface RowResult {
  readonly row: number;
  readonly number: string;
  readonly outcome: Outcome;
  readonly id: string;
  readonly error: string;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The results as `numberspace import` writes them: row,number,outcome,id,error. */
export function resultsCsv(results: readonly RowResult[]): string {
  const lines = ['row,number,outcome,id,error'];
  for (const r of results) lines.push([String(r.row), r.number, r.outcome, r.id, r.error].map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}
