package app

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress is a progress bar on a terminal (github.com/schollz/progressbar)
// and nothing elsewhere (a pipe, a log file, a test's buffer), so that
// output meant for people does not fill logs. It is safe for concurrent use.
type progress struct {
	mu  sync.Mutex
	bar *progressbar.ProgressBar
	w   io.Writer
	max int
}

// newProgress returns a progress reporter writing to w titled what.
func newProgress(w io.Writer, what string) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return p
	}
	p.bar = progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish())
	return p
}

// Report is a progress callback (profile.Options.Progress): done of total
// steps, the last one what.
func (p *progress) Report(done, total int, what string) {
	if p.bar == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if total != p.max {
		p.bar.ChangeMax(total)
		p.max = total
	}
	_ = p.bar.Set(done)
}

// Done removes the bar.
func (p *progress) Done() {
	if p.bar == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.bar.Finish()
}
