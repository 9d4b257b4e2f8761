// Package atomicfile replaces files so that a crash at any moment leaves
// either the old file or the new one, complete: the new content goes to a
// temporary file in the same directory, which is fsynced, renamed over the
// target, and the directory fsynced so the rename itself is durable.
package atomicfile

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// ErrDiscarded is WriteGuarded's error when keep said no.
var ErrDiscarded = errors.New("atomicfile: discarded before the rename")

// Write replaces path with what write produces. The temporary file is
// named tempPrefix + random + ".tmp" in path's directory and is removed if
// anything fails; path is untouched then.
func Write(path, tempPrefix string, perm os.FileMode, write func(w io.Writer) error) error {
	return WriteGuarded(path, tempPrefix, perm, write, nil, nil)
}

// WriteGuarded is Write with a last word: once the new content is on disk,
// it takes guard and asks keep; only if keep says yes is the file renamed
// into place, still under guard. Writers of one path sharing a guard thus
// rename in a known order, and one that was overtaken can step back.
func WriteGuarded(path, tempPrefix string, perm os.FileMode, write func(w io.Writer) error, guard sync.Locker, keep func() bool) (err error) {
	dir := filepath.Dir(path)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(dir, tempPrefix+hex.EncodeToString(rnd[:])+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return err
	}
	if guard != nil {
		guard.Lock()
		defer guard.Unlock()
		if keep != nil && !keep() {
			os.Remove(tmp)
			return ErrDiscarded
		}
	}
	if err = os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return SyncDir(dir)
}

// SyncDir fsyncs a directory, making renames and creations in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}
