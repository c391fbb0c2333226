import { actionName, detailsSummary, displayDateTime, displayNumber } from './format.js';
import { numberHref } from './router.js';
import type { ActivityItem } from './types.js';
import { TableWrap } from './ui.js';

/** Audit events as a table: when, what, which number, through which surface and token, what changed. */
export function ActivityTable({ items, label }: { items: readonly ActivityItem[]; label: string }) {
  return (
    <TableWrap>
      <table class="activity-table">
        <caption class="visually-hidden">{label}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">Number</th>
            <th scope="col">Surface</th>
            <th scope="col">Token</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id}>
              <td class="nowrap">
                <time dateTime={e.at}>{displayDateTime(e.at)}</time>
              </td>
              <td class="nowrap">
                <span class={`tag tag-${e.action.replace(/\W/g, '-')}`}>{actionName(e.action)}</span>
              </td>
              <td class="nowrap">
                {e.number === null ? (
                  <span class="muted">—</span>
                ) : e.action === 'number.released' ? (
                  <span title={e.number}>{displayNumber(e.number)}</span>
                ) : (
                  <a href={numberHref(e.resource_id)}>{displayNumber(e.number)}</a>
                )}
              </td>
              <td class="nowrap">{e.surface ?? <span class="muted">—</span>}</td>
              <td>{e.token_id === null ? <span class="muted">{e.surface === 'cli' ? 'operator' : '—'}</span> : <code class="id">{e.token_id}</code>}</td>
              <td class="details">{detailsSummary(e.details, e.action) || <span class="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
