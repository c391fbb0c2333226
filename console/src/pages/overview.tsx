import { ActivityTable } from '../activity-table.js';
import { countryName, displayCount, displayDay, numberTypeName } from '../format.js';
import type { Overview } from '../types.js';
import { Alert, Loading, PageHeading, TableWrap, useGet } from '../ui.js';

export function OverviewPage() {
  const overview = useGet<Overview>('/api/numberspace/overview');
  const data = overview.data;
  return (
    <>
      <PageHeading title="Overview" />
      <Alert messages={[overview.error]} />
      {data === null ? (
        overview.loading && <Loading what="the overview" />
      ) : (
        <div class="overview">
          <section class="card stat" aria-labelledby="active-heading">
            <h2 id="active-heading">Active numbers</h2>
            <p class="stat-value">{displayCount(data.active_numbers)}</p>
            <p class="stat-links">In this project now, across every country and type.</p>
          </section>
          <section class="card chart-card" aria-labelledby="daily-heading">
            <h2 id="daily-heading">Last 30 days</h2>
            <DailyChart daily={data.daily} />
          </section>
          <section class="card" aria-labelledby="country-heading">
            <h2 id="country-heading">By country</h2>
            {data.by_country.length === 0 ? (
              <p class="empty">No active numbers.</p>
            ) : (
              <TableWrap>
                <table>
                  <caption class="visually-hidden">Active numbers by country</caption>
                  <thead>
                    <tr>
                      <th scope="col">Country</th>
                      <th scope="col" class="num">
                        Numbers
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.by_country.map((c) => (
                      <tr key={String(c.country_code)}>
                        <td>{countryName(c.country_code)}</td>
                        <td class="num">{displayCount(c.count)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
          </section>
          <section class="card" aria-labelledby="type-heading">
            <h2 id="type-heading">By type</h2>
            {data.by_type.length === 0 ? (
              <p class="empty">No active numbers.</p>
            ) : (
              <TableWrap>
                <table>
                  <caption class="visually-hidden">Active numbers by type</caption>
                  <thead>
                    <tr>
                      <th scope="col">Type</th>
                      <th scope="col" class="num">
                        Numbers
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.by_type.map((t) => (
                      <tr key={t.number_type}>
                        <td>{numberTypeName(t.number_type)}</td>
                        <td class="num">{displayCount(t.count)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
          </section>
          <section class="card wide" aria-labelledby="recent-heading">
            <div class="section-head">
              <h2 id="recent-heading">Recent changes</h2>
              <a href="#/activity">Full history</a>
            </div>
            {data.recent.length === 0 ? <p class="empty">Nothing has changed yet.</p> : <ActivityTable items={data.recent} label="Recent changes" />}
          </section>
        </div>
      )}
    </>
  );
}

const W = 600;
const H = 180;
const TOP = 6;
const BOTTOM = 2;

/** Bars per day: numbers added (imported and bought) and released; the same data in a table for screen readers. */
function DailyChart({ daily }: { daily: Overview['daily'] }) {
  const days = daily.map((d) => ({ date: d.date, added: d.imported + d.purchased, imported: d.imported, purchased: d.purchased, released: d.released }));
  const max = Math.max(1, ...days.map((d) => Math.max(d.added, d.released)));
  const added = days.reduce((s, d) => s + d.added, 0);
  const released = days.reduce((s, d) => s + d.released, 0);
  const slot = W / Math.max(1, days.length);
  const bar = Math.max(2, slot / 2 - 2);
  const plot = H - TOP - BOTTOM;
  const height = (n: number) => (n === 0 ? 0 : Math.max(2, (n / max) * plot));
  const summary = `${displayCount(added)} numbers added (imported or bought) and ${displayCount(released)} released in the last ${days.length} days.`;
  return (
    <>
      <p class="chart-summary">{summary}</p>
      <ul class="legend" aria-hidden="true">
        <li class="legend-scale">Top line: {displayCount(max)} a day</li>
        <li>
          <span class="swatch swatch-added" /> Added
        </li>
        <li>
          <span class="swatch swatch-released" /> Released
        </li>
      </ul>
      <svg class="chart" viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-labelledby="chart-title chart-desc" focusable="false">
        <title id="chart-title">Numbers added and released per day</title>
        <desc id="chart-desc">{summary} The table after the chart has the figures for each day.</desc>
        <line class="axis" x1={0} y1={H - BOTTOM + 0.5} x2={W} y2={H - BOTTOM + 0.5} />
        <line class="grid" x1={0} y1={TOP + 0.5} x2={W} y2={TOP + 0.5} />
        {days.map((d, i) => {
          const x = i * slot + 1;
          const ha = height(d.added);
          const hr = height(d.released);
          return (
            <g key={d.date}>
              <title>{`${displayDay(d.date)}: ${d.added} added, ${d.released} released`}</title>
              <rect class="hit" x={i * slot} y={TOP} width={slot} height={plot} />
              <rect class="bar-added" x={x} y={H - BOTTOM - ha} width={bar} height={ha} />
              <rect class="bar-released" x={x + bar + 1} y={H - BOTTOM - hr} width={bar} height={hr} />
            </g>
          );
        })}
      </svg>
      <div class="chart-axis" aria-hidden="true">
        <span>{days[0] === undefined ? '' : displayDay(days[0].date)}</span>
        <span>{days.at(-1) === undefined ? '' : displayDay(days.at(-1)!.date)}</span>
      </div>
      <div class="visually-hidden">
        <table>
        <caption>Numbers imported, bought and released per day, last {days.length} days</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Imported</th>
            <th scope="col">Bought</th>
            <th scope="col">Released</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.date}>
              <th scope="row">{displayDay(d.date)}</th>
              <td>{d.imported}</td>
              <td>{d.purchased}</td>
              <td>{d.released}</td>
            </tr>
          ))}
        </tbody>
        </table>
      </div>
    </>
  );
}
