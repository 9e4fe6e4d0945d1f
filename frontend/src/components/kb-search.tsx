// The search playground: try a question against one knowledge base (or all of them) and see the
// passages an agent would get, with their scores.

import { useId, useState } from "preact/hooks";

import { api } from "../api";
import { Button, ErrorNote, fieldError, useAction } from "./ui";

interface Result {
  knowledge_base_id: string;
  source_id: string;
  chunk_id: string;
  content: string;
  score: number;
  metadata: { source: string; page: number | null; heading: string | null };
}

interface Results {
  results: Result[];
  mode: string;
  took_ms: number;
}

const EXCERPT = 420;

function Passage(props: { result: Result; rank: number; baseName?: string }) {
  const [whole, setWhole] = useState(false);
  const { result } = props;
  const long = result.content.length > EXCERPT;
  const text = whole || !long ? result.content : result.content.slice(0, EXCERPT).replace(/\s+\S*$/, "") + "…";
  const percent = Math.max(0, Math.min(1, result.score)) * 100;
  return (
    <li class="kb-result">
      <div class="kb-result-head">
        <span class="kb-rank" aria-hidden="true">
          {props.rank}
        </span>
        <div class="kb-result-where">
          <strong>{result.metadata.source}</strong>
          <span class="muted">
            {[
              props.baseName,
              result.metadata.page !== null && result.metadata.page !== undefined ? `page ${result.metadata.page}` : null,
              result.metadata.heading,
            ]
              .filter(Boolean)
              .join(" · ")}
          </span>
        </div>
        <div class="kb-score-box">
          <span class="kb-score-label">
            Score <span class="score">{result.score.toFixed(3)}</span>
          </span>
          <div
            class="progress kb-score-bar"
            role="meter"
            aria-label="Score"
            aria-valuemin={0}
            aria-valuemax={1}
            aria-valuenow={Number(result.score.toFixed(3))}
          >
            <span style={{ width: `${percent}%` }} class={result.score >= 0.5 ? "good" : result.score >= 0.35 ? "fair" : "weak"} />
          </div>
        </div>
      </div>
      <p class="kb-excerpt">{text}</p>
      {long && (
        <button type="button" class="link" aria-expanded={whole} onClick={() => setWhole(!whole)}>
          {whole ? "Show less" : "Show the whole passage"}
        </button>
      )}
    </li>
  );
}

/** Query, mode, limit and threshold → the ranked passages. */
export function SearchPlayground(props: { path: string; defaultThreshold?: number | null; showBase?: boolean; bases?: Map<string, string> }) {
  const id = useId();
  const [query, setQuery] = useState("");
  const [mode, setMode] = useState("hybrid");
  const [limit, setLimit] = useState("5");
  const [threshold, setThreshold] = useState("");
  const [answer, setAnswer] = useState<Results | null>(null);
  const [asked, setAsked] = useState("");

  const search = useAction(async () => {
    const body: Record<string, unknown> = { query: query.trim(), mode, limit: Number(limit) || 5 };
    if (threshold.trim() !== "") body.threshold = Number(threshold);
    const found = await api<Results>(props.path, { body });
    setAnswer(found);
    setAsked(query.trim());
  });

  return (
    <div class="kb-playground">
      <form
        class="kb-search-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (query.trim()) void search.run();
        }}
      >
        <div class={`field kb-query ${fieldError(search.error, "query") ? "has-error" : ""}`}>
          <label for={`${id}-query`}>Search query</label>
          <input
            id={`${id}-query`}
            type="search"
            value={query}
            placeholder="Ask what a customer would, e.g. “Do you deliver on Sundays?”"
            onInput={(event) => setQuery((event.currentTarget as HTMLInputElement).value)}
            maxLength={2000}
          />
        </div>
        <div class="kb-search-options">
          <div class="field">
            <label for={`${id}-mode`}>Mode</label>
            <select id={`${id}-mode`} value={mode} onChange={(event) => setMode((event.currentTarget as HTMLSelectElement).value)}>
              <option value="hybrid">Hybrid (meaning + words)</option>
              <option value="vector">Vector (meaning)</option>
              <option value="keyword">Keyword (words)</option>
            </select>
          </div>
          <div class={`field ${fieldError(search.error, "limit") ? "has-error" : ""}`}>
            <label for={`${id}-limit`}>Results</label>
            <input
              id={`${id}-limit`}
              type="number"
              min={1}
              max={50}
              value={limit}
              onInput={(event) => setLimit((event.currentTarget as HTMLInputElement).value)}
            />
          </div>
          <div class={`field ${fieldError(search.error, "threshold") ? "has-error" : ""}`}>
            <label for={`${id}-threshold`}>Minimum score</label>
            <input
              id={`${id}-threshold`}
              type="number"
              min={0}
              max={1}
              step={0.05}
              value={threshold}
              placeholder={props.defaultThreshold !== null && props.defaultThreshold !== undefined ? String(props.defaultThreshold) : "0"}
              aria-describedby={`${id}-threshold-hint`}
              onInput={(event) => setThreshold((event.currentTarget as HTMLInputElement).value)}
            />
          </div>
          <Button type="submit" variant="primary" busy={search.busy} disabled={!query.trim()}>
            Search
          </Button>
        </div>
        <p class="hint" id={`${id}-threshold-hint`}>
          The score estimates the chance a passage answers the question (0–1) in every mode; 0.5 means “more likely relevant than
          not”. Empty minimum: the base's own setting, else 0.
        </p>
      </form>
      <ErrorNote error={search.error} />
      <div aria-live="polite">
        {answer && (
          <>
            <p class="kb-results-meta">
              {answer.results.length === 0
                ? `No passage for “${asked}” reached the minimum score.`
                : `${answer.results.length} passage${answer.results.length === 1 ? "" : "s"} for “${asked}”`}{" "}
              <span class="muted">
                · {answer.mode} · {Math.round(answer.took_ms)} ms
              </span>
            </p>
            {answer.results.length === 0 && (
              <p class="muted">
                Try other words, the hybrid mode or a lower minimum score. If the answer is not in any source yet, add it as a text.
              </p>
            )}
            <ol class="kb-results" aria-label="Search results">
              {answer.results.map((result, index) => (
                <Passage
                  key={result.chunk_id}
                  result={result}
                  rank={index + 1}
                  baseName={props.showBase ? (props.bases?.get(result.knowledge_base_id) ?? undefined) : undefined}
                />
              ))}
            </ol>
          </>
        )}
      </div>
    </div>
  );
}
