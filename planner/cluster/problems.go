package cluster

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"github.com/edgectl/edgectl/graphir"
)

// problems collects every problem of a cluster file, each placed at the
// line of its path when the file's lines are known.
type problems struct {
	name  string        // the file's name, "" when unknown
	lines graphir.Lines // nil when the cluster was not decoded from a file
	list  []problem
	bad   map[string]bool // paths whose value did not parse: nothing more to say of them
}

type problem struct {
	line int
	msg  string
}

// given reports whether the file spells out path (a field present, even
// with its zero value).
func (p *problems) given(path string) bool {
	return p.lines != nil && p.lines(path) > 0
}

// add records a problem of path ("devices[2].class"), unless its value
// did not parse (badValue).
func (p *problems) add(path, format string, args ...any) {
	if p.bad[path] {
		return
	}
	line := 0
	if p.lines != nil {
		// The line of the path, else of the nearest enclosing element.
		for q := path; q != "" && line == 0; q = parent(q) {
			line = p.lines(q)
		}
	}
	p.list = append(p.list, problem{line, p.where(line) + fmt.Sprintf(format, args...)})
}

// badValue records that path's value did not parse: the problem says so,
// and checks of the value (its zero) say nothing more.
func (p *problems) badValue(path, format string, args ...any) {
	p.add(path, format, args...)
	if p.bad == nil {
		p.bad = map[string]bool{}
	}
	p.bad[path] = true
}

var reParent = regexp.MustCompile(`(\.[^.\[\]]+|\[[0-9]+\])$`)

// parent is the path of what encloses path ("devices[2]" of
// "devices[2].class", "" at the top).
func parent(path string) string {
	if loc := reParent.FindStringIndex(path); loc != nil {
		return path[:loc[0]]
	}
	return ""
}

// where is "name:line: " (fewer parts when they are unknown).
func (p *problems) where(line int) string {
	switch {
	case p.name != "" && line > 0:
		return fmt.Sprintf("%s:%d: ", p.name, line)
	case p.name != "":
		return p.name + ": "
	case line > 0:
		return fmt.Sprintf("line %d: ", line)
	}
	return ""
}

// addDecodeError adds the problems of graphir.DecodeStrictLines's error
// (one, or errors.Join of a count and the problems), placed by the line
// each names.
func (p *problems) addDecodeError(err error) {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()[1:] // the first is the count
	}
	re := regexp.MustCompile(`^(?:` + regexp.QuoteMeta(p.name) + `:|line )([0-9]+):? `)
	for _, e := range errs {
		line := 0
		if m := re.FindStringSubmatch(e.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		p.list = append(p.list, problem{line, e.Error()})
	}
}

// err is nil, the one problem, or every problem in line order after a
// count.
func (p *problems) err() error {
	switch len(p.list) {
	case 0:
		return nil
	case 1:
		return errors.New(p.list[0].msg)
	}
	sort.SliceStable(p.list, func(i, j int) bool { return p.list[i].line < p.list[j].line })
	errs := []error{fmt.Errorf("%s%d problems", p.where(0), len(p.list))}
	for _, q := range p.list {
		errs = append(errs, errors.New(q.msg))
	}
	return errors.Join(errs...)
}
