package bundle

import (
	"fmt"
	"io"
)

// Verify reads every file of the bundle and checks it (OpenFile); the
// first bad one is the error, naming its blob and file. progress, when
// set, is called before each file.
func (b *Bundle) Verify(progress func(f File)) error {
	for _, f := range b.Meta.Files {
		if progress != nil {
			progress(f)
		}
		rc, _, err := b.OpenFile(f.Path)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("bundle %s: %w", b.Path, err)
		}
	}
	return nil
}
