package history

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// hostSets are the two sets of a host scan (0, 0 when it was not
// scanned): its results and open CVEs, and its configuration checks.
type hostSets struct{ results, checks int64 }

// setContent is what a set holds: results and open CVEs, or checks (a set
// of a schema version 1 or 2 store holds all three).
type setContent struct {
	results []ResultRecord
	checks  []CheckRecord
	cves    []CVERecord
}

// resultSets returns the sets of every record (by index), creating and
// filling the sets the store lacks. Every scanned host gets both sets,
// an empty check set when it had no checks (one set, shared by all).
func (w *txWriter) resultSets(recs []HostRecord, updateIDs map[updateKey]int64) ([]hostSets, error) {
	digests := make([][2]string, len(recs))
	content := map[string]*setContent{}
	for i := range recs {
		h := &recs[i]
		if h.Status != HostScanned {
			continue
		}
		digests[i] = [2]string{h.resultsDigest(), h.checksDigest()}
		if _, ok := content[digests[i][0]]; !ok {
			content[digests[i][0]] = &setContent{results: h.Results, cves: h.CVEs}
		}
		if _, ok := content[digests[i][1]]; !ok {
			content[digests[i][1]] = &setContent{checks: h.Checks}
		}
	}
	keys := sortedKeys(content)
	ids, err := w.findSets(keys)
	if err != nil {
		return nil, err
	}
	var todo []string
	for _, k := range keys {
		if _, ok := ids[k]; !ok {
			todo = append(todo, k)
		}
	}
	created, err := w.createSets(todo, ids)
	if err != nil {
		return nil, err
	}
	if err := w.fillSets(created, ids, content, updateIDs); err != nil {
		return nil, err
	}
	out := make([]hostSets, len(recs))
	for i, dg := range digests {
		if dg[0] == "" {
			continue
		}
		out[i] = hostSets{ids[dg[0]], ids[dg[1]]}
		if out[i].results == 0 || out[i].checks == 0 {
			return nil, errors.New("a result set did not come back")
		}
	}
	return out, nil
}

// findSets looks up existing sets by digest.
func (w *txWriter) findSets(digests []string) (map[string]int64, error) {
	ids := make(map[string]int64, len(digests))
	err := w.each(len(digests), 1, func(lo, hi int) error {
		args := make([]any, 0, hi-lo)
		for _, k := range digests[lo:hi] {
			args = append(args, k)
		}
		return w.query(findSetsQuery(hi-lo), args, func(rows *sql.Rows) error {
			var id int64
			var dg string
			if err := rows.Scan(&id, &dg); err != nil {
				return err
			}
			ids[dg] = id
			return nil
		})
	})
	return ids, err
}

// createSets inserts new sets; a set another scanner created meanwhile is
// looked up instead, and only the sets created here are returned (to be
// filled).
func (w *txWriter) createSets(digests []string, ids map[string]int64) ([]string, error) {
	now := time.Now().UTC()
	var created []string
	err := w.each(len(digests), 2, func(lo, hi int) error {
		args := make([]any, 0, 2*(hi-lo))
		for _, k := range digests[lo:hi] {
			args = append(args, k, now)
		}
		q := createSetsQuery(hi - lo)
		return w.query(q, args, func(rows *sql.Rows) error {
			var id int64
			var dg string
			if err := rows.Scan(&id, &dg); err != nil {
				return err
			}
			ids[dg] = id
			created = append(created, dg)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	var raced []string
	for _, dg := range digests {
		if _, ok := ids[dg]; !ok {
			raced = append(raced, dg)
		}
	}
	if len(raced) > 0 {
		found, err := w.findSets(raced)
		if err != nil {
			return nil, err
		}
		for k, v := range found {
			ids[k] = v
		}
	}
	return created, nil
}

// fillSets writes the results, checks and open CVEs of the new sets.
func (w *txWriter) fillSets(created []string, ids map[string]int64, content map[string]*setContent, updateIDs map[updateKey]int64) error {
	results, checks, cves := w.rows(resultsInsert), w.rows(checksInsert), w.rows(cvesInsert)
	for _, dg := range created {
		sid, h := any(ids[dg]), content[dg] // boxed once for all its rows
		for i := range h.results {
			r := &h.results[i]
			var due any
			if !r.Due.IsZero() {
				due = r.Due.UTC()
			}
			if err := results.add(sid, updateIDs[r.ukey()], textValue(r.Status), due, textValue(r.SupersededBy)); err != nil {
				return fmt.Errorf("results: %w", err)
			}
		}
		for i := range h.checks {
			c := &h.checks[i]
			if err := checks.add(sid, c.ID, textValue(c.Status), textValue(c.Severity), textValue(c.Reason)); err != nil {
				return fmt.Errorf("config checks: %w", err)
			}
		}
		for i := range h.cves {
			c := &h.cves[i]
			if err := cves.add(sid, c.CVE, textValue(c.Severity), c.Exploited, joinList(c.FixedBy)); err != nil {
				return fmt.Errorf("open CVEs: %w", err)
			}
		}
	}
	if err := results.flush(); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if err := checks.flush(); err != nil {
		return fmt.Errorf("config checks: %w", err)
	}
	if err := cves.flush(); err != nil {
		return fmt.Errorf("open CVEs: %w", err)
	}
	return nil
}

// rowBatch collects the rows of one table and inserts them a full
// statement at a time, reusing one argument slice.
type rowBatch struct {
	w      *txWriter
	prefix string
	per    int
	args   []any
}

func (w *txWriter) rows(prefix string) *rowBatch {
	per := perStatement(w.d, detailCols)
	return &rowBatch{w: w, prefix: prefix, per: per, args: make([]any, 0, per*detailCols)}
}

func (b *rowBatch) add(row ...any) error {
	b.args = append(b.args, row...)
	if len(b.args) < b.per*detailCols {
		return nil
	}
	return b.flush()
}

func (b *rowBatch) flush() error {
	if len(b.args) == 0 {
		return nil
	}
	err := b.w.exec(b.prefix+values(len(b.args)/detailCols, detailCols), b.args)
	clear(b.args)
	b.args = b.args[:0]
	return err
}

// commonText holds the values most rows repeat (statuses, severities, the
// empty string) boxed once: boxing a string allocates, and a first run
// writes ~500,000 rows.
var commonText = func() map[string]any {
	m := map[string]any{}
	for _, s := range []string{"", "missing", "warning", "note", "error", "superseded", "installed",
		"pass", "fail", "info", "not-applicable", "Critical", "Important", "Moderate", "Low"} {
		m[s] = s
	}
	return m
}()

func textValue(s string) any {
	if v, ok := commonText[s]; ok {
		return v
	}
	return s
}
