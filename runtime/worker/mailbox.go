package worker

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgectl/edgectl/graphir"
)

// runKey names one frame attempt of a session.
type runKey struct {
	session string
	run     uint64
}

// pieceKey names one expected piece: the destination job (stage and first
// tile), the value and the box (its String form).
type pieceKey struct {
	stage, tile int32
	value, box  string
}

// mailbox buffers parts that arrived before (or while) their job waits for
// them. Parts of a run are dropped by Release, by Close of the session, or
// after SessionIdle.
type mailbox struct {
	gauge prometheus.Gauge
	mu    sync.Mutex
	runs  map[runKey]*runMail
	gone  map[runKey]time.Time // released runs: late parts are dropped
	bytes int64
}

type runMail struct {
	pieces  map[pieceKey]*graphir.Tensor
	changed chan struct{} // closed and replaced when a piece arrives
	created time.Time
}

func newMailbox(g prometheus.Gauge) *mailbox {
	return &mailbox{gauge: g, runs: map[runKey]*runMail{}, gone: map[runKey]time.Time{}}
}

func (m *mailbox) get(k runKey) *runMail {
	r, ok := m.runs[k]
	if !ok {
		r = &runMail{pieces: map[pieceKey]*graphir.Tensor{}, changed: make(chan struct{}), created: time.Now()}
		m.runs[k] = r
	}
	return r
}

// put stores a piece and wakes the jobs waiting in its run.
func (m *mailbox) put(k runKey, pk pieceKey, t *graphir.Tensor) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, gone := m.gone[k]; gone {
		return
	}
	r := m.get(k)
	if old, ok := r.pieces[pk]; ok {
		m.bytes -= old.Bytes()
	}
	r.pieces[pk] = t
	m.bytes += t.Bytes()
	m.gauge.Set(float64(m.bytes))
	close(r.changed)
	r.changed = make(chan struct{})
}

// take waits until every key is in the run's mailbox and removes them.
func (m *mailbox) take(ctx context.Context, k runKey, keys []pieceKey) ([]*graphir.Tensor, error) {
	for {
		m.mu.Lock()
		r := m.get(k)
		ready := true
		for _, pk := range keys {
			if _, ok := r.pieces[pk]; !ok {
				ready = false
				break
			}
		}
		if ready {
			out := make([]*graphir.Tensor, len(keys))
			for i, pk := range keys {
				out[i] = r.pieces[pk]
				delete(r.pieces, pk)
				m.bytes -= out[i].Bytes()
			}
			m.gauge.Set(float64(m.bytes))
			m.mu.Unlock()
			return out, nil
		}
		ch := r.changed
		m.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// missing lists the keys not (yet) in the run's mailbox.
func (m *mailbox) missing(k runKey, keys []pieceKey) []pieceKey {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []pieceKey
	r := m.runs[k]
	for _, pk := range keys {
		if r == nil || r.pieces[pk] == nil {
			out = append(out, pk)
		}
	}
	return out
}

func (m *mailbox) dropLocked(k runKey) {
	if r, ok := m.runs[k]; ok {
		for _, t := range r.pieces {
			m.bytes -= t.Bytes()
		}
		delete(m.runs, k)
	}
}

// release drops the runs and ignores parts that still arrive for them.
func (m *mailbox) release(session string, runs []uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	for _, run := range runs {
		k := runKey{session, run}
		m.dropLocked(k)
		m.gone[k] = now
	}
	m.gauge.Set(float64(m.bytes))
}

// dropSession drops every run of a session.
func (m *mailbox) dropSession(session string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.runs {
		if k.session == session {
			m.dropLocked(k)
		}
	}
	m.gauge.Set(float64(m.bytes))
}

// expire drops runs created, and forgets releases made, before t.
func (m *mailbox) expire(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, r := range m.runs {
		if r.created.Before(t) {
			m.dropLocked(k)
		}
	}
	for k, at := range m.gone {
		if at.Before(t) {
			delete(m.gone, k)
		}
	}
	m.gauge.Set(float64(m.bytes))
}
